"""Helpers the benchmark scripts share: the tools' paths, a failure type, a temp root that is cleaned up, and
timed child runs (one measuring peak RSS, one capturing the output)."""

from __future__ import annotations

import compileall
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Callable, Optional, TypeVar

REPO = pathlib.Path(__file__).resolve().parent.parent
AUTOC = REPO / ".venv/bin/autoc"
ORACLE = pathlib.Path(os.environ.get("AUTOC_ORACLE_VENV", REPO / ".oracle-venv"))  # as tests/conftest.py finds it
ORACLE_PYTHON = ORACLE / "bin/python"
PYFLYTE = ORACLE / "bin/pyflyte"
SHIM = REPO / "tests/oracle_shim"  # on the oracle's PYTHONPATH: `from autoc import task` -> flytekit's task
DOCKER = "/usr/bin/docker"

GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

_HINTS = {DOCKER: "install docker.io (scripts/services does)"}

T = TypeVar("T")


class Failed(Exception):
    pass


def require(*exes) -> None:
    """Exit with a hint unless every one of EXES is an executable file."""
    for exe in exes:
        if not os.access(exe, os.X_OK):
            sys.exit(f"missing {exe}: {_HINTS.get(str(exe), 'run scripts/setup-dev first')}")


def in_root(fn: Callable[[pathlib.Path], T], prefix: str, root: Optional[pathlib.Path] = None) -> T:
    """FN(ROOT resolved); ROOT defaults to a new temp dir (PREFIX...), removed afterwards. A Failed is printed
    as FAILED and exits with status 1."""
    work = root or pathlib.Path(tempfile.mkdtemp(prefix=prefix))
    try:
        return fn(work.resolve())
    except Failed as e:
        print(f"\nFAILED: {e}", file=sys.stderr)
        raise SystemExit(1)
    finally:
        if root is None:
            shutil.rmtree(work, ignore_errors=True)


def _exited(cmd: list, code: int, output: str) -> Failed:
    return Failed(f"{' '.join(map(str, cmd))} exited {code}:\n{output[-3000:]}")


def compile_autoc() -> None:
    """Byte-compile autoc's sources, untimed. pip compiled flytekit's when it installed it (as it does for any
    wheel, autoc's included); the editable install of autoc under test has no .pyc files unless Python may write
    them, and these machines set PYTHONDONTWRITEBYTECODE, so every timed run would compile autoc again."""
    if not compileall.compile_dir(pathlib.Path(__file__).resolve().parent.parent / "autoc", quiet=1):
        raise Failed("could not byte-compile autoc's sources")


def run_once(cmd: list[str], cwd: pathlib.Path, env: dict) -> tuple[float, int]:
    """Run CMD to completion; return (wall seconds, peak RSS in KiB of that child)."""
    wall, peak, _ = run_measured(cmd, cwd, env)
    return wall, peak


def run_measured(cmd: list[str], cwd: pathlib.Path, env: dict) -> tuple[float, int, float]:
    """Run CMD to completion; return (wall seconds, peak RSS in KiB, CPU seconds: user + system) of that child.
    The CPU time is ``os.wait4``'s rusage of the child (with GNU time in front: of time and the command it waited
    for, a millisecond more); unlike wall time it hardly moves when other work shares the machine."""
    rss = tempfile.NamedTemporaryFile("r", suffix=".rss") if GNU_TIME else None
    argv = [GNU_TIME, "-q", "-f", "%M", "-o", rss.name, *cmd] if rss else cmd
    try:
        t0 = time.perf_counter()
        with subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as p:
            stderr = p.stderr.read()
            _, status, usage = os.wait4(p.pid, 0)  # reaps the child: its own rusage, not a running total
            wall = time.perf_counter() - t0
            p.returncode = code = os.waitstatus_to_exitcode(status)
        # ru_maxrss of the child itself is never below this process's RSS (its high-water mark starts before exec)
        peak = int(rss.read().split()[-1]) if rss and code == 0 else usage.ru_maxrss  # KiB on Linux
    finally:
        if rss:
            rss.close()
    if code != 0:
        raise _exited(cmd, code, stderr.decode(errors="replace"))
    return wall, peak, usage.ru_utime + usage.ru_stime


def compile_tree(path: pathlib.Path) -> None:
    """Byte-compile a generated tree, untimed: both tools run CPython 3.11 and share its __pycache__ (these
    machines set PYTHONDONTWRITEBYTECODE, so neither tool would write it, and every run would compile it)."""
    if not compileall.compile_dir(path, quiet=1):
        raise Failed(f"could not byte-compile {path}")


def run_captured(cmd: list, cwd: pathlib.Path, env: dict) -> tuple[float, str, str]:
    """Run CMD to completion; return (wall seconds, stdout, stderr). A non-zero exit raises Failed with the
    tail of both streams."""
    t0 = time.perf_counter()
    p = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise _exited(cmd, p.returncode, p.stdout + p.stderr)
    return wall, p.stdout, p.stderr


PYFLYTE_EXECUTE = ORACLE_PYTHON.with_name("pyflyte-execute")
RESOLVERS = {"autoc": "autoc.resolvers.default_task_resolver",
             "pyflyte": "flytekit.core.python_auto_container.default_task_resolver"}


def execute_command(tool: str, inputs, out, raw, module: str, task_name: str) -> list:
    """The container command Flyte runs, for ``autoc execute`` or ``pyflyte-execute`` (``tool``)."""
    exe = [str(AUTOC), "execute"] if tool == "autoc" else [str(PYFLYTE_EXECUTE)]
    return [*exe, "--inputs", str(inputs), "--output-prefix", str(out), "--raw-output-data-prefix", str(raw),
            "--checkpoint-path", "{{.checkpointOutputPrefix}}", "--prev-checkpoint", "{{.prevCheckpointPrefix}}",
            "--resolver", RESOLVERS[tool], "--", "task-module", module, "task-name", task_name]


def register_ratios(runs: dict, label: str, targets: dict) -> dict:
    """Medians and pyflyte/autoc ratios of ``runs`` ({tool: [{"first": s, "unchanged": s, "version": v}, ...]}) per
    phase in ``targets`` ({phase: target ratio}), printed; both tools must have computed one version."""
    import statistics

    versions = {r["version"] for rs in runs.values() for r in rs}
    if len(versions) != 1:
        raise Failed(f"the tools computed different versions: {versions}")
    result = {}
    for phase, target in targets.items():
        med = {t: statistics.median(r[phase] for r in rs) for t, rs in runs.items()}
        result[phase] = {"median_s": med, "ratio": med["pyflyte"] / med["autoc"]}
        print(f"register {label} {phase}: autoc {med['autoc']:.3f}s  pyflyte {med['pyflyte']:.3f}s  "
              f"ratio {result[phase]['ratio']:.2f}x (target >= {target}x)", flush=True)
    result["version"] = next(iter(versions))
    return result


def register_twice(tool: str, argv: list, root: pathlib.Path, env: dict, db: pathlib.Path, n: int,
                   tables=("tasks",), note: Callable[[], str] = lambda: "") -> dict:
    """Run a register command (autoc's with ``--output json`` or pyflyte's) twice in ``root``: the first run and the
    unchanged re-run, timed; each must leave the loopback test server (its SQLite ``db``) holding ``n`` entities of
    ``tables`` at the version the tool computed. Returns {"first": s, "unchanged": s, "version": v}."""
    import json
    import re
    import sqlite3

    out = {}
    for phase in ("first", "unchanged"):
        t0 = time.perf_counter()
        p = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)
        out[phase] = time.perf_counter() - t0
        if p.returncode != 0:
            raise Failed(f"{tool} register {phase} exited {p.returncode}:\n{(p.stdout + p.stderr)[-3000:]}")
        if tool == "autoc":
            version = json.loads(p.stdout)["version"]
        else:
            version = re.search(r"Computed version is (\S+)", p.stdout).group(1)
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            held = sum(conn.execute(f"SELECT count(*) FROM {t} WHERE version = ?", (version,)).fetchone()[0]
                       for t in tables)
        if held != n:
            raise Failed(f"{tool} {phase}: the server holds {held} entities at {version}, expected {n}")
        out["version"] = version
        print(f"  {tool:<8} register {phase:<10} {out[phase]:8.3f}s  version {version}{note()}", flush=True)
    return out

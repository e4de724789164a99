"""Benchmark `autoc register` against `pyflyte register` on a loopback FlyteAdmin, side by side, in one run.

    .venv/bin/python benchmarks/register.py [--tasks 1000] [--repeat 1] [--json results.json]

For each repeat and each tool, a FRESH tests/admin_server process (own sqlite db) is started, then:

  1. first registration of the generated N-task tree (benchmarks/generate.py): every task is created;
  2. re-registration of the unchanged tree against the same server: every task is already there.

Wall-clock is time.perf_counter() around subprocess.run (interpreter start-up and shutdown included). After
each run the server's db must hold exactly N tasks at that version (autoc's json summary must also say
created/unchanged N); the server's --log-calls lines give how many CreateTask calls each run made.

The generated tasks request up to 2Gi and limit up to 8Gi of memory, so the server runs with
--platform-limit memory=8Gi (flyteadmin's default platform limit of 1Gi would reject them; cpu=2 is enough).

Exit status: 0 ok (targets are reported, not enforced), 1 a run failed or the server holds the wrong tasks.
"""

from __future__ import annotations

import argparse
import collections
import compileall
import json
import os
import pathlib
import signal
import sqlite3
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import AUTOC, PYFLYTE, REPO, SHIM, Failed, compile_autoc, in_root, require  # noqa: E402
from generate import generate  # noqa: E402

PYTHON = REPO / ".venv/bin/python"  # runs tests.admin_server (grpc + flyteidl live in autoc's venv)
PACKAGE, IMAGE, PROJECT, DOMAIN, VERSION = "bench_tasks", "ghcr.io/acme/app:v1", "flytesnacks", "development", "v1"
TARGETS = {"first": 5.0, "unchanged": 10.0}  # pyflyte seconds / autoc seconds
TOOLS = ("autoc", "pyflyte")



class Server:
    """tests.admin_server in its own process: fresh sqlite db, every call logged to a file."""

    def __init__(self, workdir: pathlib.Path):
        self.db, self.log = workdir / "admin.db", workdir / "calls.log"
        cmd = [str(PYTHON), "-m", "tests.admin_server", "--port", "0", "--db", str(self.db),
               "--platform-limit", "memory=8Gi", "--log-calls"]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=log, text=True)
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "READY":
            self.stop()
            raise Failed(f"admin server did not start:\n{self.log.read_text()[-3000:]}")
        self.address = line[1]
        self._seen = 0

    def calls_since_last(self) -> collections.Counter:
        """RPCs (by method name) logged since the previous call of this method."""
        lines = self.log.read_text().splitlines()
        new, self._seen = lines[self._seen:], len(lines)
        return collections.Counter(line.split()[1] for line in new if line.startswith("CALL "))

    def stored(self) -> tuple[int, int]:
        """(tasks in the db, of which at PROJECT/DOMAIN/VERSION), read straight from the server's sqlite file."""
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            total = db.execute("SELECT count(*) FROM tasks").fetchone()[0]
            ours = db.execute("SELECT count(*) FROM tasks WHERE project = ? AND domain = ? AND version = ?",
                              (PROJECT, DOMAIN, VERSION)).fetchone()[0]
        return total, ours

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.communicate(timeout=30)


def command(tool: str, address: str, cfg: pathlib.Path) -> list[str]:
    if tool == "autoc":
        return [str(AUTOC), "register", PACKAGE, "--endpoint", address, "--insecure", "--project", PROJECT,
                "--domain", DOMAIN, "--version", VERSION, "--copy", "none", "--image", IMAGE, "--output", "json"]
    cfg.write_text(f"admin:\n  endpoint: dns:///{address}\n  insecure: true\n")
    return [str(PYFLYTE), "-c", str(cfg), "register", "--non-fast", "--version", VERSION, "--project", PROJECT,
            "--domain", DOMAIN, "--image", IMAGE, PACKAGE]


def check(tool: str, phase: str, proc: subprocess.CompletedProcess, server: Server, n: int) -> None:
    """Fail loudly unless the run exited 0, the server holds exactly N tasks at VERSION, and (autoc) its
    json summary says the expected outcome for all N."""
    if proc.returncode != 0:
        raise Failed(f"{tool} {phase} exited {proc.returncode}:\n{(proc.stdout + proc.stderr)[-3000:]}")
    total, ours = server.stored()
    if total != n or ours != n:
        raise Failed(f"{tool} {phase}: the server holds {total} tasks ({ours} at {VERSION}), expected {n}")
    if tool == "autoc":
        summary = json.loads(proc.stdout)["summary"]
        expected = {"created": n} if phase == "first" else {"unchanged": n}
        if summary != expected:
            raise Failed(f"autoc {phase}: summary {summary}, expected {expected}")


def measure(tool: str, root: pathlib.Path, work: pathlib.Path, env: dict, n: int) -> dict:
    """One fresh server; first registration then the unchanged re-run. Returns phase -> {seconds, calls}."""
    work.mkdir(parents=True)
    server = Server(work)
    try:
        server.calls_since_last()  # nothing yet, but start counting from here
        argv = command(tool, server.address, work / "config.yaml")
        out = {}
        for phase in ("first", "unchanged"):
            t0 = time.perf_counter()
            proc = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            check(tool, phase, proc, server, n)
            calls = dict(server.calls_since_last())
            out[phase] = {"seconds": seconds, "calls": calls}
            print(f"  {tool:<8} {phase:<10} {seconds:8.3f}s  CreateTask calls: {calls.get('CreateTask', 0)}",
                  flush=True)
        return out
    finally:
        server.stop()


def bench(a, root: pathlib.Path) -> dict:
    generate(root, a.tasks, PACKAGE)
    # Both tools run CPython 3.11, so they share the tree's __pycache__: compile it once, untimed.
    compileall.compile_dir(root / PACKAGE, quiet=1)
    base = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(("FLYTE", "AUTOC_"))}
    envs = {"autoc": base, "pyflyte": {**base, "PYTHONPATH": str(SHIM)}}  # `from autoc import task` -> flytekit
    print(f"{a.tasks} tasks in {root / PACKAGE}; {os.cpu_count()} CPUs; a fresh server per tool and repeat",
          flush=True)
    runs = {tool: [] for tool in TOOLS}
    for k in range(a.repeat):
        print(f"repeat {k + 1}/{a.repeat}:", flush=True)
        for tool in TOOLS:  # alternate, so drifting machine load hits both alike
            runs[tool].append(measure(tool, root, root / f"run-{k}-{tool}", envs[tool], a.tasks))

    table = []
    for phase, target in TARGETS.items():
        med = {t: statistics.median(r[phase]["seconds"] for r in runs[t]) for t in TOOLS}
        creates = {t: runs[t][0][phase]["calls"].get("CreateTask", 0) for t in TOOLS}
        ratio = med["pyflyte"] / med["autoc"]
        table.append({"phase": phase, "autoc_s": med["autoc"], "pyflyte_s": med["pyflyte"], "ratio": ratio,
                      "target": target, "met": ratio >= target, "autoc_create_calls": creates["autoc"],
                      "pyflyte_create_calls": creates["pyflyte"]})
    label = {"first": f"first registration ({a.tasks})", "unchanged": f"unchanged re-run ({a.tasks})"}
    print(f"\n{'phase':<30}{'autoc s':>9}{'pyflyte s':>11}{'pyflyte/autoc':>15}  target    CreateTask autoc/pyflyte")
    for t in table:
        mark = "ok" if t["met"] else "MISSED"
        print(f"{label[t['phase']]:<30}{t['autoc_s']:>9.3f}{t['pyflyte_s']:>11.3f}{t['ratio']:>14.2f}x  "
              f">={t['target']:g}x {mark:<6} {t['autoc_create_calls']} / {t['pyflyte_create_calls']}")
    if a.repeat > 1:
        print(f"(median of {a.repeat} repeats; CreateTask counts are from the first repeat)")
    return {"tasks": a.tasks, "repeat": a.repeat, "cpus": os.cpu_count(), "python": sys.version.split()[0],
            "table": table, "runs": runs}


def main() -> int:
    ap = argparse.ArgumentParser(description="autoc register vs pyflyte register on a loopback FlyteAdmin.")
    ap.add_argument("--tasks", type=int, default=1000, help="tasks in the generated tree (default 1000)")
    ap.add_argument("--repeat", type=int, default=1, help="fresh-server rounds per tool (median is reported)")
    ap.add_argument("--json", type=pathlib.Path, help="also write the results here")
    a = ap.parse_args()
    compile_autoc()
    require(PYTHON, AUTOC, PYFLYTE)
    result = in_root(lambda root: bench(a, root), "autoc-register-bench-")
    if a.json:
        a.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

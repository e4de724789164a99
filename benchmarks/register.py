"""Benchmark `autoc register` against `pyflyte register` on a loopback FlyteAdmin, side by side, in one run.

    .venv/bin/python benchmarks/register.py [--tasks 1000] [--repeat 1] [--json results.json]
    .venv/bin/python benchmarks/register.py --workflows 50 [--repeat 3]

For each repeat and each tool, a FRESH tests/admin_server process (own sqlite db) is started, then:

  1. first registration of the generated tree: every entity is created;
  2. re-registration of the unchanged tree against the same server: every entity is already there.

The tree is N tasks (benchmarks/generate.py), or with --workflows N, N workflows (5 per module), each a chain of
4 tasks of its own and with its default launch plan: 4N tasks, N workflows, N launch plans, which the server
compiles as flyteadmin does (the tasks a workflow runs must be there first).

Wall-clock is time.perf_counter() around subprocess.run (interpreter start-up and shutdown included). After
each run the server's db must hold exactly the tree's entities at that version (autoc's json summary must also
say created/unchanged for all); the server's --log-calls lines give how many Create* calls each run made.

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
import resource
import shutil
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
WF_PACKAGE, WF_TASKS, WF_PER_MODULE = "bench_wf", 4, 5
TARGETS = {"first": 5.0, "unchanged": 10.0}  # pyflyte seconds / autoc seconds
WF_TARGETS = {"first": 5.0, "unchanged": 5.0}
TOOLS = ("autoc", "pyflyte")
TABLES = ("tasks", "workflows", "launch_plans")
CREATES = ("CreateTask", "CreateWorkflow", "CreateLaunchPlan")

WF_MODULE = '''"""Synthetic benchmark module {m}: {k} workflows of 4 tasks each, with their default launch plans."""

from typing import List

from autoc import task, workflow
'''
WF_SOURCE = '''

@task(retries=1)
def t{w}_0(x: int) -> int:
    """Step one of workflow {w}."""
    return x + {w}


@task
def t{w}_1(x: int, scale: float = 1.5) -> float:
    return x * scale


@task(cache=True, cache_version="{w}")
def t{w}_2(y: float) -> List[str]:
    return [str(y)] * 3


@task
def t{w}_3(words: List[str], n: int) -> int:
    return len(words) + n


@workflow
def wf{w}(x: int = {w}) -> int:
    """Workflow {w}: a chain of four tasks."""
    a = t{w}_0(x=x)
    b = t{w}_1(x=a)
    c = t{w}_2(y=b)
    return t{w}_3(words=c, n=a)
'''


def generate_workflows(root: pathlib.Path, workflows: int) -> pathlib.Path:
    """(Re)create ROOT/bench_wf with WORKFLOWS workflows, WF_PER_MODULE per module."""
    import shutil

    pkg = root / WF_PACKAGE
    if pkg.exists():
        shutil.rmtree(pkg)
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Synthetic workflows for benchmarks/register.py."""\n')
    for m, start in enumerate(range(0, workflows, WF_PER_MODULE)):
        ids = range(start, min(start + WF_PER_MODULE, workflows))
        src = WF_MODULE.format(m=m, k=len(ids)) + "".join(WF_SOURCE.format(w=w) for w in ids)
        (pkg / f"flows_{m:03d}.py").write_text(src)
    return pkg


def tree(a) -> tuple[str, dict]:
    """(package, table -> entities expected) for the arguments, generating nothing."""
    if a.workflows:
        return WF_PACKAGE, {"tasks": WF_TASKS * a.workflows, "workflows": a.workflows, "launch_plans": a.workflows}
    return PACKAGE, {"tasks": a.tasks, "workflows": 0, "launch_plans": 0}



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

    def stored(self) -> dict:
        """table -> (entities in the db, of which at PROJECT/DOMAIN/VERSION), read straight from the server's
        sqlite file."""
        out = {}
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            for table in TABLES:
                total = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                ours = db.execute(f"SELECT count(*) FROM {table} WHERE project = ? AND domain = ? AND version = ?",
                                  (PROJECT, DOMAIN, VERSION)).fetchone()[0]
                out[table] = (total, ours)
        return out

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.communicate(timeout=30)


def command(tool: str, address: str, cfg: pathlib.Path, package: str) -> list[str]:
    if tool == "autoc":
        return [str(AUTOC), "register", package, "--endpoint", address, "--insecure", "--project", PROJECT,
                "--domain", DOMAIN, "--version", VERSION, "--copy", "none", "--image", IMAGE, "--output", "json"]
    cfg.write_text(f"admin:\n  endpoint: dns:///{address}\n  insecure: true\n")
    return [str(PYFLYTE), "-c", str(cfg), "register", "--non-fast", "--version", VERSION, "--project", PROJECT,
            "--domain", DOMAIN, "--image", IMAGE, package]


def check(tool: str, phase: str, proc: subprocess.CompletedProcess, server: Server, expected: dict) -> None:
    """Fail loudly unless the run exited 0, the server holds exactly the expected entities at VERSION, and
    (autoc) its json summary says the expected outcome for all of them."""
    if proc.returncode != 0:
        raise Failed(f"{tool} {phase} exited {proc.returncode}:\n{(proc.stdout + proc.stderr)[-3000:]}")
    for table, (total, ours) in server.stored().items():
        if total != expected[table] or ours != expected[table]:
            raise Failed(f"{tool} {phase}: the server holds {total} {table} ({ours} at {VERSION}), expected "
                         f"{expected[table]}")
    n = sum(expected.values())
    if tool == "autoc":
        summary = json.loads(proc.stdout)["summary"]
        expected = {"created": n} if phase == "first" else {"unchanged": n}
        if summary != expected:
            raise Failed(f"autoc {phase}: summary {summary}, expected {expected}")


def measure(tool: str, root: pathlib.Path, work: pathlib.Path, env: dict, package: str, expected: dict) -> dict:
    """One fresh server; first registration then the unchanged re-run. Returns phase -> {seconds, cpu_s, calls}:
    cpu_s is the client's own CPU time (user + system of the register process, from the rusage of reaped children;
    the server, another child, is reaped only when it stops), which other work on the machine hardly moves."""
    shutil.rmtree(work, ignore_errors=True)  # (a --root used before)
    work.mkdir(parents=True)
    server = Server(work)
    try:
        server.calls_since_last()  # nothing yet, but start counting from here
        argv = command(tool, server.address, work / "config.yaml", package)
        out = {}
        for phase in ("first", "unchanged"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            check(tool, phase, proc, server, expected)
            calls = dict(server.calls_since_last())
            out[phase] = {"seconds": seconds, "cpu_s": cpu, "calls": calls}
            print(f"  {tool:<8} {phase:<10} {seconds:8.3f}s  client CPU {cpu:7.3f}s  Create* calls: "
                  f"{creates(calls)}", flush=True)
        return out
    finally:
        server.stop()


def creates(calls: dict) -> int:
    return sum(calls.get(m, 0) for m in CREATES)


def bench(a, root: pathlib.Path) -> dict:
    package, expected = tree(a)
    if a.workflows:
        generate_workflows(root, a.workflows)
    else:
        generate(root, a.tasks, PACKAGE)
    what = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in expected.items() if n)
    # Both tools run CPython 3.11, so they share the tree's __pycache__: compile it once, untimed.
    compileall.compile_dir(root / package, quiet=1)
    base = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(("FLYTE", "AUTOC_"))}
    envs = {"autoc": base, "pyflyte": {**base, "PYTHONPATH": str(SHIM)}}  # `from autoc import task` -> flytekit
    print(f"{what} in {root / package}; {os.cpu_count()} CPUs; a fresh server per tool and repeat", flush=True)
    runs = {tool: [] for tool in TOOLS}
    for k in range(a.repeat):
        print(f"repeat {k + 1}/{a.repeat}:", flush=True)
        for tool in TOOLS:  # alternate, so drifting machine load hits both alike
            runs[tool].append(measure(tool, root, root / f"run-{k}-{tool}", envs[tool], package, expected))

    table = []
    for phase, target in (WF_TARGETS if a.workflows else TARGETS).items():
        med = {t: statistics.median(r[phase]["seconds"] for r in runs[t]) for t in TOOLS}
        cpu = {t: statistics.median(r[phase]["cpu_s"] for r in runs[t]) for t in TOOLS}
        made = {t: creates(runs[t][0][phase]["calls"]) for t in TOOLS}
        ratio = med["pyflyte"] / med["autoc"]
        table.append({"phase": phase, "autoc_s": med["autoc"], "pyflyte_s": med["pyflyte"], "ratio": ratio,
                      "target": target, "met": ratio >= target, "autoc_cpu_s": cpu["autoc"],
                      "pyflyte_cpu_s": cpu["pyflyte"], "cpu_ratio": cpu["pyflyte"] / cpu["autoc"],
                      "autoc_create_calls": made["autoc"], "pyflyte_create_calls": made["pyflyte"]})
    n = sum(expected.values())
    label = {"first": f"first registration ({n})", "unchanged": f"unchanged re-run ({n})"}
    print(f"\n{'phase':<30}{'autoc s':>9}{'pyflyte s':>11}{'pyflyte/autoc':>15}  target    Create* autoc/pyflyte"
          f"  client CPU autoc/pyflyte")
    for t in table:
        mark = "ok" if t["met"] else "MISSED"
        print(f"{label[t['phase']]:<30}{t['autoc_s']:>9.3f}{t['pyflyte_s']:>11.3f}{t['ratio']:>14.2f}x  "
              f">={t['target']:g}x {mark:<6} {t['autoc_create_calls']} / {t['pyflyte_create_calls']}"
              f"{'':>12}{t['autoc_cpu_s']:.3f}s / {t['pyflyte_cpu_s']:.3f}s = {t['cpu_ratio']:.2f}x")
    if a.repeat > 1:
        print(f"(median of {a.repeat} repeats; Create* counts are from the first repeat)")
    return {"entities": expected, "repeat": a.repeat, "cpus": os.cpu_count(), "python": sys.version.split()[0],
            "table": table, "runs": runs, "tasks": a.tasks, "workflows": a.workflows,
            "load_average": os.getloadavg()}


def main() -> int:
    ap = argparse.ArgumentParser(description="autoc register vs pyflyte register on a loopback FlyteAdmin.")
    ap.add_argument("--tasks", type=int, default=1000, help="tasks in the generated tree (default 1000)")
    ap.add_argument("--workflows", type=int, default=0,
                    help="instead: N workflows of 4 tasks each, with their default launch plans")
    ap.add_argument("--repeat", type=int, default=1, help="fresh-server rounds per tool (median is reported)")
    ap.add_argument("--json", type=pathlib.Path, help="also write the results here")
    ap.add_argument("--root", type=pathlib.Path, help="where to write the tree and the servers' files "
                                                      "(default: a temp dir, removed), e.g. under /dev/shm")
    a = ap.parse_args()
    compile_autoc()
    require(PYTHON, AUTOC, PYFLYTE)
    result = in_root(lambda root: bench(a, root), "autoc-register-bench-", a.root)
    if a.json:
        a.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

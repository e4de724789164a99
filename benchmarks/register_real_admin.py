"""Benchmark `autoc register` against `pyflyte register` into the REAL flyteadmin, side by side, in one run.

    .venv/bin/python benchmarks/register_real_admin.py /path/to/flyteadmin [--tasks 1000] [--json out.json]

Needs a flyteadmin binary built by tests/flyteadmin (not buildable from the registries yet: see
tests/flyteadmin/README.md). For each tree and tool, a fresh flyteadmin (tests/flyteadmin/run.py: PostgreSQL, moto
S3, migrate, serve) and two runs: the first registration, then the unchanged re-run. Trees, generated on tmpfs
(/dev/shm): N tasks (benchmarks/generate.py, non-fast, as benchmarks/register.py) and examples/workflows (fast:
both tools upload their bundle through flyteadmin's data proxy to the signed S3 URL). Create* calls come from
flyteadmin's own /metrics. Every run must exit 0 (autoc's summary must say all created / all unchanged). The load
average is printed before and after: the 2 cores are shared, so read the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from common import AUTOC, PYFLYTE, SHIM, Failed, compile_autoc  # noqa: E402
from generate import generate  # noqa: E402

from tests.flyteadmin.run import RealAdmin  # noqa: E402

IMAGES = ["--image", "ghcr.io/acme/app:v1", "--image", "gpu=ghcr.io/acme/gpu:v3"]


def creates(metrics_url: str) -> int:
    text = urllib.request.urlopen(metrics_url).read().decode()
    return sum(int(n) for n in re.findall(r"^flyte:admin:admin:create_(?:task|workflow|launch_plan):codes:\w+ (\d+)$",
                                          text, re.M))


def command(tool: str, address: str, cfg: pathlib.Path, package: str, fast: bool) -> list[str]:
    if tool == "autoc":
        return [str(AUTOC), "register", package, "--endpoint", address, "--insecure", "--version", "v1", *IMAGES,
                "--output", "json", *([] if fast else ["--copy", "none"])]
    cfg.write_text(f"admin:\n  endpoint: dns:///{address}\n  insecure: true\n")
    return [str(PYFLYTE), "-c", str(cfg), "register", "--version", "v1", *IMAGES, package,
            *([] if fast else ["--copy", "none"])]


def measure(binary, tool, root, package, fast, env) -> dict:
    with RealAdmin(binary) as admin:
        out = {}
        for phase in ("first", "unchanged"):
            before = creates(admin.metrics_url)
            t0 = time.perf_counter()
            p = subprocess.run(command(tool, admin.address, root / "flytekit.yaml", package, fast), cwd=root,
                               env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            made = creates(admin.metrics_url) - before
            if p.returncode != 0:
                raise Failed(f"{tool} {package} {phase} exited {p.returncode}:\n{(p.stdout + p.stderr)[-3000:]}")
            if tool == "autoc":
                summary = json.loads(p.stdout)["summary"]
                want = {"created": made} if phase == "first" else {"unchanged": out["first"]["create_calls"]}
                if summary != want or not made and phase == "first":
                    raise Failed(f"autoc {phase}: summary {summary}, expected {want}")
            load = open("/proc/loadavg").read().split()[0]
            print(f"  {package:<16} {tool:<8} {phase:<10} {seconds:8.2f}s  Create* {made:<5} load {load}", flush=True)
            out[phase] = {"seconds": seconds, "create_calls": made}
        return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary", help="flyteadmin built by tests/flyteadmin")
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--root", type=pathlib.Path, default=pathlib.Path("/dev/shm/autoc-bench-real-admin"))
    ap.add_argument("--json", type=pathlib.Path)
    a = ap.parse_args()
    compile_autoc()
    shutil.rmtree(a.root, ignore_errors=True)
    a.root.mkdir(parents=True)
    generate(a.root, a.tasks, "bench_tasks")
    shutil.copytree(HERE.parent / "examples" / "workflows", a.root / "workflows",
                    ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(a.root, quiet=1)
    base = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(("FLYTE", "AUTOC_"))}
    envs = {"autoc": base, "pyflyte": {**base, "PYTHONPATH": str(SHIM), "DOCKER_HOST": "unix:///nonexistent.sock"}}
    print(f"load average before: {open('/proc/loadavg').read().strip()}", flush=True)
    results = {}
    for package, fast in (("bench_tasks", False), ("workflows", True)):
        for tool in ("autoc", "pyflyte"):  # alternate, so drifting load hits both alike
            results[(package, tool)] = measure(a.binary, tool, a.root, package, fast, envs[tool])
    print(f"load average after: {open('/proc/loadavg').read().strip()}")
    table = []
    print(f"\n{'tree':<18}{'phase':<11}{'autoc s':>9}{'pyflyte s':>11}{'pyflyte/autoc':>15}  Create* autoc/pyflyte")
    for package in ("bench_tasks", "workflows"):
        for phase in ("first", "unchanged"):
            x, y = results[(package, "autoc")][phase], results[(package, "pyflyte")][phase]
            ratio = y["seconds"] / x["seconds"]
            table.append({"tree": package, "phase": phase, "autoc_s": x["seconds"], "pyflyte_s": y["seconds"],
                          "ratio": ratio, "autoc_creates": x["create_calls"], "pyflyte_creates": y["create_calls"]})
            print(f"{package:<18}{phase:<11}{x['seconds']:>9.2f}{y['seconds']:>11.2f}{ratio:>14.2f}x  "
                  f"{x['create_calls']} / {y['create_calls']}")
    if a.json:
        a.json.write_text(json.dumps(table, indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)

"""Benchmark `autoc ... --sdk flytekit` against pyflyte on the SAME unmodified flytekit tree, side by side.

    .venv/bin/python benchmarks/sdk_flytekit.py [--tasks 5000] [--repeat 3] [--register-tasks 1000]
                                                [--root /dev/shm/x] [--json results.json]

The tree is benchmarks/generate.py's, written as a flytekit project would be (`from flytekit import Resources,
task`, `flytekit==1.16.31` in requirements.txt): pyflyte reads it as it is (no shim), autoc through --sdk flytekit.

  a. serialize: `autoc serialize --sdk flytekit` vs `pyflyte serialize`, runs interleaved, median of --repeat.
     The warm-up outputs must be EQUAL message for message (no normalisation), or the run fails.
  b. register: a fresh tests/admin_server per tool and repeat; `autoc register --sdk flytekit` vs
     `pyflyte register` as users run them (fast registration, computed version): first run, then the unchanged
     re-run. Both must compute the same version and leave the server holding the same N tasks.

Exit status: 0 ok (targets are reported), 1 a tool failed or the outputs differ.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import pathlib
import shutil
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import (AUTOC, Failed, compile_autoc, in_root, register_ratios, register_twice, require,  # noqa: E402
                    run_once)
from generate import generate  # noqa: E402
from register import PYTHON, Server  # noqa: E402

ORACLE = pathlib.Path(os.environ.get("AUTOC_ORACLE_VENV", pathlib.Path(__file__).resolve().parents[1] /
                                     ".oracle-venv"))
PYFLYTE = ORACLE / "bin" / "pyflyte"
PACKAGE, IMAGE, PROJECT, DOMAIN = "bench_tasks", "ghcr.io/acme/app:v1", "flytesnacks", "development"


def flytekit_tree(root: pathlib.Path, tasks: int) -> None:
    """generate.py's tree, imports rewritten to flytekit's; compiled once (both tools run CPython 3.11)."""
    shutil.rmtree(root / PACKAGE, ignore_errors=True)
    generate(root, tasks, PACKAGE)
    for f in (root / PACKAGE).rglob("*.py"):
        f.write_text(f.read_text().replace("from autoc import", "from flytekit import"))
    (root / "requirements.txt").write_text("flytekit==1.16.31\n")
    compileall.compile_dir(root / PACKAGE, quiet=1)


def equal_outputs(a: pathlib.Path, b: pathlib.Path, n: int) -> None:
    from flyteidl.admin.task_pb2 import TaskSpec

    names = sorted(p.name for p in a.glob("*.pb"))
    if len(names) != n or names != sorted(p.name for p in b.glob("*.pb")):
        raise Failed(f"different or missing files: {len(names)} vs {len(list(b.glob('*.pb')))}")
    bad = [x for x in names if TaskSpec.FromString((a / x).read_bytes()) != TaskSpec.FromString((b / x).read_bytes())]
    if bad:
        raise Failed(f"{len(bad)} specs differ, e.g. {bad[:3]}")


def bench_serialize(a, root: pathlib.Path, env: dict) -> dict:
    def cmd(tool: str, out: pathlib.Path) -> list:
        out.mkdir(parents=True)
        if tool == "autoc":
            return [str(AUTOC), "serialize", "--sdk", "flytekit", PACKAGE, "-o", str(out), "--image", IMAGE]
        return [str(PYFLYTE), "--pkgs", PACKAGE, "serialize", "--image", IMAGE, "workflows", "-f", str(out)]

    runs = root / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    for tool in ("autoc", "pyflyte"):
        run_once(cmd(tool, runs / f"{tool}-warmup"), root, env)
    equal_outputs(runs / "autoc-warmup", runs / "pyflyte-warmup", a.tasks)
    walls = {"autoc": [], "pyflyte": []}
    for k in range(a.repeat):
        for tool in walls:
            walls[tool].append(run_once(cmd(tool, runs / f"{tool}-{k}"), root, env)[0])
    shutil.rmtree(runs)
    med = {t: statistics.median(w) for t, w in walls.items()}
    print(f"serialize {a.tasks}: autoc {med['autoc']:.3f}s  pyflyte {med['pyflyte']:.3f}s  "
          f"ratio {med['pyflyte'] / med['autoc']:.2f}x (target >= 5x); all {a.tasks} specs equal", flush=True)
    return {"walls_s": walls, "median_s": med, "ratio": med["pyflyte"] / med["autoc"]}


def register_once(tool: str, root: pathlib.Path, work: pathlib.Path, env: dict, n: int) -> dict:
    work.mkdir(parents=True)
    server = Server(work)
    try:
        if tool == "autoc":
            argv = [str(AUTOC), "register", "--sdk", "flytekit", PACKAGE, "--endpoint", server.address,
                    "--insecure", "--project", PROJECT, "--domain", DOMAIN, "--image", IMAGE, "--output", "json"]
        else:
            (work / "config.yaml").write_text(f"admin:\n  endpoint: dns:///{server.address}\n  insecure: true\n")
            argv = [str(PYFLYTE), "-c", str(work / "config.yaml"), "register", "--project", PROJECT, "--domain",
                    DOMAIN, "--image", IMAGE, PACKAGE]
        return register_twice(tool, argv, root, env, server.db, n)
    finally:
        server.stop()


def bench_register(a, root: pathlib.Path, env: dict) -> dict:
    tree = root / "register-tree"  # the bundle is the whole tree (--copy all): server files stay outside it
    tree.mkdir()
    flytekit_tree(tree, a.register_tasks)
    runs = {"autoc": [], "pyflyte": []}
    for k in range(a.repeat):
        for tool in runs:
            runs[tool].append(register_once(tool, tree, root / f"reg-{k}-{tool}", env, a.register_tasks))
    return register_ratios(runs, str(a.register_tasks), {"first": 5, "unchanged": 5})


def main() -> int:
    ap = argparse.ArgumentParser(description="autoc --sdk flytekit vs pyflyte on an unmodified flytekit tree.")
    ap.add_argument("--tasks", type=int, default=5000)
    ap.add_argument("--register-tasks", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--root", type=pathlib.Path)
    ap.add_argument("--json", type=pathlib.Path)
    a = ap.parse_args()
    compile_autoc()
    require(AUTOC, PYFLYTE, PYTHON)
    env = {k: v for k, v in os.environ.items()
           if k != "PYTHONPATH" and not k.startswith(("FLYTE", "AUTOC_")) and k != "DOCKER_HOST"}

    def run(root: pathlib.Path) -> dict:
        tree = root / "serialize-tree"
        tree.mkdir()
        flytekit_tree(tree, a.tasks)
        print(f"{a.tasks} tasks in {tree / PACKAGE}; {os.cpu_count()} CPUs", flush=True)
        r = {"serialize": bench_serialize(a, tree, env)}
        r["register"] = bench_register(a, root, env)
        return r

    result = in_root(run, "autoc-sdk-bench-", a.root)
    if a.json:
        a.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

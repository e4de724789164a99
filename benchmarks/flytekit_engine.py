"""Benchmark autoc's flytekit engine (``--sdk flytekit --engine flytekit|auto --python PLUGINS_VENV``) against
pyflyte in the same environment, side by side, on a plugin project.

    .venv/bin/python benchmarks/flytekit_engine.py [--modules 25] [--tasks-per-module 20] [--repeat 3]
                                                   [--root /dev/shm/x] [--json results.json]

The tree: MODULES modules of TASKS tasks each, a third plain, a third Dask (flytekitplugins-dask) and a third
Kubeflow PyTorch (flytekitplugins-kfpytorch) tasks, and per module a workflow that maps one over a list
(an array node the face does not build) and branches on its input; the plugins venv (scripts/setup-dev) runs both
tools.

  a. serialize: ``autoc serialize --sdk flytekit --engine flytekit`` vs ``pyflyte serialize``, runs interleaved,
     median of --repeat (target: autoc <= 1.1x pyflyte's time), without the engine's answer cache (as for a changed
     tree); ``--engine auto`` (it reads the plugin imports and hands the run over) and the unchanged tree (the
     cached answer) are timed beside them. Outputs must be equal (parsed messages,
     upstream node ids as sets), or the run fails.
  b. register: a fresh tests/admin_server per tool and repeat; ``autoc register --sdk flytekit`` (auto) vs
     ``pyflyte register`` as users run them (fast registration, computed version): first run (target >= 2x; an
     empty answer cache), then the unchanged re-run (target >= 10x). Both must compute the same version and store
     the same entities.

The load average is printed before and after each step (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import (AUTOC, Failed, compile_autoc, in_root, register_ratios, register_twice, require,  # noqa: E402
                    run_once)
from register import PYTHON, Server  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
PLUGINS = pathlib.Path(os.environ.get("AUTOC_PLUGINS_VENV", REPO / ".plugins-venv"))
PYFLYTE, ENGINE_PYTHON = PLUGINS / "bin" / "pyflyte", PLUGINS / "bin" / "python"
PACKAGE, IMAGE, PROJECT, DOMAIN = "plugin_proj", "ghcr.io/acme/app:v1", "flytesnacks", "development"

MODULE = '''from typing import List

from flytekit import Resources, conditional, map_task, task, workflow
from flytekitplugins.dask import Dask, Scheduler, WorkerGroup
from flytekitplugins.kfpytorch import PyTorch, Worker

{tasks}

@task
def square_{m}(x: int) -> int:
    return x * x


@task
def total_{m}(xs: List[int]) -> int:
    return sum(xs)


@workflow
def wf_{m}(xs: List[int] = [1, 2, 3], n: int = 2) -> int:
    s = total_{m}(xs=map_task(square_{m})(x=xs))
    return conditional("big").if_(n > 10).then(t_{m}_0(x=s)).else_().then(t_{m}_1(x=s))
'''
PLAIN = '''@task(requests=Resources(cpu="{cpu}"), retries={k})
def t_{m}_{k}(x: int) -> int:
    """Task {k} of module {m}."""
    return x + {k}
'''
DASK = '''@task(task_config=Dask(scheduler=Scheduler(requests=Resources(cpu="1")),
                      workers=WorkerGroup(number_of_workers={k})))
def t_{m}_{k}(x: int) -> int:
    return x * {k}
'''
TORCH = '''@task(task_config=PyTorch(worker=Worker(replicas={k})))
def t_{m}_{k}(x: int) -> int:
    return x - {k}
'''


def plugin_tree(root: pathlib.Path, modules: int, per_module: int) -> int:
    """The package under root; returns how many entities pyflyte writes for it."""
    pkg = root / PACKAGE
    shutil.rmtree(pkg, ignore_errors=True)
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for m in range(modules):
        kinds = (PLAIN, DASK, TORCH)
        tasks = "\n\n".join(kinds[k % 3].format(m=m, k=k, cpu=1 + k % 2) for k in range(per_module))
        (pkg / f"mod_{m:03d}.py").write_text(MODULE.format(m=m, tasks=tasks))
    (root / "requirements.txt").write_text("flytekit==1.16.31\n")
    return modules * (per_module + 3 + 2)  # tasks, square/total/the array task, workflow and launch plan


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _sorted_upstream(nodes):
    for n in nodes:
        ids = sorted(n.upstream_node_ids)
        del n.upstream_node_ids[:]
        n.upstream_node_ids.extend(ids)
        if n.HasField("branch_node"):
            ie = n.branch_node.if_else
            _sorted_upstream([ie.case.then_node, *(c.then_node for c in ie.other)]
                             + ([ie.else_node] if ie.HasField("else_node") else []))
        if n.HasField("array_node"):
            _sorted_upstream([n.array_node.node])


def equal_outputs(a: pathlib.Path, b: pathlib.Path, n: int) -> None:
    from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2

    kinds = {"1": task_pb2.TaskSpec, "2": workflow_pb2.WorkflowSpec, "3": launch_plan_pb2.LaunchPlan}

    def parse(p: pathlib.Path):
        m = kinds[p.name[-4]].FromString(p.read_bytes())
        if isinstance(m, workflow_pb2.WorkflowSpec):
            _sorted_upstream(m.template.nodes)
        return m

    names = sorted(p.name for p in a.glob("*.pb"))
    if len(names) != n or names != sorted(p.name for p in b.glob("*.pb")):
        raise Failed(f"different or missing files: {len(names)} vs {len(list(b.glob('*.pb')))} (expected {n})")
    bad = [x for x in names if parse(a / x) != parse(b / x)]
    if bad:
        raise Failed(f"{len(bad)} messages differ, e.g. {bad[:3]}")


def bench_serialize(a, root: pathlib.Path, env: dict, n: int) -> dict:
    def cmd(tool: str, out: pathlib.Path) -> list:
        out.mkdir(parents=True)
        if tool == "pyflyte":
            return [str(PYFLYTE), "--pkgs", PACKAGE, "serialize", "--image", IMAGE, "workflows", "-f", str(out)]
        engine = "auto" if tool == "autoc-auto" else "flytekit"
        return [str(AUTOC), "serialize", "--sdk", "flytekit", "--engine", engine, "--python", str(ENGINE_PYTHON),
                PACKAGE, "-o", str(out), "--image", IMAGE]

    # autoc and autoc-auto without the answer cache (what a changed tree costs); autoc-cached: the tree unchanged
    envs = {"autoc": dict(env, AUTOC_ENGINE_CACHE="0"), "autoc-auto": dict(env, AUTOC_ENGINE_CACHE="0"),
            "autoc-cached": dict(env, XDG_CACHE_HOME=str(root / "cache")), "pyflyte": env}
    runs = root / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    tools = tuple(envs)
    for tool in tools:
        run_once(cmd(tool, runs / f"{tool}-warmup"), root, envs[tool])
    for tool in tools[:-1]:
        equal_outputs(runs / "pyflyte-warmup", runs / f"{tool}-warmup", n)
    walls = {t: [] for t in tools}
    before = load()
    for k in range(a.repeat):
        for tool in tools:
            walls[tool].append(run_once(cmd(tool, runs / f"{tool}-{k}"), root, envs[tool])[0])
    shutil.rmtree(runs)
    med = {t: statistics.median(w) for t, w in walls.items()}
    print(f"serialize {n} entities (load {before} -> {load()}): autoc --engine flytekit {med['autoc']:.3f}s, "
          f"--engine auto {med['autoc-auto']:.3f}s, unchanged tree (cached answer) {med['autoc-cached']:.3f}s, "
          f"pyflyte {med['pyflyte']:.3f}s: {med['autoc'] / med['pyflyte']:.2f}x / "
          f"{med['autoc-auto'] / med['pyflyte']:.2f}x / {med['autoc-cached'] / med['pyflyte']:.2f}x of pyflyte's "
          f"time (target <= 1.1x); all {n} messages equal", flush=True)
    return {"walls_s": walls, "median_s": med, "of_pyflyte": {t: med[t] / med["pyflyte"] for t in tools},
            "load_before": before}


def register_once(tool: str, root: pathlib.Path, work: pathlib.Path, env: dict, n: int) -> dict:
    work.mkdir(parents=True)
    env = dict(env, XDG_CACHE_HOME=str(work / "cache"))  # the first run finds no answer of the engine's
    server = Server(work)
    try:
        if tool == "autoc":
            argv = [str(AUTOC), "register", "--sdk", "flytekit", "--python", str(ENGINE_PYTHON), PACKAGE,
                    "--endpoint", server.address, "--insecure", "--project", PROJECT, "--domain", DOMAIN,
                    "--image", IMAGE, "--output", "json"]
        else:
            (work / "config.yaml").write_text(f"admin:\n  endpoint: dns:///{server.address}\n  insecure: true\n")
            argv = [str(PYFLYTE), "-c", str(work / "config.yaml"), "register", "--project", PROJECT, "--domain",
                    DOMAIN, "--image", IMAGE, PACKAGE]
        return register_twice(tool, argv, root, env, server.db, n, ("tasks", "workflows", "launch_plans"),
                              note=lambda: f"  load {load()}")
    finally:
        server.stop()


def bench_register(a, root: pathlib.Path, tree: pathlib.Path, env: dict, n: int) -> dict:
    runs = {"autoc": [], "pyflyte": []}
    for k in range(a.repeat):
        for tool in runs:
            runs[tool].append(register_once(tool, tree, root / f"reg-{k}-{tool}", env, n))
    return register_ratios(runs, f"{n} entities", {"first": 2, "unchanged": 10})


def main() -> int:
    ap = argparse.ArgumentParser(description="autoc's flytekit engine vs pyflyte on a plugin project.")
    ap.add_argument("--modules", type=int, default=25)
    ap.add_argument("--tasks-per-module", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--root", type=pathlib.Path)
    ap.add_argument("--json", type=pathlib.Path)
    a = ap.parse_args()
    compile_autoc()
    require(AUTOC, PYFLYTE, PYTHON)
    env = {k: v for k, v in os.environ.items()
           if k != "PYTHONPATH" and not k.startswith(("FLYTE", "AUTOC_")) and k != "DOCKER_HOST"}
    env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"  # no ImageSpec here; keep flytekit from probing

    def run(root: pathlib.Path) -> dict:
        tree = root / "tree"
        tree.mkdir(parents=True)
        n = plugin_tree(tree, a.modules, a.tasks_per_module)
        subprocess.run([str(ENGINE_PYTHON), "-m", "compileall", "-q", str(tree / PACKAGE)], check=True)
        print(f"{n} entities in {tree / PACKAGE}; {os.cpu_count()} CPUs; load {load()}", flush=True)
        return {"serialize": bench_serialize(a, tree, env, n), "register": bench_register(a, root, tree, env, n),
                "load_after": load()}

    result = in_root(run, "autoc-engine-bench-", a.root)
    if a.json:
        a.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

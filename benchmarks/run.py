"""Benchmark autoc against pyflyte (flytekit), side by side, in one run.

    .venv/bin/python benchmarks/run.py [--tasks 5000] [--repeat 3] [--help-repeat 10] [--json results.json]
    .venv/bin/python benchmarks/run.py --workflows        # 200 modules x (25 tasks + a 10-node workflow + its LP)

Measures wall-clock time (time.perf_counter around each child process; median of the repeats), the child's CPU
time (user + system, ``os.wait4``) and its peak RSS (GNU ``/usr/bin/time -f %M`` when present, else ``os.wait4``'s
ru_maxrss) of:

  a. ``autoc --help`` vs ``pyflyte --help``
  b. ``autoc serialize`` vs ``pyflyte serialize`` on a generated N-task tree (benchmarks/generate.py); with
     ``--workflows``, 25 tasks per module and one 10-node workflow per module (its default launch plan too)

and checks both serializers wrote the same .pb file names (it also counts the TaskSpecs that equal
pyflyte's, ignoring the SDK version and entrypoint args). Runs of the two tools alternate.

Exit status: 0 ok, 1 a tool failed or wrote the wrong files, 3 with --strict when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import (AUTOC, GNU_TIME, PYFLYTE, SHIM, Failed, compile_autoc, compile_tree, in_root,  # noqa: E402
                    require, run_measured, run_once)
from generate import TASKS_PER_MODULE, generate  # noqa: E402

IMAGE = "ghcr.io/acme/app:v1"
PACKAGE = "bench_tasks"


def compare(what: str, runs: dict, repeat: int, cwd: pathlib.Path) -> dict:
    """Run each tool REPEAT times, interleaved (A, B, A, B, ...) so drifting machine load hits both alike.
    RUNS maps tool -> (prepare(k) -> argv for run k, env, check(k) or None); returns tool -> summary."""
    samples = {tool: [] for tool in runs}
    for k in range(repeat):
        for tool, (prepare, env, check) in runs.items():
            samples[tool].append(run_measured(prepare(k), cwd, env))
            if check:
                check(k)
    result = {}
    for tool, s in samples.items():
        walls, peaks, cpus = [w for w, _, _ in s], [p for _, p, _ in s], [c for _, _, c in s]
        result[tool] = {"wall_median_s": statistics.median(walls), "wall_best_s": min(walls), "walls_s": walls,
                        "peak_rss_kib": max(peaks), "peak_rss_median_kib": statistics.median(peaks),
                        "cpu_median_s": statistics.median(cpus), "cpus_s": cpus}
        print(f"  {tool + ' ' + what:<20} median {statistics.median(walls):7.3f}s  best {min(walls):7.3f}s  "
              f"CPU {statistics.median(cpus):7.3f}s  peak RSS {max(peaks) / 1024:7.1f} MiB", flush=True)
    return result


def check_files(tool: str, out: pathlib.Path, n: int) -> list[str]:
    """The .pb names in OUT; exactly N of them."""
    names = sorted(p.name for p in out.glob("*.pb"))
    if len(names) != n:
        raise Failed(f"{tool} wrote {len(names)} .pb files into {out}, expected {n}")
    return names


def comparable(path: pathlib.Path) -> bytes:
    """A file's message without what names the tool (a TaskSpec's runtime version and entrypoint args) or what
    pyflyte leaves to chance (the order of upstream_node_ids, map entries), re-serialized deterministically."""
    from flyteidl.admin.launch_plan_pb2 import LaunchPlan
    from flyteidl.admin.task_pb2 import TaskSpec
    from flyteidl.admin.workflow_pb2 import WorkflowSpec

    kind = path.name[-4]
    m = {"1": TaskSpec, "2": WorkflowSpec, "3": LaunchPlan}[kind].FromString(path.read_bytes())
    if kind == "1":
        m.template.metadata.runtime.ClearField("version")
        m.template.container.ClearField("args")
    elif kind == "2":
        for t in [m.template, *m.sub_workflows]:
            for n in [*t.nodes, t.failure_node]:
                ids = sorted(n.upstream_node_ids)
                del n.upstream_node_ids[:]
                n.upstream_node_ids.extend(ids)
    return m.SerializeToString(deterministic=True)


def main() -> int:
    ap = argparse.ArgumentParser(description="autoc vs pyflyte: --help and serialize, time and peak memory.")
    ap.add_argument("--tasks", type=int, default=5000, help="tasks in the generated tree (default 5000)")
    ap.add_argument("--repeat", type=int, default=3, help="serialize runs per tool (median is reported)")
    ap.add_argument("--help-repeat", type=int, default=10, help="--help runs per tool (median is reported)")
    ap.add_argument("--json", type=pathlib.Path, help="also write the results here")
    ap.add_argument("--root", type=pathlib.Path, help="where to generate the tree (default: a temp dir, removed)")
    ap.add_argument("--strict", action="store_true", help="exit 3 if a target is missed")
    ap.add_argument("--workflows", action="store_true",
                    help="25 tasks per module plus one 10-node workflow (and its launch plan) per module")
    a = ap.parse_args()
    compile_autoc()
    require(AUTOC, PYFLYTE)
    return in_root(lambda root: bench(a, root), "autoc-bench-", a.root)


def bench(a, root: pathlib.Path) -> int:
    per_module = 25 if a.workflows else TASKS_PER_MODULE
    generate(root, a.tasks, PACKAGE, per_module, a.workflows)
    compile_tree(root / PACKAGE)  # both tools share its __pycache__ (same CPython 3.11), as in register.py
    modules = -(-a.tasks // per_module)
    files = a.tasks + (2 * modules if a.workflows else 0)  # each workflow: _2.pb and its launch plan's _3.pb
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AUTOC_IMAGE")}
    oracle_env = {**env, "PYTHONPATH": str(SHIM)}  # `from autoc import task` -> flytekit's task

    def serialize_cmd(tool: str, out: pathlib.Path) -> list[str]:
        out.mkdir(parents=True)  # pyflyte needs it to exist; a new folder per run, so no run overwrites
        if tool == "autoc":
            return [str(AUTOC), "serialize", PACKAGE, "-o", str(out), "--image", IMAGE]
        return [str(PYFLYTE), "--pkgs", PACKAGE, "serialize", "--image", IMAGE, "workflows", "-f", str(out)]

    what = f"{a.tasks} tasks" + (f" and {modules} 10-node workflows" if a.workflows else "")
    print(f"{what} in {modules} modules under {root / PACKAGE}; {os.cpu_count()} CPUs; peak RSS via "
          f"{'/usr/bin/time -f %M' if GNU_TIME else 'os.wait4'}", flush=True)
    runs = root / "runs"
    shutil.rmtree(runs, ignore_errors=True)

    # One untimed run of each first: warms the page cache (and checks both tools write the same files).
    run_once(serialize_cmd("autoc", runs / "autoc-warmup"), root, env)
    run_once(serialize_cmd("pyflyte", runs / "pyflyte-warmup"), root, oracle_env)
    names = check_files("autoc", runs / "autoc-warmup", files)
    if names != check_files("pyflyte", runs / "pyflyte-warmup", files):
        raise Failed("autoc and pyflyte wrote different file names")
    same = sum(comparable(runs / "autoc-warmup" / n) == comparable(runs / "pyflyte-warmup" / n) for n in names)

    print("--help:")
    r = {"help": compare("--help", {"autoc": (lambda k: [str(AUTOC), "--help"], env, None),
                                     "pyflyte": (lambda k: [str(PYFLYTE), "--help"], oracle_env, None)},
                         a.help_repeat, root)}
    print("serialize:")
    r["serialize"] = compare("serialize", {
        tool: (lambda k, tool=tool: serialize_cmd(tool, runs / f"{tool}-{k}"), tool_env,
               lambda k, tool=tool: check_files(tool, runs / f"{tool}-{k}", files))
        for tool, tool_env in (("autoc", env), ("pyflyte", oracle_env))}, a.repeat, root)
    shutil.rmtree(runs)

    ha, hp = r["help"]["autoc"], r["help"]["pyflyte"]
    sa, sp = r["serialize"]["autoc"], r["serialize"]["pyflyte"]
    help_x, ser_x = hp["wall_median_s"] / ha["wall_median_s"], sp["wall_median_s"] / sa["wall_median_s"]
    ser_cpu_x = sp["cpu_median_s"] / sa["cpu_median_s"]
    ser_mem = sa["peak_rss_kib"] / sp["peak_rss_kib"]
    label = f"{a.tasks}+{modules}wf" if a.workflows else str(a.tasks)
    rows = [  # metric, autoc, pyflyte, ratio, target, met (None: no target)
        ("--help wall (median, s)", ha["wall_median_s"], hp["wall_median_s"], help_x, ">= 8x faster", help_x >= 8),
        ("--help peak RSS (MiB)", ha["peak_rss_kib"] / 1024, hp["peak_rss_kib"] / 1024,
         ha["peak_rss_kib"] / hp["peak_rss_kib"], "(autoc/pyflyte)", None),
        (f"serialize {label} wall (median, s)", sa["wall_median_s"], sp["wall_median_s"], ser_x, ">= 5x faster",
         ser_x >= 5),
        (f"serialize {label} CPU (median, s)", sa["cpu_median_s"], sp["cpu_median_s"], ser_cpu_x, "(report)", None),
        (f"serialize {label} peak RSS (MiB)", sa["peak_rss_kib"] / 1024, sp["peak_rss_kib"] / 1024, ser_mem,
         "<= 1 (autoc/pyflyte)", ser_mem <= 1),
    ]
    r["table"] = [dict(zip(("metric", "autoc", "pyflyte", "ratio", "target", "met"), row)) for row in rows]
    print(f"\n{'metric':<34}{'autoc':>10}{'pyflyte':>10}{'ratio':>9}  target")
    for t in r["table"]:
        mark = {None: "", True: "  ok", False: "  MISSED"}[t["met"]]
        print(f"{t['metric']:<34}{t['autoc']:>10.3f}{t['pyflyte']:>10.3f}{t['ratio']:>8.2f}x  {t['target']}{mark}")
    missed = sum(t["met"] is False for t in r["table"])
    print(f"\nboth wrote the same {files} .pb file names; {same}/{files} files equal pyflyte's "
          "(ignoring the SDK version and the container's entrypoint args)")
    r.update(tasks=a.tasks, workflows=modules if a.workflows else 0, files=files, repeat=a.repeat,
             help_repeat=a.help_repeat, cpus=os.cpu_count(), python=sys.version.split()[0], equal_specs=same,
             rss_via="gnu-time" if GNU_TIME else "wait4", load_average=os.getloadavg())
    if a.json:
        a.json.write_text(json.dumps(r, indent=2) + "\n")
        print(f"wrote {a.json}")
    return 3 if a.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())

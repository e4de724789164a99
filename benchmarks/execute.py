"""Benchmark the cold start of ``autoc execute`` against ``pyflyte-execute``, side by side, in one run.

    .venv/bin/python benchmarks/execute.py [--repeat 5] [--json results.json] [--root DIR] [--strict]

Writes a task package (benchpkg/tasks.py, ``from autoc import task``) into a temp folder and, once per case,
an inputs.pb made by flytekit's TypeEngine in the oracle venv, so both entrypoints read the identical file:

  noop   ``noop(x: int) -> int``
  large  ``total(xs: List[int], cfg: Config) -> int`` with 100,000 ints and a dataclass

Each run gets a fresh output folder and must write outputs.pb (no error.pb); both tools' outputs must decode
to the same (expected) value. Reports the median wall time (time.perf_counter around the child) and the
child's peak RSS (GNU ``/usr/bin/time -f %M`` when present, else ``os.wait4``'s ru_maxrss). Exit status:
0 ok, 1 a run failed or outputs differ, 3 with --strict when a target is missed.
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
from common import (AUTOC, ORACLE_PYTHON, PYFLYTE_EXECUTE, SHIM, Failed, compile_autoc,  # noqa: E402
                    compile_tree, execute_command, in_root, require, run_captured, run_measured)


TASKS = '''\
"""Tasks for benchmarks/execute.py."""

import typing
from dataclasses import dataclass

from autoc import task


@dataclass
class Config:
    name: str
    scale: float
    tags: typing.List[str]


@task
def noop(x: int) -> int:
    return x


@task
def total(xs: typing.List[int], cfg: Config) -> int:
    return int(sum(xs) * cfg.scale)
'''

# case: (task name, Python expression for its inputs, evaluated in the oracle with ``tasks`` imported,
#        expected output value, target ratio pyflyte/autoc)
CASES = {
    "noop": ("noop", "dict(x=42)", 42, 5.0),
    "large": ("total", "dict(xs=list(range(100_000)), cfg=tasks.Config('bench', 0.5, ['a', 'b', 'c']))",
              int(sum(range(100_000)) * 0.5), 1.0),
}

# Written to ROOT/make_inputs.py and run there by the oracle python: one case's inputs.pb by flytekit's TypeEngine.
MAKE_INPUTS = '''\
import sys
from flytekit import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from benchpkg import tasks
name, expr, path = sys.argv[1:]
t = getattr(tasks, name)
lm = TypeEngine.dict_to_literal_map(FlyteContextManager.current_context(), eval(expr), t.python_interface.inputs)
open(path, "wb").write(lm.to_flyte_idl().SerializeToString())
'''


def read_output(tool: str, out: pathlib.Path):
    """The single output value of OUT/outputs.pb; raise Failed if the run wrote error.pb or nothing."""
    from flyteidl.core import errors_pb2, literals_pb2

    if (out / "error.pb").exists():
        doc = errors_pb2.ErrorDocument.FromString((out / "error.pb").read_bytes())
        raise Failed(f"{tool} wrote {out / 'error.pb'}:\n{doc}")
    if not (out / "outputs.pb").exists():
        raise Failed(f"{tool} wrote no {out / 'outputs.pb'} (files: {sorted(p.name for p in out.iterdir())})")
    lm = literals_pb2.LiteralMap.FromString((out / "outputs.pb").read_bytes())
    if list(lm.literals) != ["o0"]:
        raise Failed(f"{tool}: expected one output o0, got {list(lm.literals)}")
    p = lm.literals["o0"].scalar.primitive
    return getattr(p, p.WhichOneof("value"))


def bench_case(case: str, root: pathlib.Path, repeat: int, envs: dict) -> dict:
    task_name, expr, expected, target = CASES[case]
    inputs = root / f"{case}-inputs.pb"
    run_captured([ORACLE_PYTHON, "make_inputs.py", task_name, expr, inputs], root, envs["pyflyte"])
    exe = ("autoc", "pyflyte")  # alternating tools

    def command(tool: str, out: pathlib.Path) -> list[str]:
        return execute_command(tool, inputs, out, root / "raw", "benchpkg.tasks", task_name)

    runs = {tool: {"walls_s": [], "peaks_kib": [], "cpus_s": []} for tool in exe}
    outputs = {}
    # Run 0 is an untimed warm-up (page cache, benchpkg's __pycache__ shared by both: same CPython);
    # the timed runs alternate between the tools so drift on the machine hits both alike.
    for i in range(repeat + 1):
        for tool in exe:
            out = root / f"out-{case}-{tool}-{i}"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            wall, peak, cpu = run_measured(command(tool, out), root, envs[tool])
            value = read_output(tool, out)
            if value != expected:
                raise Failed(f"{case}: {tool} returned {value!r}, expected {expected!r}")
            outputs[tool] = (out / "outputs.pb").read_bytes()
            if i:
                runs[tool]["walls_s"].append(wall)
                runs[tool]["peaks_kib"].append(peak)
                runs[tool]["cpus_s"].append(cpu)
    for r in runs.values():
        r.update(wall_median_s=statistics.median(r["walls_s"]), peak_rss_kib=max(r["peaks_kib"]),
                 cpu_median_s=statistics.median(r["cpus_s"]))
    ratio = runs["pyflyte"]["wall_median_s"] / runs["autoc"]["wall_median_s"]
    return {"task": task_name, "inputs_bytes": inputs.stat().st_size, "output": expected,
            "identical_outputs_pb": outputs["autoc"] == outputs["pyflyte"], **runs,
            "ratio": ratio, "cpu_ratio": runs["pyflyte"]["cpu_median_s"] / runs["autoc"]["cpu_median_s"],
            "target_ratio": target, "met": ratio >= target}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per tool and case (median is reported)")
    ap.add_argument("--json", type=pathlib.Path, help="also write the results here")
    ap.add_argument("--root", type=pathlib.Path, help="where to write the package and outputs (default: a temp dir, "
                                                      "removed)")
    ap.add_argument("--strict", action="store_true", help="exit 3 if a target is missed")
    a = ap.parse_args()
    compile_autoc()
    require(AUTOC, PYFLYTE_EXECUTE, ORACLE_PYTHON)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLYTE_FAIL_ON_ERROR")}
    envs = {"autoc": env, "pyflyte": {**env, "PYTHONPATH": str(SHIM)}}

    def bench(root: pathlib.Path) -> dict:
        (root / "benchpkg").mkdir(parents=True, exist_ok=True)
        (root / "benchpkg/__init__.py").write_text("")
        (root / "benchpkg/tasks.py").write_text(TASKS)
        (root / "make_inputs.py").write_text(MAKE_INPUTS)
        compile_tree(root / "benchpkg")  # shared by both tools (same CPython 3.11)
        print(f"package in {root}; {os.cpu_count()} CPUs; {a.repeat} timed runs per tool after 1 warm-up",
              flush=True)
        results = {}
        for case in CASES:
            results[case] = r = bench_case(case, root, a.repeat, envs)
            print(f"  {case}: both returned {r['output']}, outputs.pb "
                  f"{'byte-identical' if r['identical_outputs_pb'] else 'differ in bytes'}  "
                  f"(inputs.pb {r['inputs_bytes']:,} bytes)", flush=True)
        return results

    results = in_root(bench, "autoc-bench-exec-", a.root)

    print(f"\n{'case':<8}{'autoc s':>9}{'pyflyte s':>11}{'ratio':>8}{'autoc RSS':>12}{'pyflyte RSS':>13}  "
          "target (pyflyte/autoc)   CPU autoc/pyflyte")
    for case, r in results.items():
        ra, rp = r["autoc"], r["pyflyte"]
        print(f"{case:<8}{ra['wall_median_s']:>9.3f}{rp['wall_median_s']:>11.3f}{r['ratio']:>7.2f}x"
              f"{ra['peak_rss_kib'] / 1024:>8.1f} MiB{rp['peak_rss_kib'] / 1024:>9.1f} MiB  "
              f">= {r['target_ratio']:g}x  {'ok' if r['met'] else 'MISSED':<8}"
              f"{ra['cpu_median_s']:.3f}s / {rp['cpu_median_s']:.3f}s = {r['cpu_ratio']:.2f}x")
    print("targets: >= 5x faster cold start for the trivial task; no slower (ratio >= 1) for the large input")
    if a.json:
        a.json.write_text(json.dumps({"repeat": a.repeat, "cpus": os.cpu_count(), "python": sys.version.split()[0],
                                      "cases": results, "load_average": os.getloadavg()}, indent=2) + "\n")
        print(f"wrote {a.json}")
    missed = [c for c, r in results.items() if not r["met"]]
    return 3 if a.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())

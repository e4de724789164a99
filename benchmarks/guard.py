"""Fail loudly when a speed ratio against pyflyte drops more than 15% below its recorded value.

    .venv/bin/python benchmarks/guard.py --run [--root /dev/shm/autoc-guard] [--repeat 3]
    .venv/bin/python benchmarks/guard.py RESULT.json [...]            # results of run.py / register.py / execute.py
                                                                      # or flytesnacks.py run --json (fresh, -j 1)
    .venv/bin/python benchmarks/guard.py --run --record               # measure and record the values (reviewed!)

``--run`` runs the three side-by-side benchmarks with ``--json`` (serialize 5,000 tasks, register 1,000 tasks,
execute cold start; trees under ROOT, tmpfs /dev/shm by default) and compares. Given result files, it compares
those (the flytesnacks field test needs its checkout and environments, so ``--run`` leaves it out: give its
``--json`` file, from a run with an empty ``--cache`` and ``-j 1``). Each ratio is pyflyte's time over autoc's, as
the scripts report it; those recorded in
``benchmarks/recorded.json`` are checked, and a ratio below (1 - tolerance) times its recorded value is a
regression. CPU-time ratios (``*_cpu``) move least with the machine's load; wall-time ratios are checked too.

Exit status: 0 every recorded ratio held; 4 a ratio regressed (each printed as REGRESSION); 1 a benchmark failed
or a result file is not one of the three scripts'.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
RECORDED = HERE / "recorded.json"
TOLERANCE = 0.15
#: script -> its arguments for --run (ROOT and the JSON path are added)
RUNS = {
    "run.py": ["--tasks", "5000", "--help-repeat", "3"],
    "register.py": ["--tasks", "1000"],
    "execute.py": [],
}


def ratios(result) -> dict:
    """metric name -> ratio (pyflyte / autoc) of one script's JSON result."""
    if isinstance(result, list):  # flytesnacks.py run --json: one record per target
        equal = [r for r in result if r.get("kind") == "module" and r.get("outcome") == "equal"]
        a = sum(r["autoc_seconds"] for r in equal)
        if not equal or not a:
            raise ValueError("a flytesnacks field test with no equal module")
        name = "bytecode_wall" if all(r.get("bytecode") for r in equal) else "wall"  # (--bytecode or not)
        return {f"flytesnacks_equal_modules_{name}": sum(r["pyflyte_seconds"] for r in equal) / a}
    if "serialize" in result:  # run.py
        kind = f"serialize_{result['tasks']}" + (f"_wf{result['workflows']}" if result.get("workflows") else "")
        a, p = result["serialize"]["autoc"], result["serialize"]["pyflyte"]
        out = {f"{kind}_wall": p["wall_median_s"] / a["wall_median_s"],
               "help_wall": result["help"]["pyflyte"]["wall_median_s"] / result["help"]["autoc"]["wall_median_s"]}
        if "cpu_median_s" in a:
            out[f"{kind}_cpu"] = p["cpu_median_s"] / a["cpu_median_s"]
        return out
    if "cases" in result:  # execute.py
        out = {}
        for case, r in result["cases"].items():
            out[f"execute_{case}_wall"] = r["ratio"]
            if "cpu_ratio" in r:
                out[f"execute_{case}_cpu"] = r["cpu_ratio"]
        return out
    if "entities" in result and "table" in result:  # register.py
        kind = f"register_{result.get('tasks')}" + (f"_wf{result['workflows']}" if result.get("workflows") else "")
        out = {}
        for row in result["table"]:
            out[f"{kind}_{row['phase']}_wall"] = row["ratio"]
            if "cpu_ratio" in row:
                out[f"{kind}_{row['phase']}_cpu"] = row["cpu_ratio"]
        return out
    raise ValueError("not a result of run.py, register.py, execute.py or flytesnacks.py run --json")


def read(path: pathlib.Path) -> dict:
    """metric -> (ratio, when and under what load the result file was written)."""
    result = json.loads(path.read_text())
    when = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc)
    load = result.get("load_average") if isinstance(result, dict) else None
    stamp = f"{when:%Y-%m-%d %H:%M} UTC" + (f", load average {', '.join(f'{x:.1f}' for x in load)}" if load else "")
    return {name: (ratio, stamp) for name, ratio in ratios(result).items()}


def run_all(root: pathlib.Path, repeat: int) -> dict:
    """Run the three benchmarks into ROOT; metric -> (ratio, stamp)."""
    measured = {}
    for script, args in RUNS.items():
        out = root / f"{script[:-3]}.json"
        cmd = [sys.executable, str(HERE / script), *args, "--repeat", str(repeat), "--root", str(root / script[:-3]),
               "--json", str(out)]
        print(f"$ {' '.join(cmd)}", flush=True)
        if subprocess.run(cmd).returncode != 0:
            raise SystemExit(f"FAILED: {script} exited non-zero")
        measured.update(read(out))
    return measured


def compare(measured: dict, recorded: dict, tolerance: float) -> list:
    """The regressions, as lines; prints every recorded metric's verdict."""
    bad = []
    print(f"\n{'metric':<34}{'recorded':>10}{'measured':>10}{'change':>9}  (fails below -{tolerance:.0%})")
    for name, rec in sorted(recorded.items()):
        if name not in measured:
            print(f"{name:<34}{rec['ratio']:>9.2f}x{'-':>10}{'':>9}  not measured in this run")
            continue
        m = measured[name][0]
        change = m / rec["ratio"] - 1
        verdict = "ok"
        if change < -tolerance:
            verdict = "REGRESSION"
            bad.append(f"REGRESSION: {name} is {m:.2f}x, {-change:.0%} below its recorded {rec['ratio']:.2f}x "
                       f"({rec.get('measured', '')})")
        print(f"{name:<34}{rec['ratio']:>9.2f}x{m:>9.2f}x{change:>+9.1%}  {verdict}")
    for name in sorted(set(measured) - set(recorded)):
        print(f"{name:<34}{'-':>10}{measured[name][0]:>9.2f}x{'':>9}  (not recorded)")
    return bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", nargs="*", type=pathlib.Path, help="JSON results of run.py, register.py, execute.py")
    ap.add_argument("--run", action="store_true", help="run the three benchmarks first (serialize, register, execute)")
    ap.add_argument("--root", type=pathlib.Path, help="where --run writes its trees and results "
                                                      "(default: a temp dir under /dev/shm, removed)")
    ap.add_argument("--repeat", type=int, default=3, help="repeats per benchmark with --run (median)")
    ap.add_argument("--tolerance", type=float, default=TOLERANCE, help="allowed drop below a recorded ratio")
    ap.add_argument("--record", action="store_true", help=f"write the measured ratios into {RECORDED.name}")
    ap.add_argument("--recorded", type=pathlib.Path, default=RECORDED, help=f"the recorded ratios (default "
                                                                            f"benchmarks/{RECORDED.name})")
    ap.add_argument("--cpu-only", action="store_true", help="check only the CPU-time ratios (a loaded machine "
                                                             "moves wall-time ratios more than 15%%)")
    a = ap.parse_args()
    if not a.run and not a.results:
        ap.error("give result files or --run")

    measured = {}
    for path in a.results:
        try:
            measured.update(read(path))
        except (OSError, ValueError, KeyError) as e:
            print(f"FAILED: {path}: {e}", file=sys.stderr)
            return 1
    if a.run:
        if a.root:
            a.root.mkdir(parents=True, exist_ok=True)
            measured.update(run_all(a.root.resolve(), a.repeat))
        else:
            shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
            with tempfile.TemporaryDirectory(prefix="autoc-guard-", dir=shm) as tmp:
                measured.update(run_all(pathlib.Path(tmp), a.repeat))

    recorded = json.loads(a.recorded.read_text()) if a.recorded.exists() else {}
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    if a.record:
        recorded.update({k: {"ratio": round(v, 2), "measured": stamp} for k, (v, stamp) in measured.items()})
        a.recorded.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
        print(f"recorded {len(measured)} ratios in {a.recorded}")
        return 0
    if a.cpu_only:
        recorded = {k: v for k, v in recorded.items() if k.endswith("_cpu")}
    bad = compare(measured, recorded, a.tolerance)
    print(f"(load average now {load})")
    if bad:
        print("\n" + "\n".join(bad), file=sys.stderr)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())

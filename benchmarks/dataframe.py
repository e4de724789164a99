"""Benchmark a 1-million-row pandas DataFrame through ``autoc execute`` and ``pyflyte-execute``, side by side.

    .venv/bin/python benchmarks/dataframe.py [--rows 1000000] [--repeat 5] [--json results.json] [--root DIR]

Writes a task package (benchpkg/frames.py, ``from autoc import task``) and an inputs.pb made by flytekit's
TypeEngine in the oracle venv (the DataFrame stored as parquet under ROOT/raw-in, as flytekit stores it), so both
entrypoints read the identical input:

  enrich  ``enrich(df: pd.DataFrame) -> pd.DataFrame``: reads the parquet, adds a column, writes parquet under
          its own raw output prefix

Each run gets fresh output and raw-output folders, must write outputs.pb (no error.pb), and its output dataset is
read back (pyarrow) and checked: row count and the sum of the new column. Reports the median wall time and peak
RSS of each tool (see common.run_once). Exit status: 0 ok, 1 a run failed or an output is wrong, 3 with --strict
when autoc is slower.
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
                    execute_command, in_root, require, run_captured, run_once)


TASKS = '''\
"""Tasks for benchmarks/dataframe.py."""

import pandas as pd

from autoc import task


@task
def enrich(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(total=df.a * df.b)
'''

MAKE_INPUTS = '''\
import sys
import numpy as np
import pandas as pd
from flytekit import FlyteContextManager
from flytekit.core.data_persistence import FileAccessProvider
from flytekit.core.type_engine import TypeEngine
from benchpkg import frames
rows, raw, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
df = pd.DataFrame({"a": np.arange(rows, dtype="int64"), "b": np.linspace(0.0, 1.0, rows),
                   "c": [f"r{i % 100}" for i in range(rows)]})
fa = FileAccessProvider(local_sandbox_dir=raw + "-sandbox", raw_output_prefix=raw)
ctx0 = FlyteContextManager.current_context()
with FlyteContextManager.with_context(ctx0.with_file_access(fa)) as ctx:
    lm = TypeEngine.dict_to_literal_map(ctx, {"df": df}, frames.enrich.python_interface.inputs)
open(path, "wb").write(lm.to_flyte_idl().SerializeToString())
print(float((df.a * df.b).sum()))
'''


def check_output(tool: str, out: pathlib.Path, rows: int, expected_total: float) -> None:
    """OUT/outputs.pb must hold one dataset of ROWS rows whose ``total`` sums to EXPECTED_TOTAL."""
    import pyarrow.parquet as pq
    from flyteidl.core import errors_pb2, literals_pb2

    if (out / "error.pb").exists():
        doc = errors_pb2.ErrorDocument.FromString((out / "error.pb").read_bytes())
        raise Failed(f"{tool} wrote {out / 'error.pb'}:\n{doc}")
    if not (out / "outputs.pb").exists():
        raise Failed(f"{tool} wrote no outputs.pb")
    lm = literals_pb2.LiteralMap.FromString((out / "outputs.pb").read_bytes())
    sd = lm.literals["o0"].scalar.structured_dataset
    if sd.metadata.structured_dataset_type.format != "parquet":
        raise Failed(f"{tool}: output format {sd.metadata.structured_dataset_type.format!r}, expected parquet")
    table = pq.read_table(sd.uri)
    total = sum(x for x in table.column("total").to_pylist())
    if table.num_rows != rows or abs(total - expected_total) > 1e-6 * max(1.0, abs(expected_total)):
        raise Failed(f"{tool}: {table.num_rows} rows, total {total}; expected {rows} rows, total {expected_total}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per tool (median is reported)")
    ap.add_argument("--json", type=pathlib.Path, help="also write the results here")
    ap.add_argument("--root", type=pathlib.Path, help="where to write the package, data and outputs (default: a "
                                                      "temp dir, removed)")
    ap.add_argument("--strict", action="store_true", help="exit 3 if autoc is slower than pyflyte-execute")
    a = ap.parse_args()
    compile_autoc()
    require(AUTOC, PYFLYTE_EXECUTE, ORACLE_PYTHON)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLYTE_FAIL_ON_ERROR")}
    envs = {"autoc": env, "pyflyte": {**env, "PYTHONPATH": str(SHIM)}}
    exe = ("autoc", "pyflyte")  # alternating tools

    def bench(root: pathlib.Path) -> dict:
        (root / "benchpkg").mkdir(parents=True, exist_ok=True)
        (root / "benchpkg/__init__.py").write_text("")
        (root / "benchpkg/frames.py").write_text(TASKS)
        (root / "make_inputs.py").write_text(MAKE_INPUTS)
        inputs = root / "inputs.pb"
        _, stdout, _ = run_captured([ORACLE_PYTHON, "make_inputs.py", a.rows, root / "raw-in", inputs], root,
                                    envs["pyflyte"])
        expected_total = float(stdout.strip().splitlines()[-1])
        data_bytes = sum(p.stat().st_size for p in (root / "raw-in").rglob("*") if p.is_file())
        print(f"package and data in {root}; {a.rows:,} rows ({data_bytes / 2**20:.1f} MiB parquet); "
              f"{os.cpu_count()} CPUs; {a.repeat} timed runs per tool after 1 warm-up", flush=True)
        runs = {tool: {"walls_s": [], "peaks_kib": []} for tool in exe}
        for i in range(a.repeat + 1):
            for tool in exe:  # alternating, so drift on the machine hits both alike; run 0 is a warm-up
                out, raw = root / f"out-{tool}-{i}", root / f"raw-{tool}-{i}"
                for d in (out, raw):
                    shutil.rmtree(d, ignore_errors=True)
                out.mkdir(parents=True)
                cmd = execute_command(tool, inputs, out, raw, "benchpkg.frames", "enrich")
                wall, peak = run_once(cmd, root, envs[tool])
                check_output(tool, out, a.rows, expected_total)
                if i:
                    runs[tool]["walls_s"].append(wall)
                    runs[tool]["peaks_kib"].append(peak)
                shutil.rmtree(raw, ignore_errors=True)
        for r in runs.values():
            r.update(wall_median_s=statistics.median(r["walls_s"]), peak_rss_kib=max(r["peaks_kib"]))
        return {"rows": a.rows, "parquet_bytes": data_bytes, **runs,
                "ratio": runs["pyflyte"]["wall_median_s"] / runs["autoc"]["wall_median_s"]}

    r = in_root(bench, "autoc-bench-df-", a.root)
    ra, rp = r["autoc"], r["pyflyte"]
    print(f"\n{'case':<10}{'autoc s':>9}{'pyflyte s':>11}{'ratio':>8}{'autoc RSS':>12}{'pyflyte RSS':>13}")
    print(f"{'enrich':<10}{ra['wall_median_s']:>9.3f}{rp['wall_median_s']:>11.3f}{r['ratio']:>7.2f}x"
          f"{ra['peak_rss_kib'] / 1024:>8.1f} MiB{rp['peak_rss_kib'] / 1024:>9.1f} MiB")
    print("target: autoc no slower (ratio >= 1)")
    if a.json:
        a.json.write_text(json.dumps({"repeat": a.repeat, "cpus": os.cpu_count(), "python": sys.version.split()[0],
                                      "cases": {"enrich": r}}, indent=2) + "\n")
        print(f"wrote {a.json}")
    return 3 if a.strict and r["ratio"] < 1 else 0


if __name__ == "__main__":
    sys.exit(main())

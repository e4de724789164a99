"""benchmarks/guard.py reads the three benchmarks' JSON results and fails loudly (exit 4) when a ratio is more than
15% below its recorded value. No timing here: the results are written by the test."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

GUARD = REPO / "benchmarks" / "guard.py"


def _serialize_result(autoc_s: float, pyflyte_s: float) -> dict:  # run.py's shape
    tool = lambda s: {"wall_median_s": s, "cpu_median_s": s / 2}  # noqa: E731
    return {"tasks": 5000, "workflows": 0, "serialize": {"autoc": tool(autoc_s), "pyflyte": tool(pyflyte_s)},
            "help": {"autoc": tool(0.05), "pyflyte": tool(0.8)}, "load_average": [1.0, 2.0, 3.0]}


def _guard(tmp_path, *args):
    return subprocess.run([sys.executable, str(GUARD), "--recorded", str(tmp_path / "recorded.json"), *args],
                          capture_output=True, text=True)


def test_a_ratio_more_than_15_percent_below_its_record_fails_loudly(tmp_path):
    (tmp_path / "recorded.json").write_text(json.dumps({
        "serialize_5000_wall": {"ratio": 8.0, "measured": "then"},
        "serialize_5000_cpu": {"ratio": 8.0, "measured": "then"},
        "execute_noop_cpu": {"ratio": 10.0, "measured": "then"}}))
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps(_serialize_result(1.0, 7.0)))  # 7.0x: 12.5% below 8x, within the tolerance
    r = _guard(tmp_path, str(ok))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "not measured in this run" in r.stdout  # execute_noop_cpu was not in the results

    slow = tmp_path / "slow.json"
    slow.write_text(json.dumps(_serialize_result(1.0, 6.6)))  # 6.6x: 17.5% below
    r = _guard(tmp_path, str(slow))
    assert r.returncode == 4
    assert "REGRESSION: serialize_5000_wall is 6.60x, 18% below its recorded 8.00x" in r.stderr
    assert "REGRESSION: serialize_5000_cpu" in r.stderr


def test_record_writes_the_measured_ratios_and_a_bad_file_is_refused(tmp_path):
    res = tmp_path / "res.json"
    res.write_text(json.dumps(_serialize_result(0.5, 5.0)))
    assert _guard(tmp_path, "--record", str(res)).returncode == 0
    recorded = json.loads((tmp_path / "recorded.json").read_text())
    assert recorded["serialize_5000_wall"]["ratio"] == 10.0
    assert "UTC, load average 1.0, 2.0, 3.0" in recorded["help_wall"]["measured"]  # when the result was written
    (tmp_path / "other.json").write_text("{}")
    r = _guard(tmp_path, str(tmp_path / "other.json"))
    assert r.returncode == 1 and "not a result of run.py" in r.stderr

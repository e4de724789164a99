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


def _field_result(pairs, bytecode: bool = False) -> list:  # flytesnacks.py run --json's shape: a record per target
    out = [{"project": "p", "target": f"p.m{i}", "kind": "module", "outcome": "equal", "reason": "",
            "pyflyte_seconds": p, "autoc_seconds": a, "files": 1, "engine": "face", "bytecode": bytecode}
           for i, (p, a) in enumerate(pairs)]
    out.append({"project": "p", "target": "p.slow", "kind": "module", "outcome": "differ", "reason": "x",
                "pyflyte_seconds": 1.0, "autoc_seconds": 100.0, "files": 1, "engine": "face"})  # not counted
    out.append({"project": "p", "target": "p", "kind": "project", "outcome": "equal", "reason": "",
                "pyflyte_seconds": 1.0, "autoc_seconds": 100.0, "files": 1, "engine": "face"})  # nor a project
    return out


def test_the_flytesnacks_field_tests_ratio_over_its_equal_modules_is_guarded(tmp_path):
    (tmp_path / "recorded.json").write_text(json.dumps({
        "flytesnacks_equal_modules_wall": {"ratio": 5.0, "measured": "then"}}))
    ok = tmp_path / "field-ok.json"
    ok.write_text(json.dumps(_field_result([(30.0, 5.0), (15.0, 5.0)])))  # 45 / 10 = 4.5x: 10% below 5x
    r = _guard(tmp_path, str(ok))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4.50x" in r.stdout

    slow = tmp_path / "field-slow.json"
    slow.write_text(json.dumps(_field_result([(20.0, 5.0), (20.0, 5.0)])))  # 4.0x: 20% below
    r = _guard(tmp_path, str(slow))
    assert r.returncode == 4
    assert "REGRESSION: flytesnacks_equal_modules_wall is 4.00x" in r.stderr

    # a run with --bytecode is its own metric (both tools without compiling on every run are faster, pyflyte more)
    compiled = tmp_path / "field-bytecode.json"
    compiled.write_text(json.dumps(_field_result([(20.0, 5.0), (20.0, 5.0)], bytecode=True)))
    r = _guard(tmp_path, str(compiled))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "flytesnacks_equal_modules_bytecode_wall" in r.stdout and "not measured in this run" in r.stdout

    empty = tmp_path / "field-none.json"
    empty.write_text(json.dumps(_field_result([])))
    r = _guard(tmp_path, str(empty))
    assert r.returncode == 1 and "no equal module" in r.stderr

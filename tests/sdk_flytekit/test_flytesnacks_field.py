"""benchmarks/flytesnacks.py (the flytesnacks field test) on a small checkout shaped like flytesnacks': every module
alone and the project as a whole, pyflyte (the oracle) against ``autoc serialize --sdk flytekit``, each outcome
counted and named."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.conftest import REPO, oracle_venv

MODULES = {
    "fine.py": """\
        from flytekit import task, workflow

        @task
        def double(x: int) -> int:
            return 2 * x

        @workflow
        def wf(x: int = 1) -> int:
            return double(x=double(x=x))
        """,
    "remote.py": """\
        from flytekit import task
        from flytekit.remote import FlyteRemote

        @task
        def t() -> str:
            return FlyteRemote.__name__
        """,
    "broken.py": "import a_library_nobody_has\n",
}


def test_counts_and_reasons(tmp_path):
    pkg = tmp_path / "snacks" / "examples" / "demo" / "demo"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").touch()
    for name, source in MODULES.items():
        (pkg / name).write_text(textwrap.dedent(source))
    p = subprocess.run([sys.executable, str(REPO / "benchmarks" / "flytesnacks.py"), "run", str(tmp_path / "snacks"),
                        "--pyflyte", str(oracle_venv() / "bin" / "pyflyte"), "--cache", str(tmp_path / "cache"),
                        "--results", str(tmp_path / "results.txt"), "--json", str(tmp_path / "results.json")],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    records = {r["target"]: r for r in json.loads((tmp_path / "results.json").read_text())}
    assert {t: r["outcome"] for t, r in records.items()} == {
        "demo.fine": "equal", "demo.remote": "refused", "demo.broken": "pyflyte-fails", "demo": "pyflyte-fails"}
    assert records["demo.remote"]["reason"] == "import flytekit.remote  [demo/demo/remote.py:2]"
    assert "No module named 'a_library_nobody_has'" in records["demo.broken"]["reason"]
    assert records["demo.fine"]["files"] == 3  # the task, the workflow, its launch plan
    assert "modules: 3 in flytesnacks, 2 serialized by pyflyte" in p.stdout
    assert "  equal 1  refused 1  differ 0  fail 0" in p.stdout
    assert "refused by construct (modules/projects): import flytekit.remote 1/1" in p.stdout
    lines = (tmp_path / "results.txt").read_text().splitlines()
    assert "module  refused       demo.remote  import flytekit.remote  [demo/demo/remote.py:2]" in lines
    # a second run takes pyflyte's outputs from the cache
    again = subprocess.run([sys.executable, str(REPO / "benchmarks" / "flytesnacks.py"), "run",
                            str(tmp_path / "snacks"), "--pyflyte", str(oracle_venv() / "bin" / "pyflyte"),
                            "--cache", str(tmp_path / "cache"), "--modules-only", "--only", "demo"],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "  equal 1  refused 1  differ 0  fail 0" in again.stdout
    assert len(list((tmp_path / "cache" / "demo").iterdir())) == 4

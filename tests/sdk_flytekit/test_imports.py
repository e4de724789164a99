"""The flytekit import face: which imports it answers, how it refuses the others, where the version comes from,
and that a real flytekit in the same environment is neither imported nor broken."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from flyteidl.admin import task_pb2

from tests.conftest import REPO, run_autoc, run_oracle
from tests.sdk_flytekit.corpus import make_project


def project(tmp_path: Path, files: dict) -> Path:
    root = tmp_path / "proj"
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    (root / "wf" / "__init__.py").touch()
    return root


TASK = """\
    from flytekit import task

    @task
    def t(x: int) -> int:
        return x
    """


def runtime_version(out: Path) -> str:
    spec = task_pb2.TaskSpec()
    spec.ParseFromString(next(out.glob("*.pb")).read_bytes())
    return spec.template.metadata.runtime.version


@pytest.mark.parametrize("source, shown", [
    ("from flytekit import task, FlyteRemote\n", "flytekit.FlyteRemote"),
    ("import flytekit.remote\n", "import flytekit.remote"),
    ("from flytekit.core.artifact import Artifact\n", "import flytekit.core.artifact"),
    ("from flytekitplugins.spark import Spark\n", "import flytekitplugins"),
    ("import flytekit\n\nx = flytekit.FlyteRemote\n", "flytekit.FlyteRemote"),
])
def test_an_import_autoc_does_not_implement_names_the_import_and_the_line(tmp_path, source, shown):
    root = project(tmp_path, {"wf/a.py": source})
    p = run_autoc("serialize", "--sdk", "flytekit==1.16.31", root / "wf", "-o", tmp_path / "out", check=False)
    assert p.returncode == 1
    line = source.count("\n", 0, source.index(shown.split(".")[-1].split()[-1])) + 1
    assert f"{root / 'wf' / 'a.py'}:{line}" in p.stderr, p.stderr
    # no flytekit beside autoc to redo the run with (the flytekit engine): the hint says what to install
    assert shown in p.stderr and "-m pip install flytekit" in p.stderr
    assert "Traceback" not in p.stderr and not (tmp_path / "out").exists()


def test_try_except_importerror_in_user_code_still_works(tmp_path):
    root = project(tmp_path, {"wf/a.py": "try:\n    from flytekit import FlyteRemote\nexcept ImportError:\n"
                                         "    FlyteRemote = None\n" + textwrap.dedent(TASK)})
    run_autoc("serialize", "--sdk", "flytekit==1.16.31", root / "wf", "-o", tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").glob("*.pb")] == ["0_wf.a.t_1.pb"]


def test_an_unsupported_import_is_not_hidden_behind_a_failing_fallback(tmp_path):
    """flytesnacks' ``try: from .helper import fit  except ImportError: from helper import fit``: when helper.py
    imports what the face does not answer, the error names that import and its line, not the fallback's
    ``No module named 'helper'``."""
    root = project(tmp_path, {
        "wf/helper.py": "from flytekit import task\nfrom flytekitplugins.spark import Spark\n",
        "wf/main.py": "try:\n    from .helper import task\nexcept ImportError:\n    from helper import task\n"})
    p = run_autoc("serialize", "--sdk", "flytekit==1.16.31", root / "wf" / "main.py", "-o", tmp_path / "out",
                  check=False)
    assert p.returncode == 1
    first = p.stderr.strip().splitlines()[:2]
    assert first[0] == f"{root / 'wf' / 'helper.py'}:2:", p.stderr
    assert first[1].startswith("error: import flytekitplugins: autoc does not implement this part of flytekit")
    assert "the fallback import after `except ImportError` failed too: ModuleNotFoundError: No module named " \
           "'helper'" in first[1]


def test_without_sdk_the_hint_says_to_pass_it(tmp_path):
    root = project(tmp_path, {"wf/a.py": TASK})
    p = run_autoc("serialize", root / "wf", "-o", tmp_path / "out", check=False)
    assert p.returncode == 1
    assert "No module named 'flytekit'" in p.stderr and "--sdk flytekit" in p.stderr


def test_the_version_comes_from_a_pin_then_the_flag(tmp_path):
    root = project(tmp_path, {"wf/a.py": TASK, "pyproject.toml": '[project]\nname = "x"\n'
                              'dependencies = ["pandas>=2", "flytekit==1.15.4", "flytekitplugins-spark"]\n'})
    run_autoc("serialize", "--sdk", "flytekit", root / "wf", "-o", tmp_path / "a")
    assert runtime_version(tmp_path / "a") == "1.15.4"
    run_autoc("serialize", root / "wf", "-o", tmp_path / "b", env={"AUTOC_SDK": "flytekit==1.16.0"})
    assert runtime_version(tmp_path / "b") == "1.16.0"
    (root / "requirements-dev.txt").write_text("flytekit==1.14.0\n")  # the source root's folder comes first
    (root / "pyproject.toml").rename(root / "pyproject.old")
    run_autoc("serialize", "--sdk", "flytekit", root / "wf", "-o", tmp_path / "c")
    assert runtime_version(tmp_path / "c") == "1.14.0"


def test_no_version_anywhere_is_an_error_saying_how_to_state_it(tmp_path):
    root = project(tmp_path, {"wf/a.py": TASK, "setup.py": ""})
    p = run_autoc("serialize", "--sdk", "flytekit", root / "wf", "-o", tmp_path / "out", check=False)
    assert p.returncode != 0 and "--sdk flytekit==VERSION" in p.stderr and "Traceback" not in p.stderr
    p = run_autoc("serialize", "--sdk", "flytekit>=1", root / "wf", "-o", tmp_path / "out", check=False)
    assert p.returncode == 2 and "is not an SDK autoc can read" in p.stderr


def test_a_real_flytekit_is_neither_imported_nor_broken(tmp_path):
    """In flytekit's own environment: discovery answers with autoc's objects, the version is read from the installed
    flytekit's metadata without importing it, and sys.modules is as it was afterwards."""
    root = project(tmp_path, {"wf/a.py": TASK, "setup.py": ""})
    corpus = make_project(tmp_path / "corpus")
    script = f"""
import json, sys
sys.path.insert(0, {str(REPO)!r})
from autoc.sdk import Sdk
from autoc.serialize.discover import discover

found = discover([{str(root / 'wf')!r}], sdk=Sdk.parse("flytekit"))
untouched = "flytekit" not in sys.modules
import flytekit
real = sys.modules["flytekit"]
found2 = discover([{str(corpus / 'app')!r}], sdk=Sdk.parse("flytekit"))
import app.basic
print(json.dumps({{"untouched": untouched, "version": str(found.sdk), "task": type(found.tasks[0]).__module__,
                  "n": len(found2.tasks), "user_module_got": type(app.basic.add).__module__,
                  "real_restored": sys.modules["flytekit"] is real, "real_task": flytekit.task.__module__}}))
"""
    got = json.loads(run_oracle(script, cwd=tmp_path))
    assert got.pop("n") >= 75  # every task of the corpus (it grows)
    assert got == {"untouched": True, "version": "flytekit==1.16.31", "task": "autoc.core.task",
                   "user_module_got": "autoc.core.task", "real_restored": True,
                   "real_task": "flytekit.core.task"}


NOT_IN_AUTOC_YET = {"StructuredDataset", "StructuredDatasetType", "HashMethod"}


def test_every_documented_import_is_answered_with_autocs_object(tmp_path):
    """One module importing every name of every flytekit path the face answers: each is autoc's own object."""
    from autoc.sdk.flytekit.names import MODULES

    lines, checks = [], []
    for i, (module, names) in enumerate(sorted(MODULES.items())):
        for j, (name, target) in enumerate(sorted(names.items())):
            if name in NOT_IN_AUTOC_YET:
                continue
            alias = f"n{i}_{j}"
            lines.append(f"from {module} import {name} as {alias}")
            checks.append(f"    {alias!r}: ({alias!r}, {target!r}),")
    source = "\n".join(lines) + "\n\nTARGETS = {\n" + "\n".join(checks) + "\n}\n" + textwrap.dedent(TASK)
    root = project(tmp_path, {"wf/everything.py": source})
    from autoc.sdk import Sdk
    from autoc.serialize.discover import discover

    found = discover([str(root / "wf")], sdk=Sdk.parse("flytekit==1.16.31"))
    import importlib
    import sys

    mod = sys.modules["wf.everything"]
    assert len(mod.TARGETS) >= 120
    for alias, (_, target) in mod.TARGETS.items():
        where, _, attr = target.partition(":")
        assert getattr(mod, alias) is getattr(importlib.import_module(where), attr), target
    assert [t.name for t in found.tasks] == ["wf.everything.t"]
    assert "flytekit" not in sys.modules

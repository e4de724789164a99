"""Bindings a workflow body makes are refused by ``serialize`` where flytekit refuses them (``pyflyte serialize`` or
flytekit's local run of the same workflow), in both SDK faces: an int constant for a float input and a dataclass
constant for a Union of two dataclasses with the same fields (pyflyte fails), and a ``Dict[str, str]`` output into a
``dict`` input (pyflyte writes it, FlyteAdmin refuses it at registration and flytekit's local run fails reading it:
autoc refuses it at serialize and in its local run, tests/runtime/test_local_like_flytekit.py)."""

from __future__ import annotations

import os
import subprocess
import textwrap

import pytest

from tests.conftest import SHIM, oracle_venv, run_autoc

CASES = {
    "int_for_float": ("""
        @task
        def double(x: float) -> float:
            return x * 2

        @workflow
        def wf() -> float:
            return double(x=1)  # here
        """, "the constant 1 does not fit float", True),
    "same_dataclasses": ("""
        @dataclasses.dataclass
        class A:
            x: int

        @dataclasses.dataclass
        class B:
            x: int

        @task
        def which(v: typing.Union[A, B]) -> str:
            return type(v).__name__

        @workflow
        def wf() -> str:
            return which(v=A(x=1))  # here
        """, "Ambiguous choice of variant", True),
    "dict_into_untyped": ("""
        @task
        def strings() -> typing.Dict[str, str]:
            return {"a": "5"}

        @task
        def untyped(d: dict) -> str:
            return d["a"]

        @workflow
        def wf() -> str:
            return untyped(d=strings())  # here
        """, "expects dict but gets output 'o0'", False),
}
IMPORTS = {"autoc": "from autoc import task, workflow", "flytekit": "from flytekit import task, workflow"}


def _project(root, face: str, case: str):
    body, _, _ = CASES[case]
    pkg = root / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    source = f"import dataclasses\nimport typing\n{IMPORTS[face]}\n" + textwrap.dedent(body)
    (pkg / "flows.py").write_text(source)
    line = next(i for i, text in enumerate(source.splitlines(), 1) if text.endswith("# here"))
    return pkg / "flows.py", line


@pytest.mark.parametrize("face", ["autoc", "flytekit"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_serialize_refuses_what_flytekit_refuses(tmp_path, face, case):
    path, line = _project(tmp_path, face, case)
    _, message, pyflyte_fails = CASES[case]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if face == "autoc":
        env["PYTHONPATH"] = str(SHIM)
    (tmp_path / "pyflyte").mkdir()
    theirs = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "--pkgs", "app", "serialize", "--image",
                             "repo/app:v1", "workflows", "-f", str(tmp_path / "pyflyte")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert (theirs.returncode != 0) == pyflyte_fails, theirs.stderr[-2000:]
    sdk = ["--sdk", "flytekit==1.16.31"] if face == "flytekit" else []
    ours = run_autoc("serialize", *sdk, "app", "-o", tmp_path / "autoc", "--image", "repo/app:v1", cwd=tmp_path,
                     check=False)
    assert ours.returncode == 1, ours.stdout
    assert f"{path}:{line}:" in ours.stderr and message in ours.stderr, ours.stderr
    assert not list(tmp_path.glob("autoc/*.pb"))  # nothing written

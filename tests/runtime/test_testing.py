"""``flytekit.testing`` through autoc (``autoc.testing``, and the face's ``flytekit.testing``): the same script
gives the same results with flytekit (the oracle) and with autoc: task mocks in local task and workflow calls,
and secrets found by flytekit's environment-variable and file rules."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO, run_oracle

SCRIPT = textwrap.dedent("""
    import json, os, typing
    from flytekit import Secret, reference_launch_plan, reference_task, task, workflow
    from flytekit.testing import SecretsManager, patch, task_mock

    @task
    def t1(x: int) -> int:
        return x + 1

    @workflow
    def wf(x: int) -> int:
        return t1(x=x)

    out = {}
    with task_mock(t1) as m:
        m.return_value = 100
        out["mocked"] = [t1(x=1), wf(x=1), str(m.call_args)]
    out["restored"] = [t1(x=1), wf(x=1)]

    @patch(t1)
    def test_it(m, y):
        m.return_value = 7
        return [wf(x=y), str(m.call_args)]

    out["patched"] = test_it(3)

    @reference_task(project="p", domain="d", name="ref.join", version="v1")
    def ref_join(a: typing.List[str]) -> str:
        ...

    @reference_launch_plan(project="p", domain="d", name="ref.lp", version="v1")
    def ref_lp(x: int) -> int:
        ...

    @workflow
    def uses_refs(a: typing.List[str], x: int) -> typing.Tuple[str, int]:
        return ref_join(a=a), ref_lp(x=x)

    try:
        uses_refs(a=["a"], x=1)
    except Exception as e:
        out["unmocked reference"] = "You must mock this out" in str(e)
    with task_mock(ref_join) as m:  # a reference entity runs locally only as its mock
        m.return_value = "joined"

        @patch(ref_lp)
        def test_refs(lp_mock):
            lp_mock.return_value = 5
            return list(uses_refs(a=["a", "b"], x=2)) + [str(m.call_args), str(lp_mock.call_args)]

        out["mocked references"] = test_refs()
    try:
        task_mock(len).__enter__()
    except ValueError:
        out["not_a_task"] = "ValueError"

    os.environ["FLYTE_SECRETS_DEFAULT_DIR"] = os.path.abspath("secrets")
    os.makedirs("secrets/grp/v1", exist_ok=True)
    open("secrets/grp/v1/from_file", "w").write(" in a file\\n")
    os.environ["_FSEC_GRP_FROM_ENV"] = "prefixed "
    os.environ["GRP_LOCAL_ONLY"] = "unprefixed"
    sm = SecretsManager()

    @task(secret_requests=[Secret(group="grp", key="local_only")])
    def reads_secret() -> str:
        return SecretsManager().get("grp", "local_only")  # inside a local run: also without the prefix

    out["secrets"] = [sm.get("grp", "from_env"), sm.get("grp", "from_file", group_version="v1"),
                      reads_secret(), sm.grp.from_env, sm.get_secrets_env_var("grp", "k", "v2"),
                      os.path.relpath(sm.get_secrets_file("Grp", "K", "V2"))]
    for missing in ("missing", "local_only"):  # outside a run, only with the prefix
        try:
            sm.get("grp", missing)
        except ValueError:
            out[missing] = "ValueError"
    print(json.dumps(out))
""")


def test_mocks_and_secrets_behave_as_flytekits(tmp_path):
    (tmp_path / "script.py").write_text(SCRIPT)
    theirs = run_oracle(tmp_path / "script.py", cwd=tmp_path)
    # autoc: the same script through the face (flytekit is not imported), in this environment
    runner = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from autoc.sdk.flytekit.imports import flytekit_imports
        with flytekit_imports("1.16.31"):
            exec(compile(open("script.py").read(), "script.py", "exec"), {{"__name__": "script"}})
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("_FSEC_", "FLYTE_SECRETS"))}
    p = subprocess.run([sys.executable, "-c", runner], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    ours = p.stdout.strip().splitlines()[-1]
    assert ours == theirs
    assert '"mocked": [100, 100, "call(x=1)"]' in ours and '"prefixed", "in a file", "unprefixed"' in ours
    assert '"mocked references": ["joined", 5, "call(a=[\'a\', \'b\'])", "call(x=2)"]' in ours
    assert '"unmocked reference": true' in ours


def test_autoc_testing_offers_the_same_names():
    import autoc.testing
    from autoc import SecretsManager

    assert autoc.testing.SecretsManager is SecretsManager
    with pytest.raises(ValueError, match="mocks tasks, workflows"):
        with autoc.testing.task_mock(len):
            pass

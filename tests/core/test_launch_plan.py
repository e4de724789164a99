"""LaunchPlan as flytekit users make it: the default launch plan, named ones, flytekit's CACHE semantics (same name
and parameters: the cached one; a different parameter: an error), what launch-plan nodes and discovery read, and
errors naming the line that made the launch plan."""

from __future__ import annotations

import datetime
import importlib
import sys
import textwrap
import uuid

import pytest

import autoc
from autoc.core.launch_plan import LaunchPlan
from autoc.core.task import ENTITIES
from autoc.errors import LaunchPlanError

STAND_IN = '''
import datetime, typing
from autoc import (LaunchPlan, CronSchedule, FixedRate, Email, WorkflowExecutionPhase, Labels, Annotations, AuthRole,
                   SecurityContext, Identity, RawOutputDataConfig, ConcurrencyPolicy)
from autoc.core.interface import Docstring, transform_function_to_interface


class workflow:  # a stand-in for @workflow: a name and a Python interface (ISSUE10 contract 1)
    def __init__(self, fn):
        self.name = f"{fn.__module__}.{fn.__name__}"
        self.python_interface = transform_function_to_interface(fn, Docstring(callable_=fn))
        self.calls = []
        self.instantiated_in, self._module_file, self._instantiated_line = fn.__module__, __file__, \\
            fn.__code__.co_firstlineno

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return kwargs


@workflow
def pipeline(day: str, epochs: int = 5, note: typing.Optional[str] = None,
             at: datetime.datetime = datetime.datetime(2020, 1, 1)) -> None:
    pass


@workflow
def other(day: str) -> None:
    pass

'''


def load(tmp_path, body: str = ""):
    """Import a fresh module holding the stand-in workflows and ``body``; returns (module, path)."""
    name = f"lpmod_{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{name}.py"
    path.write_text(STAND_IN + textwrap.dedent(body).replace("NAME", name))
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(name), path
    finally:
        sys.path.remove(str(tmp_path))


def line_of(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_default_launch_plan_is_named_like_the_workflow_and_made_once(tmp_path):
    mod, _ = load(tmp_path)
    lp = LaunchPlan.get_default_launch_plan(mod.pipeline)
    assert lp.name == mod.pipeline.name and lp.workflow is mod.pipeline and lp.is_default
    assert LaunchPlan.get_or_create(mod.pipeline) is lp
    assert LaunchPlan.get_default_launch_plan(object(), mod.pipeline) is lp  # flytekit's (ctx, workflow) form
    assert lp.default_inputs == {"epochs": 5, "note": None, "at": datetime.datetime(2020, 1, 1)}
    assert lp.fixed_inputs == {} and lp.schedule is None and lp.notifications == []
    assert lp.python_interface is mod.pipeline.python_interface
    assert lp.instantiated_in == mod.__name__  # its workflow's module, wherever it was asked for
    assert ENTITIES.count(lp) == 1


def test_named_launch_plan_holds_every_parameter(tmp_path):
    mod, path = load(tmp_path, '''
        nightly = LaunchPlan.get_or_create(
            pipeline, name="NAME.nightly", default_inputs={"epochs": 10}, fixed_inputs={"day": "today"},
            schedule=CronSchedule(schedule="0 2 * * *", kickoff_time_input_arg="at"),
            notifications=[Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=["ml@acme.io"])],
            labels={"team": "ml"}, annotations=Annotations({"a": "b"}), raw_output_data_config="s3://b/raw",
            max_parallelism=4, auth_role=AuthRole(kubernetes_service_account="sa"), overwrite_cache=True,
            auto_activate=True, concurrency=ConcurrencyPolicy(1))
    ''')
    lp = mod.nightly
    assert lp.name == f"{mod.__name__}.nightly" and not lp.is_default
    assert lp.default_inputs == {"epochs": 10, "note": None, "at": datetime.datetime(2020, 1, 1)}
    assert lp.given_default_inputs == {"epochs": 10}
    assert lp.fixed_inputs == {"day": "today"} == lp.raw_fixed_inputs
    assert lp.saved_inputs == {**lp.default_inputs, "day": "today"}
    assert lp.schedule == autoc.CronSchedule(schedule="0 2 * * *", kickoff_time_input_arg="at")
    assert lp.notifications == [autoc.Email(phases=[6], recipients_email=["ml@acme.io"])]
    assert lp.labels == autoc.Labels({"team": "ml"}) and lp.annotations == autoc.Annotations({"a": "b"})
    assert lp.raw_output_data_config == autoc.RawOutputDataConfig("s3://b/raw")
    assert lp.max_parallelism == 4 and lp.overwrite_cache is True and lp.auto_activate is lp.should_auto_activate
    assert lp.security_context == autoc.SecurityContext(run_as=autoc.Identity(k8s_service_account="sa"))
    assert lp.concurrency == autoc.ConcurrencyPolicy(max_concurrency=1)
    assert lp.instantiated_in == mod.__name__
    assert lp.creation_site == f"{path}:{line_of(path, 'nightly = LaunchPlan')}"
    assert LaunchPlan.CACHE[lp.name] is lp and ENTITIES.count(lp) == 1  # in the one creation-ordered list


def test_get_or_create_again_with_the_same_parameters_returns_the_cached_one(tmp_path):
    mod, _ = load(tmp_path, '''
        def make():
            return LaunchPlan.get_or_create(pipeline, name="NAME.lp", default_inputs={"epochs": 1},
                                            schedule=FixedRate(duration=datetime.timedelta(hours=1)),
                                            labels=Labels({"a": "b"}), auth_role=AuthRole("arn:r"))
        first = make()
        second = make()
    ''')
    assert mod.first is mod.second
    assert sum(1 for e in ENTITIES if e is mod.first) == 1


@pytest.mark.parametrize("change, field", [
    ('default_inputs={"epochs": 2}', "default_inputs"),
    ('default_inputs={"epochs": 1}, fixed_inputs={"day": "x"}', "fixed_inputs"),
    ('default_inputs={"epochs": 1}, schedule=FixedRate(duration=datetime.timedelta(hours=2))', "schedule"),
    ('default_inputs={"epochs": 1}, notifications=[Email(phases=[WorkflowExecutionPhase.FAILED], '
     'recipients_email=["x@y.z"])]', "notifications"),
    ('default_inputs={"epochs": 1}, labels=Labels({"a": "c"})', "labels"),
    ('default_inputs={"epochs": 1}, max_parallelism=3', "max_parallelism"),
    ('default_inputs={"epochs": 1}, auth_role=AuthRole(kubernetes_service_account="other")', "security_context"),
    ('default_inputs={"epochs": 1}, overwrite_cache=True', "overwrite_cache"),
    ('default_inputs={"epochs": 1}, auto_activate=True', "auto_activate"),
    ('default_inputs={"epochs": 1}, concurrency=ConcurrencyPolicy(2)', "concurrency"),
])
def test_get_or_create_again_with_another_value_is_an_error_naming_the_field(tmp_path, change, field):
    body = f'''
        first = LaunchPlan.get_or_create(pipeline, name="NAME.lp", default_inputs={{"epochs": 1}})
        second = LaunchPlan.get_or_create(pipeline, name="NAME.lp", {change})
    '''
    with pytest.raises(LaunchPlanError) as e:
        load(tmp_path, body)
    path = next(tmp_path.glob("lpmod_*.py"))
    assert f"different values for '{field}'" in e.value.message
    assert e.value.where == f"{path}:{line_of(path, 'second = ')}"
    assert f"{path}:{line_of(path, 'first = ')}" in e.value.message  # where the first one was made
    assert "different launch plan names" in e.value.hint


def test_same_name_for_another_workflow_is_an_error(tmp_path):
    with pytest.raises(LaunchPlanError, match="both named '.*' for the workflows") as e:
        load(tmp_path, '''
            a = LaunchPlan.get_or_create(pipeline, name="NAME.lp")
            b = LaunchPlan.get_or_create(other, name="NAME.lp")
        ''')
    assert "unique" in e.value.hint


def test_create_twice_is_an_error_and_adds_nothing(tmp_path):
    before = len(ENTITIES)
    with pytest.raises(LaunchPlanError, match="already created") as e:
        load(tmp_path, '''
            a = LaunchPlan.create("NAME.lp", pipeline)
            b = LaunchPlan.create("NAME.lp", pipeline, default_inputs={"epochs": 3})
        ''')
    assert "get_or_create" in e.value.hint
    assert len(ENTITIES) == before + 1


def test_options_without_a_name_are_an_error(tmp_path):
    with pytest.raises(LaunchPlanError, match="Only named launchplans.*schedule, labels given without a name") as e:
        load(tmp_path, 'lp = LaunchPlan.get_or_create(pipeline, schedule=CronSchedule(schedule="@daily"), '
                       'labels=Labels({}))\n')
    assert 'name="..."' in e.value.hint


@pytest.mark.parametrize("args, message, hint", [
    ('default_inputs={"epoch": 3}', "default_inputs names 'epoch', which is not an input of workflow",
     "inputs are: day, epochs, note, at"),
    ('fixed_inputs={"nope": 3}', "fixed_inputs names 'nope'", "inputs are: day, epochs"),
    ('fixed_inputs=[("day", "x")]', "fixed_inputs must be a dict", "fixed_inputs={"),
    ('schedule="0 2 * * *"', "schedule must be a Schedule", "CronSchedule(schedule="),
    ('notifications=Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=["a@b.c"])',
     "notifications must be a list", "notifications=[Email("),
    ('notifications=["a@b.c"]', "is not an Email, Slack or PagerDuty notification", "notifications=[Email("),
    ('labels=["team"]', "labels must be a Labels", "Labels({"),
    ('max_parallelism="10"', "max_parallelism must be a non-negative int", "max_parallelism=10"),
    ('max_parallelism=-1', "max_parallelism must be a non-negative int", "max_parallelism=10"),
    ('overwrite_cache="yes"', "overwrite_cache must be True or False", "overwrite_cache=True"),
    ('security_context="sa"', "security_context must be a SecurityContext", "Identity(k8s_service_account"),
    ('auth_role=AuthRole(kubernetes_service_account="a"), security_context=SecurityContext()',
     "cannot specify both AuthRole and SecurityContext", "alone"),
    ('concurrency=3', "concurrency must be a ConcurrencyPolicy", "ConcurrencyPolicy(max_concurrency=1)"),
    ('trigger="hourly"', "has no to_flyte_idl()", "schedule="),
])
def test_bad_parameters_name_the_line_and_say_how(tmp_path, args, message, hint):
    with pytest.raises(LaunchPlanError) as e:
        load(tmp_path, f'lp = LaunchPlan.get_or_create(pipeline, name="NAME.lp", {args})\n')
    path = next(tmp_path.glob("lpmod_*.py"))
    assert message in e.value.message
    assert hint in e.value.hint
    assert e.value.where == f"{path}:{line_of(path, 'lp = LaunchPlan')}"


def test_a_launch_plan_needs_a_workflow():
    with pytest.raises(LaunchPlanError, match="needs a workflow") as e:
        LaunchPlan.get_or_create(lambda day: day, name=f"x{uuid.uuid4().hex}")
    assert "@workflow" in e.value.hint


def test_calling_a_launch_plan_runs_its_workflow_with_its_inputs(tmp_path):
    mod, _ = load(tmp_path, 'lp = LaunchPlan.get_or_create(pipeline, name="NAME.lp", default_inputs={"epochs": 2}, '
                            'fixed_inputs={"day": "mon"})\n')
    assert mod.lp(note="n") == {"epochs": 2, "note": "n", "at": datetime.datetime(2020, 1, 1), "day": "mon"}
    with pytest.raises(LaunchPlanError, match="day are fixed"):
        mod.lp(day="tue")
    with pytest.raises(LaunchPlanError, match="Only Keyword Arguments"):
        mod.lp("tue")


def test_clone_with_replaces_what_it_is_given(tmp_path):
    mod, _ = load(tmp_path, '''
        lp = LaunchPlan.get_or_create(pipeline, name="NAME.lp", default_inputs={"epochs": 2}, labels=Labels({"a": "b"}))
        clone = lp.clone_with("NAME.clone", schedule=CronSchedule(schedule="@hourly"))
    ''')
    c = mod.clone
    assert c.name.endswith(".clone") and c.workflow is mod.pipeline
    assert c.given_default_inputs == {"epochs": 2} and c.labels == mod.lp.labels
    assert c.schedule == autoc.CronSchedule(schedule="@hourly") and mod.lp.schedule is None
    assert c.name not in LaunchPlan.CACHE  # as in flytekit, a clone is not cached


def test_exported_from_autoc():
    from autoc.core import common, notification, schedule

    assert autoc.LaunchPlan is LaunchPlan
    assert autoc.CronSchedule is schedule.CronSchedule and autoc.FixedRate is schedule.FixedRate
    assert autoc.Email is notification.Email and autoc.Slack is notification.Slack
    assert autoc.PagerDuty is notification.PagerDuty
    assert autoc.WorkflowExecutionPhase is notification.WorkflowExecutionPhase
    assert autoc.Labels is common.Labels and autoc.Annotations is common.Annotations
    for name in ("AuthRole", "RawOutputDataConfig", "ConcurrencyPolicy", "ConcurrencyLimitBehavior", "Identity"):
        assert name in autoc.__all__



LOCAL_RUNS = """
import json, sys
sys.path[:0] = sys.argv[1:]
from workflows import launchplans as m
print(json.dumps([m.nightly(), m.hourly(), m.weekly(), m.backfill(day="z"), m.nightly(source="s3"),
                  m.daily_report(day="d", limit=3)]))
"""


def test_calling_launch_plans_of_a_real_workflow_runs_it_locally_as_flytekit_does(tmp_path):
    """examples/workflows/launchplans.py (a task called through functools.partial inside): the launch plans run
    locally with their defaults and fixed inputs, giving flytekit's results."""
    import json
    import subprocess

    from tests.conftest import EXAMPLES, SHIM, run_oracle

    theirs = json.loads(run_oracle(LOCAL_RUNS, str(SHIM), str(EXAMPLES), cwd=tmp_path))
    p = subprocess.run([sys.executable, "-c", LOCAL_RUNS, str(EXAMPLES)], cwd=tmp_path, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr
    ours = json.loads(p.stdout.strip().splitlines()[-1])
    assert ours == theirs
    assert ours[0] == "1970-01-01T00:00:00+00:00 " + f"{2.0 * sum(len('yesterday') + i for i in range(10)):.1f}"


def test_a_named_launch_plan_may_not_take_the_name_of_another_workflows_default_one(tmp_path):
    """flytekit would hand that launch plan (of another workflow) out as the workflow's default launch plan."""
    mod, path = load(tmp_path, 'taken = LaunchPlan.create(f"{__name__}.pipeline", other)\n')
    with pytest.raises(LaunchPlanError, match=r"is named .*\.pipeline, the name of workflow .*'s default") as e:
        LaunchPlan.get_default_launch_plan(mod.pipeline)
    assert e.value.where == f"{path}:{line_of(path, 'taken = ')}" and "another name" in e.value.hint


def test_a_workflow_defined_again_by_the_same_code_gets_its_own_default_launch_plan(tmp_path):
    """A function body defining a workflow (a parametrized test, a factory) makes a new workflow of the same name
    each call: its default launch plan is its own (flytekit hands out the first workflow's; running that would
    run the old definition). Another workflow taking that name is still refused (above)."""
    mod, _ = load(tmp_path, "from autoc import task, workflow as real_workflow\n\n\n@task\ndef add(x: int, k: int) "
                            "-> int:\n    return x + k\n\n\ndef make(k):\n    @real_workflow\n"
                            "    def again(x: int) -> int:\n        return add(x=x, k=k)\n    return again\n")
    first, second = mod.make(1), mod.make(2)
    assert first.name == second.name
    lp1, lp2 = LaunchPlan.get_default_launch_plan(first), LaunchPlan.get_default_launch_plan(second)
    assert lp1.workflow is first and lp2.workflow is second and lp1.name == lp2.name
    assert LaunchPlan.get_default_launch_plan(second) is lp2 and lp2(x=1) == 3


@pytest.mark.parametrize("args", ["auto_activate=True", "concurrency=ConcurrencyPolicy(1)"])
def test_activation_and_concurrency_without_a_name_are_errors_not_ignored(tmp_path, args):
    with pytest.raises(LaunchPlanError, match="Only named launchplans.*given without a name"):
        load(tmp_path, f"lp = LaunchPlan.get_or_create(pipeline, {args})\n")


def test_default_options_give_the_default_launch_plan_labels_and_annotations(tmp_path, monkeypatch):
    name = f"dopts_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent("""\
        from autoc import Annotations, Labels, Options, task, workflow

        @task
        def t(x: int) -> int:
            return x

        @workflow(default_options=Options(labels=Labels({"team": "ml"}), annotations=Annotations({"a": "b"})))
        def wf(x: int = 1) -> int:
            return t(x=x)
        """))
    monkeypatch.syspath_prepend(str(tmp_path))
    m = importlib.import_module(name)
    lp = LaunchPlan.get_or_create(m.wf)
    assert lp.labels == autoc.Labels({"team": "ml"}) and lp.annotations == autoc.Annotations({"a": "b"})
    with pytest.raises(autoc.errors.WorkflowDefinitionError, match="default_options must be an Options"):
        autoc.workflow(default_options={"labels": {}})(m.wf.function)
    with pytest.raises(autoc.errors.ValidationError, match="Options.labels must be a Labels"):
        autoc.Options(labels={"team": "ml"})
    assert autoc.Options.default_from(raw_data_prefix="s3://b/p").raw_output_data_config.output_location_prefix \
        == "s3://b/p"

"""Launch plans translated by autoc against the ``flyteidl.admin.LaunchPlan`` flytekit 1.16 (the oracle) makes from
the same source: default and named launch plans, every parameter, defaults and fixed inputs as literals.

One module text is imported twice: by flytekit's Python with ``@workflow`` and flytekit's names, and here with a
stand-in workflow object (a name and a Python interface, as ISSUE10's contract 1 says).
"""

from __future__ import annotations

import base64
import importlib
import json
import sys
import textwrap
import uuid

import pytest
from flyteidl.admin import launch_plan_pb2
from google.protobuf import text_format

from autoc.core.launch_plan import LaunchPlan
from autoc.errors import LaunchPlanError
from autoc.serialize.settings import SerializationSettings
from autoc.serialize.translate_launch_plan import launch_plan_message
from tests.conftest import run_oracle

FLYTEKIT_PRELUDE = """
from flytekit import (workflow, LaunchPlan, CronSchedule, FixedRate, Email, Slack, PagerDuty, WorkflowExecutionPhase,
                      Labels, Annotations, AuthRole)
from flytekit.models.common import RawOutputDataConfig
from flytekit.models.security import Identity, SecurityContext, Secret
from flytekit.models.concurrency import ConcurrencyPolicy
"""

AUTOC_PRELUDE = """
from autoc.core.interface import Docstring, transform_function_to_interface
from autoc.core.launch_plan import LaunchPlan
from autoc.core.schedule import CronSchedule, FixedRate
from autoc.core.notification import Email, Slack, PagerDuty, WorkflowExecutionPhase
from autoc.core.common import Labels, Annotations, AuthRole, RawOutputDataConfig, ConcurrencyPolicy
from autoc.core.security import Identity, SecurityContext, Secret


class workflow:  # the stand-in: what a launch plan reads from a workflow
    def __init__(self, fn):
        self.name = f"{fn.__module__}.{fn.__name__}"
        self.python_interface = transform_function_to_interface(fn, Docstring(callable_=fn))
"""

BODY = '''
import datetime
import enum
import typing
from dataclasses import dataclass, field


@dataclass
class Config:
    depth: int = 3
    name: str = "tree"
    tags: typing.List[str] = field(default_factory=list)


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@workflow
def pipeline(day: str, epochs: int = 5, lr: float = 0.01, note: typing.Optional[str] = None,
             limit: typing.Optional[int] = 7, cfg: Config = Config(), color: Color = Color.RED,
             when: datetime.datetime = datetime.datetime(2024, 1, 2, 3, 4, 5),
             weights: typing.List[float] = [0.5, 1.5], extra: typing.Dict[str, int] = {"a": 1},
             maybe: typing.Optional[int] = None, kickoff: datetime.datetime = datetime.datetime(2020, 1, 1)) -> None:
    """Fetch a day of data and train on it.

    :param day: the day to fetch
    :param epochs: passes over the data
    """


@workflow
def bare(x: int, y: typing.Optional[str]) -> None:
    pass


@workflow
def noargs() -> None:
    pass


@workflow
def mixed(u: typing.Union[int, str] = "s", rows: typing.List[typing.Dict[str, float]] = [{"a": 1.0}],
          flag: bool = False, ratio: typing.Optional[float] = 0.5) -> None:
    pass


nightly = LaunchPlan.get_or_create(
    pipeline, name="P_nightly", default_inputs={"epochs": 10, "note": "hi", "cfg": Config(depth=9, tags=["x"])},
    fixed_inputs={"day": "today", "limit": None, "maybe": 4, "color": Color.BLUE},
    schedule=CronSchedule(schedule="0 2 * * *", kickoff_time_input_arg="kickoff"),
    notifications=[Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=["ml@acme.io"]),
                   Slack(phases=[WorkflowExecutionPhase.SUCCEEDED, WorkflowExecutionPhase.ABORTED],
                         recipients_email=["chan@acme.slack.com", "b@acme.io"]),
                   PagerDuty(phases=[WorkflowExecutionPhase.TIMED_OUT], recipients_email=["svc@acme.pagerduty.com"])],
    labels=Labels({"team": "ml", "tier": "gold"}), annotations=Annotations({"owner": "ml@acme.io"}),
    raw_output_data_config=RawOutputDataConfig("s3://bucket/raw"), max_parallelism=7,
    security_context=SecurityContext(run_as=Identity(k8s_service_account="trainer"),
                                     secrets=[Secret(group="aws", key="token")]),
    overwrite_cache=True, auto_activate=True, concurrency=ConcurrencyPolicy(max_concurrency=2))
hourly = LaunchPlan.get_or_create(pipeline, name="P_hourly", fixed_inputs={"day": "now", "epochs": 1},
                                  schedule=FixedRate(duration=datetime.timedelta(hours=2)))
every_90 = LaunchPlan.create("P_every_90", pipeline, default_inputs={"day": "x"},
                             schedule=FixedRate(duration=datetime.timedelta(minutes=90), kickoff_time_input_arg="when"))
weekly = LaunchPlan.get_or_create(pipeline, name="P_weekly", default_inputs={"day": "mon"},
                                  schedule=CronSchedule(schedule="@weekly", offset="PT1H"))
days = LaunchPlan.get_or_create(pipeline, name="P_days", default_inputs={"day": "d"},
                                schedule=FixedRate(duration=datetime.timedelta(days=3)))
legacy = LaunchPlan.get_or_create(pipeline, name="P_legacy", default_inputs={"lr": 0.5, "maybe": None},
                                  auth_role=AuthRole(assumable_iam_role="arn:aws:iam::1:role/r",
                                                     kubernetes_service_account="sa2"))
empty_sc = LaunchPlan.get_or_create(pipeline, name="P_empty_sc", security_context=SecurityContext(secrets=[]),
                                    labels=Labels({}), max_parallelism=0, overwrite_cache=False)
default = LaunchPlan.get_or_create(pipeline)
bare_lp = LaunchPlan.get_or_create(bare, name="P_bare_lp", fixed_inputs={"y": "why"})
noargs_lp = LaunchPlan.get_or_create(noargs, name="P_noargs_lp",
                                     schedule=FixedRate(duration=datetime.timedelta(days=1)))
mixed_default = LaunchPlan.get_or_create(mixed)


class Trigger:  # what an artifact trigger offers: a message for launch_conditions
    def to_flyte_idl(self, lp):
        from flyteidl.core import literals_pb2
        return literals_pb2.Primitive(string_value=lp.name)


triggered = LaunchPlan.get_or_create(noargs, name="P_triggered", trigger=Trigger())
mixed_lp = LaunchPlan.get_or_create(mixed, name="P_mixed_lp", default_inputs={"u": 3, "flag": True},
                                    fixed_inputs={"ratio": 1.5, "rows": []})
'''

ORACLE = """
import base64, importlib, json, sys
from collections import OrderedDict
sys.path.insert(0, ".")
from flytekit.configuration import ImageConfig, SerializationSettings
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.launch_plan import LaunchPlan
from flytekit.tools.translator import get_serializable
mod = importlib.import_module(sys.argv[1])
lps = {k: v for k, v in vars(mod).items() if isinstance(v, LaunchPlan)}
lps["default_bare"] = LaunchPlan.get_default_launch_plan(FlyteContextManager.current_context(), mod.bare)
out = {}
for ids in json.loads(sys.argv[2]):
    settings = SerializationSettings(image_config=ImageConfig.auto_default_image(), project=ids[0] or None,
                                     domain=ids[1] or None, version=ids[2] or None)
    out["/".join(ids)] = {k: base64.b64encode(get_serializable(OrderedDict(), settings, lp).to_flyte_idl()
                                              .SerializeToString()).decode() for k, lp in lps.items()}
print(json.dumps(out))
"""

IDS = {"offline": ("", "", ""), "registration": ("flytesnacks", "development", "v1")}


@pytest.fixture(scope="module")
def case_modules(tmp_path_factory):
    """The same body as ``fk_<id>`` (flytekit) and ``ac_<id>`` (autoc) modules; workflow names are made equal."""
    d = tmp_path_factory.mktemp("lp")
    stem = f"lpcase_{uuid.uuid4().hex[:8]}"
    (d / "fk").mkdir()
    (d / "ac").mkdir()
    body = BODY.replace("P_", stem + "_")  # launch plan names are global: unique to this run
    (d / "fk" / f"{stem}.py").write_text(FLYTEKIT_PRELUDE + body)
    (d / "ac" / f"{stem}.py").write_text(AUTOC_PRELUDE + body)
    return d, stem


@pytest.fixture(scope="module")
def autoc_module(case_modules):
    d, stem = case_modules
    sys.path.insert(0, str(d / "ac"))
    try:
        return importlib.import_module(stem)
    finally:
        sys.path.remove(str(d / "ac"))


@pytest.fixture(scope="module")
def oracle_messages(case_modules):
    """flytekit's messages for every set of ids, from one run of the oracle."""
    d, stem = case_modules
    out = json.loads(run_oracle(ORACLE, stem, json.dumps(list(IDS.values())), cwd=d / "fk"))
    msgs = {}
    for ids, per_lp in out.items():
        for k, b64 in per_lp.items():
            m = launch_plan_pb2.LaunchPlan()
            m.ParseFromString(base64.b64decode(b64))
            msgs[ids, k] = m
    return msgs


@pytest.fixture(scope="module", params=list(IDS))
def both(request, oracle_messages, autoc_module):
    project, domain, version = IDS[request.param]
    key = "/".join((project, domain, version))
    theirs = {k: m for (ids, k), m in oracle_messages.items() if ids == key}
    settings = SerializationSettings(image_config=None, project=project, domain=domain, version=version)
    lps = {k: v for k, v in vars(autoc_module).items() if isinstance(v, LaunchPlan)}
    lps["default_bare"] = LaunchPlan.get_default_launch_plan(autoc_module.bare)
    ours = {k: launch_plan_message(lp, settings) for k, lp in lps.items()}
    return theirs, ours


CASES = ["nightly", "hourly", "every_90", "weekly", "days", "legacy", "empty_sc", "default", "bare_lp",
         "default_bare", "noargs_lp", "mixed_default", "mixed_lp", "triggered"]


@pytest.mark.parametrize("name", CASES)
def test_launch_plan_equals_flytekits(both, name):
    theirs, ours = both
    assert set(ours) == set(theirs) == set(CASES)
    if ours[name] != theirs[name]:
        import difflib

        pytest.fail("\n".join(difflib.unified_diff(text_format.MessageToString(theirs[name]).splitlines(),
                                                   text_format.MessageToString(ours[name]).splitlines(),
                                                   "flytekit", "autoc", lineterm="")))


def test_the_cases_cover_what_section_13_says(both):
    """The comparison above is only worth something if the cases carry the interesting fields."""
    _, ours = both
    nightly = ours["nightly"].spec
    assert "day" not in nightly.default_inputs.parameters  # fixed inputs are removed from the defaults
    assert nightly.fixed_inputs.literals["limit"].scalar.union.value.scalar.HasField("none_type")
    assert nightly.fixed_inputs.literals["maybe"].scalar.union.value.scalar.primitive.integer == 4
    assert nightly.default_inputs.parameters["note"].default.scalar.union.value.scalar.primitive.string_value == "hi"
    assert nightly.default_inputs.parameters["cfg"].default.scalar.binary.tag == "msgpack"
    assert nightly.default_inputs.parameters["cfg"].var.type.structure.dataclass_type["depth"].simple
    assert nightly.default_inputs.parameters["epochs"].var.description == "epochs"  # given here: name only
    default = ours["default"].spec
    assert default.default_inputs.parameters["epochs"].var.description == "passes over the data"
    assert default.default_inputs.parameters["maybe"].default.scalar.HasField("none_type")  # bare, not a union
    assert default.default_inputs.parameters["day"].required
    assert not ours["bare_lp"].spec.default_inputs.parameters["x"].HasField("default")
    assert ours["default_bare"].spec.default_inputs.parameters["y"].default.scalar.HasField("none_type")
    assert ours["weekly"].spec.entity_metadata.schedule.cron_schedule.offset == "PT1H"
    assert ours["every_90"].spec.entity_metadata.schedule.rate.value == 90
    assert ours["empty_sc"].spec.HasField("security_context")
    assert ours["triggered"].spec.entity_metadata.launch_conditions.type_url.endswith("flyteidl.core.Primitive")
    assert ours["default"].closure.HasField("expected_inputs") and ours["default"].closure.HasField("expected_outputs")


def test_bytes_are_deterministic(autoc_module):
    settings = SerializationSettings(image_config=None)
    a = launch_plan_message(autoc_module.nightly, settings).SerializeToString(deterministic=True)
    b = launch_plan_message(autoc_module.nightly, settings).SerializeToString(deterministic=True)
    assert a == b


# --- what FlyteAdmin would refuse is refused here, with the launch plan's file:line --------------------------------
def _module(tmp_path, body: str):
    name = f"lperr_{uuid.uuid4().hex[:8]}"
    body = textwrap.dedent(body).replace('name="a"', f'name="{name}"')  # launch plan names are global
    (tmp_path / f"{name}.py").write_text(AUTOC_PRELUDE + body)
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(name), tmp_path / f"{name}.py"
    finally:
        sys.path.remove(str(tmp_path))


WF = """
import datetime, typing

@workflow
def wf(day: str, n: int = 1, at: typing.Optional[datetime.datetime] = None,
       t: datetime.datetime = datetime.datetime(2020, 1, 1)) -> None:
    pass

"""


@pytest.mark.parametrize("lp_line, message, hint", [
    ('lp = LaunchPlan.get_or_create(wf, name="a", default_inputs={"n": "ten"})',
     "default input 'n' = 'ten'", "int"),
    ('lp = LaunchPlan.get_or_create(wf, name="a", fixed_inputs={"day": 3})', "fixed input 'day' = 3", "str"),
    ('lp = LaunchPlan.get_or_create(wf, name="a", fixed_inputs={"n": None})', "fixed input 'n' = None", "int"),
    ('lp = LaunchPlan.get_or_create(wf, name="a", schedule=CronSchedule(schedule="@daily"))',
     "input 'day' is required and unbound", 'default_inputs={"day": ...}'),
    ('lp = LaunchPlan.get_or_create(wf, name="a", fixed_inputs={"day": "d"}, '
     'schedule=CronSchedule(schedule="@daily", kickoff_time_input_arg="n"))',
     "kickoff_time_input_arg 'n' must be a datetime input", "not fixed: t"),
    ('lp = LaunchPlan.get_or_create(wf, name="a", fixed_inputs={"day": "d", "t": datetime.datetime(2020, 1, 1)}, '
     'schedule=CronSchedule(schedule="@daily", kickoff_time_input_arg="t"))',
     "kickoff_time_input_arg 't' is fixed", "add an input `t: datetime.datetime`"),
    ('lp = LaunchPlan.get_or_create(wf, name="a", fixed_inputs={"day": "d"}, '
     'schedule=FixedRate(duration=datetime.timedelta(hours=1), kickoff_time_input_arg="nope"))',
     "'nope' is not an input of workflow", "not fixed: t"),
    ('lp = LaunchPlan.get_or_create(wf, name="a", fixed_inputs={"day": "d"}, '
     'schedule=FixedRate(duration=datetime.timedelta(hours=1), kickoff_time_input_arg="at"))',
     "must be a datetime input", "not fixed: t"),
])
def test_what_flyteadmin_refuses_is_an_error_at_the_launch_plan(tmp_path, lp_line, message, hint):
    mod, path = _module(tmp_path, WF + lp_line + "\n")
    with pytest.raises(LaunchPlanError) as e:
        launch_plan_message(mod.lp, SerializationSettings(image_config=None))
    line = (AUTOC_PRELUDE + WF).count("\n") + 1
    assert e.value.where == f"{path}:{line}"
    assert message in e.value.message
    assert hint in e.value.hint


def test_a_scheduled_launch_plan_with_every_input_bound_translates(tmp_path):
    mod, _ = _module(tmp_path, WF + 'lp = LaunchPlan.get_or_create(wf, name="a", default_inputs={"day": "d"}, '
                                    'schedule=CronSchedule(schedule="*/5 * * * *", kickoff_time_input_arg="t"))\n')
    msg = launch_plan_message(mod.lp, SerializationSettings(image_config=None))
    assert msg.spec.entity_metadata.schedule.kickoff_time_input_arg == "t"
    assert msg.spec.default_inputs.parameters["t"].default.scalar.primitive.datetime.seconds == 1577836800


def test_a_schedule_given_as_trigger_is_refused_as_flytekit_refuses_it(tmp_path):
    mod, _ = _module(tmp_path, WF + "class T:\n    def to_flyte_idl(self, lp):\n"
                                    "        return CronSchedule(schedule='@daily').to_flyte_idl()\n\n\n"
                                    'lp = LaunchPlan.get_or_create(wf, name="a", fixed_inputs={"day": "d"}, '
                                    'trigger=T())\n')
    with pytest.raises(LaunchPlanError, match="a schedule given as trigger=") as e:
        launch_plan_message(mod.lp, SerializationSettings(image_config=None))
    assert "schedule arg" in e.value.hint and e.value.where.endswith(f":{(AUTOC_PRELUDE + WF).count(chr(10)) + 6}")

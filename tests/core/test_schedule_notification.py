"""Schedules, notifications and execution options: the flyteidl messages flytekit's own ``to_flyte_idl()`` gives
for the same constructor calls, and the same accepted/refused cron schedules (apart from documented refusals)."""

from __future__ import annotations

import base64
import datetime
import json

import pytest
from flyteidl.admin import common_pb2, launch_plan_pb2, schedule_pb2

import autoc
from autoc.errors import ValidationError
from tests.conftest import run_oracle

FLYTEKIT = """
from flytekit import (CronSchedule, FixedRate, Email, Slack, PagerDuty, WorkflowExecutionPhase, Labels, Annotations,
                      AuthRole, ConcurrencyPolicy)
from flytekit.models.common import RawOutputDataConfig
"""
AUTOC = """
from autoc import (CronSchedule, FixedRate, Email, Slack, PagerDuty, WorkflowExecutionPhase, Labels, Annotations,
                   AuthRole, ConcurrencyPolicy, RawOutputDataConfig)
"""
OBJECTS = """
import datetime
P = WorkflowExecutionPhase
OBJECTS = {
    "cron": CronSchedule(schedule="0 2 * * *"),
    "cron_at_alias": CronSchedule(schedule="@daily", kickoff_time_input_arg="kickoff"),
    "cron_word_alias": CronSchedule(schedule="hourly"),
    "cron_upper_alias": CronSchedule(schedule="WEEKLY"),
    "cron_offset": CronSchedule(schedule="*/5 1-3 ? JAN-MAR MON,FRI", offset="PT30M"),
    "rate_minutes": FixedRate(duration=datetime.timedelta(minutes=90)),
    "rate_hours": FixedRate(duration=datetime.timedelta(hours=5), kickoff_time_input_arg="k"),
    "rate_days": FixedRate(duration=datetime.timedelta(days=2)),
    "rate_mixed": FixedRate(duration=datetime.timedelta(days=1, hours=1)),
    "email": Email(phases=[P.FAILED, P.TIMED_OUT], recipients_email=["a@b.io", "c@d.io"]),
    "slack": Slack(phases=[P.SUCCEEDED], recipients_email=["chan@x.slack.com"]),
    "pager_duty": PagerDuty(phases=[P.ABORTED], recipients_email=["svc@x.pagerduty.com"]),
    "labels": Labels({"team": "ml", "tier": "1"}),
    "annotations": Annotations({"owner": "ml@acme.io"}),
    "empty_labels": Labels({}),
    "raw_output": RawOutputDataConfig("s3://bucket/raw"),
    "auth_role": AuthRole(assumable_iam_role="arn:aws:iam::1:role/r", kubernetes_service_account="sa"),
    "concurrency": ConcurrencyPolicy(max_concurrency=3),
}
"""
RUN = """
import base64, json
print(json.dumps({k: base64.b64encode(o.to_flyte_idl().SerializeToString(deterministic=True)).decode()
                  for k, o in OBJECTS.items()}))
"""

CRONS = ["0 0 ? * MON", "@midnight", "0 0 * * sun-sat", "0 0 * * MON-FRI/2", "0 0 1,15 * *", "0 0 * jan,Feb *",
         "0 0 ? * ?", "DAILY", "0,30 9-17/2 * * 1-5", "0 24 * * *", "60 0 * * *", "0 0 0 * *", "0 0 * 13 *",
         "H 0 * * *", "1-5/0 * * * *", "a b c d e", "? * * * *", "*/0 * * * *", "@reboot", "@every 5m", "",
         "0 0 1 * * 2020", "* * * *", "0 0 29 2 *", "0 0 31 1 *", "0 0 31 2,3 *", "0 0 31 2 1", "0 0 30-31 */2 *",
         "0 0 31 2 *", "0 0 30 2 ?", "0 0 31 4,6 *", "0 0 31 4-6/2 *"]
# croniter (flytekit) accepts these; Flyte's native scheduler (5 fields, 0-6 days, no L/W/#, no wrapping ranges)
# cannot run them, so autoc refuses them where they are written
REFUSED_ONLY_BY_AUTOC = ["0 0 * * 7", "0 0 L * *", "0 0 * * 5#3", "*/5 * * * * 30", "0 0 15W * *", "5-1 * * * *",
                         "0 0 * * 0-7"]
CRON_ORACLE = """
import json, sys
from flytekit import CronSchedule
ok = {}
for e in json.loads(sys.argv[1]):
    try:
        CronSchedule(schedule=e)
        ok[e] = True
    except Exception:
        ok[e] = False
print(json.dumps(ok))
"""
MESSAGE = {"cron": schedule_pb2.Schedule, "rate": schedule_pb2.Schedule, "email": common_pb2.Notification,
           "slack": common_pb2.Notification, "pager": common_pb2.Notification, "labels": common_pb2.Labels,
           "empty": common_pb2.Labels, "annotations": common_pb2.Annotations,
           "raw": common_pb2.RawOutputDataConfig, "auth": common_pb2.AuthRole,
           "concurrency": launch_plan_pb2.ConcurrencyPolicy}


@pytest.fixture(scope="module")
def flytekit_bytes(tmp_path_factory):
    d = tmp_path_factory.mktemp("vo")
    return json.loads(run_oracle(FLYTEKIT + OBJECTS + RUN, cwd=d))


@pytest.fixture(scope="module")
def autoc_objects():
    ns: dict = {}
    exec(AUTOC + OBJECTS, ns)
    return ns["OBJECTS"]


@pytest.mark.parametrize("name", ["cron", "cron_at_alias", "cron_word_alias", "cron_upper_alias", "cron_offset",
                                  "rate_minutes", "rate_hours", "rate_days", "rate_mixed", "email", "slack",
                                  "pager_duty", "labels", "annotations", "empty_labels", "raw_output", "auth_role",
                                  "concurrency"])
def test_same_message_as_flytekit(flytekit_bytes, autoc_objects, name):
    cls = MESSAGE[name.split("_")[0]]
    theirs = cls()
    theirs.ParseFromString(base64.b64decode(flytekit_bytes[name]))
    ours = autoc_objects[name].to_flyte_idl()
    assert type(ours) is cls
    assert ours == theirs
    assert ours.ByteSize() > 0 or name == "empty_labels"


def test_cron_schedules_accepted_and_refused_like_flytekit(tmp_path):
    theirs = json.loads(run_oracle(CRON_ORACLE, json.dumps(CRONS + REFUSED_ONLY_BY_AUTOC), cwd=tmp_path))
    ours = {}
    for e in CRONS + REFUSED_ONLY_BY_AUTOC:
        try:
            autoc.CronSchedule(schedule=e)
            ours[e] = True
        except ValidationError:
            ours[e] = False
    assert {e: ours[e] for e in CRONS} == {e: theirs[e] for e in CRONS}
    assert all(theirs[e] and not ours[e] for e in REFUSED_ONLY_BY_AUTOC)
    assert sum(ours.values()) >= 8 and sum(not v for v in ours.values()) >= 15


@pytest.mark.parametrize("schedule, message, hint", [
    ("0 2 * *", "has 4 fields, cron takes 5", '"0 2 * * *"'),
    ("0 2 * * * 2024", "6 fields, cron takes 5 (seconds and years are not supported)", "@daily"),
    ("0 25 * * *", "hour field '25': 25 is outside 0-23", "hour takes 0-23"),
    ("0 0 * FOO *", "month field 'FOO': 'FOO' is not a number or a name", "JAN/FEB"),
    ("0 0 * * 7", "day of week field '7': 7 is outside 0-6", "SUN/MON"),
    ("? 0 * * *", "'?' is only allowed for the day of month or day of week", "minute takes 0-59"),
    ("*/0 * * * *", "the step '0' is not a positive number", "minute"),
    ("5-1 * * * *", "the range '5-1' runs backwards", "minute"),
])
def test_a_bad_cron_schedule_says_which_field_and_how(schedule, message, hint):
    with pytest.raises(ValidationError) as e:
        autoc.CronSchedule(schedule=schedule)
    assert message in e.value.message
    assert hint in e.value.hint


def test_a_cron_schedule_that_never_fires_is_refused():
    with pytest.raises(ValidationError, match=r"^Schedule is invalid: '0 0 31 4,6 \*' never fires: none of its "
                                              r"months has day 31"):
        autoc.CronSchedule(schedule="0 0 31 4,6 *")


def test_schedules_from_their_messages():
    for s in (autoc.CronSchedule(schedule="0 0 * * *", offset="PT1H", kickoff_time_input_arg="k"),
              autoc.FixedRate(datetime.timedelta(hours=10)), autoc.FixedRate(datetime.timedelta(days=2)),
              autoc.FixedRate(datetime.timedelta(minutes=90), kickoff_time_input_arg="k")):
        assert type(s).from_flyte_idl(s.to_flyte_idl()) == s
    assert autoc.FixedRate(datetime.timedelta(hours=24)).rate.unit == autoc.FixedRate.FixedRateUnit.DAY


def test_cron_schedule_needs_a_schedule_and_refuses_the_deprecated_field():
    with pytest.raises(ValidationError, match="needs a schedule"):
        autoc.CronSchedule()
    with pytest.raises(ValidationError, match="cron_expression is deprecated") as e:
        autoc.CronSchedule(cron_expression="0 10 * * ? *")
    assert 'schedule="0 10 * * ? *"' in e.value.hint
    with pytest.raises(ValidationError, match="ISO 8601 duration"):
        autoc.CronSchedule(schedule="@daily", offset="one hour")


@pytest.mark.parametrize("duration, message", [
    (datetime.timedelta(seconds=90), "less than a minute"),
    (datetime.timedelta(minutes=1, microseconds=5), "less than a minute"),
    (datetime.timedelta(0), "must be positive"),
    (datetime.timedelta(minutes=-5), "must be positive"),
    (600, "must be a datetime.timedelta"),
])
def test_fixed_rate_refuses_what_cannot_run(duration, message):
    with pytest.raises(ValidationError, match=message):
        autoc.FixedRate(duration=duration)


def test_schedules_compare_by_what_they_write():
    assert autoc.FixedRate(datetime.timedelta(hours=2)) == autoc.FixedRate(datetime.timedelta(minutes=120))
    assert autoc.FixedRate(datetime.timedelta(hours=2)) != autoc.FixedRate(datetime.timedelta(hours=2),
                                                                            kickoff_time_input_arg="k")
    assert autoc.CronSchedule(schedule="@daily") != autoc.CronSchedule(schedule="@daily", offset="PT1H")
    assert autoc.CronSchedule(schedule="@daily") != autoc.FixedRate(datetime.timedelta(days=1))


@pytest.mark.parametrize("kwargs, message", [
    (dict(phases=[], recipients_email=["a@b.io"]), "at least one phase"),
    (dict(phases=autoc.WorkflowExecutionPhase.FAILED, recipients_email=["a@b.io"]), "at least one phase"),
    (dict(phases=[autoc.WorkflowExecutionPhase.RUNNING], recipients_email=["a@b.io"]), "Invalid phase"),
    (dict(phases=[42], recipients_email=["a@b.io"]), "Invalid phase: 42"),
    (dict(phases=[autoc.WorkflowExecutionPhase.FAILED], recipients_email="a@b.io"), "non-empty list"),
    (dict(phases=[autoc.WorkflowExecutionPhase.FAILED], recipients_email=[]), "non-empty list"),
    (dict(phases=[autoc.WorkflowExecutionPhase.FAILED], recipients_email=[""]), "is not an address"),
])
@pytest.mark.parametrize("kind", ["Email", "Slack", "PagerDuty"])
def test_notifications_refuse_what_flyteadmin_cannot_send(kind, kwargs, message):
    with pytest.raises(ValidationError, match=message) as e:
        getattr(autoc, kind)(**kwargs)
    assert kind in e.value.message and e.value.hint


def test_phase_values_are_flyteidls():
    from flyteidl.core import execution_pb2

    for p in autoc.WorkflowExecutionPhase:
        assert execution_pb2.WorkflowExecution.Phase.Value(p.name) == p
    assert autoc.WorkflowExecutionPhase.enum_to_string(6) == "FAILED"


@pytest.mark.parametrize("make, message", [
    (lambda: autoc.Labels({"team": 1}), "not a string to string entry"),
    (lambda: autoc.Annotations(["a"]), "takes a dict of strings"),
    (lambda: autoc.RawOutputDataConfig(None), "location prefix string"),
    (lambda: autoc.ConcurrencyPolicy(0), "positive int"),
    (lambda: autoc.ConcurrencyPolicy(2, behavior=7), "unknown behavior"),
])
def test_execution_options_refuse_bad_values(make, message):
    with pytest.raises(ValidationError, match=message):
        make()

"""Launch plans: default and fixed inputs, cron and fixed-rate schedules (with a kick-off time input), notifications,
labels, annotations, a raw output location, a service account, concurrency; a task called through functools.partial."""

import datetime
import functools
import typing

from flytekit import (Annotations, ConcurrencyPolicy, CronSchedule, Email, FixedRate, Labels, LaunchPlan, PagerDuty,
                      SecurityContext, Slack, WorkflowExecutionPhase, task, workflow)
from flytekit.models.common import RawOutputDataConfig
from flytekit.models.security import Identity


@task
def load(day: str, source: str = "warehouse", limit: typing.Optional[int] = None) -> typing.List[int]:
    """Load the rows of one day."""
    rows = [len(day) + i for i in range(10)]
    return rows[:limit] if limit else rows


@task
def aggregate(rows: typing.List[int], scale: float = 1.0) -> float:
    return sum(rows) * scale


@task
def stamp(total: float, at: datetime.datetime) -> str:
    return f"{at.isoformat()} {total:.1f}"


doubled = functools.partial(aggregate, scale=2.0)


@workflow
def daily_report(day: str, kickoff: datetime.datetime = datetime.datetime(1970, 1, 1),
                 source: str = "warehouse", limit: typing.Optional[int] = None) -> str:
    """Aggregate one day of rows and stamp the result with the scheduled time.

    :param day: the day to report on
    :param kickoff: when the schedule fired
    """
    rows = load(day=day, source=source, limit=limit)
    total = doubled(rows=rows)
    return stamp(total=total, at=kickoff)


nightly = LaunchPlan.get_or_create(
    daily_report, name="daily_report_nightly",
    default_inputs={"source": "lake"}, fixed_inputs={"day": "yesterday"},
    schedule=CronSchedule(schedule="0 2 * * *", kickoff_time_input_arg="kickoff"),
    notifications=[
        Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=["analytics@acme.io"]),
        Slack(phases=[WorkflowExecutionPhase.SUCCEEDED], recipients_email=["reports@acme.slack.com"]),
        PagerDuty(phases=[WorkflowExecutionPhase.TIMED_OUT, WorkflowExecutionPhase.ABORTED],
                  recipients_email=["oncall@acme.pagerduty.com"]),
    ],
    labels=Labels({"team": "analytics"}), annotations=Annotations({"owner": "analytics@acme.io"}),
    max_parallelism=4, concurrency=ConcurrencyPolicy(max_concurrency=1), auto_activate=True,
)

hourly = LaunchPlan.get_or_create(
    daily_report, name="daily_report_hourly", fixed_inputs={"day": "today", "limit": 100},
    schedule=FixedRate(duration=datetime.timedelta(hours=1), kickoff_time_input_arg="kickoff"),
)

weekly = LaunchPlan.get_or_create(
    daily_report, name="daily_report_weekly", default_inputs={"day": "last-week"},
    schedule=CronSchedule(schedule="@weekly", offset="PT2H"),
    notifications=[Email(phases=[WorkflowExecutionPhase.SUCCEEDED, WorkflowExecutionPhase.FAILED],
                         recipients_email=["analytics@acme.io", "lead@acme.io"])],
)

backfill = LaunchPlan.create(
    "daily_report_backfill", daily_report, default_inputs={"source": "archive", "limit": 5},
    raw_output_data_config=RawOutputDataConfig("s3://acme-reports/raw"),
    security_context=SecurityContext(run_as=Identity(k8s_service_account="reporter")), overwrite_cache=True,
)

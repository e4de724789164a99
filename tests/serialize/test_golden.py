"""The bundled examples serialized by pyflyte (flytekit 1.16, the oracle) and by autoc must give the same files
(names, order) and the same TaskSpecs, WorkflowSpecs and LaunchPlans field for field, apart from the entrypoint,
the resolver location and metadata.runtime of tasks, and the order of upstream_node_ids (a set in pyflyte)."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.conftest import EXAMPLES, SHIM, run_autoc
from tests.golden import diff, load_dir, normalize, normalize_workflow

IMAGES = ["--image", "ghcr.io/acme/app:v1", "--image", "gpu=ghcr.io/acme/gpu:v3"]


@pytest.fixture(scope="module")
def pyflyte_out(oracle_python, tmp_path_factory):
    out = tmp_path_factory.mktemp("pyflyte")
    env = dict(os.environ, PYTHONPATH=str(SHIM))
    p = subprocess.run([str(oracle_python.with_name("pyflyte")), "--pkgs", "workflows", "serialize", *IMAGES,
                        "workflows", "-f", str(out)], cwd=EXAMPLES, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return load_dir(out)


@pytest.fixture(scope="module")
def autoc_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("autoc")
    run_autoc("serialize", EXAMPLES / "workflows", "-o", out, *IMAGES)
    return out


def test_same_files_in_same_order(pyflyte_out, autoc_out):
    names = sorted(p.name for p in autoc_out.glob("*.pb"))
    assert len(names) >= 60
    assert sum(n.endswith("_2.pb") for n in names) >= 8 and sum(n.endswith("_3.pb") for n in names) >= 9
    assert names == sorted(pyflyte_out)


def test_every_field_matches_pyflyte(pyflyte_out, autoc_out):
    ours = load_dir(autoc_out)
    diffs = {name: diff(spec, ours[name]) for name, spec in pyflyte_out.items()}
    bad = {k: v for k, v in diffs.items() if v}
    assert not bad, "\n\n".join(f"{k}:\n{v}" for k, v in bad.items())


def test_workflow_specs_match_with_subworkflows_and_sets_of_upstream_ids(pyflyte_out, autoc_out):
    """The comparison covers nested subworkflows and compares upstream_node_ids as sets, nothing looser."""
    ours = {re.sub(r"^\d+_", "", k): v for k, v in load_dir(autoc_out).items()}
    nested = ours["workflows.pipelines.nested_2.pb"]
    assert [t.id.name for t in nested.sub_workflows] == ["workflows.pipelines.report", "workflows.pipelines.training"]
    report = ours["workflows.pipelines.report_2.pb"].template
    assert [list(n.upstream_node_ids) for n in report.nodes][2:] == [["n0", "n1"], ["n2"], ["n3"], ["n4"]]
    theirs = next(v for k, v in pyflyte_out.items() if k.endswith("workflows.pipelines.report_2.pb"))
    assert normalize_workflow(theirs) == normalize_workflow(ours["workflows.pipelines.report_2.pb"])


def test_launch_plans_of_the_examples_carry_what_the_comparison_checks(pyflyte_out, autoc_out):
    """examples/workflows/launchplans.py: named launch plans follow the workflow's default one, in creation order,
    with cron and fixed-rate schedules, notifications of three kinds, fixed inputs and execution options; and a
    task called through functools.partial is a task node with the partial's value bound as a constant."""
    names = [re.sub(r"^\d+_", "", n) for n in sorted(p.name for p in autoc_out.glob("*.pb"))]
    i = names.index("workflows.launchplans.daily_report_2.pb")
    assert names[i:i + 6] == ["workflows.launchplans.daily_report_2.pb", "workflows.launchplans.daily_report_3.pb",
                              "daily_report_nightly_3.pb", "daily_report_hourly_3.pb", "daily_report_weekly_3.pb",
                              "daily_report_backfill_3.pb"]
    ours = {re.sub(r"^\d+_", "", k): v for k, v in load_dir(autoc_out).items()}
    theirs = {re.sub(r"^\d+_", "", k): v for k, v in pyflyte_out.items()}
    nightly = ours["daily_report_nightly_3.pb"].spec
    assert nightly.entity_metadata.schedule.cron_schedule.schedule == "0 2 * * *"
    assert nightly.entity_metadata.schedule.kickoff_time_input_arg == "kickoff"
    assert [n.WhichOneof("type") for n in nightly.entity_metadata.notifications] == ["email", "slack", "pager_duty"]
    assert "day" in nightly.fixed_inputs.literals and "day" not in nightly.default_inputs.parameters
    assert nightly.concurrency_policy.max == 1 and nightly.labels.values["team"] == "analytics"
    assert ours["daily_report_hourly_3.pb"].spec.entity_metadata.schedule.rate.unit == 1  # HOUR
    assert ours["daily_report_hourly_3.pb"].spec.fixed_inputs.literals["limit"].scalar.HasField("union")
    assert ours["daily_report_weekly_3.pb"].spec.entity_metadata.schedule.cron_schedule.offset == "PT2H"
    backfill = ours["daily_report_backfill_3.pb"].spec
    assert backfill.security_context.run_as.k8s_service_account == "reporter" and backfill.overwrite_cache
    for name in ("daily_report_nightly_3.pb", "daily_report_hourly_3.pb", "daily_report_weekly_3.pb",
                 "daily_report_backfill_3.pb", "workflows.launchplans.daily_report_3.pb"):
        assert ours[name] == theirs[name], name
    report = ours["workflows.launchplans.daily_report_2.pb"].template
    partial_node = report.nodes[1]
    assert partial_node.task_node.reference_id.name == "workflows.launchplans.aggregate"
    scale = next(b for b in partial_node.inputs if b.var == "scale")
    assert scale.binding.scalar.primitive.float_value == 2.0


def test_only_allowed_fields_differ(pyflyte_out, autoc_out):
    """The normalisation really is needed (the entrypoint, resolver and runtime differ) and is all that differs."""
    ours = load_dir(autoc_out)
    name = next(k for k in ours if k.endswith("_workflows.basic.add_1.pb"))
    spec, theirs = ours[name], pyflyte_out[name]
    assert spec != theirs
    assert list(spec.template.container.args[:3]) == ["autoc", "execute", "--inputs"]
    assert "autoc.resolvers.default_task_resolver" in spec.template.container.args
    assert spec.template.metadata.runtime.version and spec.template.metadata.runtime.flavor == "python"
    assert normalize(spec) == normalize(theirs)


def test_output_is_byte_identical_across_runs(autoc_out, tmp_path):
    again = tmp_path / "again"
    run_autoc("serialize", EXAMPLES / "workflows", "-o", again, *IMAGES)
    first = {p.name: p.read_bytes() for p in autoc_out.glob("*.pb")}
    second = {p.name: p.read_bytes() for p in again.glob("*.pb")}
    assert first == second


def test_package_init_tasks_are_named_as_pyflyte_names_them(pyflyte_out, autoc_out):
    """A task in workflows/text/__init__.py is workflows.text.__init__.<fn>, loaded from that module name."""
    ours = {f[:-len("_1.pb")].split("_", 1)[1]: s for f, s in load_dir(autoc_out).items() if f.endswith("_1.pb")}
    theirs = {f[:-len("_1.pb")].split("_", 1)[1]: s for f, s in pyflyte_out.items() if f.endswith("_1.pb")}
    for name, var in (("workflows.text.__init__.count_words", "count_words"), ("workflows.text.reverse", "reverse")):
        assert name in theirs and name in ours
        args = list(ours[name].template.container.args)
        assert args[args.index("task-module"):] == ["task-module", "workflows.text.__init__", "task-name", var]
        assert args[args.index("task-module"):] == list(theirs[name].template.container.args)[-4:]


def test_launch_plan_nodes_leave_fixed_inputs_out_and_follow_their_launch_plans(autoc_out):
    files = sorted(p.name for p in autoc_out.glob("*.pb"))
    order = [re.sub(r"^\d+_", "", n) for n in files]
    assert order.index("workflows.pipelines.first_of_month_3.pb") < order.index("workflows.pipelines.backfill_2.pb")
    assert order.index("workflows.pipelines.training_3.pb") == order.index("workflows.pipelines.training_2.pb") + 1
    backfill = load_dir(autoc_out)[files[order.index("workflows.pipelines.backfill_2.pb")]].template
    named, default = backfill.nodes
    assert named.workflow_node.launchplan_ref.name == "workflows.pipelines.first_of_month"
    assert [b.var for b in named.inputs] == ["epochs"] and named.inputs[0].binding.promise.var == "epochs"
    assert default.workflow_node.launchplan_ref.name == "workflows.pipelines.training"
    assert [b.var for b in default.inputs] == ["day", "epochs"]
    assert default.inputs[1].binding.scalar.primitive.integer == 5  # the default launch plan's default, bound


def test_package_init_workflows_are_named_as_pyflyte_names_them(pyflyte_out, autoc_out):
    """A workflow in workflows/text/__init__.py (and its default launch plan) is workflows.text.__init__.<fn>."""
    ours = sorted(re.sub(r"^\d+_", "", f) for f in load_dir(autoc_out) if "backwards" in f)
    theirs = sorted(re.sub(r"^\d+_", "", f) for f in pyflyte_out if "backwards" in f)
    assert ours == theirs == ["workflows.text.__init__.backwards_2.pb", "workflows.text.__init__.backwards_3.pb"]

"""Send the real flyteadmin and tests/admin_server the same requests and report every disagreement.

    .venv/bin/python -m tests.flyteadmin.crosscheck /path/to/flyteadmin        # starts it (run.py)
    .venv/bin/python -m tests.flyteadmin.crosscheck --endpoint HOST:PORT --metrics URL   # one already running

Three parts, each on a fresh version (so a server can be reused): raw requests (workflow, task and launch plan
creates that succeed, repeat, conflict, or fail validation: code and message compared exactly); ``autoc register``
of examples/workflows (fast: the bundle goes through each server's data proxy) and of the flytekit corpus with
``--sdk flytekit``, each twice: outcomes, Create* calls (flyteadmin's own /metrics; this server's counter),
the stored entities (Get*, bucket names aside) and the active launch plans; and a conflict / dry-run /
activation scenario. Exit status 1 when anything disagrees.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import urllib.request
import uuid

import grpc
from flyteidl.admin import common_pb2, launch_plan_pb2, schedule_pb2, task_pb2, workflow_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from google.protobuf import json_format

from tests.admin_server import AdminServer
from tests.admin_server import test_admin_server as TA
from tests.admin_server import test_workflows as T
from tests.conftest import AUTOC, EXAMPLES

IMAGES = ["-i", "ghcr.io/acme/app:v1", "-i", "gpu=ghcr.io/acme/gpu:v3"]
KINDS = {"tasks": (identifier_pb2.TASK, "GetTask"), "workflows": (identifier_pb2.WORKFLOW, "GetWorkflow"),
         "launch_plans": (identifier_pb2.LAUNCH_PLAN, "GetLaunchPlan")}
WRITES = ("CreateTask", "CreateWorkflow", "CreateLaunchPlan", "UpdateLaunchPlan")


class Side:
    """One server: its stub and its call counter (flyteadmin's /metrics, or the test server's own)."""

    def __init__(self, name, address, count):
        self.name, self.address, self.count = name, address, count
        self.admin = admin_pb2_grpc.AdminServiceStub(grpc.insecure_channel(address))


def metrics_counter(url):
    """flyteadmin's own call counts from its /metrics (``flyte:admin:admin:create_task:codes:OK 54``), by method
    (CreateTask, ...; List* singular, as flyteadmin names them)."""
    def count():
        out = collections.Counter()
        for line in urllib.request.urlopen(url).read().decode().splitlines():
            m = re.match(r"flyte:admin:admin:([a-z_]+):codes:[A-Za-z]+ (\d+)$", line)
            if m:
                out["".join(w.capitalize() for w in m.group(1).split("_"))] += int(m.group(2))
        return out
    return count


# --- raw requests ---------------------------------------------------------------------------------------------

def raw_sequence(side: Side, version: str) -> list[tuple[str, str]]:
    admin, out = side.admin, []

    def call(label, method, request):
        try:
            method(request)
            out.append((label, "OK"))
        except grpc.RpcError as e:
            out.append((label, f"{e.code().name}: {e.details()}".replace(version, "VERSION")))

    count = T.make_task(admin, "count", {"text": T.STR}, {"o0": T.INT}, version=version)
    double = T.make_task(admin, "double", {"n": T.INT}, {"o0": T.INT}, version=version)
    wf = T.workflow("wf", [T.task_node("n0", count, text=T.promise("", "text")),
                           T.task_node("n1", double, n=T.promise("n0", "o0"))],
                    {"text": T.STR}, {"o0": T.INT}, {"o0": T.promise("n1", "o0")}, version=version)
    call("launch plan before its workflow", admin.CreateLaunchPlan, T.plan("lp", wf.id, version))
    call("workflow", admin.CreateWorkflow, wf)
    call("workflow again", admin.CreateWorkflow, wf)
    changed = workflow_pb2.WorkflowCreateRequest()
    changed.CopyFrom(wf)
    changed.spec.template.nodes[1].metadata.retries.retries = 2
    call("workflow changed", admin.CreateWorkflow, changed)
    late = T.workflow("late", [T.task_node("n0", T.ident(identifier_pb2.TASK, "count", "v-missing"),
                                           text=T.promise("", "x"))], {"x": T.STR}, {}, {}, version=version)
    call("workflow with a missing task", admin.CreateWorkflow, late)
    bad = T.workflow("bad", [T.task_node("n0", count, text=T.promise("", "t")),
                             T.task_node("n1", double, n=T.promise("", "t"))], {"t": T.STR}, {}, {}, version=version)
    call("workflow with a mistyped binding", admin.CreateWorkflow, bad)
    task = admin.GetTask(common_pb2.ObjectGetRequest(id=count)).closure.compiled_task.template
    request = task_pb2.TaskCreateRequest(id=count, spec=task_pb2.TaskSpec(template=task))
    call("task again", admin.CreateTask, request)
    request.spec.template.container.image = "ghcr.io/acme/app:v2"
    request.spec.template.container.args.append("--verbose")
    call("task changed", admin.CreateTask, request)
    call("a task", admin.CreateTask, TA.create_request(version=version))
    call("a task, new image and argument", admin.CreateTask,
         TA.create_request(version=version, image="ghcr.io/acme/app:v2",
                           args=["pyflyte-execute", "--inputs", "{{.input}}", "--verbose"]))
    default = {"text": (T.STR, T.lit(string_value="hi"))}
    call("fixed input unknown", admin.CreateLaunchPlan, T.plan("lp", wf.id, version, fixed={"nope": T.lit(integer=1)}))
    call("fixed input mistyped", admin.CreateLaunchPlan, T.plan("lp", wf.id, version, fixed={"text": T.lit(integer=1)}))
    call("default input mistyped", admin.CreateLaunchPlan,
         T.plan("lp", wf.id, version, defaults={"text": (T.INT, T.lit(integer=1))}))
    cron = schedule_pb2.Schedule(cron_expression="0 2 * * *")
    call("schedule with a required input", admin.CreateLaunchPlan, T.plan("lp", wf.id, version, schedule=cron))
    call("kickoff input not a datetime", admin.CreateLaunchPlan, T.plan("lp", wf.id, version, defaults=default,
         schedule=schedule_pb2.Schedule(cron_expression="0 2 * * *", kickoff_time_input_arg="text")))
    for i, expression in enumerate(["not a cron", "61 * * * *", "* * * * * *", "@daily", "@every 5m", "@every x",
                                    "@nope", "*/0 * * * *", "5-2 * * * *", "a * * * *", "0 0 1 jan mon",
                                    "1-2-3 * * * *", "1/2/3 * * * *", "-1 * * * *", "0 24 * * *"]):
        schedule = schedule_pb2.Schedule(cron_schedule=schedule_pb2.CronSchedule(schedule=expression))
        call(f"cron {expression!r}", admin.CreateLaunchPlan, T.plan(f"c{i}", wf.id, version, defaults=default,
                                                                    schedule=schedule))
    call("fixed rate", admin.CreateLaunchPlan, T.plan("rate", wf.id, version, defaults=default,
         schedule=schedule_pb2.Schedule(rate=schedule_pb2.FixedRate(value=5, unit=schedule_pb2.MINUTE))))
    call("launch plan", admin.CreateLaunchPlan, T.plan("lp", wf.id, version, defaults=default))
    call("launch plan again", admin.CreateLaunchPlan, T.plan("lp", wf.id, version, defaults=default))
    call("launch plan changed", admin.CreateLaunchPlan,
         T.plan("lp", wf.id, version, defaults={"text": (T.STR, T.lit(string_value="ho"))}))
    lp_id = T.ident(identifier_pb2.LAUNCH_PLAN, "lp", version)
    call("activate", admin.UpdateLaunchPlan, launch_plan_pb2.LaunchPlanUpdateRequest(id=lp_id,
                                                                                      state=launch_plan_pb2.ACTIVE))
    missing = T.ident(identifier_pb2.LAUNCH_PLAN, "nope", version)
    call("activate a missing one", admin.UpdateLaunchPlan,
         launch_plan_pb2.LaunchPlanUpdateRequest(id=missing, state=launch_plan_pb2.ACTIVE))
    got = admin.GetWorkflow(common_pb2.ObjectGetRequest(id=wf.id))
    out.append(("stored workflow", json.dumps(json_format.MessageToDict(got.closure.compiled_workflow),
                                              sort_keys=True).replace(version, "VERSION")))
    return out


# --- autoc register -------------------------------------------------------------------------------------------

def _flat(d, pre=""):
    out = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flat(v, f"{pre}.{k}" if pre else k))
    elif isinstance(d, list):
        keyed = d and all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in d)
        for i, v in enumerate(d):
            out.update(_flat(v, f"{pre}[{v['id'] if keyed else i}]"))
    else:
        out[pre] = re.sub(r"s3://[a-z0-9-]+/\S*", "s3://BUCKET/...", repr(d))
    return out


def register(side: Side, args, cwd=None):
    before = side.count()
    p = subprocess.run([str(AUTOC), "register", *args, "--endpoint", side.address, "--insecure", "--output", "json"],
                       capture_output=True, text=True, cwd=cwd)
    calls = {k: v - before.get(k, 0) for k, v in side.count().items() if v != before.get(k, 0)}
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = {"error": (p.stdout + p.stderr)[-800:]}
    outcomes = {(k, e["name"]): (e["status"], e.get("activated"), [tuple(x.values()) for x in e.get("diff", [])])
                for k in KINDS for e in out.get(k, [])}
    return p.returncode, out, outcomes, calls


def stored(side: Side, out: dict, project="flytesnacks", domain="development"):
    got = {}
    for kind, (rt, method) in KINDS.items():
        for e in out.get(kind, []):
            ident = identifier_pb2.Identifier(resource_type=rt, project=project, domain=domain, name=e["name"],
                                              version=out["version"])
            m = getattr(side.admin, method)(common_pb2.ObjectGetRequest(id=ident))
            d = _flat(json_format.MessageToDict(m, preserving_proto_field_name=True))
            got[(kind, e["name"])] = {p: v for p, v in d.items() if "created_at" not in p and "updated_at" not in p
                                      and "version" not in p}
    return got


def tree(sides, label, args, cwd=None, problems=None):
    runs = {s.name: [] for s in sides}
    for attempt in ("first", "re-run"):
        for s in sides:
            runs[s.name].append(register(s, args, cwd))
        (ra, _, oa, ca), (rb, _, ob, cb) = (runs[s.name][-1] for s in sides)
        writes = [{k: v for k, v in c.items() if k in WRITES} for c in (ca, cb)]
        print(f"  {label} {attempt}: real rc={ra} writes={writes[0]}; ours rc={rb} writes={writes[1]}")
        if (ra, oa, writes[0]) != (rb, ob, writes[1]):
            problems.append(f"{label} {attempt}: real {ra} {oa if oa != ob else ''} {writes[0]} / ours {rb} "
                            f"{ob if oa != ob else ''} {writes[1]}")
    a, b = (stored(s, runs[s.name][0][1]) for s in sides)
    for key in sorted(set(a) | set(b)):
        for path in sorted(set(a.get(key, {})) | set(b.get(key, {}))):
            va, vb = a.get(key, {}).get(path), b.get(key, {}).get(path)
            if va != vb:
                problems.append(f"{label} stored {key} {path}: real {va} / ours {vb}")


# --- scenario -------------------------------------------------------------------------------------------------

JOBS = '''from autoc import task, workflow, LaunchPlan, CronSchedule, Email, WorkflowExecutionPhase
@task(retries={retries})
def job(x: int) -> int:
    return x + 1
@workflow
def flow(x: int = 1) -> int:
    return job(x=job(x=x))
sched = LaunchPlan.get_or_create(flow, name="{name}", default_inputs={{"x": {default}}},
    schedule=CronSchedule(schedule="0 3 * * *"),
    notifications=[Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=["a@b.c"])]{auto})
'''


def scenario(sides, problems):
    name = f"sched_{uuid.uuid4().hex[:6]}"
    steps = [("register v1", {}, ["--version", "v1"]), ("re-run v1", {}, ["--version", "v1"]),
             ("dry-run, task changed", {"retries": 3}, ["--version", "v1", "--dry-run"]),
             ("dry-run --diff, task changed", {"retries": 3}, ["--version", "v1", "--dry-run", "--diff"]),
             ("task changed at v1", {"retries": 3}, ["--version", "v1"]),
             ("launch plan default changed at v1", {"default": 7}, ["--version", "v1"]),
             ("register v2", {}, ["--version", "v2"]),
             ("v2 --activate-launchplans", {}, ["--version", "v2", "--activate-launchplans"]),
             ("v3 auto_activate", {"auto": ", auto_activate=True"}, ["--version", "v3"]),
             ("v1 --activate-launchplans", {}, ["--version", "v1", "--activate-launchplans"])]
    roots = {s.name: pathlib.Path(tempfile.mkdtemp(prefix=f"crosscheck-{s.name}-")) for s in sides}
    for title, kw, args in steps:
        got = []
        for s in sides:
            pkg = roots[s.name] / f"{name}_pkg"
            pkg.mkdir(exist_ok=True)
            (pkg / "__init__.py").write_text("")
            (pkg / "jobs.py").write_text(JOBS.format(**{"retries": 1, "default": 5, "auto": "", "name": name, **kw}))
            rc, _, outcomes, calls = register(s, [str(pkg), *IMAGES, "--copy", "none", *args])
            try:
                active = s.admin.GetActiveLaunchPlan(launch_plan_pb2.ActiveLaunchPlanRequest(
                    id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development",
                                                        name=name))).id.version
            except grpc.RpcError as e:
                active = e.code().name
            got.append((rc, outcomes, {k: v for k, v in calls.items() if k in WRITES}, active))
        print(f"  {title}: real {got[0][0]} writes={got[0][2]} active={got[0][3]}; ours {got[1][0]} "
              f"writes={got[1][2]} active={got[1][3]}")
        if got[0] != got[1]:
            problems.append(f"scenario {title}: real {got[0]} / ours {got[1]}")


def crosscheck(real_address: str, metrics_url: str) -> list[str]:
    problems: list[str] = []
    with AdminServer(platform_limits={"cpu": "64", "memory": "1Ti", "gpu": "8"}) as ours:
        sides = [Side("real", real_address, metrics_counter(metrics_url)),
                 Side("ours", ours.address, lambda: dict(ours.calls))]
        version = f"x{uuid.uuid4().hex[:8]}"
        print("raw requests:")
        answers = [raw_sequence(s, version) for s in sides]
        for (label, a), (_, b) in zip(*answers):
            print(f"  {label}: {'same' if a == b else 'DIFFERENT'}")
            if a != b:
                problems.append(f"{label}:\n    real: {a}\n    ours: {b}")
        print("autoc register:")
        tree(sides, "examples/workflows", [str(EXAMPLES / "workflows"), *IMAGES, "--version", version + "e"],
             problems=problems)
        from tests.sdk_flytekit.corpus import make_project

        root = make_project(pathlib.Path(tempfile.mkdtemp(prefix="crosscheck-corpus-")))
        tree(sides, "--sdk flytekit corpus", ["--sdk", "flytekit", "app", "--assume-images-exist",
                                               "--version", version + "f", *IMAGES], cwd=root, problems=problems)
        print("scenario:")
        scenario(sides, problems)
    return problems


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.flyteadmin.crosscheck", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("binary", nargs="?", help="the flyteadmin binary to start (tests/flyteadmin/run.py)")
    p.add_argument("--endpoint", help="a running flyteadmin's gRPC address instead")
    p.add_argument("--metrics", help="its /metrics URL (flyteadmin.profilerPort)")
    a = p.parse_args(argv)
    if a.endpoint:
        problems = crosscheck(a.endpoint, a.metrics)
    else:
        from tests.flyteadmin.run import RealAdmin

        with RealAdmin(a.binary) as real:
            problems = crosscheck(real.address, real.metrics_url)
    print(f"\n{len(problems)} disagreement(s)")
    for problem in problems:
        print(" -", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    os.environ.setdefault("AUTOC_ORACLE_VENV", str(pathlib.Path(__file__).resolve().parents[2] / ".oracle-venv"))
    sys.exit(main())

"""flytekit's core task types beyond @task: ShellTask, ContainerTask, SQLTask, SQLite3Task and FileSensor, in both
faces against pyflyte 1.16.31 (the oracle); pyflyte's ShellTask helper task (kept under --sdk flytekit, left out
of autoc's own flavor); `autoc execute` of a ShellTask; registration into the loopback FlyteAdmin."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from flyteidl.core import literals_pb2, types_pb2

from tests.admin_server import AdminServer
from tests.conftest import run_autoc
from tests.golden import diff, load_dir, pyflyte_serialize, write_project
from tests.sdk_flytekit.corpus import as_flytekit

MODULE = '''
import datetime

import pandas

from kubernetes.client import V1Container, V1EnvVar, V1PodSpec, V1Toleration

from autoc import (ContainerTask, FileSensor, FlyteFile, OutputLocation, PodTemplate, Resources, ShellTask,
                   SQLite3Config, SQLite3Task, SQLTask, StructuredDataset, TaskMetadata, kwtypes, task, workflow)

repeat = ShellTask(
    name="repeat_word",
    debug=True,
    script="""
    set -e
    for i in $(seq {inputs.times}); do echo {inputs.word}; done > {outputs.out}
    cat {inputs.src} >> {outputs.out}
    """,
    inputs=kwtypes(word=str, times=int, src=FlyteFile),
    output_locs=[OutputLocation(var="out", var_type=FlyteFile, location="{ctx.working_directory}/{inputs.word}.txt")],
    requests=Resources(cpu="1"),
)

failing = ShellTask(name="failing", script="exit 3", inputs=kwtypes(x=int))

ellipse = ContainerTask(
    name="ellipse-area",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(a=float, b=float),
    outputs=kwtypes(area=float, metadata=str),
    image="ghcr.io/flyteorg/rawcontainers-shell:v2",
    command=["./calculate-ellipse-area.sh", "{{.inputs.a}}", "{{.inputs.b}}", "/var/outputs"],
    metadata=TaskMetadata(cache=True, cache_version="1.0"),
    limits=Resources(mem="1Gi"),
    environment={"MODE": "fast"},
)

podded = ContainerTask(
    name="podded",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(n=int),
    outputs=kwtypes(out=int),
    image="alpine:3",
    command=["sh", "-c"],
    arguments=["echo $(( {{.inputs.n}} * 2 )) > /var/outputs/out"],
    requests=Resources(cpu="1", mem="1Gi"),
    environment={"A": "1"},
    pod_template=PodTemplate(
        pod_spec=V1PodSpec(containers=[V1Container(name="primary", env=[V1EnvVar(name="B", value="2")]),
                                       V1Container(name="side", image="busybox:1")],
                           tolerations=[V1Toleration(key="gpu", operator="Exists")]),
        labels={"team": "raw"}),
    pod_template_name="base",
)

tracks = SQLite3Task(
    name="sqlite3.tracks",
    query_template="""select TrackId, Name from tracks
        limit {{.inputs.limit}}""",
    inputs=kwtypes(limit=int),
    output_schema_type=StructuredDataset,
    task_config=SQLite3Config(uri="https://example.com/chinook.zip", compressed=True),
)

untyped = SQLite3Task(  # no output_schema_type: the output is a FlyteSchema
    name="sqlite3.untyped",
    query_template="select name from sqlite_master",
    task_config=SQLite3Config(uri="https://example.com/chinook.zip", compressed=True),
)

query = SQLTask(
    "my-query",
    query_template="SELECT * FROM t WHERE ds = '{{ .inputs.ds }}' LIMIT 10",
    inputs=kwtypes(ds=datetime.datetime),
    outputs=kwtypes(results=StructuredDataset),
    metadata=TaskMetadata(retries=2),
)

ready = FileSensor(name="ready_sensor", timeout=datetime.timedelta(minutes=5))


@task
def now() -> datetime.datetime:
    return datetime.datetime(2024, 1, 1)


@task
def size(f: FlyteFile) -> int:
    return len(open(f).read())


@task
def count(df: pandas.DataFrame) -> int:  # bound to a FlyteSchema output: flytepropeller casts a schema to it
    return len(df)


@workflow
def pipeline(word: str, src: FlyteFile, limit: int) -> float:
    waited = ready(path="s3://bucket/ready.txt")
    out = repeat(word=word, times=3, src=src)
    waited >> out
    size(f=out)
    tracks(limit=limit)
    count(df=untyped())
    podded(n=limit)
    query(ds=now())
    return ellipse(a=1.0, b=2.0).area
'''
IMAGES = ["--image", "a/b:1"]


def _project(root: Path, source: str) -> Path:
    return write_project(root, "tpkg", {"kinds.py": source})


def _pyflyte(cwd: Path, out: Path, shim: bool) -> None:
    pyflyte_serialize(cwd, "tpkg", out, IMAGES, shim)


def _strip(d: Path) -> dict:
    return {re.sub(r"^\d+_", "", n): m for n, m in load_dir(d).items()}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("kinds")
    own = _project(base / "own", MODULE)
    face = _project(base / "face", as_flytekit(MODULE))
    _pyflyte(face, base / "pyflyte", shim=False)
    _pyflyte(own, base / "pyflyte-own", shim=True)
    run_autoc("serialize", "tpkg", "-o", base / "autoc", *IMAGES, cwd=own)
    run_autoc("serialize", "--sdk", "flytekit", "tpkg", "-o", base / "face-out", *IMAGES, cwd=face)
    out = {k: _strip(base / k) for k in ("pyflyte", "pyflyte-own", "autoc", "face-out")}
    out["files"] = {k: sorted(p.name for p in (base / k).glob("*.pb")) for k in ("pyflyte", "face-out")}
    out["base"] = base
    return out


def test_sdk_flytekit_writes_what_pyflyte_writes_byte_for_byte(outputs):
    theirs, ours = outputs["pyflyte"], outputs["face-out"]
    assert outputs["files"]["pyflyte"] == outputs["files"]["face-out"]
    assert {k: v for k, v in theirs.items() if v != ours[k]} == {}
    helper = ours["tpkg.kinds._bash.repeat_word_1.pb"].template  # pyflyte's helper task, before the ShellTask
    assert outputs["files"]["face-out"][:2] == ["00_tpkg.kinds._bash.repeat_word_1.pb", "01_repeat_word_1.pb"]
    assert list(helper.container.args[-4:]) == ["task-module", "flytekit.extras.tasks.shell", "task-name",
                                                "_dummy_task_func"]
    shell = ours["repeat_word_1.pb"].template
    assert shell.type == "python-task" and list(shell.container.args[-4:]) == ["task-module", "tpkg.kinds",
                                                                               "task-name", "repeat"]
    assert list(shell.interface.outputs.variables) == ["out"]
    raw = ours["ellipse-area_1.pb"].template
    assert raw.type == "raw-container" and list(raw.container.args) == []
    assert list(raw.container.command) == ["./calculate-ellipse-area.sh", "{{.inputs.a}}", "{{.inputs.b}}",
                                           "/var/outputs"]
    dc = raw.container.data_config
    assert (dc.enabled, dc.input_path, dc.output_path) == (True, "/var/inputs", "/var/outputs")
    assert raw.metadata.discoverable and raw.container.env[0].key == "MODE"
    pod = ours["podded_1.pb"].template
    assert pod.WhichOneof("target") == "k8s_pod" and pod.config["primary_container_name"] == "primary"
    assert pod.k8s_pod.data_config.output_path == "/var/outputs" and pod.metadata.pod_template_name == "base"
    primary = pod.k8s_pod.pod_spec["containers"][0]
    assert (list(primary["command"]), primary["image"]) == (["sh", "-c"], "alpine:3")
    sqlite = ours["sqlite3.tracks_1.pb"].template
    assert sqlite.type == "sqlite" and sqlite.container.image == "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.31"
    assert sqlite.custom["query_template"] == "select TrackId, Name from tracks limit {{.inputs.limit}}"
    assert list(sqlite.container.args[-2:]) == ["{{.taskTemplatePath}}",
                                                "flytekit.extras.sqlite3.task.SQLite3TaskExecutor"]
    sql = ours["my-query_1.pb"].template
    assert sql.type == "sql_task" and sql.WhichOneof("target") is None and sql.metadata.retries.retries == 2
    sensor = ours["ready_sensor_1.pb"].template
    assert sensor.type == "sensor" and sensor.WhichOneof("target") is None
    assert (sensor.custom["sensor_module"], sensor.custom["sensor_name"]) == ("flytekit.sensor.file_sensor",
                                                                              "FileSensor")
    assert sensor.metadata.timeout.seconds == 300


def test_autoc_flavor_leaves_the_shell_helper_out_and_differs_in_nothing_else(outputs):
    theirs, ours = outputs["pyflyte-own"], outputs["autoc"]
    helpers = {"tpkg.kinds._bash.repeat_word_1.pb", "tpkg.kinds._bash.failing_1.pb"}  # one per ShellTask
    assert helpers <= set(theirs) and not helpers & set(ours)
    assert sorted(ours) == sorted(k for k in theirs if k not in helpers)
    assert {k: d for k in ours if (d := diff(theirs[k], ours[k]))} == {}
    shell = ours["repeat_word_1.pb"].template
    assert list(shell.container.args[:2]) == ["autoc", "execute"]
    # the prebuilt SQLite3 executor is flytekit's: its image and command stay flytekit's in autoc's flavor too
    sqlite = ours["sqlite3.tracks_1.pb"].template
    assert sqlite.container == theirs["sqlite3.tracks_1.pb"].template.container
    assert sqlite.container.args[0] == "pyflyte-execute"


def _blob(path: Path) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    lit.scalar.blob.uri = str(path)
    lit.scalar.blob.metadata.type.dimensionality = types_pb2.BlobType.SINGLE
    return lit


def _execute(outputs, tmp_path, task_var: str, spec_file: str, inputs: dict):
    spec = outputs["autoc"][spec_file]
    lm = literals_pb2.LiteralMap()
    for k, v in inputs.items():
        lm.literals[k].CopyFrom(v)
    (tmp_path / "inputs.pb").write_bytes(lm.SerializeToString())
    out = tmp_path / "out"
    args = ["execute", "--inputs", tmp_path / "inputs.pb", "--output-prefix", out, "--raw-output-data-prefix",
            tmp_path / "raw", "--resolver", "autoc.resolvers.default_task_resolver", "--", "task-module",
            "tpkg.kinds", "task-name", task_var]
    # the spec's container args end with the same resolver and loader args
    assert list(spec.template.container.args[-7:-5]) == ["--resolver", "autoc.resolvers.default_task_resolver"]
    assert list(spec.template.container.args[-4:]) == [str(a) for a in args[-4:]]
    p = run_autoc(*args, cwd=outputs["base"] / "own", check=False)
    return p, out


def test_autoc_execute_runs_a_shell_task_and_returns_its_output_location(outputs, tmp_path):
    from autoc.types import engine

    src = tmp_path / "src.txt"
    src.write_text("tail line\n")
    p, out = _execute(outputs, tmp_path, "repeat", "repeat_word_1.pb", {"word": engine.to_literal("hey", str),
                                                    "times": engine.to_literal(2, int), "src": _blob(src)})
    assert p.returncode == 0, p.stderr
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString((out / "outputs.pb").read_bytes())
    uri = lm.literals["out"].scalar.blob.uri
    assert uri.startswith(str(tmp_path / "raw")) and uri.endswith("hey.txt")
    assert Path(uri).read_text() == "hey\nhey\ntail line\n"
    assert "for i in $(seq 2); do echo hey; done" in p.stdout  # debug=True prints the filled-in script


def test_a_failing_script_is_a_recoverable_error(outputs, tmp_path):
    from flyteidl.core import errors_pb2

    from autoc.types import engine

    p, out = _execute(outputs, tmp_path, "failing", "failing_1.pb", {"x": engine.to_literal(1, int)})
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((out / "error.pb").read_bytes())
    assert doc.error.kind == errors_pb2.ContainerError.RECOVERABLE
    assert "return-code 3" in doc.error.message


def test_local_call_of_a_shell_task_runs_the_script(tmp_path):
    import sys

    script = MODULE.split("ellipse = ")[0] + f'''
import pathlib
src = pathlib.Path({str(tmp_path / "in.txt")!r})
src.write_text("x\\n")
f = repeat(word="yo", times=1, src=FlyteFile(str(src)))
print("RESULT", open(f).read().replace("\\n", "|"))
'''
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "RESULT yo|x|" in p.stdout


@pytest.mark.parametrize("code, text", [
    ('ShellTask(name="s")', "a script or a script_file is needed"),
    ('ShellTask(name="s", script="x", script_file="y")', "either script or script_file, not both"),
    ('ShellTask(name="s", script="x", output_locs=[OutputLocation(var="o", var_type=int, location="a")])',
     "outputs are files or directories"),
    ('ContainerTask(name="c", image="i:1", command="run.sh")', "command must be a list of strings"),
    ('SQLite3Task(name="q", query_template="select 1", task_config=None)', "the database uri is required"),
])
def test_mistakes_name_their_line(unique_pkg, tmp_path, code, text):
    pkg = unique_pkg({"m.py": "from autoc import ContainerTask, OutputLocation, ShellTask, SQLite3Config, "
                              "SQLite3Task\n\nt = " + code + "\n"})
    p = run_autoc("serialize", pkg, "-o", tmp_path / "out", "-i", "a:1", check=False)
    assert p.returncode == 1 and "m.py:3:\nerror: " in p.stderr and text in p.stderr, p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("face", ["own", "face"])
def test_registers_into_the_test_flyteadmin(outputs, face):
    root = outputs["base"] / face
    args = ["register", "tpkg", "--project", "flytesnacks", "--domain", "development", "--assume-images-exist",
            "--output", "json", *IMAGES]
    if face == "face":
        args[1:1] = ["--sdk", "flytekit"]
    with AdminServer() as admin:
        p = run_autoc(*args, "--endpoint", admin.address, "--insecure", cwd=root)
        result = json.loads(p.stdout)
        names = {k.name for k in admin.tasks()}
        assert {"repeat_word", "ellipse-area", "sqlite3.tracks", "my-query", "ready_sensor"} <= names
        assert ("tpkg.kinds._bash.repeat_word" in names) == (face == "face")
        assert {k.name for k in admin.workflows()} == {"tpkg.kinds.pipeline"}
        assert result["summary"]["created"] == len(names) + 2


RAW_LOCAL = '''
import datetime
import os
from autoc import ContainerTask, FlyteFile, kwtypes, task, workflow

BASE = os.environ.get("AUTOC_BASE_IMAGE", "localbase/python:3.11")
area = ContainerTask(
    name="area",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(a=float, b=float, src=FlyteFile),
    outputs=kwtypes(area=float, ok=bool, took=datetime.timedelta, note=str),
    image=BASE,
    command=["sh", "-c", "echo $(( {{.inputs.a}} * {{.Inputs.b}} )) > /var/outputs/area; echo False > "
             "/var/outputs/ok; echo 1:02:03 > /var/outputs/took; cat $0 > /var/outputs/note", "/var/inputs/src"],
)


@task
def bump(a: int) -> float:
    return float(a + 1)


@workflow
def wf(a: int, src: FlyteFile) -> float:
    return area(a=bump(a=a), b=3.0, src=src).area


import pathlib, sys
p = pathlib.Path(sys.argv[1])
p.write_text("from a file")
print("RESULT", area(a=2.0, b=4.0, src=FlyteFile(str(p))), wf(a=1, src=FlyteFile(str(p))))
'''


def test_a_local_call_of_a_container_task_runs_its_image_with_docker(tmp_path):
    """As flytekit's local run: the command's input templates filled in, a file input mounted at its
    input_data_dir path, the outputs read back from output_data_dir (needs the Docker engine of scripts/services
    and its base image)."""
    import sys

    (tmp_path / "raw.py").write_text(RAW_LOCAL.replace("$(( {{.inputs.a}} * {{.Inputs.b}} ))",
                                                       "$(python3 -c 'print({{.inputs.a}} * {{.Inputs.b}})')"))
    p = subprocess.run([sys.executable, str(tmp_path / "raw.py"), str(tmp_path / "in.txt")], capture_output=True,
                       text=True, cwd=tmp_path, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "RESULT DefaultNamedTupleOutput(area=8.0, ok=False, took=datetime.timedelta(seconds=3723), " \
           "note='from a file') 6.0" in p.stdout, p.stdout


def test_a_raw_shell_task_runs_a_script_with_env_and_args_and_returns_the_working_directory(tmp_path):
    """get_raw_shell_task: the env dict exported, the args passed, and its output the working directory (which
    locally holds the local raw output folder: copied without it)."""
    import sys

    script = tmp_path / "s.sh"
    script.write_text('echo "A=$A args=$1 $2" | tee out.txt\n')
    code = f'''
import os
from autoc import get_raw_shell_task
t = get_raw_shell_task(name="raw")
d = t(script_file={str(script)!r}, script_args="x y", env={{"A": "aa"}})
print("RESULT", open(os.path.join(d, "out.txt")).read().strip())
'''
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "RESULT A=aa args=x y" in p.stdout


def test_a_string_command_is_refused_where_it_is_used_not_where_it_is_defined():
    """flytekit accepts ``command="echo"`` and pyflyte writes ``e c h o``: autoc defines the task (flytekit's
    unit tests and modules that never run it import fine) and refuses it, at its line, when it is serialized
    (test_mistakes_name_their_line) or run."""
    import datetime
    import sys

    from autoc import ContainerTask
    from autoc.errors import TaskDefinitionError

    ct = ContainerTask(name="local-execution", image="test-image", command="echo")
    td = datetime.timedelta(days=1, hours=1, minutes=1, seconds=1, microseconds=1)
    assert ct._string_to_timedelta(str(td)) == td  # flytekit's helper for a timedelta output
    with pytest.raises(TaskDefinitionError, match="got the string 'echo'") as e:
        ct()
    assert e.value.where.endswith(f"test_task_types.py:{sys._getframe().f_lineno - 5}")

"""A flytekit project, unmodified: ``autoc build-image --sdk flytekit --offline`` builds its ImageSpec image with
flytekit (and no autoc) inside, ``autoc register --sdk flytekit`` registers its tasks with the loopback FlyteAdmin,
and each registered task runs in a real container of that image with exactly the registered container args
(``pyflyte-execute``/``pyflyte-fast-execute``, flytekit's resolver), Flyte's templates filled with paths of a
folder mounted into the container. Inputs are written and outputs read with autoc's type engine.

Real Docker engine and registry (scripts/services), real FlyteAdmin stand-in on loopback (tests/admin_server)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import typing
import uuid
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2, execution_pb2, literals_pb2

from autoc import File
from autoc.runtime import storage
from autoc.types import engine
from tests.admin_server import AdminServer
from tests.conftest import run_autoc

FLYTEKIT = "1.16.31"
PROJECT, DOMAIN = "flytesnacks", "development"

MODULE = '''
import dataclasses
import os
import typing

from flytekit import ImageSpec, current_context, task, workflow
from flytekit.types.file import FlyteFile

image = ImageSpec(name="{name}", registry=os.environ.get("AUTOC_REGISTRY", "127.0.0.1:5000"),
                  base_image=os.environ.get("AUTOC_BASE_IMAGE", "localbase/python:3.11"),
                  env={{"GREETING": "hello from flytekit"}})


@dataclasses.dataclass
class Point:
    x: int
    label: str


@task(container_image=image)
def stats(n: int, words: typing.List[str], weights: typing.Dict[str, float], origin: Point,
          scale: int = 10) -> typing.Tuple[int, str, Point, typing.Dict[str, float]]:
    import flytekit

    try:
        import autoc  # noqa: F401
        runtime = "autoc is installed"
    except ModuleNotFoundError as e:
        runtime = str(e)
    said = " | ".join([" ".join(w.upper() for w in words), os.environ["GREETING"], "flytekit " + flytekit.__version__,
                       runtime])
    return n * scale, said, Point(x=origin.x + n, label=origin.label + "!"), {{k: v * 2 for k, v in weights.items()}}


@task(container_image=image)
def count_lines(f: FlyteFile, prefix: str = "lines") -> typing.Tuple[str, FlyteFile]:
    with open(f) as fh:
        n = len(fh.read().splitlines())
    out = os.path.join(current_context().working_directory, "report.txt")
    with open(out, "w") as fh:
        fh.write(f"{{prefix}}: {{n}}\\n")
    return f"{{prefix}}: {{n}}", FlyteFile(out)


@task(container_image=image)
def boom(n: int) -> int:
    raise ValueError(f"boom {{n}}")


@workflow
def pipeline(n: int = 2) -> int:
    total, _, _, _ = stats(n=n, words=["a"], weights={{"w": 1.0}}, origin=Point(x=0, label="o"))
    return boom(n=total)
'''


@dataclasses.dataclass
class Point:
    x: int
    label: str


def docker(*args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run(["/usr/bin/docker", *map(str, args)], capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def project(services, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fkproj")
    (root / "wf").mkdir()
    (root / "wf" / "__init__.py").write_text("")
    (root / "wf" / "tasks.py").write_text(MODULE.format(name=f"autoc-e2e-fk-{uuid.uuid4().hex[:8]}"))
    (root / "requirements.txt").write_text(f"flytekit=={FLYTEKIT}\n")  # --sdk flytekit reads the version here
    return root


def build(project: Path, *args: str) -> dict:
    p = run_autoc("build-image", "--sdk", "flytekit", "wf", "--offline", "--output", "json", *args, cwd=project)
    (image,) = json.loads(p.stdout)["images"]
    assert image["status"] == "built", image
    return image


@pytest.fixture(scope="module")
def images(project) -> dict:
    """The image `autoc serialize` / `register --copy none` name (the loaded modules copied in, as pyflyte
    serialize copies them) and the one fast registration names (no source)."""
    built = {"plain": build(project), "fast": build(project, "--fast")}
    yield built
    for image in built.values():
        docker("image", "rm", image["reference"], check=False)


@pytest.fixture
def admin():
    with AdminServer() as server:
        yield server


def register(admin: AdminServer, project: Path, *args: str) -> dict:
    """`autoc register --sdk flytekit`, without --assume-images-exist: the images must exist under the names the
    specs give them."""
    p = run_autoc("register", "--sdk", "flytekit", "wf", "--endpoint", admin.address, "--insecure", "--project",
                  PROJECT, "--domain", DOMAIN, "--output", "json", *args, cwd=project)
    return json.loads(p.stdout)


def literal_map(values: dict, types: dict) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    for k, v in values.items():
        lm.literals[k].CopyFrom(engine.to_literal(v, types[k]))
    return lm


class Run:
    """One task execution in a container: the registered container args with Flyte's templates filled with paths of
    a host folder mounted at the same path, ``docker run --network none``."""

    def __init__(self, admin: AdminServer, version: str, task: str, work: Path):
        spec = admin.task_spec(PROJECT, DOMAIN, f"wf.tasks.{task}", version)
        assert spec is not None, f"wf.tasks.{task} was not registered at {version}"
        self.container = spec.template.container
        self.work = work
        self.out = work / "out"
        for d in (work, self.out, work / "raw", work / "cp"):
            d.mkdir(parents=True, exist_ok=True)
        self.files = storage.FileAccess(raw_output_prefix=str(work / "in"), local_sandbox=str(work / "sandbox"))

    def inputs(self, values: dict, types: dict) -> None:
        with storage.using_file_access(self.files):
            (self.work / "inputs.pb").write_bytes(literal_map(values, types).SerializeToString())

    def args(self, replace: typing.Optional[dict] = None) -> typing.List[str]:
        filled = {"{{.input}}": str(self.work / "inputs.pb"), "{{.outputPrefix}}": str(self.out),
                  "{{.rawOutputDataPrefix}}": str(self.work / "raw"),
                  "{{.checkpointOutputPrefix}}": str(self.work / "cp"), "{{.prevCheckpointPrefix}}": ""}
        filled.update(replace or {})
        args = []
        for a in self.container.args:
            for template, value in filled.items():
                a = a.replace(template, value)
            args.append(a)
        assert not any("{{" in a for a in args), args
        return args

    def __call__(self, replace: typing.Optional[dict] = None) -> subprocess.CompletedProcess:
        env = [f"--env={e.key}={e.value}" for e in self.container.env]
        p = docker("run", "--rm", "--network", "none", "-v", f"{self.work}:{self.work}", *env, self.container.image,
                   *self.args(replace), check=False)
        assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
        return p

    def outputs(self) -> literals_pb2.LiteralMap:
        error = self.out / "error.pb"
        assert not error.exists(), errors_pb2.ErrorDocument.FromString(error.read_bytes())
        return literals_pb2.LiteralMap.FromString((self.out / "outputs.pb").read_bytes())


STATS_INPUTS = ({"n": 3, "words": ["x", "yz"], "weights": {"a": 0.5, "b": 2.0}, "origin": Point(x=4, label="p")},
                {"n": int, "words": typing.List[str], "weights": typing.Dict[str, float], "origin": Point})


def check_stats(out: literals_pb2.LiteralMap) -> None:
    """The outputs of ``stats`` on STATS_INPUTS (``scale`` left to its default, 10)."""
    assert engine.to_python(out.literals["o0"], int) == 30
    # the task imports flytekit and tries to import autoc, inside the image
    said = f"X YZ | hello from flytekit | flytekit {FLYTEKIT} | No module named 'autoc'"
    assert engine.to_python(out.literals["o1"], str) == said
    assert engine.to_python(out.literals["o2"], Point) == Point(x=7, label="p!")
    assert engine.to_python(out.literals["o3"], typing.Dict[str, float]) == {"a": 1.0, "b": 4.0}


def test_images_hold_flytekit_and_not_autoc(images):
    """What the builds put in (read from the images, no container: a container costs ~20 s on vfs); the tasks
    below show the same from inside (flytekit's version, no autoc)."""
    for kind, image in images.items():
        steps = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", image["reference"]).stdout
        assert f"--find-links /tmp/autoc/flytekit/wheels flytekit=={FLYTEKIT}" in steps, steps
        assert "autoc-build/autoc" not in steps and "autoc-" not in steps.replace("autoc-build/flytekit", "")
        assert ("COPY src/ /root/" in steps) is (kind == "plain"), steps  # fast: the code comes in the bundle
        env = json.loads(docker("image", "inspect", "--format", "{{json .Config.Env}}", image["reference"]).stdout)
        assert "GREETING=hello from flytekit" in env and "FLYTE_SDK_RICH_TRACEBACKS=0" in env
        assert next(e for e in env if e.startswith("PATH=")).startswith("PATH=/opt/venv/bin:")


def test_plain_registration_runs_in_the_image_with_pyflyte_execute(images, project, admin, tmp_path):
    result = register(admin, project, "--copy", "none", "--version", "v1")
    assert result["summary"] == {"created": 5}, result

    run = Run(admin, "v1", "stats", tmp_path / "stats")
    assert run.container.image == images["plain"]["reference"]
    assert list(run.container.args[:2]) == ["pyflyte-execute", "--inputs"]
    assert list(run.container.args[-7:]) == ["--resolver", "flytekit.core.python_auto_container.default_task_resolver",
                                             "--", "task-module", "wf.tasks", "task-name", "stats"]
    run.inputs(*STATS_INPUTS)
    run()
    check_stats(run.outputs())

    run = Run(admin, "v1", "count_lines", tmp_path / "lines")
    text = tmp_path / "lines.txt"
    text.write_text("one\ntwo\nthree\n")
    run.inputs({"f": File(str(text)), "prefix": "counted"}, {"f": File, "prefix": str})
    run()
    out = run.outputs()
    assert engine.to_python(out.literals["o0"], str) == "counted: 3"
    report = engine.to_python(out.literals["o1"], File)
    assert Path(report.path).is_relative_to(tmp_path / "lines" / "raw")  # uploaded by flytekit to the raw prefix
    assert Path(report.path).read_text() == "counted: 3\n"

    run = Run(admin, "v1", "boom", tmp_path / "boom")
    run.inputs({"n": 7}, {"n": int})
    run()
    assert not (run.out / "outputs.pb").exists()
    error = errors_pb2.ErrorDocument.FromString((run.out / "error.pb").read_bytes()).error
    assert "ValueError: boom 7" in error.message, error
    assert error.code.startswith("USER:") and error.kind == errors_pb2.ContainerError.NON_RECOVERABLE, error
    assert error.origin == execution_pb2.ExecutionError.USER, error


def test_fast_registration_runs_from_the_code_bundle(images, project, admin, tmp_path):
    result = register(admin, project)  # --copy all: pyflyte's code bundle, pyflyte-fast-execute
    version = result["version"]
    run = Run(admin, version, "stats", tmp_path / "stats")
    assert run.container.image == images["fast"]["reference"]
    args = list(run.container.args)
    assert args[0] == "pyflyte-fast-execute" and args[args.index("--dest-dir") + 1] == "/root"
    assert args[args.index("--") + 1] == "pyflyte-execute"
    # the object store the bundle was uploaded to, served to the container as a mounted folder
    (url, bundle), = admin.blobs.items()
    assert args[args.index("--additional-distribution") + 1] == url and url.startswith("s3://")
    local = run.work / "store" / url[len("s3://"):]
    local.parent.mkdir(parents=True)
    local.write_bytes(bundle)
    run.inputs(*STATS_INPUTS)
    run({url: str(local)})
    check_stats(run.outputs())

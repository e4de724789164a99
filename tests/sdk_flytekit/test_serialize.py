"""An unmodified flytekit project (tests/sdk_flytekit/corpus.py: corpus/proj and examples/workflows as flytekit code)
serialized by pyflyte (the oracle) and by ``autoc serialize --sdk flytekit``: every file parses to an EQUAL message,
with no normalisation at all."""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import pytest
from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2

from tests.conftest import oracle_venv, run_autoc
from tests.sdk_flytekit.corpus import make_project

KINDS = {"1": task_pb2.TaskSpec, "2": workflow_pb2.WorkflowSpec, "3": launch_plan_pb2.LaunchPlan}

IMAGES = ["--image", "ghcr.io/acme/app:v1", "--image", "gpu=ghcr.io/acme/gpu:v3"]


def parse(name: str, data: bytes):
    """The message in a ``_1/_2/_3.pb`` file. The one exception to "equal with no normalisation": pyflyte lists a
    node's upstream_node_ids in set order (it changes from run to run), so workflows compare them as sets."""
    message = KINDS[name[-4]].FromString(data)
    if isinstance(message, task_pb2.TaskSpec):  # (and pyflyte serialize's own interpreter paths in _F_SS_C)
        from tests.golden import without_host_paths

        without_host_paths(message)
    if isinstance(message, workflow_pb2.WorkflowSpec):
        from tests.golden import all_nodes

        for wf in [message.template, *message.sub_workflows]:
            for node in all_nodes(wf.nodes):  # the nodes of a conditional's cases too
                ids = sorted(node.upstream_node_ids)
                del node.upstream_node_ids[:]
                node.upstream_node_ids.extend(ids)
    return message


def load_dir(d: Path) -> dict:
    return {f.name: parse(f.name, f.read_bytes()) for f in sorted(Path(d).glob("*.pb"))}


def named(files: dict, name: str):
    """The message of ``{idx}_{name}`` (indices move as the corpus grows)."""
    return next(m for f, m in files.items() if f.split("_", 1)[1] == name)


def pyflyte(*args: str, cwd: Path) -> None:
    # no Docker engine: flytekit cannot tell whether an ImageSpec image exists, assumes it does and builds nothing
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLYTE_FORCE_PUSH_IMAGE_SPEC")}
    env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"
    p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), *args], cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def pyflyte_out(tmp_path_factory, proj) -> Path:
    out = tmp_path_factory.mktemp("pyflyte")
    pyflyte("--pkgs", "app", "serialize", *IMAGES, "workflows", "-f", str(out), cwd=proj)
    return out


@pytest.fixture(scope="module")
def autoc_out(tmp_path_factory, proj) -> Path:
    out = tmp_path_factory.mktemp("autoc")
    p = run_autoc("serialize", "--sdk", "flytekit", "app", "-o", out, *IMAGES, cwd=proj)
    (out / "stderr.txt").write_text(p.stderr)
    return out


def test_same_files(pyflyte_out, autoc_out):
    names = sorted(p.name for p in autoc_out.glob("*.pb"))
    assert len(names) >= 85
    assert names == sorted(p.name for p in pyflyte_out.glob("*.pb"))
    assert sum(n.endswith("_2.pb") for n in names) >= 12 and sum(n.endswith("_3.pb") for n in names) >= 17


def test_every_message_equal_without_normalisation(pyflyte_out, autoc_out):
    theirs, ours = load_dir(pyflyte_out), load_dir(autoc_out)
    unequal = sorted(name for name, spec in theirs.items() if ours.get(name) != spec)
    assert not unequal, unequal
    # what makes this mode: flytekit's entrypoint, resolver location and runtime; the version from requirements.txt
    add = named(ours, "app.basic.add_1.pb").template
    assert add.container.args[:2] == ["pyflyte-execute", "--inputs"]
    assert "flytekit.core.python_auto_container.default_task_resolver" in add.container.args
    assert (add.metadata.runtime.version, add.metadata.runtime.flavor) == ("1.16.31", "python")
    # ImageSpecs named by flytekit's tag rule (copied loaded modules, copy=, requirements=, an ImageSpec base)
    images = {n: s.template.container.image for n, s in ours.items() if ".images." in n}
    assert len(images) == 4 and all(i.startswith("localhost:5999/acme/") for i in images.values())


def test_class_storage_resolver_names_tasks_by_index(autoc_out):
    args = named(load_dir(autoc_out), "app.stored.scale3_1.pb").template.container.args
    assert args[-4:] == ["--resolver", "app.stored.resolver", "--", "1"]


def test_default_options_and_documentation(autoc_out):
    ours = load_dir(autoc_out)
    lp = named(ours, "app.defaults.labelled_3.pb")
    assert dict(lp.spec.labels.values) == {"team": "ml"} and dict(lp.spec.annotations.values) == {"owner": "acme"}
    documented = named(ours, "app.defaults.documented_1.pb").description
    assert (documented.short_description, documented.long_description.value) == ("Doc short.", "Doc long.")
    docs_only = named(ours, "app.defaults.docs_only_1.pb").description
    assert (docs_only.short_description, docs_only.long_description.value) == ("only docs", "kept")


def test_archive_has_the_members_pyflyte_package_writes(tmp_path, proj):
    """(No default --image: both fall back to flytekit's published image for this Python and flytekit version.)"""
    pyflyte("--pkgs", "app", "package", IMAGES[2], IMAGES[3], "-o", str(tmp_path / "pyflyte.tgz"), cwd=proj)
    run_autoc("serialize", "--sdk", "flytekit==1.16.31", "app", "--archive", tmp_path / "autoc.tgz", *IMAGES[2:],
              cwd=proj)

    def members(path: Path) -> dict:
        out = {}
        with tarfile.open(path) as tar:
            for m in tar.getmembers():
                out[m.name] = parse(m.name, tar.extractfile(m).read())
        return out

    theirs, ours = members(tmp_path / "pyflyte.tgz"), members(tmp_path / "autoc.tgz")
    assert sorted(ours) == sorted(theirs) and len(ours) >= 85
    assert [n for n in theirs if ours[n] != theirs[n]] == []
    assert named(ours, "app.basic.add_1.pb").template.container.image.startswith("cr.flyte.org/flyteorg/flytekit:py3.")


def test_pyflyte_naming_is_kept_and_said(autoc_out):
    """``doubled = task(double)`` and an aliased task object: pyflyte's loader args, one warning per task."""
    ours = load_dir(autoc_out)
    assert named(ours, "app.quirks.double_1.pb").template.container.args[-2:] == ["task-name", "double"]
    assert named(ours, "app.quirks.noop_1.pb").template.container.args[-2:] == ["task-name", "alpha"]
    warnings = [w for w in (autoc_out / "stderr.txt").read_text().splitlines() if "kept pyflyte's" in w]
    assert len(warnings) == 2
    assert "quirks.py:11: task app.quirks.double:" in warnings[0] and "app.quirks.doubled" in warnings[0]
    assert "task app.quirks.noop:" in warnings[1] and "app.quirks.zeta" in warnings[1]


HYPHENATED = {
    "__init__.py": "",
    # a plain script beside the tasks, as flytesnacks' customizing_dependencies has: pyflyte imports it too
    "calculate-area.py": "import math\n\n\ndef area(a, b):\n    return math.pi * a * b\n",
    "my-tasks.py": "from flytekit import task\n\n\n@task\ndef double(n: int) -> int:\n    return n * 2\n",
    "2nd.py": "from flytekit import task\n\n\n@task\ndef second(n: int) -> int:\n    return n + 2\n",
    "my-pkg/__init__.py": "from flytekit import task\n\n\n@task\ndef inner(n: int) -> int:\n    return n\n",
    # an ImageSpec whose tag digests the loaded modules (pyflyte package copies them into the image)
    "spec.py": ("from flytekit import ImageSpec, task\n\nimg = ImageSpec(name='calc', registry='localhost:5999', "
                "base_image='b:1', packages=['numpy'])\n\n\n@task(container_image=img)\ndef calc(n: int) -> int:\n"
                "    return n\n"),
}


@pytest.mark.parametrize("engine", ["face", "flytekit"])
def test_modules_whose_names_are_not_identifiers_are_imported_as_pyflyte_imports_them(tmp_path, engine):
    """pkgutil yields ``calculate-area`` and ``my-pkg`` and ``importlib`` imports them by those names: pyflyte
    loads them, registers their tasks and digests them into an ImageSpec's tag. (autoc's own flavor skips them
    with a warning: tests/cli/test_first_run.py.)"""
    for rel, text in HYPHENATED.items():
        (tmp_path / "hyph" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "hyph" / rel).write_text(text)
    pyflyte("--pkgs", "hyph", "package", "-o", str(tmp_path / "pyflyte.tgz"), cwd=tmp_path)
    p = run_autoc("serialize", "--sdk", "flytekit==1.16.31", "--engine", engine, "--python",
                  oracle_venv() / "bin" / "python", "hyph", "--archive", tmp_path / "autoc.tgz", cwd=tmp_path)
    assert "skipped" not in p.stderr, p.stderr

    def members(path: Path) -> dict:
        with tarfile.open(path) as tar:
            return {m.name: parse(m.name, tar.extractfile(m).read()) for m in tar.getmembers()}

    theirs, ours = members(tmp_path / "pyflyte.tgz"), members(tmp_path / "autoc.tgz")
    assert sorted(ours) == sorted(theirs)
    assert [n for n in theirs if ours[n] != theirs[n]] == []
    names = {m.template.id.name for m in ours.values() if isinstance(m, task_pb2.TaskSpec)}
    assert names == {"hyph.2nd.second", "hyph.my-pkg.__init__.inner", "hyph.my-tasks.double", "hyph.spec.calc"}
    assert named(ours, "hyph.spec.calc_1.pb").template.container.image.startswith("localhost:5999/calc:")

"""Task definitions that cannot be serialized faithfully are errors naming the file and line, and the
resource normalisations autoc adds on top of flytekit."""

from __future__ import annotations

import pytest

from autoc.errors import AutocError, DiscoveryError, ResourceError, TaskDefinitionError
from autoc.image.config import ImageConfig
from autoc.serialize import SerializationSettings, serialize
from tests.golden import load_dir

SETTINGS = SerializationSettings(image_config=ImageConfig.validate_image(None, "--image", ("ghcr.io/a/b:1",)))


def specs_of(pkg, tmp_path, **kw):
    out = tmp_path / "out"
    result = serialize([str(pkg)], SETTINGS, out_dir=str(out), **kw)
    by_file = load_dir(out)
    return result, {f.task: by_file[f.file] for f in result.files}


def test_nested_function_task_names_file_and_line(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": "from autoc import task\n\ndef factory():\n    @task\n    def inner(x: int) -> int:\n"
                                "        return x\n    return inner\n\nmade = [factory()]\n"})
    with pytest.raises(TaskDefinitionError) as e:
        serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"))
    assert "defined inside function factory()" in e.value.message
    assert e.value.where == f"{pkg / 'm.py'}:4"
    assert not (tmp_path / "out").exists()


def test_task_in_class_is_rejected(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": "from autoc import task\n\nclass Jobs:\n    @task\n    def run(x: int) -> int:\n"
                                "        return x\n"})
    with pytest.raises(TaskDefinitionError, match="defined inside class Jobs"):
        serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"))


def test_task_made_by_assignment_is_named_by_its_variable(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": "from autoc import task\n\ndef foo(x: int) -> int:\n    return x\n\nbar = task(foo)\n"})
    _, specs = specs_of(pkg, tmp_path)
    name = f"{pkg.name}.m.bar"
    assert list(specs) == [name]
    assert list(specs[name].template.container.args[-4:]) == ["task-module", f"{pkg.name}.m", "task-name", "bar"]


def test_object_alias_uses_first_bound_name(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": "from autoc import PythonInstanceTask, Interface\n"
                                "zeta = PythonInstanceTask(name='obj', interface=Interface())\nalpha = zeta\n"})
    _, specs = specs_of(pkg, tmp_path)
    assert list(specs["obj"].template.container.args[-2:]) == ["task-name", "zeta"]


def test_object_without_variable_names_creation_line(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": "from autoc import PythonInstanceTask, Interface\n\n"
                                "tasks = [PythonInstanceTask(name='lost', interface=Interface())]\n"})
    with pytest.raises(TaskDefinitionError) as e:
        serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"))
    assert e.value.where == f"{pkg / 'm.py'}:3"
    assert "module-level variable" in e.value.hint


def test_duplicate_task_names_are_an_error(unique_pkg, tmp_path):
    pkg = unique_pkg({"a.py": "from autoc import PythonInstanceTask, Interface\n"
                                "one = PythonInstanceTask(name='same', interface=Interface())\n",
                      "b.py": "from autoc import PythonInstanceTask, Interface\n"
                                "two = PythonInstanceTask(name='same', interface=Interface())\n"})
    with pytest.raises(TaskDefinitionError, match="two tasks are named same"):
        serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"))


def test_main_module_is_rejected(tmp_path):
    import runpy

    script = tmp_path / "script.py"
    script.write_text("from autoc import task\n\n@task\ndef t(x: int) -> int:\n    return x\n")
    t = runpy.run_path(str(script), run_name="__main__")["t"]
    with pytest.raises(TaskDefinitionError, match="__main__") as e:
        t.loader_location()
    assert "autoc serialize" in e.value.hint


def test_import_failure_names_file_line_and_original_error(unique_pkg, tmp_path):
    pkg = unique_pkg({"good.py": "x = 1\n", "bad.py": "import os\n\nraise ValueError('boom')\n"})
    with pytest.raises(DiscoveryError) as e:
        serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"))
    assert e.value.where == f"{pkg / 'bad.py'}:3"
    assert "ValueError: boom" in e.value.message


def test_keep_going_reports_every_failing_module_and_writes_nothing(unique_pkg, tmp_path):
    pkg = unique_pkg({"a.py": "raise RuntimeError('a')\n", "b.py": "import nope_not_a_module\n",
                      "c.py": "from autoc import task\n@task\ndef fine() -> None:\n    pass\n"})
    result = serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"), keep_going=True)
    assert not result.ok
    assert sorted(f.module.rsplit(".", 1)[1] for f in result.failures) == ["a", "b"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("decl, field, text", [
    ("requests=Resources(cpu='2'), limits=Resources(cpu='1')", "requests.cpu", "greater than limits.cpu"),
    ("resources=Resources(mem=('4Gi', '1Gi'))", "requests.mem", "greater than limits.mem"),
])
def test_request_above_limit_names_task_and_field(unique_pkg, tmp_path, decl, field, text):
    pkg = unique_pkg({"m.py": f"from autoc import task, Resources\n\n@task({decl})\ndef heavy() -> None:\n"
                                "    pass\n"})
    with pytest.raises(ResourceError) as e:
        serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"))
    assert f"task {pkg.name}.m.heavy" in e.value.message and field in e.value.message and text in e.value.message
    assert e.value.where == f"{pkg / 'm.py'}:3"


@pytest.mark.parametrize("value, message", [("'1GB'", "not a valid Kubernetes quantity"), ("-1", "negative"),
                                            ("'abc'", "not a valid Kubernetes quantity")])
def test_bad_quantities_fail_at_the_users_line(unique_pkg, tmp_path, value, message):
    pkg = unique_pkg({"m.py": f"from autoc import task, Resources\n\n@task(requests=Resources(mem={value}))\n"
                                "def t() -> None:\n    pass\n"})
    with pytest.raises(ResourceError, match=message) as e:
        serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"))
    assert e.value.where == f"{pkg / 'm.py'}:3"


def test_numbers_are_normalised_to_quantities(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": "from autoc import task, Resources\n\n"
                                "@task(requests=Resources(cpu=0.5, mem=1024), limits=Resources(cpu=1, gpu=1))\n"
                                "def t() -> None:\n    pass\n"})
    _, specs = specs_of(pkg, tmp_path)
    res = specs[f"{pkg.name}.m.t"].template.container.resources
    from flyteidl.core.tasks_pb2 import Resources as R

    assert [(r.name, r.value) for r in res.requests] == [(R.CPU, "500m"), (R.MEMORY, "1024")]
    assert [(r.name, r.value) for r in res.limits] == [(R.CPU, "1"), (R.GPU, "1")]


def test_unannotated_parameter_is_an_error_naming_it(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": "from autoc import task\n\n@task\ndef t(x, y: int) -> int:\n    return y\n"})
    with pytest.raises(TaskDefinitionError, match="parameter 'x'") as e:
        serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"))
    assert e.value.where == f"{pkg / 'm.py'}:3"


def test_unsupported_annotation_names_task_and_variable(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": "import typing\nfrom autoc import task\n\n@task\n"
                                "def t(pair: typing.Tuple[int, str]) -> None:\n    pass\n"})
    with pytest.raises(AutocError, match=r"variable 'pair'"):
        serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"))


def test_missing_image_is_an_error_with_a_hint(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": "from autoc import task\n\n@task\ndef t() -> None:\n    pass\n"})
    bare = SerializationSettings(image_config=ImageConfig())
    with pytest.raises(AutocError, match="no container image") as e:
        serialize([str(pkg)], bare, out_dir=str(tmp_path / "out"))
    assert "--image" in e.value.hint


def test_src_layout_and_single_file(tmp_path):
    src = tmp_path / "src" / "myapp_srclayout"
    src.mkdir(parents=True)
    (src / "__init__.py").write_text("")
    (src / "jobs.py").write_text("from autoc import task\n\n@task\ndef run() -> None:\n    pass\n")
    single = tmp_path / "loose_single_file_mod.py"
    single.write_text("from autoc import task\n\n@task\ndef solo() -> None:\n    pass\n")
    r1 = serialize([str(src)], SETTINGS, out_dir=str(tmp_path / "o1"))
    assert r1.source_root == tmp_path / "src" and [f.task for f in r1.files] == ["myapp_srclayout.jobs.run"]
    r2 = serialize([str(single)], SETTINGS, out_dir=str(tmp_path / "o2"))
    assert [f.task for f in r2.files] == ["loose_single_file_mod.solo"]


def test_pod_spec_as_a_plain_dict_serializes_like_the_kubernetes_object(unique_pkg, tmp_path):
    body = ("from autoc import task, PodTemplate\n{imp}\n"
            "@task(pod_template=PodTemplate(primary_container_name='main', labels={{'a': 'b'}}, pod_spec={spec}))\n"
            "def t(x: int) -> int:\n    return x\n")
    k8s = unique_pkg({"m.py": body.format(
        imp="from kubernetes.client import V1PodSpec, V1Container, V1Toleration",
        spec="V1PodSpec(containers=[V1Container(name='main'), V1Container(name='side', image='s:1')], "
             "tolerations=[V1Toleration(key='gpu', operator='Exists')])")})
    plain = unique_pkg({"m.py": body.format(
        imp="", spec="{'containers': [{'name': 'main'}, {'name': 'side', 'image': 's:1'}], "
                     "'tolerations': [{'key': 'gpu', 'operator': 'Exists'}]}")})
    _, a = specs_of(k8s, tmp_path / "a")
    _, b = specs_of(plain, tmp_path / "b")
    pa, pb = next(iter(a.values())).template, next(iter(b.values())).template
    from google.protobuf import text_format

    same = text_format.MessageToString(pb.k8s_pod).replace(plain.name, k8s.name)
    assert text_format.MessageToString(pa.k8s_pod) == same and pa.config["primary_container_name"] == "main"
    assert pa.k8s_pod.metadata.labels["a"] == "b"


def test_sidecar_without_image_is_an_error(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": "from autoc import task, PodTemplate\n"
                                "@task(pod_template=PodTemplate(pod_spec={'containers': [{'name': 'side'}]}))\n"
                                "def t() -> None:\n    pass\n"})
    with pytest.raises(TaskDefinitionError, match="container 'side' has no image"):
        serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"))


def test_every_example_task_round_trips_through_its_resolver():
    """resolver.load_task(resolver.loader_args(task)) is the task itself, for every bundled example."""
    from autoc.serialize.discover import discover
    from tests.conftest import EXAMPLES

    tasks = discover([str(EXAMPLES / "workflows")]).tasks
    # 33 tasks + the 8 of typed.py, the 8 of pipelines.py, the 2 of handlers.py and the 3 of launchplans.py
    # ... + the 6 of branches.py, the 2 of gates.py, the 2 of overrides.py and the 4 of imperative.py
    # ... + the 6 of maps.py, the 5 of dynamic.py and the 3 of eager.py (map tasks are made by workflow bodies, and
    # the cleanup tasks of eager ones at serialization: not module-level tasks) + the 5 of filetypes.py
    assert len(tasks) == 87
    for t in tasks:
        args = t.task_resolver.loader_args(SETTINGS, t)
        assert t.task_resolver.load_task(args) is t, t.name

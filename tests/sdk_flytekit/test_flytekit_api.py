"""flytekit's documented helpers and objects as code written for flytekit uses them through the import face (in
this process, strict face): what flytekit's own unit tests exercise (tests/sdk_flytekit/flytekit_unit_tests.py),
kept here because CI cannot fetch those tests."""

from __future__ import annotations

import dataclasses
import importlib
import sys
import textwrap
import typing
from collections import OrderedDict

import pytest
from flyteidl.core import tasks_pb2

from autoc.sdk.flytekit.imports import flytekit_imports

VERSION = "1.16.31"


@pytest.fixture()
def face():
    with flytekit_imports(VERSION):
        yield


@pytest.fixture()
def load(tmp_path, face):
    """Import ``source`` as module ``name`` (a file in tmp_path) through the face."""
    names = []

    def _load(name: str, source: str):
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        names.append(name)
        return importlib.import_module(name)

    sys.path.insert(0, str(tmp_path))
    yield _load
    sys.path.remove(str(tmp_path))
    for n in names:
        sys.modules.pop(n, None)


def settings(**kw):
    from flytekit.configuration import Image, ImageConfig, SerializationSettings

    img = Image(name="default", fqn="docker.io/xyz", tag="some-git-hash")
    return SerializationSettings(project="p", domain="d", version="v", image_config=ImageConfig(default_image=img),
                                 **kw)


TASKS = """\
    from flytekit import PodTemplate, task, workflow

    @task(environment={"HAM": "spam"}, labels={"lkey": "lval"})
    def plain(x: int) -> int:
        return x

    @task(container_image="repo/image:0.0.0", pod_template=PodTemplate(primary_container_name="primary"),
          pod_template_name="A")
    def podded(x: int) -> int:
        return x

    @workflow
    def wf(x: int) -> int:
        return podded(x=plain(x=x))
    """


def test_settings_made_through_the_face_write_pyflytes_command(load):
    m = load("fk_cmd", TASKS)
    cmd = m.plain.get_default_command(settings())
    assert cmd[0] == "pyflyte-execute" and cmd[-4:] == ["task-module", "fk_cmd", "task-name", "plain"]
    assert "flytekit.core.python_auto_container.default_task_resolver" in cmd
    from flytekit.configuration import SerializationSettings

    built = settings().new_builder().build()
    assert built.flavor.sdk == "flytekit" and SerializationSettings.Builder(image_config=None).build().flavor.sdk \
        == "flytekit"
    import autoc

    own = autoc.SerializationSettings(image_config=settings().image_config)
    assert m.plain.get_default_command(own)[:2] == ["autoc", "execute"]


def test_submodules_are_attributes_of_their_package(face):
    from flytekit.core import context_manager, tracker

    assert context_manager.FlyteContext.current_context().execution_state.mode is None
    assert tracker.TrackedInstance.__module__ == "autoc.core.tracker"


def test_get_serializable_reads_like_flytekits_models(load):
    from flytekit.tools.translator import get_serializable, get_serializable_task

    m = load("fk_ser", TASKS)
    ts = get_serializable_task(OrderedDict(), settings(env={"FOO": "bar"}), m.plain)
    assert ts.template.container.env == {"FOO": "bar", "HAM": "spam"}
    assert ts.template.k8s_pod is None
    assert ts.template.metadata.k8s_object_metadata.labels == {"lkey": "lval"}
    assert ts.template.metadata.retries.retries == 0
    assert isinstance(ts.to_flyte_idl().template, tasks_pb2.TaskTemplate)

    pod = get_serializable_task(OrderedDict(), settings(), m.podded)
    assert pod.template.container is None and pod.template.metadata.pod_template_name == "A"
    assert pod.template.k8s_pod.pod_spec["containers"][0]["image"] == "repo/image:0.0.0"
    assert pod.template.config == {"primary_container_name": "primary"}

    mapping = OrderedDict()
    wf = get_serializable(mapping, settings(), m.wf)
    assert list(mapping) == [m.plain, m.podded, m.wf]
    assert [n.task_node.reference_id.name for n in wf.template.nodes] == ["fk_ser.plain", "fk_ser.podded"]


def test_get_registerable_container_image(face):
    from flytekit.configuration import Image, ImageConfig
    from flytekit.core.python_auto_container import get_registerable_container_image
    from flytekit.image_spec import ImageSpec

    default = Image(name="default", fqn="xyz.com/abc", tag="tag1")
    digest = Image(name="d", fqn="xyz.com/d", digest="sha256:26c6")
    spec = ImageSpec(name="image-1", registry="localhost:30000")
    cfg = ImageConfig.create_from(default, [digest, Image.look_up_image_info(spec.id, "flyte/test:d1")])
    assert get_registerable_container_image(None, cfg) == "xyz.com/abc:tag1"
    assert get_registerable_container_image("abc:{{.image.default.version}}", cfg) == "abc:tag1"
    assert get_registerable_container_image("{{.image.d.fqn}}:{{.image.d.version}}", cfg) == "xyz.com/d@sha256:26c6"
    assert get_registerable_container_image(spec, cfg) == "flyte/test:d1"
    assert get_registerable_container_image(spec, ImageConfig()) == spec.image_name()  # named, not built
    with pytest.raises(ValueError, match="no default image is configured"):
        get_registerable_container_image("", ImageConfig())
    with pytest.raises(ValueError, match=r"^image 'blah' in '\{\{.image.blah\}\}' is not configured"):
        get_registerable_container_image("{{.image.blah}}", cfg)


def test_update_image_spec_copy_handling_sets_the_spec_in_place(face):
    from flytekit.configuration import FastSerializationSettings, ImageConfig, SerializationSettings
    from flytekit.constants import CopyFileDetection
    from flytekit.core.python_auto_container import update_image_spec_copy_handling
    from flytekit.image_spec import ImageSpec

    spec = ImageSpec(name="my_image", python_version="3.12")
    tag = spec.tag
    ss = SerializationSettings(source_root="/tmp", image_config=ImageConfig(),
                               fast_serialization_settings=FastSerializationSettings(enabled=False))
    update_image_spec_copy_handling(spec, ss)
    assert (spec.source_copy_mode, spec.source_root) == (CopyFileDetection.LOADED_MODULES, "/tmp")
    assert spec.id == ImageSpec(name="my_image", python_version="3.12", source_root="/tmp").id
    no_copy = ImageSpec(name="my_image", source_copy_mode=CopyFileDetection.NO_COPY)
    update_image_spec_copy_handling(no_copy, ss)
    assert no_copy.source_root is None and no_copy.source_copy_mode == CopyFileDetection.NO_COPY
    fast = ImageSpec(name="my_image")
    update_image_spec_copy_handling(fast, SerializationSettings(
        source_root="/tmp", image_config=ImageConfig(), fast_serialization_settings=FastSerializationSettings(True)))
    assert fast.source_root is None and fast.source_copy_mode is None and fast.tag == ImageSpec(name="my_image").tag
    assert tag  # the spec's tag before the update was computed and is recomputed after it


def test_a_builder_written_for_flytekit_builds_with_autocs_engine(face):
    from flytekit.image_spec import ImageSpec
    from flytekit.image_spec.image_spec import _F_IMG_ID, ImageBuildEngine, ImageSpecBuilder

    built = []

    class Builder(ImageSpecBuilder):  # flytekit's shape: should_build(spec), build_image returns None
        def should_build(self, image_spec) -> bool:
            return True

        def build_image(self, image_spec):
            built.append(image_spec)

    ImageBuildEngine.register("fk-test", Builder())
    try:
        spec = ImageSpec(name="fk", builder="fk-test", conda_packages=["numpy"], base_image="base:1")
        record = ImageBuildEngine.build_record(spec)
    finally:
        ImageBuildEngine._REGISTRY.pop("fk-test")
    assert built == [spec] and record.reference == spec.image_name()
    assert _F_IMG_ID == "_F_IMG_ID"


def test_resource_helpers(face):
    from kubernetes.client import V1Container, V1PodSpec, V1ResourceRequirements

    import flytekit.models.task as task_models
    from flytekit import Resources
    from flytekit.core.resources import (construct_extended_resources, convert_resources_to_resource_model,
                                         pod_spec_from_resources)

    model = convert_resources_to_resource_model(requests=Resources(cpu="2", mem="1Gi"), limits=Resources(gpu=1))
    assert isinstance(model, task_models.Resources)
    assert [(e.name, e.value) for e in model.requests] == [(task_models.Resources.ResourceName.CPU, "2"),
                                                           (task_models.Resources.ResourceName.MEMORY, "1Gi")]
    assert [(e.name, e.value) for e in model.limits] == [(task_models.Resources.GPU, "1")]
    assert convert_resources_to_resource_model().requests == []
    with pytest.raises(ValueError, match="can not be a list or tuple"):
        convert_resources_to_resource_model(requests=Resources(cpu=[1, 2]))
    assert pod_spec_from_resources(primary_container_name="p", requests=Resources(cpu="1", gpu="1")) == V1PodSpec(
        containers=[V1Container(name="p", resources=V1ResourceRequirements(
            requests={"cpu": "1", "nvidia.com/gpu": "1"}, limits={"cpu": "1", "nvidia.com/gpu": "1"}))])
    with pytest.raises(ValueError, match="can not be a list or tuple"):
        pod_spec_from_resources(primary_container_name="p", limits=Resources(mem=[1, 2]))
    assert construct_extended_resources(shared_memory=False) is None
    assert construct_extended_resources(shared_memory=True).shared_memory.size_limit == ""
    assert construct_extended_resources(shared_memory="2Gi").shared_memory.size_limit == "2Gi"


def test_type_engine(face):
    from flyteidl.core.types_pb2 import SimpleType

    from flytekit import Resources
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.type_engine import TypeEngine

    ctx = FlyteContextManager.current_context()
    lt = TypeEngine.to_literal_type(Resources)
    assert lt.simple == SimpleType.STRUCT
    lit = TypeEngine.to_literal(ctx, Resources(cpu="1"), Resources, lt)
    assert lit.scalar.binary.tag == "msgpack"
    assert TypeEngine.to_python_value(ctx, lit, Resources) == Resources(cpu="1")
    assert dataclasses.is_dataclass(Resources)


def test_tracker_and_interface_helpers(load, face):
    from flytekit.core.tracker import isnested, istestfunction

    def inner():
        pass

    assert isnested(inner) is True and isnested(test_type_engine) is False
    assert istestfunction(test_type_engine) is True and istestfunction(isnested) is False
    m = load("fk_iface", """\
        from flytekit import task

        @task
        def t(x: int, y: str = "Hello", z: int = None) -> int:
            return x
        """)
    assert m.t.python_interface.default_inputs_as_kwargs == {"y": "Hello"}
    assert m.t.python_interface.inputs_with_defaults == {"x": (int, None), "y": (str, "Hello"), "z": (int, None)}
    with pytest.raises(ValueError, match="^node_dependency_hints should only be used on dynamic tasks"):
        load("fk_hints", """\
            from flytekit import task

            @task(node_dependency_hints=[])
            def t2(i: str):
                pass
            """)


@pytest.mark.parametrize("kwargs, message", [
    ({"registry": "invalid:port:50000"}, "Invalid container registry name"),
    ({"pip_secret_mounts": "secrets.txt"}, "pip_secret_mounts must be a list of tuples of two strings or None"),
    ({"builder_options": ["x"]}, "builder_options must be a dictionary or None"),
])
def test_imagespec_errors_keep_flytekits_words(face, kwargs, message):
    from flytekit.image_spec import ImageSpec

    with pytest.raises(ValueError, match=message):
        ImageSpec(name="x", **kwargs)


def test_noop_builder_error_keeps_flytekits_words(face):
    from flytekit.image_spec import ImageSpec
    from flytekit.image_spec.noop_builder import NoOpBuilder

    with pytest.raises(ValueError, match="base_image must be a string to use the noop image builder"):
        NoOpBuilder().build_image(ImageSpec(base_image=None))
    assert NoOpBuilder().image_reference(ImageSpec(base_image="localhost:30000/flytekit")) == \
        "localhost:30000/flytekit"


def test_notification_models_and_launch_plan_parameters(load):
    from flyteidl.admin import common_pb2

    from flytekit.core import notification
    from flytekit.models import common as common_models
    from flytekit.models.core import execution

    phase = execution.WorkflowExecutionPhase.SUCCEEDED
    assert notification.Slack(phases=[phase], recipients_email=["t@slack.com"]).to_flyte_idl() == \
        common_pb2.Notification(phases=[phase], slack=common_models.SlackNotification(["t@slack.com"]).to_flyte_idl())
    assert common_models.EmailNotification(recipients_email=["a@b.io"]).recipients_email == ["a@b.io"]
    assert common_models.PagerDutyNotification(["p@d.io"]).to_flyte_idl() == \
        common_pb2.PagerDutyNotification(recipients_email=["p@d.io"])
    m = load("fk_lp", """\
        from flytekit import LaunchPlan, task, workflow

        @task
        def t(a: int) -> int:
            return a

        @workflow
        def wf(a: int, b: str = "x") -> int:
            return t(a=a)

        lp = LaunchPlan.create("lp", wf, default_inputs={"a": 3})
        """)
    params = m.lp.parameters.parameters
    assert params["a"].default.scalar.primitive.integer == 3 and params["a"].var.type.simple == 1
    assert params["b"].default.scalar.primitive.string_value == "x"


def test_interface_translation_helpers(face):

    from flytekit import task
    from flytekit.core.docstring import Docstring
    from flytekit.core.interface import (Interface, extract_return_annotation, transform_function_to_interface,
                                         transform_inputs_to_parameters, transform_interface_to_typed_interface,
                                         transform_variable_map)
    from flytekit.exceptions.user import FlyteValidationException
    from flytekit.models.literals import RetryStrategy, Void

    def z(a: int, b: typing.Optional[str] = None, c: int = 3) -> typing.NamedTuple("NT", x_str=str, y_int=int):
        """
        function z

        :param a: foo
        """

    result = transform_variable_map(extract_return_annotation(typing.get_type_hints(z)["return"]))
    assert result["x_str"].type.simple == 3 and result["y_int"].type.simple == 1
    assert result["x_str"].description == "x_str"
    iface = transform_function_to_interface(z, Docstring(callable_=z))
    typed = transform_interface_to_typed_interface(iface)
    assert typed.inputs.get("a").description == "foo" and set(typed.outputs) == {"x_str", "y_int"}
    params = transform_inputs_to_parameters(None, iface).parameters
    assert params["a"].required and params["a"].default is None
    assert params["b"].default.scalar.none_type == Void() and params["c"].default.scalar.primitive.integer == 3
    assert not params["b"].required
    with pytest.raises(ValueError, match="^Input name must be a valid Python identifier: 'my.input'"):
        Interface({"my.input": int}, {})
    with pytest.raises(ValueError, match="^Type names and field names must be valid identifiers: 'my.output'"):
        Interface({}, {"my.output": int})
    assert issubclass(FlyteValidationException, ValueError)
    assert RetryStrategy(3).to_flyte_idl().retries == 3
    with pytest.raises(ValueError, match="are deprecated. Please use Cache object"):
        from flytekit import Cache

        task(cache=Cache(version="1"), cache_version="2")(z)


def test_notebook_resolver_errors_are_flytekits_kinds(face, tmp_path, monkeypatch):
    import gzip

    import cloudpickle

    from flytekit.core.python_auto_container import (PickledEntity, PickledEntityMetadata,
                                                     default_notebook_task_resolver)

    with pytest.raises(ValueError, match="expected 'entity-name NAME'"):
        default_notebook_task_resolver.load_task([])
    monkeypatch.chdir(tmp_path)
    with gzip.open("pkl.gz", "wb") as f:
        cloudpickle.dump(PickledEntity(PickledEntityMetadata("2.7.18"), {}), f)
    with pytest.raises(RuntimeError, match=r"\(2.7\) is different from the current Python version"):
        default_notebook_task_resolver.load_task(["entity-name", "t"])


def test_file_formats_are_told_by_extension(face):
    from flytekit.types.directory import FlyteDirectory
    from flytekit.types.file import FlyteFile

    assert FlyteFile[typing.TypeVar("svg")].extension() == "svg" == FlyteFile["svg"].extension()
    assert FlyteFile.extension() == "" and FlyteDirectory["csv"].extension() == "csv"


def test_workflow_metadata(load):
    from flytekit.core.workflow import WorkflowFailurePolicy, WorkflowMetadata, WorkflowMetadataDefaults
    from flytekit.exceptions.user import FlyteValidationException

    with pytest.raises(FlyteValidationException, match="Failure policy 0 not acceptable"):
        WorkflowMetadata(on_failure=0)
    with pytest.raises(FlyteValidationException, match="Interruptible must be boolean"):
        WorkflowMetadataDefaults(3)
    policy = WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE
    assert WorkflowMetadata(on_failure=policy).to_flyte_idl().on_failure == 1
    m = load("fk_wfmeta", """\
        from flytekit import WorkflowFailurePolicy, task, workflow

        @task
        def t(a: int) -> int:
            return a

        @workflow(failure_policy=WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE, interruptible=True)
        def wf(a: int) -> int:
            return t(a=a)
        """)
    assert m.wf.workflow_metadata == WorkflowMetadata(on_failure=policy)
    assert m.wf.workflow_metadata_defaults == WorkflowMetadataDefaults(interruptible=True)
    from flytekit.tools.translator import get_serializable

    template = get_serializable(OrderedDict(), settings(), m.wf).template
    assert template.metadata.on_failure == 1 and template.metadata_defaults.interruptible is True


def test_model_classes_check_instances_of_their_message(face):
    import os

    from flyteidl.core import types_pb2

    from flytekit.core.interface import transform_variable_map
    from flytekit.models.core.types import BlobType
    from flytekit.models.literals import RetryStrategy

    blob = transform_variable_map({"o0": os.PathLike})["o0"].type.blob
    assert isinstance(blob, BlobType) and isinstance(types_pb2.BlobType(), BlobType)
    assert not isinstance(RetryStrategy(1), BlobType) and isinstance(RetryStrategy(1), RetryStrategy)
    assert BlobType("csv", 0).format == "csv" and BlobType(format="csv").to_flyte_idl() == types_pb2.BlobType(
        format="csv")


def test_schedule_models_equal_autocs_schedules(face):
    import datetime

    from flytekit import CronSchedule, FixedRate
    from flytekit.models.schedule import Schedule

    rate = FixedRate(datetime.timedelta(hours=12), "kickoff_input")
    assert rate == Schedule("kickoff_input", rate=Schedule.FixedRate(12, Schedule.FixedRateUnit.HOUR))
    assert rate != Schedule("kickoff_input", rate=Schedule.FixedRate(12, Schedule.FixedRateUnit.DAY))
    assert CronSchedule(schedule="@daily") == Schedule(cron_schedule=Schedule.CronSchedule("@daily"))
    assert rate != 12 and rate == FixedRate(datetime.timedelta(minutes=720), "kickoff_input")


def test_a_tasks_docs_is_its_documentation(load):
    m = load("fk_docs", '''\
        from flytekit import Description, Documentation, task

        @task
        def t1(a: int) -> int:
            """Set the temperature value.

            The value of the temp parameter.
            """
            return a

        @task(docs=Documentation(short_description="given", long_description=Description(value="kept")))
        def t2(a: int) -> int:
            return a
        ''')
    assert m.t1.docs.short_description == "Set the temperature value."
    assert m.t1.docs.long_description.value == "The value of the temp parameter."
    assert (m.t2.docs.short_description, m.t2.docs.long_description.value) == ("given", "kept")


NESTED = '''
import json
import typing
from collections import OrderedDict

from flytekit import Resources, map_task, task, workflow
from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.models.core.workflow import Node
from flytekit.models.task import Resources as R
from flytekit.tools.translator import get_serializable


def test_x():
    @task
    def t1(a: int) -> int:
        return a + 1

    @workflow
    def wf(a: int, xs: typing.List[int]) -> typing.List[int]:
        t1(a=a).with_overrides(requests=Resources(cpu="1", mem="100"), interruptible=True)
        t1(a=a)
        return map_task(t1)(a=xs).with_overrides(limits=Resources(mem="1Gi", cpu="2"))

    s = SerializationSettings(project="p", domain="d", version="v",
                              image_config=ImageConfig(default_image=Image(name="default", fqn="test", tag="tag")))
    m = OrderedDict()
    spec = get_serializable(m, s, wf)
    n0, n1, n2 = spec.template.nodes
    out = [isinstance(n0, Node), n0.metadata.interruptible, n1.metadata.interruptible,
           n0.task_node.overrides.resources.requests == [R.ResourceEntry(R.ResourceName.CPU, "1"),
                                                         R.ResourceEntry(R.ResourceName.MEMORY, "100")],
           n2.array_node.node.task_node.overrides.resources.limits == [R.ResourceEntry(R.ResourceName.CPU, "2"),
                                                                       R.ResourceEntry(R.ResourceName.MEMORY, "1Gi")]]
    for k, v in m.items():
        template = getattr(v, "template", None)
        if template is not None and getattr(template, "container", None) is not None:
            out.append(list(template.container.args))
    return out


print(json.dumps(test_x()))
'''


def test_get_serializable_of_a_task_inside_a_test_function_is_flytekits(tmp_path):
    """flytekit's get_serializable accepts a task defined inside a test function (of a test_* module) and names
    it by its module and function name; so does the face's (for unit tests written for flytekit), with its models
    read as flytekit's (Node, Resources.ResourceEntry, an unset interruptible as None). autoc serialize refuses
    the same task (no container could import it)."""
    import json
    import subprocess

    from tests.conftest import run_autoc, run_oracle

    pkg = tmp_path / "tpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "test_nested.py").write_text(NESTED)
    theirs = run_oracle("import tpkg.test_nested", cwd=tmp_path)
    face = "from autoc.sdk.flytekit.imports import flytekit_imports\nwith flytekit_imports('1.16.31'):\n" \
           "    import tpkg.test_nested\n"
    p = subprocess.run([sys.executable, "-c", face], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    ours = p.stdout.strip().splitlines()[-1]
    assert ours == theirs
    facts = json.loads(ours)
    assert facts[:5] == [True, True, None, True, True]
    assert facts[5][-4:] == ["task-module", "tpkg.test_nested", "task-name", "t1"]
    (pkg / "test_nested.py").write_text(NESTED.replace("print(json.dumps(test_x()))", "") +
                                        "\n@workflow\ndef top(a: int) -> int:\n    @task\n    def t2(a: int) -> int:\n"
                                        "        return a\n    return t2(a=a)\n")
    p = run_autoc("serialize", "--sdk", "flytekit==1.16.31", "tpkg", "-o", tmp_path / "out", "-i", "a:1", cwd=tmp_path,
                  check=False)
    assert p.returncode == 1 and "t2 is defined inside function top()" in p.stderr, p.stderr


def test_a_nodes_overridden_image_and_pod_template_read_by_flytekits_names(load):
    m = load("fk_node_ov", """
        from flytekit import PodTemplate, task, workflow

        @task
        def bar():
            print("hello")

        @workflow
        def wf() -> str:
            bar().with_overrides(container_image="hello/world")
            bar().with_overrides(pod_template=PodTemplate(primary_container_name="p1", labels={"a": "b"}))
            bar().with_overrides(container_image="x/y").with_overrides(retries=2)
            return "hi"
    """)
    first, second, third = m.wf.nodes
    assert (first._container_image, first._pod_template) == ("hello/world", None)
    assert second._pod_template.primary_container_name == "p1" and second._pod_template.labels == {"a": "b"}
    assert third._container_image == "x/y"  # a later call without it keeps it


def test_a_task_inside_a_test_function_reads_its_container_as_flytekits(face):
    """In a test module, a task defined inside a function is named by module and function name (flytekit's rule
    for test functions), for a unit test that reads its container in memory."""
    from flytekit import task
    from flytekit.configuration import Image, ImageConfig, SerializationSettings

    @task
    def inner(a: int) -> int:
        return a

    s = SerializationSettings(project="p", domain="d", version="v",
                              image_config=ImageConfig(default_image=Image(name="default", fqn="i", tag="t")))
    assert inner.get_container(s).args[-4:] == ["task-module", __name__, "task-name", "inner"]
    assert inner(a=3) == 3


def test_create_node_mistakes_are_flytekits_assertion(load):
    from flytekit.exceptions.user import FlyteAssertion

    m = load("fk_cn", """
        import typing
        from flytekit import task, workflow
        from flytekit.core.node_creation import create_node

        nt = typing.NamedTuple("OneOutput", outputs=str)

        @task
        def t1(a: int) -> nt:
            return nt(str(a))

        @workflow
        def positional(a: int) -> str:
            return create_node(t1, a).outputs

        @workflow
        def reserved(a: int) -> str:
            return create_node(t1, a=a).outputs
    """)
    for wf, text in ((m.positional, "only keyword arguments"), (m.reserved, "already has an attribute 'outputs'")):
        with pytest.raises(FlyteAssertion, match=text) as e:
            wf(a=1)
        assert e.value.where.startswith(str(m.__file__))

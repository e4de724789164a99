"""autoc.core.metadata: TaskMetadata validation, its flyteidl message, and Cache versions."""

import datetime
import hashlib

import pytest
from flyteidl.core import tasks_pb2

import autoc
from autoc.core.metadata import Cache, CachePolicy, TaskMetadata, VersionParameters
from autoc.errors import ValidationError


@pytest.mark.parametrize("kwargs, words", [
    (dict(timeout=1.5), "timeout should be duration"),
    (dict(timeout="60"), "timeout should be duration"),
    (dict(cache=True), "``cache_version`` is not set"),
    (dict(cache_serialize=True), "Cache serialize is enabled"),
    (dict(cache_ignore_input_vars=("a",)), "Cache ignore input vars are specified"),
    (dict(retries=-1), "retries=-1"),
])
def test_task_metadata_validation_messages(kwargs, words):
    with pytest.raises(ValidationError) as ei:
        TaskMetadata(**kwargs)
    assert words in ei.value.message


def test_valid_cache_settings():
    m = TaskMetadata(cache=True, cache_version="1", cache_serialize=True, cache_ignore_input_vars=("a",))
    pb = m.to_taskmetadata_model()
    assert pb.discoverable and pb.discovery_version == "1" and pb.cache_serializable
    assert list(pb.cache_ignore_input_vars) == ["a"]


def test_timeout_int_becomes_timedelta():
    assert TaskMetadata(timeout=90).timeout == datetime.timedelta(seconds=90)
    assert TaskMetadata(timeout=datetime.timedelta(minutes=2)).timeout == datetime.timedelta(minutes=2)


def test_runtime_names_autoc():
    rt = TaskMetadata().to_taskmetadata_model().runtime
    assert rt.type == tasks_pb2.RuntimeMetadata.FLYTE_SDK
    assert rt.flavor == "python"
    assert rt.version == autoc.__version__


def test_default_model_sub_messages_always_present():
    pb = TaskMetadata().to_taskmetadata_model()
    assert pb.HasField("retries") and pb.retries.retries == 0
    assert pb.HasField("generates_deck") and pb.generates_deck.value is False
    assert pb.HasField("metadata")
    assert pb.HasField("runtime")


def test_default_model_leaves_out_interruptible_and_timeout():
    pb = TaskMetadata().to_taskmetadata_model()
    assert pb.WhichOneof("interruptible_value") is None
    assert not pb.HasField("timeout")
    assert not TaskMetadata(timeout=0).to_taskmetadata_model().HasField("timeout")


def test_model_with_values():
    pb = TaskMetadata(interruptible=False, timeout=90, retries=3, generates_deck=True, deprecated="old",
                      pod_template_name="pt", labels={"l": "1"}, annotations={"a": "2"},
                      is_eager=True).to_taskmetadata_model()
    assert pb.WhichOneof("interruptible_value") == "interruptible" and pb.interruptible is False
    assert pb.timeout.ToTimedelta() == datetime.timedelta(seconds=90)
    assert pb.retries.retries == 3
    assert pb.generates_deck.value is True
    assert pb.deprecated_error_message == "old"
    assert pb.pod_template_name == "pt"
    assert dict(pb.metadata.labels) == {"l": "1"} and dict(pb.metadata.annotations) == {"a": "2"}
    assert pb.is_eager


def test_model_accepts_another_runtime():
    rt = tasks_pb2.RuntimeMetadata(type=tasks_pb2.RuntimeMetadata.FLYTE_SDK, version="9", flavor="other")
    assert TaskMetadata().to_taskmetadata_model(runtime=rt).runtime == rt


def test_cache_fixed_version():
    assert Cache(version="v1").get_version(VersionParameters()) == "v1"


class _SaltPolicy:
    def __init__(self, suffix):
        self.suffix = suffix

    def get_version(self, salt, params):
        return f"{salt}-{self.suffix}-{params.pod_template_name}"


def test_cache_policy_version_is_sha256_of_policy_outputs():
    assert isinstance(_SaltPolicy("a"), CachePolicy)
    params = VersionParameters(pod_template_name="pt")
    got = Cache(policies=[_SaltPolicy("a"), _SaltPolicy("b")], salt="s").get_version(params)
    assert got == hashlib.sha256(b"s-a-pts-b-pt").hexdigest()
    single = Cache(policies=_SaltPolicy("a"), salt="s").get_version(params)
    assert single == hashlib.sha256(b"s-a-pt").hexdigest()


def test_cache_policy_failure_is_validation_error():
    class Broken:
        def get_version(self, salt, params):
            raise RuntimeError("boom")

    with pytest.raises(ValidationError, match="boom"):
        Cache(policies=Broken()).get_version(VersionParameters())


def test_cache_without_version_or_policies_raises():
    with pytest.raises(ValidationError, match="at least one cache policy"):
        Cache()
    with pytest.raises(ValidationError):
        Cache(policies=[])


def test_cache_ignored_inputs_string_becomes_tuple():
    assert Cache(version="1", ignored_inputs="a").get_ignored_inputs() == ("a",)
    assert Cache(version="1", ignored_inputs=["a", "b"]).get_ignored_inputs() == ("a", "b")

"""autoc.core.accelerators: GPU accelerators as flyteidl GPUAccelerator messages."""

from flyteidl.core import tasks_pb2

from autoc.core.accelerators import A100, A100_80GB, T4, V5E, GPUAccelerator, MultiInstanceGPUAccelerator


def test_t4_has_only_a_device():
    m = T4.to_flyte_idl()
    assert isinstance(m, tasks_pb2.GPUAccelerator)
    assert m.device == "nvidia-tesla-t4"
    assert m.WhichOneof("partition_size_value") is None


def test_a100_without_partition_sets_no_partition():
    m = A100.to_flyte_idl()
    assert m.device == "nvidia-tesla-a100"
    assert m.WhichOneof("partition_size_value") is None


def test_a100_partition():
    m = A100.partition_1g_5gb.to_flyte_idl()
    assert m.device == "nvidia-tesla-a100"
    assert m.WhichOneof("partition_size_value") == "partition_size"
    assert m.partition_size == "1g.5gb"


def test_a100_unpartitioned():
    m = A100.unpartitioned.to_flyte_idl()
    assert m.device == "nvidia-tesla-a100"
    assert m.WhichOneof("partition_size_value") == "unpartitioned"
    assert m.unpartitioned is True


def test_unpartitioned_of_a_partition_drops_the_partition():
    m = A100.partition_3g_20gb.unpartitioned.to_flyte_idl()
    assert m.WhichOneof("partition_size_value") == "unpartitioned"
    assert m.partition_size == ""


def test_tpu_slice():
    m = V5E.slice_2x2.to_flyte_idl()
    assert (m.device, m.partition_size) == ("tpu-v5-lite-podslice", "2x2")


def test_a100_80gb_partition():
    m = A100_80GB.partition_7g_80gb.to_flyte_idl()
    assert (m.device, m.partition_size) == ("nvidia-a100-80gb", "7g.80gb")


def test_to_flyte_idl_returns_a_fresh_message_each_time():
    a = A100.partition_1g_5gb.to_flyte_idl()
    a.partition_size = "changed"
    assert A100.partition_1g_5gb.to_flyte_idl().partition_size == "1g.5gb"


def test_equality_and_hash():
    assert GPUAccelerator("nvidia-tesla-t4") == T4
    assert hash(GPUAccelerator("nvidia-tesla-t4")) == hash(T4)
    assert A100.partition_1g_5gb != A100.partition_2g_10gb
    assert MultiInstanceGPUAccelerator.partitioned("d", "1g").partition_size == "1g"

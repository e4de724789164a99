"""autoc.core.resources: Kubernetes quantities, Resources, ResourceSpec and build_resource_spec."""

from decimal import Decimal

import pytest

from autoc.core.resources import (Resources, ResourceSpec, build_resource_spec, normalize_quantity,
                                  parse_quantity)
from autoc.errors import ResourceError


@pytest.mark.parametrize("text, value", [
    ("1", Decimal(1)),
    ("500m", Decimal("0.5")),
    ("1Gi", Decimal(2**30)),
    ("1.5k", Decimal(1500)),
    ("2M", Decimal(2_000_000)),
    ("1e3", Decimal(1000)),
    (".5", Decimal("0.5")),
    ("100n", Decimal("1e-7")),
])
def test_parse_quantity_values(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "1GB", "one", "1 Gi", "Gi", "1e", "1.2.3"])
def test_parse_quantity_rejects_non_kubernetes_text(text):
    with pytest.raises(ValueError):
        parse_quantity(text)


@pytest.mark.parametrize("field, value, expected", [
    ("cpu", 0.5, "500m"),
    ("cpu", 1, "1"),
    ("cpu", 1.0, "1"),
    ("cpu", 2.25, "2250m"),
    ("mem", 1024, "1024"),
    ("mem", "1Gi", "1Gi"),
    ("cpu", " 250m ", "250m"),
    ("gpu", 2, "2"),
    ("gpu", "1", "1"),
    ("cpu", 0, "0"),
])
def test_normalize_quantity(field, value, expected):
    assert normalize_quantity(field, value) == expected


@pytest.mark.parametrize("field, value, words", [
    ("cpu", -1, "negative"),
    ("mem", "-1Gi", "negative"),
    ("mem", "1GB", "not a valid Kubernetes quantity"),
    ("ephemeral_storage", "10 Gi", "not a valid Kubernetes quantity"),
    ("gpu", 0.5, "whole number"),
    ("gpu", "500m", "whole number"),
    ("cpu", True, "must be a string or a number"),
    ("cpu", [1], "must be a string or a number"),
])
def test_normalize_quantity_errors_name_the_field(field, value, words):
    with pytest.raises(ResourceError) as ei:
        normalize_quantity(field, value)
    assert ei.value.message.startswith(f"{field}=")
    assert words in ei.value.message
    assert ei.value.hint


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_normalize_quantity_non_finite_float_is_resource_error(value):
    with pytest.raises(ResourceError, match="cpu="):
        normalize_quantity("cpu", value)


def test_resources_validates_each_field_when_constructed():
    with pytest.raises(ResourceError, match="mem="):
        Resources(mem="2GB")
    with pytest.raises(ResourceError, match="gpu="):
        Resources(gpu=1.5)


@pytest.mark.parametrize("value", [("1",), ("1", "2", "3"), []])
def test_resources_tuples_must_have_length_two(value):
    with pytest.raises(ResourceError, match="length 2"):
        Resources(cpu=value)


def test_resources_tuple_members_are_validated():
    Resources(cpu=("1", None))  # None is allowed inside a pair
    with pytest.raises(ResourceError, match="cpu="):
        Resources(cpu=("1", "bad"))


def test_entries_order_is_ephemeral_storage_cpu_gpu_mem():
    r = Resources(cpu="1", mem="2Gi", gpu="1", ephemeral_storage="3Gi")
    assert r.entries() == [("ephemeral_storage", "3Gi"), ("cpu", "1"), ("gpu", "1"), ("mem", "2Gi")]


def test_entries_drop_int_zero_but_keep_string_zero():
    r = Resources(cpu=0, mem="0", gpu=0, ephemeral_storage="0")
    assert r.entries() == [("ephemeral_storage", "0"), ("mem", "0")]


def test_entries_normalise_numbers():
    assert Resources(cpu=0.5, mem=1024).entries() == [("cpu", "500m"), ("mem", "1024")]


def test_entries_refuse_pairs():
    with pytest.raises(ResourceError, match=r"cpu=\('1', '2'\)"):
        Resources(cpu=("1", "2")).entries()


def test_from_multiple_resource_splits_pairs_and_single_values():
    spec = ResourceSpec.from_multiple_resource(Resources(cpu=("1", "2"), mem="1Gi", gpu=["1", "1"]))
    assert spec.requests == Resources(cpu="1", mem="1Gi", gpu="1")
    # a single value is a request only: no limit is implied
    assert spec.limits == Resources(cpu="2", gpu="1")
    assert spec.limits.mem is None


def test_check_request_above_limit_names_task_and_field():
    spec = ResourceSpec(requests=Resources(mem="2Gi"), limits=Resources(mem="1Gi"))
    with pytest.raises(ResourceError) as ei:
        spec.check("pkg.mod.my_task", where="mod.py:3")
    assert "task pkg.mod.my_task" in ei.value.message
    assert "requests.mem='2Gi'" in ei.value.message
    assert "limits.mem='1Gi'" in ei.value.message
    assert ei.value.where == "mod.py:3"


def test_check_compares_values_not_strings():
    ResourceSpec(requests=Resources(cpu="500m"), limits=Resources(cpu=1)).check("t")
    ResourceSpec(requests=Resources(mem="1G"), limits=Resources(mem="1Gi")).check("t")
    with pytest.raises(ResourceError, match="requests.mem"):
        ResourceSpec(requests=Resources(mem="1Gi"), limits=Resources(mem="1G")).check("t")


def test_check_ignores_fields_without_both_values():
    # a request with no matching limit (and the reverse) cannot violate anything: no error
    assert ResourceSpec(requests=Resources(cpu="8"), limits=Resources(mem="1Gi")).check("t") is None


def test_build_resource_spec_resources_with_requests_or_limits_is_error():
    with pytest.raises(ResourceError, match="can not be used together"):
        build_resource_spec(Resources(cpu="1"), None, Resources(cpu="1"))
    with pytest.raises(ResourceError, match="can not be used together"):
        build_resource_spec(None, Resources(cpu="1"), Resources(cpu="1"))


def test_build_resource_spec_variants():
    assert build_resource_spec(None, None, None) == ResourceSpec(Resources(), Resources())
    assert build_resource_spec(Resources(cpu="1"), Resources(cpu="2"), None) == \
        ResourceSpec(Resources(cpu="1"), Resources(cpu="2"))
    assert build_resource_spec(None, None, Resources(cpu=("1", "2"))) == \
        ResourceSpec(Resources(cpu="1"), Resources(cpu="2"))


def test_resources_json_round_trip():
    r = Resources(cpu="1", mem=2048, gpu=None, ephemeral_storage="1Gi")
    text = r.to_json()
    assert '"mem": 2048' in text
    assert Resources.from_json(text) == r


def test_resource_spec_json_round_trip():
    spec = ResourceSpec(requests=Resources(cpu="500m", mem="1Gi"), limits=Resources(cpu="1", gpu="1"))
    again = ResourceSpec.from_json(spec.to_json())
    assert again == spec
    assert again.limits.gpu == "1"


def test_resource_spec_from_dict_tolerates_missing_sides():
    assert ResourceSpec.from_dict({}) == ResourceSpec()

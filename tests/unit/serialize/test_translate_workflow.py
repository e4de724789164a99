"""Type checks of bindings (flyteadmin's castability, for the types autoc writes) and binding shapes."""

from __future__ import annotations

import dataclasses
import enum
import typing

import pytest

from autoc import task, workflow
from autoc.errors import WorkflowDefinitionError
from autoc.serialize.settings import SerializationSettings
from autoc.serialize.translate_workflow import castable, workflow_spec
from autoc.types.engine import to_literal_type

S = SerializationSettings(image_config=None)


class Mode(enum.Enum):
    A = "a"
    B = "b"


@dataclasses.dataclass
class Cfg:
    name: str
    sizes: typing.List[int]


@pytest.mark.parametrize("up, down, ok", [
    (int, int, True), (str, int, False), (int, float, False),
    (int, typing.Optional[int], True), (typing.Optional[int], int, False),
    (typing.List[int], typing.List[int], True), (typing.List[str], typing.List[int], False),
    (typing.Dict[str, int], typing.Dict[str, int], True), (typing.Dict[str, int], typing.Dict[str, str], False),
    (Mode, Mode, True), (Cfg, Cfg, True), (Cfg, str, False),
    (typing.Union[int, str], typing.Union[str, int, None], True), (typing.Union[int, str], int, False),
])
def test_castable(up, down, ok):
    assert castable(to_literal_type(up), to_literal_type(down)) is ok


@task
def make() -> Cfg:
    return Cfg("x", [1])


@task
def maybe() -> typing.Optional[int]:
    return None


@task
def use_int(x: int) -> int:
    return x


@task
def use_list(xs: typing.List[int], m: typing.Dict[str, str], mode: Mode = Mode.B) -> int:
    return len(xs)


def _error(fn) -> WorkflowDefinitionError:
    wf = workflow(fn)
    with pytest.raises(WorkflowDefinitionError) as e:
        workflow_spec(wf, S)
    return e.value


def test_optional_output_into_a_required_input_is_refused():
    def w() -> int:
        return use_int(x=maybe())
    e = _error(w)
    assert "expects int" in e.message and "of type Optional[int]" in e.message
    assert e.where.endswith("test_translate_workflow.py:72")  # the call in w()


def test_attribute_paths_are_typed():
    def ok() -> int:
        return use_list(xs=make().sizes, m={"k": make().name})
    spec = workflow_spec(workflow(ok), S)
    b = {i.var: i.binding for i in spec.template.nodes[2].inputs}
    assert [a.string_value for a in b["xs"].promise.attr_path] == ["sizes"]
    assert b["m"].map.bindings["k"].promise.attr_path[0].string_value == "name"
    assert b["mode"].scalar.primitive.string_value == "b"

    def bad() -> int:
        return use_int(x=make().name)
    assert "expects int but gets output 'o0'" in _error(bad).message

    def missing() -> int:
        return use_int(x=make().nope)
    e = _error(missing)
    assert "has no field 'nope'" in e.message and "name, sizes" in e.hint


def test_list_items_are_checked_one_by_one():
    def w() -> int:
        return use_list(xs=[use_int(x=1), make().name], m={})
    assert "expects int" in _error(w).message


def test_a_tuple_of_outputs_cannot_be_one_input():
    @task
    def two() -> typing.Tuple[int, int]:
        return 1, 2

    def w() -> int:
        return use_int(x=two())
    with pytest.raises(WorkflowDefinitionError, match="cannot receive a tuple"):
        workflow(w).compile()


@task
def maybe_cfg() -> typing.Optional[Cfg]:
    return Cfg("x", [1])


def test_attributes_of_an_optional_dataclass():
    def w() -> int:
        return use_int(x=maybe_cfg().sizes[0])
    spec = workflow_spec(workflow(w), S)
    path = spec.template.nodes[1].inputs[0].binding.promise.attr_path
    assert [p.WhichOneof("value") for p in path] == ["string_value", "int_value"] and path[1].int_value == 0


@task
def use_cfg(c: Cfg) -> int:
    return len(c.sizes)


def test_promises_inside_a_dataclass_constant_and_non_string_keys_are_explained():
    def w() -> int:
        return use_cfg(c=Cfg(name=make().name, sizes=[1]))
    e = _error(w)
    assert "mixes promises" in e.message and "inside a task" in e.hint

    def k() -> int:
        return use_list(xs=[], m={1: "a"})
    assert "dict keys must be strings" in _error(k).message


def test_a_schema_and_a_structured_dataset_cast_both_ways_as_flytepropeller_casts_them():
    """flytepropeller's structuredDatasetChecker takes a schema (which is parquet) where the dataset's format is
    unset or parquet; its schemaTypeChecker takes a structured dataset (flytesnacks' sqlite3_integration binds
    a SQLite3Task's FlyteSchema to a pandas.DataFrame input)."""
    from flyteidl.core import types_pb2

    schema = types_pb2.LiteralType(schema=types_pb2.SchemaType())
    def sd(fmt: str) -> types_pb2.LiteralType:
        return types_pb2.LiteralType(structured_dataset_type=types_pb2.StructuredDatasetType(format=fmt))
    assert castable(schema, sd("")) and castable(schema, sd("parquet")) and castable(sd("csv"), schema)
    assert not castable(schema, sd("csv"))
    assert not castable(schema, to_literal_type(int)) and not castable(to_literal_type(int), sd(""))


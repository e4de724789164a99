"""autoc.types.engine: Python types -> flyteidl LiteralType, as flytekit's TypeEngine writes them."""

import dataclasses
import datetime
import enum
import importlib
import json
import textwrap
import typing
import uuid
from typing import Dict, List, Literal, Optional, Tuple, Union

import pytest
from flyteidl.core import types_pb2
from google.protobuf import json_format

from autoc.errors import TypeEngineError
from autoc.types.engine import to_literal_type, uses_pickle

ST = types_pb2.SimpleType
MSGPACK_ANNOTATION = {"cache-key-metadata": {"serialization-format": "msgpack"}}


def as_dict(lt):
    return json_format.MessageToDict(lt)


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Number(enum.Enum):
    ONE = 1


@dataclasses.dataclass
class Point:
    x: int
    label: str = "p"


class Opaque:
    pass


@pytest.mark.parametrize("t, simple", [
    (int, ST.INTEGER), (float, ST.FLOAT), (str, ST.STRING), (bool, ST.BOOLEAN),
    (datetime.datetime, ST.DATETIME), (datetime.date, ST.DATETIME), (datetime.timedelta, ST.DURATION),
    (None, ST.NONE), (type(None), ST.NONE),
])
def test_simple_types(t, simple):
    lt = to_literal_type(t)
    assert lt.WhichOneof("type") == "simple"
    assert lt.simple == simple


def test_bool_is_not_integer():
    assert to_literal_type(bool).simple != to_literal_type(int).simple


def test_bytes_is_a_pickle_blob():
    lt = to_literal_type(bytes)
    assert lt.blob.format == "PythonPickle"
    assert lt.blob.dimensionality == types_pb2.BlobType.SINGLE
    assert dict(lt.metadata) == {"python_class_name": "<class 'bytes'>"}


def test_unknown_class_is_a_pickle_blob():
    lt = to_literal_type(Opaque)
    assert lt.blob.format == "PythonPickle"
    assert lt.metadata["python_class_name"] == str(Opaque)
    assert uses_pickle(Opaque) and uses_pickle(List[Opaque]) and not uses_pickle(List[int])


@pytest.mark.parametrize("t", [list[int], List[int]])
def test_list(t):
    assert as_dict(to_literal_type(t)) == {"collectionType": {"simple": "INTEGER"}}


def test_nested_list():
    assert as_dict(to_literal_type(List[List[int]])) == \
        {"collectionType": {"collectionType": {"simple": "INTEGER"}}}


def test_dict_with_str_keys_is_a_map():
    lt = to_literal_type(dict[str, float])
    assert lt.WhichOneof("type") == "map_value_type"
    assert lt.map_value_type.simple == ST.FLOAT


@pytest.mark.parametrize("t", [dict, Dict[int, str], typing.Dict])
def test_untyped_or_non_str_key_dict_is_msgpack_struct(t):
    lt = to_literal_type(t)
    assert lt.simple == ST.STRUCT
    assert json_format.MessageToDict(lt.annotation.annotations) == MSGPACK_ANNOTATION


def test_optional_is_a_union_with_tags():
    lt = to_literal_type(Optional[str])
    variants = lt.union_type.variants
    assert [v.simple for v in variants] == [ST.STRING, ST.NONE]
    assert [v.structure.tag for v in variants] == ["str", "none"]


@pytest.mark.parametrize("t", [Union[int, str], int | str])
def test_union(t):
    variants = to_literal_type(t).union_type.variants
    assert [(v.simple, v.structure.tag) for v in variants] == [(ST.INTEGER, "int"), (ST.STRING, "str")]


def test_union_of_list_tags_typed_list():
    variants = to_literal_type(Union[List[int], None]).union_type.variants
    assert [v.structure.tag for v in variants] == ["Typed List", "none"]


def test_str_enum():
    lt = to_literal_type(Color)
    assert list(lt.enum_type.values) == ["red", "green"]


def test_int_enum_is_an_error():
    with pytest.raises(TypeEngineError, match="Number"):
        to_literal_type(Number)


def test_dataclass_is_struct_with_schema_and_field_types():
    lt = to_literal_type(Point)
    assert lt.simple == ST.STRUCT
    assert lt.metadata["title"] == "Point"
    assert set(lt.metadata["properties"].keys()) == {"x", "label"}
    assert json_format.MessageToDict(lt.annotation.annotations) == MSGPACK_ANNOTATION
    assert lt.HasField("structure")
    assert set(lt.structure.dataclass_type.keys()) == {"x", "label"}
    assert lt.structure.dataclass_type["x"].simple == ST.INTEGER
    assert lt.structure.dataclass_type["label"].simple == ST.STRING


def test_literal_values():
    lt = to_literal_type(Literal["a", "b"])
    assert lt.simple == ST.STRING
    assert list(lt.annotation.annotations["literal_values"]) == ["a", "b"]


def test_literal_values_of_mixed_types_is_an_error():
    with pytest.raises(TypeEngineError, match="Literal"):
        to_literal_type(Literal["a", 1])


@pytest.mark.parametrize("t", [tuple, Tuple[int, str], tuple[int, str]])
def test_tuple_input_is_an_error(t):
    with pytest.raises(TypeEngineError) as ei:
        to_literal_type(t)
    assert "not supported" in ei.value.message
    assert "NamedTuple" in ei.value.hint


def test_bare_list_needs_item_type():
    with pytest.raises(TypeEngineError, match="item type"):
        to_literal_type(list)


def test_type_var_and_non_types_are_errors():
    with pytest.raises(TypeEngineError):
        to_literal_type(typing.TypeVar("T"))
    with pytest.raises(TypeEngineError, match="is not a type"):
        to_literal_type(3)


def test_results_are_cached_and_equal():
    assert to_literal_type(List[int]) is to_literal_type(List[int])
    assert to_literal_type(List[int]) == to_literal_type(list[int])


def test_union_variant_order_follows_the_annotation_even_after_the_reverse_was_seen():
    class A:
        pass

    class B:
        pass

    # fresh classes make fresh cache keys, so this test does not depend on what other tests converted
    first = to_literal_type(Union[A, B, int])
    second = to_literal_type(Union[int, B, A])
    assert [v.metadata["python_class_name"] if v.HasField("blob") else v.simple
            for v in first.union_type.variants] == [str(A), str(B), ST.INTEGER]
    assert [v.metadata["python_class_name"] if v.HasField("blob") else v.simple
            for v in second.union_type.variants] == [ST.INTEGER, str(B), str(A)]


def test_literal_values_order_follows_the_annotation_even_after_the_reverse_was_seen():
    tag = uuid.uuid4().hex  # unique values: a cache key no other test has used
    assert list(to_literal_type(Literal[tag + "x", tag + "y"]).annotation.annotations["literal_values"]) == \
        [tag + "x", tag + "y"]
    assert list(to_literal_type(Literal[tag + "y", tag + "x"]).annotation.annotations["literal_values"]) == \
        [tag + "y", tag + "x"]


def test_path_like_is_a_file_without_importing_autoc_file_first():
    """The File/Directory/os.PathLike transformers belong to the engine, whatever was imported before it."""
    import subprocess
    import sys

    from tests.conftest import REPO

    script = ("from autoc.types.engine import get_transformer; import os; "
              "print(type(get_transformer(os.PathLike)).__name__, get_transformer(os.PathLike).name)")
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["_BlobTransformer", "FlyteFilePath"]  # not PickleTransformer / FlytePickle


# --- cross-check with flytekit ---------------------------------------------------------------------------------


_TYPES_MODULE = """
import dataclasses, datetime, enum, typing
from typing import Annotated, Any, Dict, List, Literal, Optional, Union

class Color(enum.Enum):
    RED = "red"
    GREEN = "green"

@dataclasses.dataclass
class Inner:
    a: float

@dataclasses.dataclass
class Record:
    x: int
    inner: Inner
    tags: Optional[List[str]] = None
    label: str = "r"

class Opaque:
    pass

TYPES = [int, float, str, bool, bytes, datetime.datetime, datetime.date, datetime.timedelta, None,
         list[int], List[List[int]], dict[str, float], dict, Dict[int, str], Optional[str], Union[int, str],
         int | None, Color, Record, List[Record], Literal["a", "b"], Opaque, Any, Annotated[int, "meta"]]
"""

_ORACLE_SCRIPT = """
import importlib, json, sys
sys.path.insert(0, ".")
from google.protobuf import json_format
from flytekit.core.type_engine import TypeEngine
types = importlib.import_module(sys.argv[1]).TYPES
print(json.dumps([json_format.MessageToDict(TypeEngine.to_literal_type(t).to_flyte_idl()) for t in types]))
"""


def test_literal_types_match_flytekit(tmp_path, monkeypatch):
    from tests.conftest import run_oracle

    name = f"types_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(_TYPES_MODULE))
    expected = json.loads(run_oracle(_ORACLE_SCRIPT, name, cwd=tmp_path))
    monkeypatch.syspath_prepend(str(tmp_path))
    types = importlib.import_module(name).TYPES
    got = [json_format.MessageToDict(to_literal_type(t)) for t in types]
    assert len(got) == len(expected)
    for t, g, e in zip(types, got, expected):
        assert g == e, t

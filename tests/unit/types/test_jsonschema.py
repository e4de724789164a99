"""autoc.types.jsonschema builds mashumaro's dataclass schema itself for the common cases: whatever it builds must
equal ``mashumaro.jsonschema.build_json_schema(t).to_dict()``, and whatever it does not build must be left to
mashumaro (None), never approximated."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import random
import sys
import types
import typing
from typing import Annotated, Dict, List, Optional, Union

import pytest
from mashumaro import DataClassDictMixin
from mashumaro.jsonschema import build_json_schema
from mashumaro.jsonschema.annotations import Maximum

from autoc.types import engine
from autoc.types.jsonschema import dataclass_schema


def mashumaro_schema(t):
    return build_json_schema(t).to_dict()


def module(name: str) -> types.ModuleType:
    """A module registered in sys.modules (dataclasses and get_type_hints look their module up there)."""
    mod = types.ModuleType(f"tests_generated_{name}")
    sys.modules[mod.__name__] = mod
    return mod


def make(name: str, fields: list, future: bool = False) -> type:
    """A dataclass made from (name, annotation source, field() keyword source or None) triples, with its
    annotations kept as strings when ``future``."""
    body = "\n".join(f"    {n}: {a}" + (f" = dataclasses.field({kw})" if kw is not None else "") for n, a, kw in fields)
    src = ("from __future__ import annotations\n" if future else "") + (
        "import dataclasses, typing\nfrom typing import *\n\n"
        f"@dataclasses.dataclass\nclass {name}:\n{body or '    pass'}\n")
    mod = module(name)
    exec(compile(src, f"<{name}>", "exec"), mod.__dict__)
    return getattr(mod, name)


@dataclasses.dataclass
class Inner:
    x: int = 3
    tags: Dict[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Row:
    a: int
    b: Optional[str]
    c: List[Inner]
    d: float = 1.5
    e: Union[int, str] = "q"
    f: Inner = dataclasses.field(default_factory=Inner)
    g: bool = False
    h: Optional[int] = None
    i: int | None = 4
    j: dict[int, list[bool]] = dataclasses.field(default_factory=dict)
    k: str = ""


@dataclasses.dataclass
class Empty:
    pass


@pytest.mark.parametrize("t", [Inner, Row, Empty], ids=lambda t: t.__name__)
def test_built_schemas_are_mashumaros(t):
    fast = dataclass_schema(t)
    assert fast is not None
    assert fast == mashumaro_schema(t)
    assert list(fast) == list(mashumaro_schema(t))  # the same key order, too


def test_string_annotations_are_resolved_like_mashumaro_does():
    t = make("Later", [("a", "List[Optional[int]]", None), ("b", "float", "default=2.0")], future=True)
    assert isinstance(t.__dataclass_fields__["a"].type, str)
    assert dataclass_schema(t) == mashumaro_schema(t)


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Recursive:
    children: List["Recursive"]


@dataclasses.dataclass
class WithMixin(DataClassDictMixin):
    a: int


@dataclasses.dataclass
class Base:
    a: int


@dataclasses.dataclass
class Derived(Base):
    b: str


@dataclasses.dataclass
class WithConfig:
    a: int

    class Config:
        aliases = {"a": "A"}


@dataclasses.dataclass
class NotInit:
    a: int
    b: int = dataclasses.field(init=False, default=0)


T = typing.TypeVar("T")


@dataclasses.dataclass
class Generic_(typing.Generic[T]):
    a: T


def _one(name, annotation, kw=None):
    return make(name, [("v", annotation, kw)])


LEFT_TO_MASHUMARO = {
    "any": _one("A", "Any"),
    "bare list": _one("BL", "list"),
    "bare dict": _one("BD", "dict"),
    "tuple": _one("Tu", "Tuple[int, str]"),
    "set": _one("Se", "Set[int]"),
    "sequence": _one("Sq", "Sequence[int]"),
    "literal": _one("Li", "Literal['a', 'b']"),
    "metadata": _one("Md", "int", "metadata={'description': 'the count'}"),
    "int default for a float": _one("IF", "float", "default=1"),
    "None default for an int": _one("NI", "int", "default=None"),
    "nan default": _one("Nan", "float", "default=float('nan')"),
    "recursive": Recursive,
    "mashumaro mixin": WithMixin,
    "inherited fields": Derived,
    "mashumaro config": WithConfig,
    "init=False field": NotInit,
    "generic": Generic_,
}


@dataclasses.dataclass
class _Enum:
    v: Color


@dataclasses.dataclass
class _Annotated:
    v: Annotated[int, Maximum(3)]


@dataclasses.dataclass
class _Datetime:
    v: datetime.datetime


class Tag(str):
    pass


@dataclasses.dataclass
class _StrSubclassDefault:
    v: str = Tag("x")


LEFT_TO_MASHUMARO.update({"enum": _Enum, "annotated": _Annotated, "datetime": _Datetime,
                          "str subclass default": _StrSubclassDefault})


@pytest.mark.parametrize("case", sorted(LEFT_TO_MASHUMARO))
def test_other_dataclasses_are_left_to_mashumaro(case):
    t = LEFT_TO_MASHUMARO[case]
    assert dataclass_schema(t) is None
    try:
        expected = mashumaro_schema(t)
    except Exception:  # mashumaro cannot build every one of these; the engine then stores none, as flytekit
        expected = None
    assert engine._json_schema(t) == expected


def test_nested_unsupported_dataclass_leaves_the_whole_schema_to_mashumaro():
    @dataclasses.dataclass
    class Outer:
        inner: _Enum
        n: int = 1

    assert dataclass_schema(Outer) is None
    assert engine._json_schema(Outer) == mashumaro_schema(Outer)


# --- generated dataclasses -------------------------------------------------------------------------------------------
PRIMS = ["int", "float", "bool", "str", "None"]
VALUES = {"int": ["0", "7", "-3"], "float": ["0.0", "2.5", "-1e300"], "bool": ["True", "False"],
          "str": ["''", "'x'", "'with \"quotes\"'"], "None": ["None"]}


def random_type(rng: random.Random, depth: int, nested: list) -> str:
    roll = rng.random()
    if depth >= 3 or roll < 0.4:
        return rng.choice(PRIMS[:-1])
    if roll < 0.52:
        return f"Optional[{random_type(rng, depth + 1, nested)}]"
    if roll < 0.62:
        members = {random_type(rng, depth + 1, nested) for _ in range(rng.randint(2, 3))}
        return f"Union[{', '.join(sorted(members))}]" if len(members) > 1 else members.pop()
    if roll < 0.70:
        return f"{random_type(rng, depth + 1, nested)} | None"
    if roll < 0.80:
        return f"{rng.choice(['List', 'list'])}[{random_type(rng, depth + 1, nested)}]"
    if roll < 0.90:
        return f"{rng.choice(['Dict', 'dict'])}[{rng.choice(['str', 'int'])}, {random_type(rng, depth + 1, nested)}]"
    if nested:
        return rng.choice(nested)
    return "int"


def primitive_members(annotation: str) -> list:
    """The primitive types a default may have for this annotation (empty: only a factory makes sense)."""
    if annotation in PRIMS:
        return [annotation]
    if annotation.startswith("Optional["):
        return primitive_members(annotation[9:-1]) + ["None"]
    if annotation.endswith(" | None"):
        return primitive_members(annotation[:-7]) + ["None"]
    if annotation.startswith("Union["):
        parts = [p for p in annotation[6:-1].split(", ") if p in PRIMS]
        return parts if len(parts) == annotation[6:-1].count(", ") + 1 else []
    return []


def test_generated_dataclasses_match_mashumaro():
    rng = random.Random(20261125)
    ns = module("many").__dict__
    nested: list = []
    built = 0
    for k in range(250):
        fields = []
        for j in range(rng.randint(0, 6)):
            ann = random_type(rng, 0, nested)
            kinds = primitive_members(ann)
            roll = rng.random()
            if kinds and roll < 0.45:
                kw = f"default={rng.choice(VALUES[rng.choice(kinds)])}"
            elif roll < 0.55:
                kw = f"default={rng.choice([v for vs in VALUES.values() for v in vs])}"  # maybe the wrong type
            elif roll < 0.7:
                kw = "default_factory=list" if ann.lower().startswith("list") else None
            else:
                kw = None
            fields.append((f"f{j}", ann, kw))
        # fields with defaults must follow those without
        fields.sort(key=lambda f: f[2] is not None)
        future = "from __future__ import annotations\n" if k % 3 == 0 else ""
        src = "\n".join(f"    {n}: {a}" + (f" = dataclasses.field({kw})" if kw else "") for n, a, kw in fields)
        name = f"D{k}"
        code = (future + "import dataclasses\nfrom typing import *\n"
                f"@dataclasses.dataclass\nclass {name}:\n{src or '    pass'}\n")
        exec(compile(code, f"<{name}>", "exec"), ns)
        t = ns[name]
        nested.append(name)
        fast = dataclass_schema(t)
        if fast is not None:
            assert fast == mashumaro_schema(t), code
            built += 1
    assert built >= 100, f"only {built} of 250 generated dataclasses took the fast path"


def test_engine_literal_type_uses_the_same_schema_either_way():
    from google.protobuf import json_format, struct_pb2

    lt = engine.to_literal_type(Row)

    expected = struct_pb2.Struct()
    expected.update(mashumaro_schema(Row))
    assert json_format.MessageToDict(lt.metadata) == json_format.MessageToDict(expected)


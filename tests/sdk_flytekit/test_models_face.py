"""flytekit's value models and type engine through the face (``--sdk flytekit`` and flytekit's own unit tests):
``flytekit.models.literals`` / ``flytekit.models.types`` / ``flytekit.models.annotation`` objects built with flytekit's
constructors give the messages flytekit's give, read back with flytekit's conventions, and ``TypeEngine`` takes and
gives them; plus the other import paths of objects autoc has."""

from __future__ import annotations

import json

import pytest

from autoc.sdk.flytekit.imports import flytekit_imports
from tests.conftest import run_face_and_oracle, run_oracle

#: the same code in both: models built with flytekit's constructors, and the type engine's results
SCRIPT = """
import datetime, typing
from typing_extensions import Annotated
from flytekit.core.annotation import FlyteAnnotation
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.annotation import TypeAnnotation
from flytekit.models.core.types import BlobType
from flytekit.models.literals import (Binary, Blob, BlobMetadata, Literal, LiteralCollection, LiteralMap,
                                      LiteralOffloadedMetadata, Primitive, Scalar, Union, Void)
from flytekit.models.types import LiteralType, SimpleType, TypeStructure, UnionType

ctx = FlyteContextManager.current_context()
utc = datetime.timezone.utc
i = Literal(scalar=Scalar(primitive=Primitive(integer=1)))
built = {
    "int": i,
    "dt": Literal(scalar=Scalar(primitive=Primitive(datetime=datetime.datetime(2024, 1, 2, tzinfo=utc)))),
    "coll": Literal(collection=LiteralCollection(literals=[i, i])),
    "map": Literal(map=LiteralMap(literals={"a": i}), metadata={"k": "v"}),
    "blob": Literal(scalar=Scalar(blob=Blob(metadata=BlobMetadata(type=BlobType(
        format="csv", dimensionality=BlobType.BlobDimensionality.MULTIPART)), uri="s3://b/k"))),
    "binary": Literal(scalar=Scalar(binary=Binary(value=b"x", tag="msgpack"))),
    "none": Literal(scalar=Scalar(none_type=Void())),
    "union": Literal(scalar=Scalar(union=Union(value=i, stored_type=LiteralType(
        simple=SimpleType.INTEGER, structure=TypeStructure(tag="int"))))),
    "off": Literal(offloaded_metadata=LiteralOffloadedMetadata(uri="s3://b/o", size_bytes=3,
                                                                inferred_type=LiteralType(simple=SimpleType.STRING))),
    "lt": LiteralType(simple=SimpleType.STRUCT, metadata={"a": 1}, annotation=TypeAnnotation({"x": {"y": "z"}})),
    "ut": LiteralType(union_type=UnionType(variants=[LiteralType(simple=SimpleType.INTEGER),
                                                     LiteralType(simple=SimpleType.NONE)])),
    "engine_lt": TypeEngine.to_literal_type(Annotated[typing.Optional[typing.List[int]], FlyteAnnotation({"a": "b"})]),
    "engine_lit": TypeEngine.to_literal(ctx, {"a": [1, 2]}, typing.Dict[str, typing.List[int]],
                                        TypeEngine.to_literal_type(typing.Dict[str, typing.List[int]])),
}
reads = [built["int"].value.value.value, built["dt"].scalar.primitive.value.isoformat(), built["int"].hash,
         built["map"].metadata, built["lt"].metadata, built["lt"].annotation.annotations, built["lt"].blob,
         built["union"].scalar.union.stored_type.structure.tag, built["engine_lt"].union_type is None,
         [v.simple for v in built["ut"].union_type.variants], isinstance(built["int"], Literal),
         isinstance(built["int"], Scalar), built["blob"].scalar.blob.metadata.type.dimensionality,
         TypeEngine.to_python_value(ctx, built["coll"], typing.List[int])]
print(__import__("json").dumps({"messages": {k: v.to_flyte_idl().SerializeToString(deterministic=True).hex()
                                             for k, v in built.items()}, "reads": reads}, default=str))
"""


def test_models_and_type_engine_give_and_read_what_flytekits_do(tmp_path):
    theirs = json.loads(run_oracle(SCRIPT, cwd=tmp_path))
    with flytekit_imports("1.16.31"):
        import contextlib
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(SCRIPT, "<face>", "exec"), {})
    ours = json.loads(out.getvalue())
    assert ours["messages"] == theirs["messages"]
    assert ours["reads"] == theirs["reads"]
    assert len(ours["messages"]) == 13 and ours["reads"][0] == 1


def test_import_paths_of_objects_autoc_has():
    from autoc import FlyteAnnotation, HashMethod, JSON, StructuredDataset
    from autoc.serialize.settings import SERIALIZED_CONTEXT_ENV_VAR

    with flytekit_imports("1.16.31"):
        from flytekit.configuration import SERIALIZED_CONTEXT_ENV_VAR as env_var
        from flytekit.core.annotation import FlyteAnnotation as annotation
        from flytekit.core.hash import HashMethod as hash_method
        from flytekit.core.type_engine import TypeTransformerFailedError, get_underlying_type, is_annotated
        from flytekit.types.iterator import JSON as json_type
        from flytekit.types.structured.structured_dataset import StructuredDataset as sd

        from flytekit.core.constants import MESSAGEPACK
        from flytekit.core.promise import Promise, VoidPromise
        from flytekit.core.tracker import extract_task_module
        from flytekit.models.core.identifier import Identifier, ResourceType
        from flytekit.tools.translator import Options

        assert is_annotated(get_underlying_type.__annotations__.get("t", int)) is False
        ident = Identifier(ResourceType.TASK, "p", "d", "n", "v")
        assert (ident.name, ident.resource_type, MESSAGEPACK) == ("n", 1, "msgpack") and callable(extract_task_module)
        assert Promise.__module__ == VoidPromise.__module__ == "autoc.core.promise" and Options.__name__ == "Options"
    assert (env_var, annotation, hash_method, json_type, sd) == (
        SERIALIZED_CONTEXT_ENV_VAR, FlyteAnnotation, HashMethod, JSON, StructuredDataset) and env_var == "_F_SS_C"
    assert issubclass(TypeTransformerFailedError, (TypeError,)) and issubclass(TypeTransformerFailedError, ValueError)


def test_a_model_is_read_only():
    with flytekit_imports("1.16.31"):
        from flytekit.models.literals import Primitive

        p = Primitive(integer=3)
    with pytest.raises(AttributeError, match="read-only"):
        p.integer = 4


def test_a_model_reads_its_private_fields_and_array_node_bound_inputs_as_flytekit_s_model():
    """flytekit's models keep each field as ``_<field>`` (flytekit's tests read ``array_node._min_successes``) and
    an ArrayNode's ``bound_inputs`` as a set; the same values as flytekit's ArrayNode model gives."""
    from flyteidl.core import workflow_pb2

    from autoc.sdk.flytekit.models import Model

    msg = workflow_pb2.ArrayNode(parallelism=10, min_successes=2, bound_inputs=["b", "a"], run_all_sub_nodes=True)
    m = Model(msg)
    ours = [m._parallelism, m._min_successes, m._bound_inputs == {"a", "b"}, m._run_all_sub_nodes]
    theirs = run_oracle("from flytekit.models.core.workflow import ArrayNode\n"
                        "m = ArrayNode(node=None, parallelism=10, min_successes=2, bound_inputs={'b', 'a'}, "
                        "run_all_sub_nodes=True)  # as flytekit's translator makes it\n"
                        "print([m._parallelism, m._min_successes, m._bound_inputs == {'a', 'b'}, "
                        "m._run_all_sub_nodes])", cwd=".")
    assert repr(ours) == theirs == "[10, 2, True, True]"
    with pytest.raises(AttributeError):
        m._nope


#: code written against flytekit that calls the context's file access and a transformer directly, and the import
#: paths flytekit's test_type_engine.py uses for objects autoc has
DIRECT = """
import json, os, typing
from flytekit import FlyteFile, task
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import DictTransformer, ListTransformer, TypeEngine
from flytekit.types.file import FileExt
from flytekit.types.file.file import noop


@task
def write(text: str) -> FlyteFile:
    fa = FlyteContextManager.current_context().file_access
    path = fa.get_random_local_path("/some/dir/out.txt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return FlyteFile(path)


ctx = FlyteContextManager.current_context()
fa = ctx.file_access
local = fa.get_random_local_path(file_path_or_file_name="/a/b/c.txt")
lt = TypeEngine.to_literal_type(typing.List[int])
direct = ListTransformer().to_literal(ctx, [1, 2], typing.List[int], lt)
got = TypeEngine.get_transformer(typing.Dict[str, int]).to_literal(ctx, {"a": 1}, typing.Dict[str, int],
                                                                     TypeEngine.to_literal_type(typing.Dict[str, int]))
print(json.dumps([fa.is_remote("s3://b/k"), fa.is_remote(local), os.path.basename(local),
                  local.startswith(str(fa.local_sandbox_dir)), open(write(text="hi")).read(),
                  direct.to_flyte_idl().SerializeToString(deterministic=True).hex(),
                  got.to_flyte_idl().SerializeToString(deterministic=True).hex(), got.map.literals["a"].hash,
                  str(FileExt("tar.gz")), noop() is None,
                  TypeEngine.get_transformer(typing.List[int]).get_literal_type(typing.List[int]).map_value_type]))
"""


def test_context_file_access_and_direct_transformer_calls_as_flytekit(tmp_path):
    ours, theirs = run_face_and_oracle(tmp_path, "direct", DIRECT)
    assert ours == theirs
    assert ours[:5] == [True, False, "c.txt", True, "hi"] and ours[-1] is None


def test_the_registry_as_flytekit_names_it():
    import typing

    from autoc.types import base, engine

    with flytekit_imports("1.16.31"):
        from flytekit.core.type_engine import TypeEngine

    assert TypeEngine._REGISTRY is base.REGISTRY and TypeEngine._DATACLASS_TRANSFORMER is engine._DATACLASS
    assert TypeEngine.get_transformer(typing.List[int]) is engine._LIST


#: the import paths flytekit's tests/flytekit/unit/core/test_type_engine.py uses for objects autoc has
TYPE_ENGINE_TEST_IMPORTS = {
    "flytekit": ["dynamic", "kwtypes", "task", "workflow"],
    "flytekit.core.annotation": ["FlyteAnnotation"],
    "flytekit.core.context_manager": ["FlyteContext", "FlyteContextManager"],
    "flytekit.core.hash": ["HashMethod"],
    "flytekit.core.type_engine": ["IntTransformer", "FloatTransformer", "BoolTransformer", "StrTransformer",
                                  "DataclassTransformer", "DictTransformer", "EnumTransformer", "ListTransformer",
                                  "SimpleTransformer", "TypeEngine", "TypeTransformer", "TypeTransformerFailedError",
                                  "UnionTransformer", "get_underlying_type", "is_annotated"],
    "flytekit.models.annotation": ["TypeAnnotation"],
    "flytekit.models.core.types": ["BlobType"],
    "flytekit.models.literals": ["Blob", "BlobMetadata", "Literal", "LiteralCollection", "LiteralMap",
                                 "LiteralOffloadedMetadata", "Primitive", "Scalar", "Void", "Binary"],
    "flytekit.models.types": ["LiteralType", "SimpleType", "TypeStructure", "UnionType"],
    "flytekit.types.directory": ["TensorboardLogs"],
    "flytekit.types.directory.types": ["FlyteDirectory", "FlyteDirToMultipartBlobTransformer"],
    "flytekit.types.file": ["FileExt", "JPEGImageFile"],
    "flytekit.types.file.file": ["FlyteFile", "FlyteFilePathTransformer", "noop"],
    "flytekit.types.iterator.iterator": ["IteratorTransformer"],
    "flytekit.types.iterator.json_iterator": ["JSONIterator", "JSONIteratorTransformer", "JSON"],
    "flytekit.types.pickle.pickle": ["FlytePickleTransformer"],
    "flytekit.types.schema": ["FlyteSchema"],
    "flytekit.types.structured.structured_dataset": ["StructuredDataset", "StructuredDatasetTransformerEngine",
                                                     "PARQUET"],
    "flytekit.configuration": ["SERIALIZED_CONTEXT_ENV_VAR"],
}


def test_the_type_engine_tests_import_paths_resolve():
    import importlib

    with flytekit_imports("1.16.31"):  # (strict: an import autoc does not answer raises)
        got = {(m, n): getattr(importlib.import_module(m), n) for m, names in TYPE_ENGINE_TEST_IMPORTS.items()
               for n in names}
        from flytekit.exceptions import user  # noqa: F401 (the module)
    assert len(got) == 57 and all(v is not None for v in got.values())
    assert got[("flytekit.core.hash", "HashMethod")].__module__.startswith("autoc.")


KWARGS_ERROR = """
import json
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine, TypeTransformerFailedError
from flytekit.models.literals import Literal, LiteralMap, Primitive, Scalar

lm = LiteralMap(literals={"bad_input": Literal(scalar=Scalar(primitive=Primitive(string_value="x")))})
try:
    TypeEngine.literal_map_to_kwargs(FlyteContextManager.current_context(), lm, {"bad_input": int})
except TypeTransformerFailedError as e:
    print(json.dumps([part in str(e) for part in ("Error converting input 'bad_input'", "Literal value:",
                                                  "Expected Python type: <class 'int'>", "string_value")]))
"""


def test_a_literal_that_does_not_convert_names_its_input_as_flytekit(tmp_path):
    import contextlib
    import io

    theirs = json.loads(run_oracle(KWARGS_ERROR, cwd=tmp_path))
    out = io.StringIO()
    with flytekit_imports("1.16.31"), contextlib.redirect_stdout(out):
        exec(compile(KWARGS_ERROR, "<face>", "exec"), {})
    assert json.loads(out.getvalue()) == theirs == [True, True, True, True]


UNION_ERROR = """
import json, typing
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import Literal, LiteralMap, Primitive, Scalar

lit = Literal(map=LiteralMap(literals={"k": Literal(scalar=Scalar(primitive=Primitive(integer=42)))}))
try:
    TypeEngine.to_python_value(FlyteContextManager.current_context(), lit, typing.Union[int, str])
except TypeError as e:
    print(json.dumps([part in str(e) for part in ("Cannot convert from", "using tag None")]))
"""


def test_a_literal_no_union_variant_reads_opens_as_flytekits_message(tmp_path):
    import contextlib
    import io

    theirs = json.loads(run_oracle(UNION_ERROR, cwd=tmp_path))
    out = io.StringIO()
    with flytekit_imports("1.16.31"), contextlib.redirect_stdout(out):
        exec(compile(UNION_ERROR, "<face>", "exec"), {})
    assert json.loads(out.getvalue()) == theirs == [True, True]


#: a workflow's named outputs and a task's inputs in an order no map iteration gives by chance
DECLARED_ORDER = """
import typing
from collections import OrderedDict
from flytekit import task, workflow
from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.tools.translator import get_serializable

NAMES = ["e", "b", "h", "a", "g", "c", "f", "d"]

@task
def t(e: int, b: int, h: int, a: int, g: int, c: int, f: int, d: int) -> int:
    return a

@workflow
def wf() -> typing.NamedTuple("OP", **{n: int for n in NAMES}):
    x = t(**{n: 1 for n in NAMES})
    return tuple(x for _ in NAMES)

settings = SerializationSettings(image_config=ImageConfig(default_image=Image(name="d", fqn="img", tag="1")))
mapping = OrderedDict()
spec = get_serializable(mapping, settings, wf)
print([list(spec.template.interface.outputs), list(mapping[t].template.interface.inputs)])
"""


def test_an_interface_reads_its_variables_in_declared_order_as_flytekits_model(tmp_path, monkeypatch):
    """A protobuf map keeps no order (its iteration order changes per process); flytekit's model keeps the order
    the function declares, and so does the face's ``get_serializable``."""
    import contextlib
    import importlib
    import io
    import sys

    script = tmp_path / "declared_order.py"  # (a file: flytekit reads a workflow's source)
    script.write_text(DECLARED_ORDER)
    theirs = run_oracle(script, cwd=tmp_path)
    out = io.StringIO()
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "declared_order", raising=False)
    with flytekit_imports("1.16.31"), contextlib.redirect_stdout(out):
        importlib.import_module("declared_order")
    names = ["e", "b", "h", "a", "g", "c", "f", "d"]
    assert out.getvalue().strip() == theirs.strip() == repr([names, names])


#: flytekit's map-task interface helper over a task's interface (bound, excluded and optional outputs)
LIST_INTERFACE = """
import json, typing
from flytekit import task
from flytekit.core.interface import transform_interface_to_list_interface, transform_types_to_list_of_type

@task
def t(a: int, b: typing.Optional[str]) -> int:
    return a

out = []
for bound, excluded, optional in [(set(), set(), True), (set(), set(), False), ({"a"}, set(), False),
                                  (set(), {"b"}, False), ({"a", "b"}, set(), False), (set(), {"a", "b"}, False)]:
    i = transform_interface_to_list_interface(t.python_interface, bound, excluded, optional)
    out.append([{k: repr(v) for k, v in i.inputs.items()}, {k: repr(v) for k, v in i.outputs.items()}])
out.append({k: repr(v) for k, v in transform_types_to_list_of_type({"x": int}, set(), True).items()})
print(json.dumps(out))
"""


def test_the_map_task_interface_helpers_as_flytekit(tmp_path):
    ours, theirs = run_face_and_oracle(tmp_path, "list_interface", LIST_INTERFACE)
    assert ours == theirs
    assert ours[0] == [{"a": "typing.List[int]", "b": "typing.List[typing.Optional[str]]"},
                       {"o0": "typing.List[typing.Optional[int]]"}]
    assert ours[4][0] == {"a": "<class 'int'>", "b": "typing.Optional[str]"}

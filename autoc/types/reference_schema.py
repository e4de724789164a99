"""The pydantic core schema of File, Directory and StructuredDataset fields (values stored by reference), as
flytekit describes them inside a model's JSON schema. Apart from the engine and from pydantic models
(``basemodel.py``), so the families whose classes carry the hook import only this."""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict


def _path_property() -> Dict[str, Any]:
    return {"anyOf": [{"type": "string"}, {"type": "string", "format": "path"}], "default": None, "title": "Path"}


def _optional_string(title: str, default: Any) -> Dict[str, Any]:
    return {"anyOf": [{"type": "string"}, {"type": "null"}], "default": default, "title": title}


#: The JSON schemas flytekit's FlyteFile, FlyteDirectory and StructuredDataset give inside a model's schema.
JSON_SCHEMAS: Dict[str, Dict[str, Any]] = {
    "FlyteFile": {"properties": {"path": _path_property(), "metadata": {
        "anyOf": [{"additionalProperties": {"type": "string"}, "type": "object"}, {"type": "null"}],
        "default": None, "title": "Metadata"}}, "title": "FlyteFile", "type": "object"},
    "FlyteDirectory": {"properties": {"path": _path_property()}, "title": "FlyteDirectory", "type": "object"},
    "StructuredDataset": {
        "description": "This is the user facing StructuredDataset class. Please don't confuse it with the "
                       "literals.StructuredDataset\nclass (that is just a model, a Python class representation of "
                       "the protobuf).",
        "properties": {"uri": _optional_string("Uri", None), "file_format": _optional_string("File Format", "")},
        "title": "StructuredDataset", "type": "object"},
}


def reference_schema(cls: type, kind: str, to_dict: Callable[[Any], Dict[str, Any]],
                     from_dict: Callable[[type, Dict[str, Any]], Any], title: str = ""):
    """The pydantic core schema of a value stored by reference (``kind``: one of JSON_SCHEMAS): written to JSON as
    ``to_dict(value)`` (uploading it), read from such a dict lazily, described as flytekit describes it (under
    ``title``, flytekit's class name, when it is not ``kind``)."""
    from pydantic_core import core_schema

    def validate(v: Any) -> Any:
        if isinstance(v, cls):
            return v
        if isinstance(v, dict):
            return from_dict(cls, v)
        if isinstance(v, (str, os.PathLike)):
            return cls(v)
        raise ValueError(f"expected {cls.__name__}, a path or a {{'path': ...}} mapping, got {type(v).__name__}")

    title = title or kind
    schema = dict(JSON_SCHEMAS[kind], title=title)
    return core_schema.no_info_plain_validator_function(
        validate, ref=f"{title}:autoc",
        serialization=core_schema.plain_serializer_function_ser_schema(to_dict, when_used="json"),
        metadata={"pydantic_js_functions": [lambda _s, _h: json.loads(json.dumps(schema))]})

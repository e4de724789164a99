"""File, Directory and StructuredDataset fields of dataclasses (and dicts), written as flytekit writes them in
msgpack: uploaded, then ``{"path": uri}`` / ``{"uri": ..., "file_format": ...}`` (flytekit's classes are mashumaro
``SerializableType`` dataclasses); read back lazily. A mashumaro dialect the engine's dataclass codecs use, built
on first use (mashumaro is imported only then)."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=None)
def dialect() -> type:
    from mashumaro.dialect import Dialect
    from mashumaro.types import SerializationStrategy

    from autoc.types.files import Directory, File, _from_path_dict, _path_dict
    from autoc.types.structured import StructuredDataset, _sd_from_dict, _sd_to_dict

    def strategy(cls: type, to_dict, from_dict, coerce: bool = True) -> SerializationStrategy:
        class _Reference(SerializationStrategy):
            __match_subclasses__ = True  # typed files (File["csv"]) and user subclasses

            def serialize(self, value):
                if coerce and not isinstance(value, cls):
                    value = cls(value)  # a path or uri given for the field (flytekit accepts a str)
                return to_dict(value)

            def deserialize(self, value):
                return from_dict(cls, value)

        return _Reference()

    class References(Dialect):
        serialization_strategy = {
            File: strategy(File, _path_dict, _from_path_dict),
            Directory: strategy(Directory, _path_dict, _from_path_dict),
            StructuredDataset: strategy(StructuredDataset, _sd_to_dict, _sd_from_dict, coerce=False),
        }

    return References

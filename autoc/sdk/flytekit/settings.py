"""``flytekit.configuration.SerializationSettings`` as the face answers it: autoc's settings with flytekit's output
flavor (``pyflyte-execute``, flytekit's resolver location and runtime) unless one is given, so settings that
flytekit code builds itself serialize as pyflyte would."""

from __future__ import annotations

import dataclasses

from autoc.sdk.flavor import OutputFlavor, flavor_of
from autoc.serialize.settings import SerializationSettings as _Settings


def _flytekit_flavor() -> OutputFlavor:
    from autoc.sdk.flytekit.imports import face_version

    return flavor_of("flytekit", face_version())


@dataclasses.dataclass(frozen=True)
class SerializationSettings(_Settings):
    __doc__ = _Settings.__doc__

    flavor: OutputFlavor = dataclasses.field(default_factory=_flytekit_flavor)

    @dataclasses.dataclass
    class Builder(_Settings.Builder):
        flavor: OutputFlavor = dataclasses.field(default_factory=_flytekit_flavor)

        def build(self) -> "SerializationSettings":
            return SerializationSettings(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    def new_builder(self) -> "SerializationSettings.Builder":
        return SerializationSettings.Builder(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

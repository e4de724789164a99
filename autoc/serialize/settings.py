"""SerializationSettings: everything serialization needs to know that is not in the task itself."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Dict, Optional

from autoc.core.resources import Resources, ResourceSpec
from autoc.image.config import Image, ImageConfig
from autoc.sdk.flavor import AUTOC, OutputFlavor

DEFAULT_RUNTIME_PYTHON_INTERPRETER = "/opt/venv/bin/python3"
DEFAULT_IN_CONTAINER_SRC_PATH = "/root"
SERIALIZED_CONTEXT_ENV_VAR = "_F_SS_C"


@dataclasses.dataclass(frozen=True)
class EntrypointSettings:
    path: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class FastSerializationSettings:
    """Fast registration: the code bundle's URL and where the container unpacks it."""

    enabled: bool = False
    destination_dir: Optional[str] = None
    distribution_location: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class SerializationSettings:
    """Images, project/domain/version, extra environment and fast-registration settings for one serialization."""

    image_config: ImageConfig
    project: Optional[str] = None
    domain: Optional[str] = None
    version: Optional[str] = None
    env: Optional[Dict[str, str]] = None
    default_resources: Optional[ResourceSpec] = None
    git_repo: Optional[str] = None
    python_interpreter: str = DEFAULT_RUNTIME_PYTHON_INTERPRETER
    flytekit_virtualenv_root: Optional[str] = None
    fast_serialization_settings: Optional[FastSerializationSettings] = None
    source_root: Optional[str] = None
    #: what names the SDK in the container (``--sdk``); not part of the JSON form
    flavor: OutputFlavor = AUTOC

    def __post_init__(self):
        if self.flytekit_virtualenv_root is None:
            object.__setattr__(self, "flytekit_virtualenv_root",
                               self.venv_root_from_interpreter(self.python_interpreter))

    @staticmethod
    def venv_root_from_interpreter(interpreter_path: str) -> str:
        """``/opt/venv/bin/python3`` -> ``/opt/venv``."""
        return os.path.dirname(os.path.dirname(interpreter_path))

    @staticmethod
    def default_entrypoint_settings(interpreter_path: str) -> EntrypointSettings:
        return EntrypointSettings(path=os.path.join(
            SerializationSettings.venv_root_from_interpreter(interpreter_path), "bin", "entrypoint.py"))

    @property
    def entrypoint_settings(self) -> EntrypointSettings:
        return self.default_entrypoint_settings(self.python_interpreter)

    @classmethod
    def for_image(cls, image: str, version: str, project: str = "", domain: str = "",
                  python_interpreter_path: str = DEFAULT_RUNTIME_PYTHON_INTERPRETER) -> "SerializationSettings":
        img = ImageConfig(default_image=Image.look_up_image_info("default", image))
        return cls(image_config=img, version=version, project=project, domain=domain,
                   python_interpreter=python_interpreter_path)

    def should_fast_serialize(self) -> bool:
        return self.fast_serialization_settings is not None and self.fast_serialization_settings.enabled

    # --- JSON and transport (the ``_F_SS_C`` environment variable) ----------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        def res(r: Resources) -> Dict[str, Any]:
            return r.to_dict()

        dr = self.default_resources
        return {
            "image_config": self.image_config.to_dict(),
            "project": self.project, "domain": self.domain, "version": self.version, "env": self.env,
            "default_resources": {"requests": res(dr.requests), "limits": res(dr.limits)} if dr else None,
            "git_repo": self.git_repo, "python_interpreter": self.python_interpreter,
            "flytekit_virtualenv_root": self.flytekit_virtualenv_root,
            "fast_serialization_settings": dataclasses.asdict(self.fast_serialization_settings)
            if self.fast_serialization_settings else None,
            "source_root": self.source_root,
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, d: Dict[str, Any], **kwargs) -> "SerializationSettings":
        dr = d.get("default_resources")
        fss = d.get("fast_serialization_settings")
        return cls(image_config=ImageConfig.from_dict(d["image_config"]), project=d.get("project"),
                   domain=d.get("domain"), version=d.get("version"), env=d.get("env"),
                   default_resources=ResourceSpec.from_dict(dr) if dr else None, git_repo=d.get("git_repo"),
                   python_interpreter=d.get("python_interpreter") or DEFAULT_RUNTIME_PYTHON_INTERPRETER,
                   flytekit_virtualenv_root=d.get("flytekit_virtualenv_root"),
                   fast_serialization_settings=FastSerializationSettings(**fss) if fss else None,
                   source_root=d.get("source_root"))

    @classmethod
    def from_json(cls, s, **kwargs) -> "SerializationSettings":
        return cls.from_dict(json.loads(s))

    @classmethod
    def schema(cls, **kwargs) -> Dict[str, Any]:
        return {"type": "object", "properties": {f.name: {} for f in dataclasses.fields(cls)}}

    @property
    def serialized_context(self) -> str:
        if self.env and SERIALIZED_CONTEXT_ENV_VAR in self.env:
            return self.env[SERIALIZED_CONTEXT_ENV_VAR]
        return self.to_transport()

    def to_transport(self) -> str:
        """base64(gzip(mtime=0, JSON)) — the ``_F_SS_C`` value flytekit reads."""
        import base64
        import gzip
        import io

        buf = io.BytesIO()  # a GzipFile, as flytekit writes it (its header says "unknown OS"; gzip.compress's
        with gzip.GzipFile(mode="wb", fileobj=buf, mtime=0) as f:  # names this one)
            f.write(self.to_json().encode())
        return base64.b64encode(buf.getvalue()).decode()

    @classmethod
    def from_transport(cls, s: str) -> "SerializationSettings":
        import base64
        import gzip

        return cls.from_json(gzip.decompress(base64.b64decode(s)).decode())

    def with_serialized_context(self) -> "SerializationSettings":
        """A copy whose ``env`` carries these settings in ``_F_SS_C`` (self if it already does)."""
        if self.env and SERIALIZED_CONTEXT_ENV_VAR in self.env:
            return self
        env = dict(self.env or {})
        env[SERIALIZED_CONTEXT_ENV_VAR] = self.serialized_context
        return dataclasses.replace(self, env=env)

    def new_builder(self) -> "SerializationSettings.Builder":
        return SerializationSettings.Builder(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    @dataclasses.dataclass
    class Builder:
        image_config: ImageConfig
        project: Optional[str] = None
        domain: Optional[str] = None
        version: Optional[str] = None
        env: Optional[Dict[str, str]] = None
        default_resources: Optional[ResourceSpec] = None
        git_repo: Optional[str] = None
        python_interpreter: str = DEFAULT_RUNTIME_PYTHON_INTERPRETER
        flytekit_virtualenv_root: Optional[str] = None
        fast_serialization_settings: Optional[FastSerializationSettings] = None
        source_root: Optional[str] = None
        flavor: OutputFlavor = AUTOC

        def __post_init__(self):
            self.env = dict(self.env) if self.env is not None else None

        def with_fast_serialization_settings(self, fss: FastSerializationSettings) -> "SerializationSettings.Builder":
            self.fast_serialization_settings = fss
            return self

        def build(self) -> "SerializationSettings":
            return SerializationSettings(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

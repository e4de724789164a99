"""What a running task can ask about its execution: ``autoc.current_context()``."""

from __future__ import annotations

import contextvars
import dataclasses
import logging
import os
from typing import Optional

from flyteidl.core import identifier_pb2


def _env(*names: str) -> str:
    for n in names:
        v = os.environ.get(n)
        if v is not None:
            return v
    return ""


class Checkpoint:
    """Read the previous attempt's checkpoint (``--prev-checkpoint``) and write this one (``--checkpoint-path``)."""

    def __init__(self, checkpoint_dest: Optional[str], checkpoint_src: Optional[str], local_dir: str):
        self._dest, self._src, self._local = checkpoint_dest, checkpoint_src, local_dir

    def _require(self):
        if not self._dest:
            raise NotImplementedError("Checkpointing is not available: `autoc execute` was given no --checkpoint-path "
                                      "(Flyte passes one when the platform supports checkpoints; check its version).")

    def prev_exists(self) -> bool:
        return bool(self._src)

    def restore(self, path: Optional[str] = None) -> Optional[str]:
        """Download the previous checkpoint into a local directory (returned), or None if there is none."""
        from autoc import storage

        self._require()
        if not self._src:
            return None
        dest = path or os.path.join(self._local, "prev_cp")
        storage.download(self._src, dest, recursive=True)
        return dest

    def save(self, cp: str) -> None:
        """Upload a file (as ``<dest>/<name>``) or a directory's contents."""
        from autoc import storage

        self._require()
        if os.path.isdir(cp):
            storage.upload(cp, self._dest, recursive=True)
        else:
            storage.upload(cp, storage.join(self._dest, os.path.basename(cp)))

    def read(self) -> Optional[bytes]:
        from autoc import storage

        self._require()
        if not self._src:
            return None
        path = storage.join(self._src, "_dst_cp")
        return storage.read_bytes(path) if storage.exists(path) else None

    def write(self, b: bytes) -> None:
        from autoc import storage

        self._require()
        storage.write_bytes(storage.join(self._dest, "_dst_cp"), b)


@dataclasses.dataclass
class ExecutionParameters:
    """Execution id, task id, working directory, a logger and checkpoint access, filled from FLYTE_INTERNAL_*."""

    execution_id: identifier_pb2.WorkflowExecutionIdentifier
    task_id: identifier_pb2.Identifier
    working_directory: str
    raw_output_prefix: str
    output_metadata_prefix: Optional[str] = None
    logging: logging.Logger = dataclasses.field(default_factory=lambda: logging.getLogger("autoc.user"))
    checkpoint_dest: Optional[str] = None
    checkpoint_src: Optional[str] = None

    @property
    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.checkpoint_dest, self.checkpoint_src, self.working_directory)

    @property
    def secrets(self):
        """The task's secrets (``secrets.get(group, key)``), looked up as flytekit looks them up."""
        from autoc.runtime.secrets import SecretsManager

        return SecretsManager()

    @classmethod
    def from_env(cls, working_directory: str, raw_output_prefix: str, **kw) -> "ExecutionParameters":
        ex = identifier_pb2.WorkflowExecutionIdentifier(
            project=_env("FLYTE_INTERNAL_EXECUTION_PROJECT", "_F_PRJ") or "local",
            domain=_env("FLYTE_INTERNAL_EXECUTION_DOMAIN", "_F_DM") or "local",
            name=_env("FLYTE_INTERNAL_EXECUTION_ID", "_F_NM") or "local")
        tk = identifier_pb2.Identifier(
            resource_type=identifier_pb2.TASK,
            project=_env("FLYTE_INTERNAL_TASK_PROJECT", "_F_TK_PRJ") or "local",
            domain=_env("FLYTE_INTERNAL_TASK_DOMAIN", "_F_TK_DM") or "local",
            name=_env("FLYTE_INTERNAL_TASK_NAME", "_F_TK_NM") or "local",
            version=_env("FLYTE_INTERNAL_TASK_VERSION", "_F_TK_V") or "local")
        return cls(execution_id=ex, task_id=tk, working_directory=working_directory,
                   raw_output_prefix=raw_output_prefix, **kw)


_LOCAL: contextvars.ContextVar[Optional[ExecutionParameters]] = contextvars.ContextVar("autoc_local_params",
                                                                                     default=None)


def current_context() -> ExecutionParameters:
    """The running execution's parameters (the FlyteContext's ``user_space_params``, set by ``autoc execute``);
    outside an execution, local defaults built from the environment and the current file access, once (so a
    checkpoint written by one call is read by the next, as in flytekit)."""
    from autoc.core.context import FlyteContextManager

    p = FlyteContextManager.current_context().user_space_params
    if p is None:
        p = _LOCAL.get()
    if p is None:
        from autoc.storage import current_file_access

        fa = current_file_access()
        p = ExecutionParameters.from_env(fa.local_sandbox, fa.raw_output_prefix)
        _LOCAL.set(p)
    return p

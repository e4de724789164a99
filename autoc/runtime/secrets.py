"""Secrets a task asked for (``Secret(group=, key=)``), found as flytekit finds them: an environment variable
(``_FSEC_<GROUP>_<VERSION>_<KEY>``, upper case; inside a local run also without the prefix), else a file
(``/etc/secrets/<group>/<version>/<key>``, lower case). ``FLYTE_SECRETS_ENV_PREFIX``, ``FLYTE_SECRETS_DEFAULT_DIR``
and ``FLYTE_SECRETS_FILE_PREFIX`` move them, as in flytekit."""

from __future__ import annotations

import os
from typing import Optional


def _local_execution() -> bool:
    """Inside a task or workflow run locally (not in a container, not at import time): as flytekit, the variable
    without the prefix is looked at too."""
    from autoc.core.context import FlyteContextManager

    state = FlyteContextManager.current_context().execution_state
    return state is None or state.is_local_execution()


class SecretsManager:
    """``current_context().secrets.get(group, key)`` or ``current_context().secrets.<group>.<key>``."""

    class _Group:
        def __init__(self, group: str, sm: "SecretsManager"):
            self._group, self._sm = group, sm

        def __getattr__(self, key: str) -> str:
            if key.startswith("__"):
                raise AttributeError(key)
            return self._sm.get(self._group, key)

    def __init__(self, secrets_cfg=None):
        self._env_prefix = getattr(secrets_cfg, "env_prefix", None) or os.environ.get("FLYTE_SECRETS_ENV_PREFIX",
                                                                                       "_FSEC_")
        self._base_dir = getattr(secrets_cfg, "default_dir", None) or os.environ.get(
            "FLYTE_SECRETS_DEFAULT_DIR", os.path.join(os.sep, "etc", "secrets"))
        self._file_prefix = getattr(secrets_cfg, "file_prefix", None) or os.environ.get("FLYTE_SECRETS_FILE_PREFIX", "")
        self._env_prefix, self._base_dir = self._env_prefix.strip(), self._base_dir.strip()
        self._file_prefix = self._file_prefix.strip()

    def __getattr__(self, group: str) -> "SecretsManager._Group":
        if group.startswith("_"):
            raise AttributeError(group)
        return self._Group(group, self)

    def get(self, group: Optional[str] = None, key: Optional[str] = None, group_version: Optional[str] = None,
            encode_mode: str = "r") -> str:
        prefixes = [self._env_prefix] + ([""] if _local_execution() else [])
        for prefix in prefixes:
            value = os.environ.get(self._env_var(group, key, group_version, prefix))
            if value is not None:
                return value.strip()
        path = self.get_secrets_file(group, key, group_version)
        if os.path.exists(path):
            with open(path, encode_mode) as f:
                return f.read().strip()
        raise ValueError(f"secret {key!r} of group {group!r} not found: neither the environment variable "
                         f"{self.get_secrets_env_var(group, key, group_version)} nor the file {path} exists "
                         f"(ask for it with secret_requests=[Secret(group={group!r}, key={key!r})] in @task)")

    def get_secrets_env_var(self, group: Optional[str] = None, key: Optional[str] = None,
                            group_version: Optional[str] = None) -> str:
        return self._env_var(group, key, group_version, self._env_prefix)

    @staticmethod
    def _env_var(group, key, group_version, prefix: str) -> str:
        return prefix + "_".join(k.upper() for k in filter(None, (group, group_version, key)))

    def get_secrets_file(self, group: Optional[str] = None, key: Optional[str] = None,
                         group_version: Optional[str] = None) -> str:
        parts = [k.lower() for k in filter(None, (group, group_version, key))]
        parts[-1] = self._file_prefix + parts[-1]
        return os.path.join(self._base_dir, *parts)

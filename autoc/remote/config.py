"""Connection settings for FlyteAdmin, and where each one came from.

Precedence, per setting: command-line flags, then environment variables (``FLYTE_PLATFORM_URL``, ...), then the
config file flytekit and flytectl users already have (``--config``, ``FLYTECTL_CONFIG``, ``~/.flyte/config.yaml``),
then defaults. Flags always win (flytekit lets an environment variable beat ``-c``).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from autoc.errors import UserInputError

_BOOL_FALSE = ("", "0", "false", "f", "no", "n", "off")

# field -> (YAML path in the flytectl config, environment variable)
_KEYS: Dict[str, Tuple[str, str]] = {
    "endpoint": ("admin.endpoint", "FLYTE_PLATFORM_URL"),
    "insecure": ("admin.insecure", "FLYTE_PLATFORM_INSECURE"),
    "insecure_skip_verify": ("admin.insecureSkipVerify", "FLYTE_PLATFORM_INSECURE_SKIP_VERIFY"),
    "ca_cert_file_path": ("admin.caCertFilePath", "FLYTE_PLATFORM_CA_CERT_FILE_PATH"),
    "auth_type": ("admin.authType", "FLYTE_CREDENTIALS_AUTH_MODE"),
    "client_id": ("admin.clientId", "FLYTE_CREDENTIALS_CLIENT_ID"),
    "client_secret_location": ("admin.clientSecretLocation", "FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION"),
    "client_secret_env_var": ("admin.clientSecretEnvVar", "FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR"),
    "scopes": ("admin.scopes", "FLYTE_CREDENTIALS_SCOPES"),
    "audience": ("admin.audience", "FLYTE_CREDENTIALS_AUDIENCE"),
    "command": ("admin.command", "FLYTE_CREDENTIALS_COMMAND"),
    "project": ("task.project", "FLYTE_DEFAULT_PROJECT"),
    "domain": ("task.domain", "FLYTE_DEFAULT_DOMAIN"),
}
_SECRET_ENV = "FLYTE_CREDENTIALS_CLIENT_SECRET"
TOKEN_ENV = "AUTOC_TOKEN"


@dataclasses.dataclass(frozen=True)
class PlatformSettings:
    endpoint: str = "localhost:30080"
    insecure: bool = False
    insecure_skip_verify: bool = False
    ca_cert_file_path: Optional[str] = None
    auth_type: Optional[str] = None
    client_id: Optional[str] = None
    client_secret_location: Optional[str] = None
    client_secret_env_var: Optional[str] = None
    scopes: Tuple[str, ...] = ()
    audience: Optional[str] = None
    command: Tuple[str, ...] = ()
    project: str = "flytesnacks"
    domain: str = "development"
    sources: Tuple[Tuple[str, str], ...] = ()

    def source_of(self, field: str) -> str:
        return dict(self.sources).get(field, "default")

    def client_secret(self) -> Optional[str]:
        """From the secret file, the named environment variable, or FLYTE_CREDENTIALS_CLIENT_SECRET."""
        if self.client_secret_location:
            try:
                return Path(self.client_secret_location).read_text().strip()
            except OSError as e:
                raise UserInputError(f"cannot read the client secret file {self.client_secret_location}: "
                                     f"{e.strerror}",
                                     hint="check admin.clientSecretLocation, or use admin.clientSecretEnvVar") from e
        if self.client_secret_env_var:
            return os.environ.get(self.client_secret_env_var)
        return os.environ.get(_SECRET_ENV)

    def public(self) -> Dict[str, Any]:
        """The settings without secrets, for ``autoc config show``."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "sources"}


def find_config_file(explicit: Optional[str], env: Mapping[str, str]) -> Optional[Tuple[Path, str]]:
    """(path, how it was chosen): --config, then FLYTECTL_CONFIG, then ~/.flyte/config.yaml."""
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise UserInputError(f"--config {explicit}: no such file",
                                 hint="check the path, or drop --config to use FLYTECTL_CONFIG or ~/.flyte/config.yaml")
        return p, "--config"
    if env.get("FLYTECTL_CONFIG"):
        p = Path(env["FLYTECTL_CONFIG"])
        if not p.is_file():
            raise UserInputError(f"FLYTECTL_CONFIG={p}: no such file",
                                 hint="unset FLYTECTL_CONFIG or point it at your config.yaml")
        return p, "FLYTECTL_CONFIG"
    home = Path(env.get("HOME", os.path.expanduser("~"))) / ".flyte" / "config.yaml"
    return (home, "~/.flyte/config.yaml") if home.is_file() else None


def _dig(tree: Dict[str, Any], dotted: str) -> Any:
    cur: Any = tree
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _coerce(field: str, value: Any) -> Any:
    """A setting's value (from a flag, the environment or YAML) as its field's type."""
    ftype = PlatformSettings.__dataclass_fields__[field].type
    if ftype == "bool":
        return value if isinstance(value, bool) else str(value).strip().lower() not in _BOOL_FALSE
    if ftype.startswith("Tuple"):
        if isinstance(value, str):
            return tuple(v for v in (x.strip() for x in value.split(",")) if v)
        return tuple(value)
    if field == "endpoint" and isinstance(value, str):
        return value[len("dns:///"):] if value.startswith("dns:///") else value
    return value


def load_settings(flags: Optional[Dict[str, Any]] = None, env: Optional[Mapping[str, str]] = None,
                  config_file: Optional[str] = None) -> PlatformSettings:
    """Merge flags > environment > config file > defaults, remembering where each value came from."""
    env = os.environ if env is None else env
    flags = {k: v for k, v in (flags or {}).items() if v is not None and v != ()}
    found = find_config_file(config_file, env)
    tree: Dict[str, Any] = {}
    if found:
        import yaml

        try:
            tree = yaml.safe_load(found[0].read_text()) or {}
        except yaml.YAMLError as e:
            raise UserInputError(f"{found[0]} is not valid YAML: {e}",
                                 hint="fix the YAML in that file (or pass --config with another one)") from e
    values: Dict[str, Any] = {}
    sources: Dict[str, str] = {}
    for field, (yaml_key, env_var) in _KEYS.items():
        if field in flags:
            values[field], sources[field] = flags[field], "flag"
        elif env.get(env_var) not in (None, ""):
            values[field], sources[field] = env[env_var], f"env {env_var}"
        elif found and _dig(tree, yaml_key) is not None:
            values[field], sources[field] = _dig(tree, yaml_key), f"{found[1]} ({found[0]}) {yaml_key}"
    settings = {k: _coerce(k, v) for k, v in values.items()}
    return PlatformSettings(**settings, sources=tuple(sorted(sources.items())))


def auth_mode(settings: PlatformSettings) -> str:
    """``bearer`` (command or AUTOC_TOKEN), ``client_credentials``, or ``none``."""
    mode = (settings.auth_type or "").strip().lower().replace("_", "").replace("-", "")
    if settings.command or mode in ("externalcommand", "externalprocess"):
        return "command"
    if mode in ("clientsecret", "clientcredentials", "basic") or settings.client_secret_location \
            or settings.client_secret_env_var:
        return "client_credentials"
    return "env_token" if os.environ.get(TOKEN_ENV) else "none"


def describe(settings: PlatformSettings) -> List[Tuple[str, str, str]]:
    """(setting, value, source) rows for ``autoc config show``."""
    rows = []
    for k, v in settings.public().items():
        shown = ", ".join(v) if isinstance(v, tuple) else ("" if v is None else str(v))
        rows.append((k, shown, settings.source_of(k)))
    rows.append(("auth", auth_mode(settings), "derived"))
    return rows

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


_BOOL_TRUE = ("1", "true", "t", "yes", "y", "on")


def _coerce(field: str, value: Any, source: str) -> Any:
    """A setting's value (from a flag, the environment or YAML) as its field's type; ``source`` names where it
    came from in the error when it cannot be."""
    ftype = PlatformSettings.__dataclass_fields__[field].type
    if ftype == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if isinstance(value, (str, int)) and text in _BOOL_TRUE + _BOOL_FALSE:
            return text in _BOOL_TRUE
        raise UserInputError(f"{source}: {value!r} is not true or false",
                             hint=f"write true or false ({field.replace('_', ' ')})")
    if ftype.startswith("Tuple"):
        if isinstance(value, str):
            return tuple(v for v in (x.strip() for x in value.split(",")) if v)
        if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
            return tuple(str(v) for v in value)
        raise UserInputError(f"{source}: {value!r} is not a list of strings", hint="write a YAML list, e.g. [a, b]")
    if field == "endpoint":
        if not isinstance(value, str):
            raise UserInputError(f"{source}: {value!r} is not an endpoint",
                                 hint="write host:port, e.g. flyte.example.com:443 or localhost:30080")
        return value
    if isinstance(value, (dict, list, tuple)):
        raise UserInputError(f"{source}: {value!r} is not a single value", hint="write a string")
    if value is None or isinstance(value, str):
        return value
    return str(value)


def parse_endpoint(value: str, source: str) -> Tuple[str, Optional[bool]]:
    """``host[:port]`` from ``host:port``, ``dns:///host:port``, ``https://host[:port][/]`` (TLS, port 443) or
    ``http://host[:port]`` (plaintext, port 80); and whether the scheme asks for plaintext (None: no scheme)."""
    text, plaintext = value.strip(), None
    for prefix, insecure, port in (("dns:///", None, None), ("grpcs://", False, 443), ("https://", False, 443),
                                   ("grpc://", True, 80), ("http://", True, 80)):
        if text.lower().startswith(prefix):
            text, plaintext = text[len(prefix):].split("/", 1)[0], insecure
            if port and not _has_port(text):
                text = f"{text}:{port}"
            break
    host = text.rsplit(":", 1)[0] if _has_port(text) else text
    port = text.rsplit(":", 1)[1] if _has_port(text) else ""
    if not host.strip("[]") or "://" in text or " " in text or (port and not port.isdigit()) or \
            (":" in text and not _has_port(text) and not text.endswith("]")):
        raise UserInputError(f"{source}: {value!r} is not an endpoint",
                             hint="write host:port (dns:///host:port and https://host are accepted too)")
    return text, plaintext


def _has_port(text: str) -> bool:
    return ":" in text and not text.endswith("]") and text.rsplit(":", 1)[1].isdigit()


def _source_name(field: str, source: str, found) -> str:
    if source == "flag":
        return f"--{field.replace('_', '-')}"
    if source.startswith("env "):
        return source[len("env "):]
    return f"{found[0]}: {_KEYS[field][0]}"


def read_config_file(path: Path) -> Dict[str, Any]:
    """The YAML tree of a flytectl config file; a binary file, bad YAML or a top level that is not a mapping is
    an error naming the file."""
    import yaml

    hint = "fix that file (or pass --config with another one); it looks like: admin: {endpoint: host:port}"
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise UserInputError(f"{path} is not a text file (a YAML config was expected)", hint=hint) from None
    except OSError as e:
        raise UserInputError(f"cannot read {path}: {e.strerror}", hint=hint) from None
    try:
        tree = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise UserInputError(f"{path} is not valid YAML: {e}", hint=hint) from None
    if tree is None:
        return {}
    if not isinstance(tree, dict):
        raise UserInputError(f"{path}: the top level is a {type(tree).__name__}, not a mapping", hint=hint)
    for section in ("admin", "task"):
        if tree.get(section) is not None and not isinstance(tree[section], dict):
            raise UserInputError(f"{path}: {section} is a {type(tree[section]).__name__}, not a mapping", hint=hint)
    return tree


def load_settings(flags: Optional[Dict[str, Any]] = None, env: Optional[Mapping[str, str]] = None,
                  config_file: Optional[str] = None) -> PlatformSettings:
    """Merge flags > environment > config file > defaults, remembering where each value came from."""
    env = os.environ if env is None else env
    flags = {k: v for k, v in (flags or {}).items() if v is not None and v != ()}
    found = find_config_file(config_file, env)
    tree: Dict[str, Any] = read_config_file(found[0]) if found else {}
    values: Dict[str, Any] = {}
    sources: Dict[str, str] = {}
    for field, (yaml_key, env_var) in _KEYS.items():
        if field in flags:
            values[field], sources[field] = flags[field], "flag"
        elif env.get(env_var) not in (None, ""):
            values[field], sources[field] = env[env_var], f"env {env_var}"
        elif found and _dig(tree, yaml_key) is not None:
            values[field], sources[field] = _dig(tree, yaml_key), f"{found[1]} ({found[0]}) {yaml_key}"
    settings = {k: _coerce(k, v, _source_name(k, sources[k], found)) for k, v in values.items()}
    if "endpoint" in settings:
        where = _source_name("endpoint", sources["endpoint"], found)
        settings["endpoint"], plaintext = parse_endpoint(settings["endpoint"], where)
        if plaintext is not None:
            if "insecure" in settings and settings["insecure"] != plaintext:
                raise UserInputError(
                    f"{where}: {values['endpoint']!r} asks for {'plaintext' if plaintext else 'TLS'}, but "
                    f"{_source_name('insecure', sources['insecure'], found)} says insecure: {settings['insecure']}",
                    hint="drop the scheme from the endpoint, or the insecure setting")
            settings["insecure"] = plaintext
            sources.setdefault("insecure", f"{sources['endpoint']} (scheme)")
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


def describe(settings: PlatformSettings) -> List[Tuple[str, Any, str]]:
    """(setting, value, source) rows for ``autoc config show``: values as they are (booleans, lists, None)."""
    rows: List[Tuple[str, Any, str]] = [(k, list(v) if isinstance(v, tuple) else v, settings.source_of(k))
                                        for k, v in settings.public().items()]
    rows.append(("auth", auth_mode(settings), "derived"))
    return rows

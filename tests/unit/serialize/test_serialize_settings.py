"""autoc.serialize.settings: SerializationSettings JSON/transport, builder, and flytekit's reading of it."""

import base64
import gzip
import hashlib
import json
import os

import pytest

from tests.conftest import run_oracle

from autoc.core.resources import Resources, ResourceSpec
from autoc.image.config import ImageConfig
from autoc.serialize.settings import (SERIALIZED_CONTEXT_ENV_VAR, FastSerializationSettings,
                                      SerializationSettings)



def full_settings(**overrides) -> SerializationSettings:
    kw = dict(
        image_config=ImageConfig.from_images("ghcr.io/acme/app:v1", {"gpu": "ghcr.io/acme/gpu:v2"}),
        project="proj", domain="dev", version="abc123", env={"A": "1"},
        default_resources=ResourceSpec(requests=Resources(cpu="500m", mem="1Gi"), limits=Resources(cpu="1")),
        fast_serialization_settings=FastSerializationSettings(enabled=True, destination_dir="/root",
                                                              distribution_location="s3://b/fast.tar.gz"),
    )
    kw.update(overrides)
    return SerializationSettings(**kw)


def test_transport_round_trip():
    s = full_settings()
    assert SerializationSettings.from_transport(s.to_transport()) == s


# sha256 of the JSON inside full_settings().to_transport(), pinned: the same settings give it on any run, host
# or day (the gzip stream around it depends on the zlib build).
TRANSPORT_JSON_SHA256 = "bd2449a53d34cb529677d38f71e53266b6b54ff300add5017048044ddad894d9"


def test_transport_is_base64_gzip_json_and_deterministic():
    s = full_settings()
    t = s.to_transport()
    inner = gzip.decompress(base64.b64decode(t))
    assert hashlib.sha256(inner).hexdigest() == TRANSPORT_JSON_SHA256
    assert json.loads(inner) == json.loads(s.to_json())


def test_json_round_trip_with_minimal_settings():
    s = SerializationSettings(image_config=ImageConfig())
    assert SerializationSettings.from_json(s.to_json()) == s


def test_with_serialized_context_adds_env_var_and_is_idempotent():
    s = full_settings()
    w = s.with_serialized_context()
    assert w.env["A"] == "1"
    assert SerializationSettings.from_transport(w.env[SERIALIZED_CONTEXT_ENV_VAR]) == s
    assert SERIALIZED_CONTEXT_ENV_VAR not in s.env  # the original is untouched
    assert w.with_serialized_context() is w
    assert w.serialized_context == w.env[SERIALIZED_CONTEXT_ENV_VAR]


def test_with_serialized_context_without_env():
    w = SerializationSettings(image_config=ImageConfig()).with_serialized_context()
    assert list(w.env) == [SERIALIZED_CONTEXT_ENV_VAR]


@pytest.mark.parametrize("interpreter, root", [
    ("/opt/venv/bin/python3", "/opt/venv"),
    ("/usr/local/bin/python", "/usr/local"),
])
def test_venv_root_from_interpreter(interpreter, root):
    assert SerializationSettings.venv_root_from_interpreter(interpreter) == root
    s = SerializationSettings(image_config=ImageConfig(), python_interpreter=interpreter)
    assert s.flytekit_virtualenv_root == root
    assert s.entrypoint_settings.path == os.path.join(root, "bin", "entrypoint.py")


def test_explicit_virtualenv_root_is_kept():
    s = SerializationSettings(image_config=ImageConfig(), flytekit_virtualenv_root="/elsewhere")
    assert s.flytekit_virtualenv_root == "/elsewhere"


def test_new_builder_build_is_equal():
    s = full_settings()
    assert s.new_builder().build() == s


def test_builder_changes_do_not_leak_into_original():
    s = full_settings()
    b = s.new_builder()
    b.env["B"] = "2"
    b.version = "other"
    built = b.with_fast_serialization_settings(FastSerializationSettings(enabled=False)).build()
    assert s.env == {"A": "1"} and s.version == "abc123" and s.should_fast_serialize()
    assert built.env == {"A": "1", "B": "2"} and built.version == "other" and not built.should_fast_serialize()


def test_for_image():
    s = SerializationSettings.for_image("ghcr.io/acme/app:v3", "v9", project="p", domain="d")
    assert s.image_config.default_image.full == "ghcr.io/acme/app:v3"
    assert (s.version, s.project, s.domain) == ("v9", "p", "d")
    assert s.flytekit_virtualenv_root == "/opt/venv"


def test_should_fast_serialize():
    assert full_settings().should_fast_serialize()
    assert not full_settings(fast_serialization_settings=None).should_fast_serialize()


# --- cross-check with flytekit ---------------------------------------------------------------------------------

_ORACLE_SCRIPT = """
import json, sys
from flytekit.configuration import SerializationSettings
s = SerializationSettings.from_transport(sys.argv[1])
d = s.image_config.default_image
print(json.dumps({"project": s.project, "domain": s.domain, "version": s.version, "fqn": d.fqn, "tag": d.tag,
                  "images": {i.name: i.full for i in s.image_config.images}, "env": s.env,
                  "requests_cpu": s.default_resources.requests.cpu, "limits_cpu": s.default_resources.limits.cpu,
                  "fast": [s.fast_serialization_settings.enabled, s.fast_serialization_settings.destination_dir,
                           s.fast_serialization_settings.distribution_location],
                  "venv": s.flytekit_virtualenv_root}))
"""


def test_flytekit_reads_autoc_transport(tmp_path):
    s = full_settings()
    got = json.loads(run_oracle(_ORACLE_SCRIPT, s.to_transport(), cwd=tmp_path))
    assert got == {
        "project": "proj", "domain": "dev", "version": "abc123", "fqn": "ghcr.io/acme/app", "tag": "v1",
        "images": {"default": "ghcr.io/acme/app:v1", "gpu": "ghcr.io/acme/gpu:v2"}, "env": {"A": "1"},
        "requests_cpu": "500m", "limits_cpu": "1",
        "fast": [True, "/root", "s3://b/fast.tar.gz"], "venv": "/opt/venv",
    }


_ORACLE_WRITE_SCRIPT = """
import json
from flytekit.configuration import FastSerializationSettings, ImageConfig, SerializationSettings
from flytekit.core.resources import Resources, ResourceSpec
s = SerializationSettings(
    image_config=ImageConfig.from_images("ghcr.io/acme/app:v1", {"gpu": "ghcr.io/acme/gpu:v2"}),
    project="proj", domain="dev", version="abc123", env={"A": "1"},
    default_resources=ResourceSpec(requests=Resources(cpu="500m", mem="1Gi"), limits=Resources(cpu="1")),
    fast_serialization_settings=FastSerializationSettings(enabled=True, destination_dir="/root",
                                                          distribution_location="s3://b/fast.tar.gz"))
print(json.dumps({"json": s.to_json(), "transport": s.serialized_context}))
"""


def test_autoc_reads_flytekit_transport_and_writes_the_same_json(tmp_path):
    out = json.loads(run_oracle(_ORACLE_WRITE_SCRIPT, cwd=tmp_path))
    s = full_settings()
    assert json.loads(s.to_json()) == json.loads(out["json"])
    assert SerializationSettings.from_transport(out["transport"]) == s

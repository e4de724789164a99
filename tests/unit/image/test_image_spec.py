"""autoc.image.spec: ImageSpec validation, deterministic tags, builders, from_env, and flytekit's image names."""

import dataclasses
import importlib.metadata
import json
import sys

import pytest

from tests.conftest import run_oracle

from autoc.errors import ImageConfigError
from autoc.image.spec import CopyFileDetection, ImageSpec



@pytest.fixture(autouse=True)
def _no_force_push_env(monkeypatch):
    monkeypatch.delenv("FLYTE_FORCE_PUSH_IMAGE_SPEC", raising=False)


def test_name_and_registry_are_lowercased():
    s = ImageSpec(name="MyImage", registry="GHCR.io/Acme")
    assert (s.name, s.registry) == ("myimage", "ghcr.io/acme")
    assert s.image_name() == f"ghcr.io/acme/myimage:{s.tag}"


def test_image_name_without_registry():
    s = ImageSpec(name="x")
    assert s.image_name() == f"x:{s.tag}"


def test_empty_name_is_an_error():
    with pytest.raises(ImageConfigError, match="needs a name"):
        ImageSpec(name="")


@pytest.mark.parametrize("registry", ["localhost:5000", "ghcr.io/acme", "registry.example.com:443/a/b"])
def test_valid_registries(registry):
    assert ImageSpec(name="x", registry=registry).registry == registry


@pytest.mark.parametrize("registry", ["bad registry", "ghcr.io//x", "ghcr.io/a b", "https://ghcr.io"])
def test_invalid_registries(registry):
    with pytest.raises(ImageConfigError, match="Invalid container registry name"):
        ImageSpec(name="x", registry=registry)


@pytest.mark.parametrize("field", ["packages", "apt_packages", "commands", "conda_packages", "entrypoint", "copy"])
@pytest.mark.parametrize("value", ["numpy", ["ok", 1], ("a",)])
def test_list_fields_must_be_lists_of_strings(field, value):
    with pytest.raises(ImageConfigError, match=f"{field} must be a list of strings"):
        ImageSpec(name="x", **{field: value})


def test_pip_secret_mounts_validation():
    ImageSpec(name="x", pip_secret_mounts=[("src", "/dst")])
    with pytest.raises(ImageConfigError, match="pip_secret_mounts"):
        ImageSpec(name="x", pip_secret_mounts=[("only-one",)])


def test_source_root_implies_loaded_modules_copy(tmp_path):
    s = ImageSpec(name="x", source_root=str(tmp_path))
    assert s.source_copy_mode is CopyFileDetection.LOADED_MODULES
    assert ImageSpec(name="x", source_root=str(tmp_path), source_copy_mode=CopyFileDetection.NO_COPY) \
        .source_copy_mode is CopyFileDetection.NO_COPY


def test_platform_default_and_explicit():
    assert ImageSpec(name="x", registry="ghcr.io/a").platform == "linux/amd64"
    assert ImageSpec(name="x", platform="linux/arm64").platform == "linux/arm64"


def test_id_and_tag_deterministic_for_identical_specs():
    a = ImageSpec(name="x", registry="ghcr.io/a", packages=["numpy"], env={"A": "1"})
    b = ImageSpec(name="x", registry="ghcr.io/a", packages=["numpy"], env={"A": "1"})
    assert a.id == b.id and a.tag == b.tag and a.image_name() == b.image_name()
    assert hash(a) == hash(b)


@pytest.mark.parametrize("change", [
    dict(packages=["numpy", "pandas"]), dict(apt_packages=["git"]), dict(env={"A": "2"}),
    dict(python_version="3.12"), dict(base_image="python:3.12-slim"), dict(registry="ghcr.io/b"),
])
def test_tag_changes_when_a_field_changes(change):
    base = dict(name="x", registry="ghcr.io/a", packages=["numpy"], env={"A": "1"})
    assert ImageSpec(**base).tag != ImageSpec(**{**base, **change}).tag


def test_tag_ignores_registry_config(tmp_path):
    assert ImageSpec(name="x").tag == ImageSpec(name="x", registry_config=str(tmp_path / "cfg.json")).tag


def test_tag_follows_requirements_content(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("numpy\n")
    first = ImageSpec(name="x", requirements=str(req)).tag
    assert ImageSpec(name="x", requirements=str(req)).tag == first
    req.write_text("numpy==2.0\n")
    assert ImageSpec(name="x", requirements=str(req)).tag != first


def test_missing_requirements_file_is_an_error(tmp_path):
    with pytest.raises(ImageConfigError, match="cannot read requirements"):
        ImageSpec(name="x", requirements=str(tmp_path / "nope.txt")).tag


def test_tag_format():
    s = ImageSpec(name="x", tag_format="{spec_hash}-gpu")
    assert s.tag == s.id.replace("-", "_") + "-gpu"


def test_with_methods_return_new_specs_without_mutating():
    s = ImageSpec(name="x", packages=["numpy"])
    before = s.tag
    p = s.with_packages("pandas")
    assert p.packages == ["numpy", "pandas"] and s.packages == ["numpy"]
    assert p.tag != before and s.tag == before
    assert s.with_packages(["a", "b"]).packages == ["numpy", "a", "b"]
    assert s.with_apt_packages("git").apt_packages == ["git"] and s.apt_packages is None
    assert s.with_commands(["echo hi"]).commands == ["echo hi"] and s.commands is None
    assert s.with_copy("src").copy == ["src"] and s.copy is None
    assert p is not s


def test_force_push():
    s = ImageSpec(name="x")
    f = s.force_push()
    assert f.is_force_push and not s.is_force_push
    assert f.tag == s.tag


def test_force_push_from_environment(monkeypatch):
    monkeypatch.setenv("FLYTE_FORCE_PUSH_IMAGE_SPEC", "true")
    assert ImageSpec(name="x").is_force_push


def test_spec_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ImageSpec(name="x").name = "y"


def test_from_env_pins_installed_versions_and_python():
    s = ImageSpec.from_env(name="x", pinned_packages=["click"], packages=["numpy"])
    assert s.packages == ["numpy", f"click=={importlib.metadata.version('click')}"]
    assert s.python_version == f"{sys.version_info.major}.{sys.version_info.minor}"


def test_from_env_without_pins_hashes_an_empty_package_list_like_flytekit():
    s = ImageSpec.from_env(name="x", registry="ghcr.io/acme")
    assert s.packages == []
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert s.tag == ImageSpec(name="x", registry="ghcr.io/acme", python_version=py, packages=[]).tag


def test_from_env_rejects_python_version():
    with pytest.raises(ImageConfigError, match="python_version can not be used"):
        ImageSpec.from_env(python_version="3.9")


def test_from_env_unknown_package():
    with pytest.raises(ImageConfigError, match="not installed"):
        ImageSpec.from_env(pinned_packages=["surely-not-installed-autoc-test-pkg"])


# --- cross-check with flytekit ---------------------------------------------------------------------------------

#: Each expression is evaluated with autoc's ImageSpec here and flytekit's in the oracle interpreter.
SPECS = {
    "full": "ImageSpec(name='Trainer', registry='ghcr.io/acme', packages=['numpy==1.26', 'pandas'], "
            "apt_packages=['git', 'curl'], env={'A': '1', 'B': 'two'}, base_image='python:3.11-slim')",
    "minimal": "ImageSpec(name='minimal')",
    "nested": "ImageSpec(name='child', registry='localhost:30000', packages=['scikit-learn'], "
              "base_image=ImageSpec(name='base', registry='localhost:30000', packages=['numpy'], "
              "apt_packages=['git']))",
    "misc": "ImageSpec(name='misc', registry='ghcr.io/acme', python_version='3.11', cuda='12.1', cudnn='8', "
            "pip_index='https://pypi.example.com/simple', pip_extra_index_url=['https://x.example.com'], "
            "commands=['echo hi'], entrypoint=['python'], conda_packages=['pytorch'], "
            "conda_channels=['pytorch'], platform='linux/arm64', tag_format='{spec_hash}-dev')",
}

_ORACLE_SCRIPT = """
import json, sys
from flytekit.image_spec.image_spec import ImageSpec
specs = json.loads(sys.argv[1])
print(json.dumps({k: eval(v, {"ImageSpec": ImageSpec}).image_name() for k, v in specs.items()}))
"""


def test_image_name_matches_flytekit(tmp_path):
    expected = json.loads(run_oracle(_ORACLE_SCRIPT, json.dumps(SPECS), cwd=tmp_path))
    got = {k: eval(v, {"ImageSpec": ImageSpec}).image_name() for k, v in SPECS.items()}
    assert got == expected

"""autoc.image.config: Image references, ImageConfig parsing and {{.image...}} templates."""

import pytest

from autoc.errors import ImageConfigError
from autoc.image.config import Image, ImageConfig, resolve_image_template

DIGEST = "sha256:" + "ab" * 32


@pytest.fixture(autouse=True)
def _no_default_image_env(monkeypatch):
    monkeypatch.delenv("AUTOC_IMAGE", raising=False)
    monkeypatch.delenv("FLYTE_INTERNAL_IMAGE", raising=False)


@pytest.mark.parametrize("ident, fqn, tag, digest", [
    ("ghcr.io/acme/app:v1", "ghcr.io/acme/app", "v1", None),
    (f"ghcr.io/acme/app@{DIGEST}", "ghcr.io/acme/app", None, DIGEST),
    ("localhost:5000/img:v2", "localhost:5000/img", "v2", None),
    ("python:3.11-slim", "python", "3.11-slim", None),
])
def test_look_up_image_info(ident, fqn, tag, digest):
    img = Image.look_up_image_info("n", ident)
    assert (img.name, img.fqn, img.tag, img.digest) == ("n", fqn, tag, digest)
    assert img.full == ident


@pytest.mark.parametrize("ident", ["localhost:5000/img", "ghcr.io/acme/app"])
def test_look_up_image_info_requires_tag_or_digest(ident):
    with pytest.raises(ImageConfigError, match="missing tag or digest"):
        Image.look_up_image_info("n", ident)
    img = Image.look_up_image_info("n", ident, allow_no_tag_or_digest=True)
    assert (img.fqn, img.tag, img.digest, img.version) == (ident, None, None, None)


def test_image_cannot_have_tag_and_digest():
    with pytest.raises(ImageConfigError):
        Image("n", "repo", tag="v1", digest=DIGEST)


def test_validate_image_bare_uri_is_default_and_names_others():
    cfg = ImageConfig.validate_image(None, "--image", ("repo/app:1", "gpu=repo/gpu:2"))
    assert cfg.default_image == Image("default", "repo/app", tag="1")
    assert [i.name for i in cfg.images] == ["default", "gpu"]
    assert cfg.find_image("gpu").full == "repo/gpu:2"


def test_validate_image_explicit_default_name():
    cfg = ImageConfig.validate_image(None, "--image", ("default=repo/app:1",))
    assert cfg.default_image.full == "repo/app:1"


@pytest.mark.parametrize("values", [("a/b:1", "default=c/d:2"), ("a/b:1", "c/d:2")])
def test_validate_image_two_defaults_error(values):
    with pytest.raises(ImageConfigError, match="Only one default image"):
        ImageConfig.validate_image(None, "--image", values)


def test_validate_image_duplicate_name_error():
    with pytest.raises(ImageConfigError, match="'gpu' given twice"):
        ImageConfig.validate_image(None, "--image", ("gpu=a/b:1", "gpu=c/d:2"))


def test_validate_image_splits_on_the_first_equals_only():
    cfg = ImageConfig.validate_image(None, "--image", ("x=repo/img:tag=odd",))
    x = cfg.find_image("x")
    assert (x.fqn, x.tag) == ("repo/img", "tag=odd")


def test_validate_image_default_from_environment(monkeypatch):
    monkeypatch.setenv("AUTOC_IMAGE", "env/img:7")
    cfg = ImageConfig.validate_image(None, "--image", ())
    assert cfg.default_image.full == "env/img:7"


def test_find_image_unknown_is_none():
    assert ImageConfig.from_images("a/b:1").find_image("nope") is None
    assert ImageConfig().find_image("default") is None


def test_from_images_allows_untagged_named_images():
    cfg = ImageConfig.from_images("a/b:1", {"gpu": "a/gpu", "d": f"a/d@{DIGEST}"})
    assert cfg.default_image.full == "a/b:1"
    assert cfg.find_image("gpu").version is None
    assert cfg.find_image("d").digest == DIGEST
    with pytest.raises(ImageConfigError):
        ImageConfig.from_images("a/untagged")


def test_auto_reads_yaml_images(tmp_path):
    f = tmp_path / "config.yaml"
    f.write_text("admin:\n  endpoint: dns:///x\nimages:\n  gpu: ghcr.io/x/gpu:v3\n  cpu: ghcr.io/x/cpu\n")
    cfg = ImageConfig.auto(str(f), img_name="ghcr.io/x/app:v1")
    assert cfg.default_image.full == "ghcr.io/x/app:v1"
    assert [(i.name, i.full) for i in cfg.images] == [
        ("default", "ghcr.io/x/app:v1"), ("gpu", "ghcr.io/x/gpu:v3"), ("cpu", "ghcr.io/x/cpu")]


def test_auto_reads_ini_images_section(tmp_path):
    f = tmp_path / "flytekit.config"
    f.write_text("[sdk]\nx = 1\n\n[images]\ngpu = ghcr.io/x/gpu:v3\n")
    cfg = ImageConfig.auto(str(f))
    assert cfg.default_image is None
    assert [(i.name, i.full) for i in cfg.images] == [("gpu", "ghcr.io/x/gpu:v3")]


def test_auto_without_images_section(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("admin: {}\n")
    assert ImageConfig.auto(str(f)).images == []


def test_image_config_json_round_trip():
    cfg = ImageConfig.from_images("a/b:1", {"d": f"a/d@{DIGEST}"})
    assert ImageConfig.from_json(cfg.to_json()) == cfg


@pytest.fixture
def cfg():
    return ImageConfig.from_images("repo/app:v1", {"d": f"repo/d@{DIGEST}", "n": "repo/n:7", "u": "repo/u"})


@pytest.mark.parametrize("template, expected", [
    ("{{.image.default.fqn}}:{{.image.default.version}}", "repo/app:v1"),
    ("{{.image.n.fqn}}:{{.image.n.version}}", "repo/n:7"),
    ("{{.image.n}}", "repo/n:7"),
    ("{{.image.d}}", f"repo/d@{DIGEST}"),
    ("{{ .images.n.version }}", "7"),
    ("plain/image:tag", "plain/image:tag"),
])
def test_resolve_image_template(cfg, template, expected):
    assert resolve_image_template(template, cfg) == expected


def test_resolve_version_digest_after_colon_becomes_at(cfg):
    assert resolve_image_template("other/repo:{{.image.d.version}}", cfg) == f"other/repo@{DIGEST}"


def test_resolve_version_digest_without_colon(cfg):
    assert resolve_image_template("{{.image.d.fqn}}@{{.image.d.version}}", cfg) == f"repo/d@{DIGEST}"


def test_resolve_untagged_version_falls_back_to_default_version(cfg):
    assert resolve_image_template("{{.image.u.fqn}}:{{.image.u.version}}", cfg) == "repo/u:v1"


def test_resolve_unknown_name_error(cfg):
    with pytest.raises(ImageConfigError) as ei:
        resolve_image_template("{{.image.zz.fqn}}", cfg, task_name="m.t")
    assert "'zz'" in ei.value.message and "m.t" in ei.value.message
    assert "--image zz=" in ei.value.hint


def test_resolve_untagged_whole_image_error(cfg):
    with pytest.raises(ImageConfigError, match="no tag or digest"):
        resolve_image_template("{{.image.u}}", cfg)


def test_resolve_unsupported_attribute_error(cfg):
    with pytest.raises(ImageConfigError, match="foo is not supported"):
        resolve_image_template("{{.image.n.foo}}", cfg)


def test_create_from_refuses_a_string_default_image_as_flytekit_does():
    """``ImageConfig.create_from("repo:tag")``: a ValueError with flytekit's message, in both faces."""
    from autoc.sdk.flytekit.imports import flytekit_imports
    from tests.conftest import run_oracle

    theirs = run_oracle("from flytekit.configuration import ImageConfig\n"
                        "try:\n    ImageConfig.create_from('ghcr.io/a/b:1')\n"
                        "except ValueError as e:\n    print('ValueError', e)\n", cwd=".")
    with pytest.raises(ValueError) as own:
        ImageConfig.create_from("ghcr.io/a/b:1")
    assert isinstance(own.value, ImageConfigError) and "from_images" in own.value.hint
    with flytekit_imports("1.16.31"):
        from flytekit.configuration import ImageConfig as FaceImageConfig

        with pytest.raises(ValueError) as face:
            FaceImageConfig.create_from("ghcr.io/a/b:1")
    assert theirs == f"ValueError {own.value.message}" == f"ValueError {face.value.message}"
    image = Image.look_up_image_info("default", "ghcr.io/a/b:1")
    assert ImageConfig.create_from(image).default_image is image

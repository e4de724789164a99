"""Builder selection, plugins through the ``autoc.image_builders`` entry-point group, unsupported fields, and
tag stability across processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from autoc import ImageSpec
from autoc.errors import ImageConfigError
from autoc.image.engine import ImageBuildEngine, ImageSpecBuilder


class Recorder(ImageSpecBuilder):
    builder_type = "recorder"
    supported_fields = frozenset({"base_image", "packages"})

    def __init__(self):
        self.built = []

    def should_build(self, image_spec, assume_exists=False):
        return True

    def build_image(self, image_spec):
        self.built.append(image_spec.image_name())
        return None


@pytest.fixture
def recorder():
    r = Recorder()
    saved = dict(ImageBuildEngine._REGISTRY)
    ImageBuildEngine.register("recorder", r, 100)
    ImageBuildEngine._BUILT.clear()
    yield r
    ImageBuildEngine._REGISTRY.clear()
    ImageBuildEngine._REGISTRY.update(saved)
    ImageBuildEngine._BUILT.clear()


def test_highest_priority_builder_is_chosen_and_each_spec_built_once(recorder):
    spec = ImageSpec(name="once", base_image="b:1", packages=["x"])
    ImageBuildEngine.build_record(spec)
    ImageBuildEngine.build_record(ImageSpec(name="once", base_image="b:1", packages=["x"]))
    assert recorder.built == [spec.image_name()]
    assert "docker" in ImageBuildEngine.get_registry() and "default" in ImageBuildEngine.get_registry()


def test_base_image_spec_is_built_first(recorder):
    base = ImageSpec(name="base", base_image="b:1")
    ImageBuildEngine.build_record(ImageSpec(name="child", base_image=base))
    assert recorder.built == [base.image_name(), ImageSpec(name="child", base_image=base).image_name()]


def test_a_builder_with_flytekits_should_build_signature_keeps_its_fields(recorder):
    class Flytekitish(Recorder):
        def should_build(self, image_spec):  # flytekit's signature: no assume_exists
            return True

    ImageBuildEngine.register("recorder", Flytekitish(), 100)
    spec = ImageSpec(name="sig", base_image="b:1", packages=["x"])
    assert ImageBuildEngine.build_record(spec).reference == spec.image_name()
    with pytest.raises(ImageConfigError, match="does not support apt_packages"):
        ImageBuildEngine.build_record(ImageSpec(name="sig", base_image="b:1", apt_packages=["git"]))


def test_unsupported_field_is_an_error_not_a_silent_skip(recorder):
    with pytest.raises(ImageConfigError, match="does not support apt_packages"):
        ImageBuildEngine.build_record(ImageSpec(name="x", base_image="b:1", apt_packages=["git"]))
    with pytest.raises(ImageConfigError, match="does not support conda_packages"):
        ImageBuildEngine.build_record(ImageSpec(name="x", builder="docker", conda_packages=["numpy"]))


def test_unknown_builder_names_the_registered_ones():
    with pytest.raises(ImageConfigError, match="is not registered") as e:
        ImageBuildEngine.build_record(ImageSpec(name="x", builder="nope"))
    assert "docker" in e.value.hint


def test_noop_builder_uses_the_base_image(recorder):
    spec = ImageSpec(name="n", builder="noop", base_image="127.0.0.1:1/x/y:1")  # nothing listens on port 1
    with pytest.raises(ImageConfigError, match="could not tell whether 127.0.0.1:1/x/y:1 exists"):
        ImageBuildEngine.build_record(spec)
    r = ImageBuildEngine.build_record(spec, assume_exists=True)
    assert r.reference == "127.0.0.1:1/x/y:1" and r.status == "as-is"


def test_plugin_builder_from_entry_point(tmp_path):
    (tmp_path / "my_builder_plugin.py").write_text(textwrap.dedent("""
        from autoc.image.engine import ImageSpecBuilder
        class Fancy(ImageSpecBuilder):
            builder_type = "fancy"
            priority = 50
            supported_fields = frozenset({"base_image"})
            def image_reference(self, image_spec):
                return "registry.example/fancy:built"
            def should_build(self, image_spec, assume_exists=False):
                return True
            def build_image(self, image_spec):
                return "registry.example/fancy:built"
    """))
    dist = tmp_path / "my_builder_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-builder-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[autoc.image_builders]\nfancy = my_builder_plugin:Fancy\n")
    code = ("from autoc import ImageSpec\nfrom autoc.image.engine import ImageBuildEngine\n"
            "r = ImageBuildEngine.build_record(ImageSpec(name='p', base_image='b:1'))\n"
            "print(r.builder, r.reference)\n")
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                       env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert p.stdout.strip() == "fancy registry.example/fancy:built", p.stderr


TAG = "from autoc import ImageSpec, CopyFileDetection\nimport sys\n" \
      "s = ImageSpec(name='t', registry='localhost:5000', packages=sys.argv[1:2], source_root=sys.argv[2], " \
      "source_copy_mode=CopyFileDetection.ALL)\nprint(s.tag)\n"


def tag_in_process(tmp_path, pkg="pandas"):
    return subprocess.run([sys.executable, "-c", TAG, pkg, str(tmp_path)], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_tag_is_stable_across_processes_and_follows_content(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    first, second = tag_in_process(tmp_path), tag_in_process(tmp_path)
    assert first == second
    assert tag_in_process(tmp_path, "numpy") != first
    (tmp_path / "a.py").write_text("x = 2\n")
    assert tag_in_process(tmp_path) != first
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"junk")
    assert tag_in_process(tmp_path) == first


def test_secrets_do_not_change_the_tag():
    a = ImageSpec(name="t", pip_secret_mounts=[("/a", "/root/.netrc")])
    b = ImageSpec(name="t", pip_secret_mounts=[("/b", "/root/.pypirc")])
    assert a.tag == b.tag == ImageSpec(name="t").tag


def test_with_methods_return_new_specs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x").write_text("copied")
    s = ImageSpec(name="t", packages=["a"])
    s2 = s.with_packages("b").with_apt_packages(["git"]).with_commands("echo").with_copy("x")
    assert s.packages == ["a"] and s2.packages == ["a", "b"]
    assert (s2.apt_packages, s2.commands, s2.copy) == (["git"], ["echo"], ["x"])
    assert s2.tag != s.tag and s.force_push().is_force_push and not s.is_force_push


def test_run_options_reach_the_builder_the_registry_picks(recorder):
    """build-image's --offline and progress go to whichever builder is chosen: a higher-priority plugin is used,
    not bypassed by the default docker builder."""
    lines = []
    r = ImageBuildEngine.build_record(ImageSpec(name="opts", base_image="b:1"), offline=True, progress=lines.append)
    assert r.builder == "recorder" and recorder.offline is True and recorder.progress == lines.append

"""Builders as flytekit defines them (any object with build_image), and how build-image says which builders exist
and why a spec got its builder."""

from __future__ import annotations

import textwrap

import pytest

from autoc import ImageSpec
from autoc.errors import ImageConfigError
from autoc.image.engine import ImageBuildEngine
from tests.conftest import run_autoc


@pytest.fixture
def clean_engine():
    saved = dict(ImageBuildEngine._REGISTRY)
    ImageBuildEngine._BUILT.clear()
    yield
    ImageBuildEngine._REGISTRY.clear()
    ImageBuildEngine._REGISTRY.update(saved)
    ImageBuildEngine._BUILT.clear()


class FlytekitStyle:
    """Written against flytekit's interface: no autoc base class, should_build(image_spec) with one argument."""

    def __init__(self):
        self.asked, self.built = [], []

    def should_build(self, image_spec):
        self.asked.append(image_spec.name)
        return True

    def build_image(self, image_spec):
        self.built.append(image_spec.name)


def test_a_plain_class_with_flytekits_methods_is_a_builder(clean_engine):
    b = FlytekitStyle()
    ImageBuildEngine.register("plain", b, 7)
    spec = ImageSpec(name="fk", base_image="b:1", conda_packages=["x"])  # fields are the builder's own business
    record = ImageBuildEngine.build_record(spec)
    assert (record.builder, record.status, record.reference) == ("plain", "built", spec.image_name())
    assert b.asked == b.built == ["fk"]
    assert ImageBuildEngine.get_registry()["plain"] == (b, 7)


def test_without_should_build_the_existence_check_decides(clean_engine):
    class OnlyBuild:
        def build_image(self, image_spec):
            raise AssertionError("an image that cannot be checked must not be built without --assume-images-exist")

    ImageBuildEngine.register("only", OnlyBuild())
    spec = ImageSpec(name="o", registry="127.0.0.1:1", base_image="b:1", builder="only")
    with pytest.raises(ImageConfigError, match="could not tell whether 127.0.0.1:1/o:"):
        ImageBuildEngine.build_record(spec)
    assert ImageBuildEngine.build_record(spec, assume_exists=True).status == "skipped"


def test_an_object_that_cannot_build_is_refused_when_registered(clean_engine):
    with pytest.raises(ImageConfigError, match="image builder 'broken' .* has no build_image method"):
        ImageBuildEngine.register("broken", object())
    assert "broken" not in ImageBuildEngine.get_registry()


PLUGIN = """
class Fancy:
    builder_type = "fancy"
    priority = 50
    def image_reference(self, image_spec):
        return "registry.example/fancy/" + image_spec.name + ":1"
    def build_image(self, image_spec):
        return self.image_reference(image_spec)
"""


def plugin_env(tmp_path):
    (tmp_path / "my_builder_plugin.py").write_text(textwrap.dedent(PLUGIN))
    dist = tmp_path / "my_builder_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-builder-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[autoc.image_builders]\nfancy = my_builder_plugin:Fancy\n")
    return {"PYTHONPATH": str(tmp_path)}


def test_help_lists_the_registered_builders_and_their_priorities(tmp_path):
    p = run_autoc("build-image", "--help", env=plugin_env(tmp_path))
    listing = p.stdout[p.stdout.index("Registered builders"):]
    rows = [ln.split() for ln in listing.splitlines()[1:] if ln.strip()]
    assert [r[0] for r in rows] == ["fancy", "docker", "default", "noop"]
    assert "priority 50, entry point my_builder_plugin:Fancy" in listing
    assert "priority 0, built in" in listing


def test_verbose_says_why_each_spec_got_its_builder(tmp_path):
    (tmp_path / "jobs.py").write_text(
        "from autoc import ImageSpec, task\n"
        "a = ImageSpec(name='a', base_image='b:1')\n"
        "n = ImageSpec(name='n', base_image='ghcr.io/acme/base:1', builder='noop')\n"
        "@task(container_image=a)\ndef t1() -> None:\n    pass\n"
        "@task(container_image=n)\ndef t2() -> None:\n    pass\n")
    p = run_autoc("-v", "build-image", tmp_path / "jobs.py", "--dry-run", cwd=tmp_path, env=plugin_env(tmp_path))
    assert "builders: fancy (priority 50, entry point my_builder_plugin:Fancy), docker (priority 1, built in)" \
        in p.stderr
    assert "# registry.example/fancy/a:1  (builder fancy: highest priority (50) of the registered builders" \
        in p.stdout
    assert "# ghcr.io/acme/base:1  (builder noop: ImageSpec(builder='noop'))" in p.stdout
    assert "is used as is; nothing is built" in p.stdout


def test_builders_import_the_plugin_interface_not_the_engine():
    """No cycle: the engine imports the interface and the builders; the builders and the spec import only the
    interface (hatchling's shape)."""
    import subprocess
    import sys

    code = ("import sys, autoc.image.builders.docker, autoc.image.builders.noop, autoc.image.spec\n"
            "print(sorted(m for m in sys.modules if m.startswith('autoc.image')))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(p.stdout)
    assert "autoc.image.builder" in loaded and "autoc.image.engine" not in loaded, loaded


def test_plugin_entry_points_read_as_importlib_reads_them(tmp_path):
    """The direct read of entry_points.txt (fast) finds what importlib.metadata finds, for any group."""
    import subprocess
    import sys

    plugin_env(tmp_path)
    code = ("from importlib.metadata import entry_points\nfrom autoc.image.engine import plugin_entry_points\n"
            "for g in ('console_scripts', 'autoc.image_builders'):\n"
            "    a = sorted((e.name, e.value) for e in entry_points(group=g))\n"
            "    b = sorted((e.name, e.value) for e in plugin_entry_points(g))\n"
            "    print(g, len(a), a == b)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    lines = p.stdout.split("\n")
    assert lines[0].startswith("console_scripts ") and lines[0].endswith(" True") and " 0 " not in lines[0]
    assert lines[1] == "autoc.image_builders 1 True"

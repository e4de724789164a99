"""What runs the container command goes into the image: the output flavor's ImageRuntime (pure, no Docker)."""

from __future__ import annotations

from autoc import ImageSpec
from autoc.image.builders.docker import Context, render_dockerfile
from autoc.image.runtime import AUTOC_RUNTIME
from autoc.sdk import Sdk
from autoc.sdk.flytekit.flavor import image_runtime

FLYTEKIT = image_runtime("1.16.31")


def test_each_flavor_names_its_runtime():
    assert Sdk().flavor.image_runtime is AUTOC_RUNTIME and AUTOC_RUNTIME.is_running_autoc
    assert Sdk.parse("flytekit==1.16.31").flavor.image_runtime == FLYTEKIT
    assert FLYTEKIT.requirement == "flytekit==1.16.31" and not FLYTEKIT.is_running_autoc
    assert image_runtime("1.17.0.dev3").requirement == "flytekit"  # as flytekit's builder: no pin for a dev version


def test_a_spec_that_installs_flytekit_itself_keeps_its_pin(tmp_path):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("# pinned\n-r base.txt\nflytekit==1.15.0 ; python_version >= '3.9'\n")
    in_file = ImageSpec(name="t", requirements=str(reqs))
    assert FLYTEKIT.named_by(in_file) == "flytekit==1.15.0 ; python_version >= '3.9'"
    assert FLYTEKIT.named_by(ImageSpec(name="t", packages=["six", "Flytekit[all]>=1.2"])) == "Flytekit[all]>=1.2"
    assert FLYTEKIT.named_by(ImageSpec(name="t", packages=["flytekitplugins-pandas", "flytekit_x"])) is None
    assert AUTOC_RUNTIME.named_by(ImageSpec(name="t", packages=["autoc"])) is None  # autoc's wheel always goes in
    assert FLYTEKIT.other_pin(in_file) == "1.15.0"
    assert FLYTEKIT.other_pin(ImageSpec(name="t", packages=["flytekit==1.16.31"])) is None
    assert FLYTEKIT.other_pin(ImageSpec(name="t", packages=["flytekit>=1.2"])) is None  # not a pin


def test_flytekit_runtime_layer_online_and_offline():
    spec = ImageSpec(name="t", base_image="b:1", env={"FLYTE_SDK_RICH_TRACEBACKS": "1"})
    online = render_dockerfile(spec, Context(False, False, "", [], FLYTEKIT))
    assert "COPY autoc-build" not in online and "autoc execute" not in online
    assert online.splitlines()[4].endswith("/opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check "
                                           "flytekit==1.16.31")
    assert 'FLYTE_SDK_RICH_TRACEBACKS="1"' in online  # the spec's env wins over the runtime's
    offline = render_dockerfile(spec, Context(True, False, "", [], FLYTEKIT)).splitlines()
    assert offline[4] == "COPY autoc-build/flytekit /tmp/autoc/flytekit"
    assert offline[5].endswith("--no-index --find-links /tmp/autoc/flytekit/wheels flytekit==1.16.31 && rm -rf "
                               "/tmp/autoc")
    pinned = render_dockerfile(ImageSpec(name="t", base_image="b:1", packages=["flytekit==1.15.0"]),
                               Context(True, True, "", [], FLYTEKIT, "flytekit==1.15.0"))
    assert "/tmp/autoc/flytekit" not in pinned and "1.16.31" not in pinned

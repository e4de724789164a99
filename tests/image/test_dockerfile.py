"""Dockerfile rendering, one ImageSpec field at a time (pure: no Docker needed)."""

from __future__ import annotations

import pytest

from autoc import CopyFileDetection, ImageSpec
from autoc.image.builders.docker import Context, render_dockerfile

WHEEL = "autoc-0.1.0-py3-none-any.whl"
CTX = Context(offline=False, packages=True, autoc_wheel=WHEEL, copies=[])


def render(**kw) -> str:
    return render_dockerfile(ImageSpec(name="t", base_image=kw.pop("base_image", "base:1"), **kw), CTX)


def test_minimal_spec():
    text = render()
    lines = text.splitlines()
    assert lines[0] == "FROM base:1"
    assert "python3 -m venv /opt/venv" in text and "-r /tmp/autoc/packages/requirements.txt" in text
    assert f"--find-links /tmp/autoc/autoc/wheels /tmp/autoc/autoc/wheels/{WHEEL}" in text
    assert "--no-index" not in text
    assert lines[2] == "WORKDIR /root" and lines[-1].startswith("ENV _F_IMG_ID=")
    assert "apt-get" not in text and "ENTRYPOINT" not in text


def test_offline_installs_without_an_index():
    text = render_dockerfile(ImageSpec(name="t", base_image="b:1"), Context(True, True, WHEEL, []))
    assert "--no-index --find-links /tmp/autoc/packages/wheels -r" in text
    assert "--no-index --find-links /tmp/autoc/autoc/wheels" in text


def test_apt_packages():
    assert "apt-get install -y --no-install-recommends git curl" in render(apt_packages=["git", "curl"])


def test_env_is_quoted():
    assert 'GREETING="hello world"' in render(env={"GREETING": "hello world"})


def test_pip_index_extra_urls_and_args():
    text = render(pip_index="https://pypi.internal/simple", pip_extra_index_url=["https://a/simple", "https://b"],
                  pip_extra_args="--pre")
    assert "--index-url https://pypi.internal/simple --extra-index-url https://a/simple --extra-index-url " \
           "https://b --pre -r" in text
    assert "https://b --pre /tmp/autoc/autoc/wheels/" in text


def test_pip_secret_mounts_are_mounts_of_the_pip_step_only():
    text = render(pip_secret_mounts=[("/home/me/.netrc", "/root/.netrc")])
    pip_lines = [ln for ln in text.splitlines() if "pip install" in ln]
    assert len(pip_lines) == 2
    assert all(ln.startswith("RUN --mount=type=secret,id=secret_0,target=/root/.netrc ") for ln in pip_lines)
    assert text.count("--mount=type=secret") == 2
    assert "/home/me/.netrc" not in text


def test_commands_entrypoint_and_python_version():
    text = render(commands=["echo a", "echo b"], entrypoint=["/bin/sh", "-c"], python_version="3.11")
    assert "RUN echo a && echo b" in text
    assert 'ENTRYPOINT ["/bin/sh", "-c"]' in text
    assert 'the spec asks for 3.11' in text


def test_source_copy_and_copy(tmp_path):
    spec = ImageSpec(name="t", base_image="b:1", source_root=str(tmp_path),
                     source_copy_mode=CopyFileDetection.ALL)
    text = render_dockerfile(spec, Context(False, True, WHEEL, [("conf", True), ("x.txt", False)]))
    assert "COPY src/ /root/" in text
    assert "COPY conf /root/conf/" in text and "COPY x.txt /root/x.txt" in text


def test_base_image_spec_uses_its_reference():
    base = ImageSpec(name="base", registry="localhost:5000", base_image="b:1")
    text = render_dockerfile(ImageSpec(name="t", base_image=base), CTX)
    assert text.splitlines()[0] == f"FROM {base.image_name()}"


def test_image_id_is_written_for_is_container():
    spec = ImageSpec(name="t", base_image="b:1")
    assert render_dockerfile(spec, CTX).splitlines()[-1] == f"ENV _F_IMG_ID={spec.id}"


def test_unknown_builder_option_is_an_error(tmp_path):
    from autoc.errors import ImageConfigError
    from autoc.image.builders.docker import prepare_context

    with pytest.raises(ImageConfigError, match="unknown builder_options"):
        prepare_context(ImageSpec(name="t", builder_options={"turbo": True}), tmp_path, offline=False)


def test_dry_run_plan_rejects_an_unknown_builder_option_too():
    from autoc.errors import ImageConfigError
    from autoc.image.builders.docker import plan_context

    with pytest.raises(ImageConfigError, match="unknown builder_options"):
        plan_context(ImageSpec(name="t", builder_options={"turbo": True}), offline=False)


def test_default_base_image_is_the_public_python_image():
    import sys

    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert render(base_image=None).splitlines()[0] == f"FROM python:{here}-slim-bookworm"
    assert render(base_image=None, python_version="3.12").splitlines()[0] == "FROM python:3.12-slim-bookworm"


def test_missing_pip_secret_fails_before_any_build_work(tmp_path):
    from autoc.errors import ImageConfigError
    from autoc.image.builders.docker import DockerImageBuilder

    spec = ImageSpec(name="t", base_image="b:1", pip_secret_mounts=[(str(tmp_path / "nope"), "/etc/pip.conf")])
    with pytest.raises(ImageConfigError, match="pip secret .* does not exist") as e:
        DockerImageBuilder().build_image(spec)
    assert "pip_secret_mounts" in e.value.hint


def test_no_platform_asks_the_engine_nothing():
    from types import SimpleNamespace

    from autoc.image.builders.docker import DockerImageBuilder

    class NoEngine:
        def version(self):
            raise AssertionError("the engine was asked")

    builder = DockerImageBuilder()
    builder.client = NoEngine()
    assert builder._platform_arg(SimpleNamespace(platform=None)) == {}


def test_layers_go_from_least_to_most_often_changed(tmp_path):
    """base, apt, venv, the spec's packages, its commands, autoc, copied files, source: a source change leaves
    every layer before the last COPY cached."""
    spec = ImageSpec(name="t", base_image="b:1", apt_packages=["git"], packages=["numpy"], commands=["echo hi"],
                     source_root=str(tmp_path), source_copy_mode=CopyFileDetection.ALL)
    lines = render_dockerfile(spec, Context(False, True, WHEEL, [("conf", True)])).splitlines()

    def at(fragment):
        return next(i for i, ln in enumerate(lines) if fragment in ln)

    order = [at("FROM b:1"), at("apt-get install"), at("-r /tmp/autoc/packages/requirements"),
             at("RUN echo hi"), at(f"/tmp/autoc/autoc/wheels/{WHEEL}"), at("COPY conf"), at("COPY src/ /root/")]
    assert order == sorted(order)
    assert "requirements" not in " ".join(lines[at("COPY autoc-build/autoc"):])


def test_no_packages_no_packages_layer():
    text = render_dockerfile(ImageSpec(name="t", base_image="b:1"), Context(False, False, WHEEL, []))
    assert "autoc-build/packages" not in text and "requirements.txt" not in text


def test_step_log_one_line_per_step_with_its_duration():
    from autoc.image.builders.docker import StepLog

    out = []
    log = StepLog(out.append)
    for line in ["#1 [internal] load build definition from Dockerfile", "#1 DONE 0.0s",
                 "#5 [2/4] RUN apt-get update", "#5 0.51 Get:1 http://deb.debian.org", "#6 [3/4] COPY src/ /root/",
                 "#6 CACHED", "#5 DONE 12.25s", "#7 exporting to image", "#7 DONE 3.8s",
                 "Step 1/2 : FROM b:1", " ---> Using cache", "Step 2/2 : COPY src/ /root/"]:
        log.line(line)
    log.finish()
    assert out[:3] == ["[3/4] COPY src/ /root/  cached", "[2/4] RUN apt-get update  12.2s", "exporting to image  3.8s"]
    assert out[3] == "[1/2] FROM b:1  cached" and out[4].startswith("[2/2] COPY src/ /root/  ")
    assert log.tail[-1] == "Step 2/2 : COPY src/ /root/"


def test_a_build_that_cannot_reach_an_index_names_offline():
    from autoc.image.builders.docker import _failure_hint

    tail = ["#8 3.2 WARNING: Retrying (Retry(total=4...)) after connection broken by 'NewConnectionError(...: "
            "Failed to establish a new connection: [Errno 101] Network is unreachable')'",
            "#8 9.9 ERROR: No matching distribution found for pandas==2.2.3"]
    hint = _failure_hint(tail)
    assert "--offline" in hint and "No matching distribution found for pandas" in hint
    assert "--offline" not in _failure_hint(["#8 1.0 ERROR: failed to build wheel for foo: gcc not found"])


def test_the_build_context_is_the_same_bytes_every_time(tmp_path):
    """autoc's wheel (and so the whole context) is reproducible: Docker's layer cache can hit."""
    import hashlib

    from autoc.image.builders.docker import prepare_context

    spec = ImageSpec(name="t", base_image="b:1", packages=["numpy==2.0.0"])

    def digest(d):
        ctx = prepare_context(spec, d, offline=False)
        files = sorted(p for p in d.rglob("*") if p.is_file())
        return ctx, {p.relative_to(d).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (ctx_a, a), (ctx_b, b) = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert a == b and ctx_a == ctx_b
    assert sorted(a) == ["autoc-build/autoc/wheels/" + ctx_a.autoc_wheel, "autoc-build/packages/requirements.txt"]


def test_the_venv_is_made_by_the_first_pip_step():
    with_packages = render(packages=["numpy"]).splitlines()
    assert [i for i, ln in enumerate(with_packages) if "python3 -m venv" in ln] == \
        [next(i for i, ln in enumerate(with_packages) if "requirements.txt" in ln)]
    bare = render_dockerfile(ImageSpec(name="t", base_image="b:1"), Context(False, False, WHEEL, [])).splitlines()
    (venv_line,) = [ln for ln in bare if "python3 -m venv" in ln]
    assert WHEEL in venv_line

"""The default image builder: a Dockerfile and a minimal build context, built by a Docker engine, then pushed.

- Python packages go into ``/opt/venv`` (``SerializationSettings``' default interpreter), autoc itself included
  at the running version, so the image can run ``autoc execute``.
- Offline mode (``builder_options={"offline": True}`` or ``autoc build-image --offline``) builds a wheelhouse on
  the host and installs from it with ``--no-index``: for machines whose build containers cannot reach an index.
- ``pip_secret_mounts`` become BuildKit secrets (mounted for the pip step only): never in a layer, the tag or a log.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from autoc.errors import ImageConfigError
from autoc.image.engine import ImageSpecBuilder

VENV = "/opt/venv"
SUPPORTED = frozenset({"name", "registry", "platform", "builder", "tag_format", "python_version", "source_root",
                       "env", "packages", "requirements", "apt_packages", "base_image", "pip_index",
                       "pip_extra_index_url", "pip_secret_mounts", "pip_extra_args", "entrypoint", "commands",
                       "source_copy_mode", "copy", "runtime_packages", "builder_options"})
OPTIONS = {"offline", "autoc_wheel"}


class BuildError(ImageConfigError):
    """A docker build or push failed; carries the last lines of the build log."""


@dataclasses.dataclass
class Context:
    """What the Dockerfile refers to inside the build context."""

    requirements: List[str]
    wheels: bool  # the context carries wheels (autoc's own at least): --find-links
    offline: bool  # install only from those wheels: --no-index
    source_files: List[str]
    copies: List[Tuple[str, bool]]  # (relative path, is directory)


def _q(value: str) -> str:
    return json.dumps(str(value))


def render_dockerfile(spec, ctx: Context) -> str:
    """The Dockerfile for ``spec`` (pure: easy to read in ``--dry-run`` and to test per field)."""
    from autoc.image.spec import CopyFileDetection, ImageSpec

    base = spec.base_image.image_name() if isinstance(spec.base_image, ImageSpec) else spec.base_image
    lines = [f"FROM {base or 'localbase/python:3.11'}", "USER root"]
    if spec.apt_packages:
        lines.append("RUN apt-get update && apt-get install -y --no-install-recommends "
                     + " ".join(spec.apt_packages) + " && rm -rf /var/lib/apt/lists/*")
    env = {"PATH": f"{VENV}/bin:$PATH", "VIRTUAL_ENV": VENV, "PYTHONPATH": "/root", "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(spec.env or {})
    lines.append("ENV " + " ".join(f"{k}={_q(v) if k != 'PATH' else v}" for k, v in env.items()))
    check = ""
    if spec.python_version:
        check = (f"python3 -c 'import sys; v=\"%d.%d\" % sys.version_info[:2]; "
                 f"sys.exit(0 if v == \"{spec.python_version}\" else "
                 f"\"base image has Python \" + v + \", the spec asks for {spec.python_version}\")' && ")
    pip = [f"{VENV}/bin/pip", "install", "--no-cache-dir", "--disable-pip-version-check"]
    if ctx.offline:
        pip.append("--no-index")
    if ctx.wheels:
        pip += ["--find-links", "/tmp/autoc/wheels"]
    if spec.pip_index:
        pip += ["--index-url", spec.pip_index]
    for url in spec.pip_extra_index_url or []:
        pip += ["--extra-index-url", url]
    if spec.pip_extra_args:
        pip.append(spec.pip_extra_args)
    pip += ["-r", "/tmp/autoc/requirements.txt"]
    mounts = "".join(f"--mount=type=secret,id=secret_{i},target={dst} "
                     for i, (_, dst) in enumerate(spec.pip_secret_mounts or []))
    lines.append("COPY autoc-build /tmp/autoc")
    lines.append(f"RUN {mounts}{check}(test -x {VENV}/bin/python || python3 -m venv {VENV}) && "
                 + " ".join(pip) + " && rm -rf /tmp/autoc")
    if spec.commands:
        lines.append("RUN " + " && ".join(spec.commands))
    if spec.source_copy_mode is not None and spec.source_copy_mode != CopyFileDetection.NO_COPY:
        lines.append("COPY src/ /root/")
    for rel, is_dir in ctx.copies:
        lines.append(f"COPY {rel} /root/{rel}{'/' if is_dir else ''}")
    lines.append("WORKDIR /root")
    if spec.entrypoint is not None:
        lines.append(f"ENTRYPOINT {json.dumps(spec.entrypoint)}")
    lines.append(f"ENV _F_IMG_ID={spec.id}")
    return "\n".join(lines) + "\n"


def _autoc_requirement(opts: Dict) -> Tuple[str, Optional[Path]]:
    """(requirement line, local project to build a wheel from) for autoc at the running version."""
    import autoc

    if opts.get("autoc_wheel"):
        return "", Path(opts["autoc_wheel"])
    project = Path(autoc.__file__).resolve().parents[1]
    if (project / "pyproject.toml").is_file():
        return "", project
    return f"autoc=={autoc.__version__}", None


def plan_context(spec, offline: bool) -> Context:
    """The Context ``prepare_context`` would write, without writing or downloading anything (``--dry-run``)."""
    opts = dict(spec.builder_options or {})
    reqs = list(spec.packages or [])
    line, local = _autoc_requirement(opts)
    reqs.append("autoc @ file:///tmp/autoc/wheels/autoc-*.whl" if local is not None else line)
    copies = [(Path(p).as_posix(), Path(p).is_dir()) for p in spec.copy or []]
    offline = offline or bool(opts.get("offline"))
    return Context(reqs, offline or local is not None, offline, [], copies)


def prepare_context(spec, directory: Path, offline: bool) -> Context:
    """Write the build context: only the files the spec copies, its requirements, and autoc's wheel."""
    from autoc.image.source import list_source_files
    from autoc.image.spec import CopyFileDetection

    opts = dict(spec.builder_options or {})
    unknown = set(opts) - OPTIONS
    if unknown:
        raise ImageConfigError(f"ImageSpec {spec.name}: unknown builder_options {sorted(unknown)}",
                               hint=f"the docker builder accepts: {', '.join(sorted(OPTIONS))}")
    offline = offline or bool(opts.get("offline"))
    build = directory / "autoc-build"
    wheels = build / "wheels"
    wheels.mkdir(parents=True)
    reqs: List[str] = []
    if spec.requirements:
        reqs += [ln.strip() for ln in Path(spec.requirements).read_text().splitlines()
                 if ln.strip() and not ln.strip().startswith("#")]
    reqs += list(spec.packages or [])
    line, local = _autoc_requirement(opts)
    if local is not None:
        if local.suffix == ".whl":
            shutil.copy(local, wheels / local.name)
            target = wheels / local.name
        else:
            _pip(["wheel", "--no-deps", "--wheel-dir", str(wheels), str(local)])
            target = next(wheels.glob("autoc-*.whl"))
        reqs.append(f"autoc @ file:///tmp/autoc/wheels/{target.name}")
    else:
        reqs.append(line)
    if offline:
        host_reqs = [r if not r.startswith("autoc @") else str(target) for r in reqs]
        (build / "host-requirements.txt").write_text("\n".join(host_reqs) + "\n")
        _pip(["wheel", "--wheel-dir", str(wheels), "-r", str(build / "host-requirements.txt")])
        (build / "host-requirements.txt").unlink()
    (build / "requirements.txt").write_text("\n".join(reqs) + "\n")

    source_files: List[str] = []
    if spec.source_copy_mode is not None and spec.source_copy_mode != CopyFileDetection.NO_COPY:
        root = Path(spec.source_root).resolve()
        for f in list_source_files(spec.source_root, spec.source_copy_mode):
            rel = f.relative_to(root).as_posix()
            dest = directory / "src" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest)
            source_files.append(rel)
        (directory / "src").mkdir(exist_ok=True)
    copies = []
    for p in spec.copy or []:
        if os.path.isabs(p) or ".." in Path(p).parts:
            raise ImageConfigError(f"ImageSpec {spec.name}: copy entry {p!r} must be a relative path inside the "
                                   f"working directory")
        src = Path(p)
        if src.is_dir():
            shutil.copytree(src, directory / p)
        else:
            (directory / p).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, directory / p)
        copies.append((Path(p).as_posix(), src.is_dir()))
    return Context(reqs, offline or local is not None, offline, source_files, copies)


def _pip(args: List[str]) -> None:
    p = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise BuildError(f"pip {' '.join(args[:1])} failed while preparing the build context",
                         hint=(p.stderr.strip().splitlines() or ["no output"])[-1])


class DockerImageBuilder(ImageSpecBuilder):
    """Builds with the Docker engine at ``DOCKER_HOST`` and pushes to the spec's registry."""

    builder_type = "docker"
    supported_fields = SUPPORTED

    @property
    def client(self):
        import docker

        return docker.from_env(timeout=600)

    def build_image(self, image_spec) -> Optional[str]:
        ref = image_spec.image_name()
        with tempfile.TemporaryDirectory(prefix="autoc-build-") as tmp:
            ctx_dir = Path(tmp)
            ctx = prepare_context(image_spec, ctx_dir, self.offline)
            (ctx_dir / "Dockerfile").write_text(render_dockerfile(image_spec, ctx))
            started = time.monotonic()
            if image_spec.pip_secret_mounts:
                self._build_with_buildkit(image_spec, ctx_dir, ref)
            else:
                self._build_with_sdk(image_spec, ctx_dir, ref)
            self.progress(f"built {ref} in {time.monotonic() - started:.1f}s")
        self.last_digest = self._push(ref) if image_spec.registry else None
        return None

    def _platform_arg(self, spec) -> Dict[str, str]:
        """The engine builds for its own platform; another one must be asked for (and emulation available)."""
        v = self.client.version()
        native = f"{v.get('Os', 'linux')}/{v.get('Arch', 'amd64')}"
        return {} if not spec.platform or spec.platform == native else {"platform": spec.platform}

    def _build_with_sdk(self, spec, ctx_dir: Path, ref: str) -> None:
        from docker.errors import APIError

        tail: List[str] = []
        try:
            stream = self.client.api.build(path=str(ctx_dir), tag=ref, rm=True, forcerm=True, decode=True,
                                           network_mode="host", pull=False, **self._platform_arg(spec))
            for chunk in stream:
                if "stream" in chunk:
                    for line in chunk["stream"].splitlines():
                        if line.strip():
                            tail = (tail + [line])[-20:]
                            self.progress(line)
                if "error" in chunk:
                    raise BuildError(f"docker build of {ref} failed: {chunk['error'].strip()}",
                                     hint="last build output:\n" + "\n".join(tail[-10:]))
        except APIError as e:
            raise BuildError(f"docker build of {ref} failed: {e.explanation or e}",
                             hint="is the Docker engine at DOCKER_HOST running? (`docker info`)") from e

    def _build_with_buildkit(self, spec, ctx_dir: Path, ref: str) -> None:
        """BuildKit (through the docker CLI) is the only builder with secret mounts."""
        args = ["docker", "build", "--network", "host", "--progress", "plain", "-t", ref]
        args += [f"--platform={p}" for p in self._platform_arg(spec).values()]
        for i, (src, _) in enumerate(spec.pip_secret_mounts):
            if not os.path.isfile(src):
                raise ImageConfigError(f"ImageSpec {spec.name}: pip secret {src} does not exist")
            args += ["--secret", f"id=secret_{i},src={src}"]
        env = dict(os.environ, DOCKER_BUILDKIT="1")
        docker_cli = shutil.which("docker", path="/usr/bin") or "docker"
        proc = subprocess.Popen([docker_cli, *args[1:], str(ctx_dir)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=env)
        tail: List[str] = []
        for line in proc.stdout:
            tail = (tail + [line.rstrip()])[-20:]
            self.progress(line.rstrip())
        if proc.wait() != 0:
            raise BuildError(f"docker build (BuildKit) of {ref} failed", hint="\n".join(tail[-10:]))

    def _push(self, ref: str) -> str:
        repo, tag = ref.rsplit(":", 1)
        digest, last = None, {}
        for chunk in self.client.images.push(repo, tag=tag, stream=True, decode=True):
            if "error" in chunk:
                raise BuildError(f"push of {ref} failed: {chunk['error']}",
                                 hint="check the registry address and your `docker login` credentials")
            if "status" in chunk and chunk.get("id") and last.get(chunk["id"]) != chunk["status"]:
                last[chunk["id"]] = chunk["status"]
                self.progress(f"{chunk['id']}: {chunk['status']}")
            aux = chunk.get("aux") or {}
            digest = aux.get("Digest", digest)
        if not digest:
            raise BuildError(f"push of {ref} reported no digest")
        return digest

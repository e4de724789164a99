"""The default image builder: a Dockerfile and a minimal build context, built by a Docker engine, then pushed.

- Python packages go into ``/opt/venv`` (``SerializationSettings``' default interpreter), autoc itself included
  at the running version, so the image can run ``autoc execute``.
- Offline mode (``builder_options={"offline": True}`` or ``autoc build-image --offline``) builds a wheelhouse on
  the host and installs from it with ``--no-index``: for machines whose build containers cannot reach an index.
- ``pip_secret_mounts`` become BuildKit secrets (mounted for the pip step only): never in a layer, the tag or a log.
  They are built by the ``docker`` CLI on PATH, which must support ``docker build --secret``.
- A spec without ``base_image`` builds from ``python:<python_version>-slim-bookworm`` (Docker Hub; the running
  interpreter's version when the spec names none).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shlex
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
#: Besides the fields every builder honours (engine.ALWAYS_SUPPORTED).
SUPPORTED = frozenset({"python_version", "source_root", "env", "packages", "requirements", "apt_packages",
                       "base_image", "pip_index", "pip_extra_index_url", "pip_secret_mounts", "pip_extra_args",
                       "entrypoint", "commands", "source_copy_mode", "copy", "runtime_packages", "builder_options"})
OPTIONS = {"offline", "autoc_wheel"}


class BuildError(ImageConfigError):
    """A docker build or push failed; carries the last lines of the build log."""


@dataclasses.dataclass
class Context:
    """What the Dockerfile refers to inside the build context."""

    wheels: bool  # the context carries wheels (autoc's own at least): --find-links
    offline: bool  # install only from those wheels: --no-index
    copies: List[Tuple[str, bool]]  # (relative path, is directory)


def _q(value: str) -> str:
    return json.dumps(str(value))


def default_base_image(spec) -> str:
    """The base image of a spec without one: the official Python image at the spec's Python version, else this
    interpreter's (the version the wheels built here target)."""
    version = spec.python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"python:{version}-slim-bookworm"


def render_dockerfile(spec, ctx: Context) -> str:
    """The Dockerfile for ``spec`` (pure: easy to read in ``--dry-run`` and to test per field)."""
    from autoc.image.spec import CopyFileDetection, ImageSpec

    base = spec.base_image.image_name() if isinstance(spec.base_image, ImageSpec) else spec.base_image
    lines = [f"FROM {base or default_base_image(spec)}", "USER root"]
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


def _options(spec, offline: bool) -> Tuple[Dict, bool]:
    """The spec's ``builder_options`` (validated) and whether to build offline (the run's flag or the spec's)."""
    opts = dict(spec.builder_options or {})
    unknown = set(opts) - OPTIONS
    if unknown:
        raise ImageConfigError(f"ImageSpec {spec.name}: unknown builder_options {sorted(unknown)}",
                               hint=f"the docker builder accepts: {', '.join(sorted(OPTIONS))}")
    return opts, offline or bool(opts.get("offline"))


def _copies(spec) -> List[Tuple[str, bool]]:
    """(relative path, is directory) of the spec's ``copy`` entries, each checked to stay inside the working
    directory."""
    out = []
    for p in spec.copy or []:
        if os.path.isabs(p) or ".." in Path(p).parts:
            raise ImageConfigError(f"ImageSpec {spec.name}: copy entry {p!r} must be a relative path inside the "
                                   f"working directory")
        out.append((Path(p).as_posix(), Path(p).is_dir()))
    return out


def plan_context(spec, offline: bool) -> Context:
    """The Context ``prepare_context`` would write, without writing or downloading anything (``--dry-run``)."""
    opts, offline = _options(spec, offline)
    local = _autoc_requirement(opts)[1]
    return Context(offline or local is not None, offline, _copies(spec))


def prepare_context(spec, directory: Path, offline: bool) -> Context:
    """Write the build context: only the files the spec copies, its requirements, and autoc's wheel."""
    from autoc.image.source import list_source_files
    from autoc.image.spec import CopyFileDetection

    opts, offline = _options(spec, offline)
    copies = _copies(spec)
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
            _pip(["wheel", "--no-deps", "--wheel-dir", str(wheels), str(local)],
                 hint=f"run `pip wheel --no-deps {shlex.quote(str(local))}` by hand to see the whole error")
            target = next(wheels.glob("autoc-*.whl"))
        reqs.append(f"autoc @ file:///tmp/autoc/wheels/{target.name}")
    else:
        reqs.append(line)
    if offline:
        host_reqs = [r if not r.startswith("autoc @") else str(target) for r in reqs]
        (build / "host-requirements.txt").write_text("\n".join(host_reqs) + "\n")
        by_hand = (["-r", spec.requirements] if spec.requirements else []) + list(spec.packages or [])
        _pip(["wheel", "--wheel-dir", str(wheels), "-r", str(build / "host-requirements.txt")],
             hint=f"run `pip wheel {shlex.join(by_hand) or '-r <requirements>'}` by hand to see the whole error; "
                  f"with --offline every requirement must build a wheel on this machine")
        (build / "host-requirements.txt").unlink()
    (build / "requirements.txt").write_text("\n".join(reqs) + "\n")

    if spec.source_copy_mode is not None and spec.source_copy_mode != CopyFileDetection.NO_COPY:
        for rel, f in list_source_files(spec.source_root, spec.source_copy_mode):
            dest = directory / "src" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest)
        (directory / "src").mkdir(exist_ok=True)
    for rel, is_dir in copies:
        if is_dir:
            shutil.copytree(rel, directory / rel)
        else:
            (directory / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(rel, directory / rel)
    return Context(offline or local is not None, offline, copies)


def _pip(args: List[str], hint: str) -> None:
    p = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
                       capture_output=True, text=True)
    if p.returncode != 0:
        last = ((p.stderr.strip() or p.stdout.strip()).splitlines() or ["failed with no output"])[-1]
        if last.startswith("ERROR: "):
            last = last[len("ERROR: "):]
        raise BuildError(f"pip {args[0]}: {last}", hint=hint)


class DockerImageBuilder(ImageSpecBuilder):
    """Builds with the Docker engine at ``DOCKER_HOST`` and pushes to the spec's registry."""

    builder_type = "docker"
    supported_fields = SUPPORTED

    @functools.cached_property
    def client(self):
        import docker

        return docker.from_env(timeout=600)

    def build_image(self, image_spec) -> Optional[str]:
        ref = image_spec.image_name()
        for src, _ in image_spec.pip_secret_mounts or []:
            if not os.path.isfile(src):
                raise ImageConfigError(f"ImageSpec {image_spec.name}: pip secret {src} does not exist",
                                       hint="fix the source path in pip_secret_mounts")
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
        if not spec.platform:
            return {}
        v = self.client.version()
        native = f"{v.get('Os', 'linux')}/{v.get('Arch', 'amd64')}"
        return {} if spec.platform == native else {"platform": spec.platform}

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
        """BuildKit (through the ``docker`` CLI on PATH) is the only builder with secret mounts."""
        if shutil.which("docker") is None:
            raise BuildError(f"ImageSpec {spec.name}: pip_secret_mounts need the docker CLI, and none is on PATH",
                             hint="install a docker CLI whose `docker build` supports --secret (BuildKit)")
        args = ["docker", "build", "--network", "host", "--progress", "plain", "-t", ref]
        args += [f"--platform={p}" for p in self._platform_arg(spec).values()]
        for i, (src, _) in enumerate(spec.pip_secret_mounts):  # build_image checked that each src exists
            args += ["--secret", f"id=secret_{i},src={src}"]
        env = dict(os.environ, DOCKER_BUILDKIT="1")
        proc = subprocess.Popen([*args, str(ctx_dir)], stdout=subprocess.PIPE,
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
            raise BuildError(f"push of {ref} reported no digest",
                             hint=f"the registry did not confirm the push: run `docker push {ref}` by hand to see "
                                  f"what it answers")
        return digest

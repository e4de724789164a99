"""The default image builder: a Dockerfile and a minimal build context, built by a Docker engine, then pushed.

- Layers go from least to most often changed: base, apt packages, the venv, the spec's Python packages, its
  commands, the runtime, copied files, source. The runtime is what runs the container command, as the output
  flavor says (``autoc.image.runtime``): autoc's wheel, built reproducibly (``autoc.image.wheel``), or under
  ``--sdk flytekit`` ``flytekit==<version>`` (and no autoc). A change to the task source rebuilds only the source
  layer.
- BuildKit (the ``docker`` CLI on PATH, against the engine at ``DOCKER_HOST``) builds whenever the engine and CLI
  offer it; the Docker SDK's classic builder otherwise, or when ``DOCKER_BUILDKIT=0``. ``pip_secret_mounts``
  need BuildKit: secrets mounted for the pip steps only, never in a layer, the tag or a log.
- Python packages go into ``/opt/venv`` (``SerializationSettings``' default interpreter), the runtime included,
  so ``autoc execute`` (or ``pyflyte-execute``) is on PATH.
- Offline mode (``builder_options={"offline": True}`` or ``autoc build-image --offline``) builds wheelhouses on
  the host and installs from them with ``--no-index``: for machines whose build containers cannot reach an index.
  Wheelhouses of requirements that name only index packages are cached (``$AUTOC_CACHE_DIR``, else
  ``~/.cache/autoc``) and reused while the requirement lines are the same.
- A spec without ``base_image`` builds from ``python:<python_version>-slim-bookworm`` (Docker Hub; the running
  interpreter's version when the spec names none).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from autoc.errors import ImageConfigError
from autoc.image.builder import ImageSpecBuilder
from autoc.image.runtime import AUTOC_RUNTIME, ImageRuntime
from autoc.image.spec import IMAGE_ID_ENV

VENV = "/opt/venv"
#: Besides the fields every builder honours (builder.ALWAYS_SUPPORTED).
SUPPORTED = frozenset({"python_version", "source_root", "env", "packages", "requirements", "apt_packages",
                       "base_image", "pip_index", "pip_extra_index_url", "pip_secret_mounts", "pip_extra_args",
                       "entrypoint", "commands", "source_copy_mode", "copy", "runtime_packages", "builder_options"})
OPTIONS = {"offline", "autoc_wheel"}
ENGINE_HINT = ("start a Docker engine (`sudo systemctl start docker`, or `dockerd &`), or point DOCKER_HOST at a "
               "running one (e.g. DOCKER_HOST=unix:///var/run/docker.sock or tcp://HOST:2375); `docker info` shows "
               "whether one answers")
#: pip output meaning the build container could not reach a package index.
_NO_INDEX = re.compile(r"Failed to establish a new connection|Network is unreachable|Temporary failure in name "
                       r"resolution|Name or service not known|SSLError|CERTIFICATE_VERIFY_FAILED|Could not fetch URL|"
                       r"No matching distribution found|Could not find a version that satisfies", re.IGNORECASE)


class BuildError(ImageConfigError):
    """A docker build or push failed; carries the last lines of the build log."""


@dataclasses.dataclass
class Context:
    """What the Dockerfile refers to inside the build context."""

    offline: bool  # install only from the context's wheels: --no-index
    packages: bool  # the spec installs Python packages (autoc-build/packages/requirements.txt)
    autoc_wheel: str  # file name of autoc's wheel in autoc-build/autoc/ ("" when the runtime is not autoc)
    copies: List[Tuple[str, bool]]  # (relative path, is directory)
    runtime: ImageRuntime = AUTOC_RUNTIME  # what runs the container command (installed after the commands)
    runtime_in_spec: Optional[str] = None  # the spec's own line installing the runtime: nothing is added then


def _q(value: str) -> str:
    return json.dumps(str(value))


def default_base_image(spec) -> str:
    """The base image of a spec without one: the official Python image at the spec's Python version, else this
    interpreter's (the version the wheels built here target)."""
    version = spec.python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"python:{version}-slim-bookworm"


def render_dockerfile(spec, ctx: Context) -> str:
    """The Dockerfile for ``spec`` (pure: easy to read in ``--dry-run`` and to test per field). One layer per
    kind of change, least often changed first, so a rebuild redoes only what follows the first change."""
    from autoc.image.spec import CopyFileDetection, ImageSpec

    base = spec.base_image.image_name() if isinstance(spec.base_image, ImageSpec) else spec.base_image
    lines = [f"FROM {base or default_base_image(spec)}", "USER root", "WORKDIR /root"]
    if spec.apt_packages:
        lines.append("RUN apt-get update && apt-get install -y --no-install-recommends "
                     + " ".join(spec.apt_packages) + " && rm -rf /var/lib/apt/lists/*")
    env = {"PATH": f"{VENV}/bin:$PATH", "VIRTUAL_ENV": VENV, "PYTHONPATH": "/root", "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(ctx.runtime.env)
    env.update(spec.env or {})
    lines.append("ENV " + " ".join(f"{k}={_q(v) if k != 'PATH' else v}" for k, v in env.items()))
    check = ""
    if spec.python_version:
        check = (f"python3 -c 'import sys; v=\"%d.%d\" % sys.version_info[:2]; "
                 f"sys.exit(0 if v == \"{spec.python_version}\" else "
                 f"\"base image has Python \" + v + \", the spec asks for {spec.python_version}\")' && ")
    venv = [f"{check}(test -x {VENV}/bin/python || python3 -m venv {VENV}) && "]  # in the first pip step

    def pip(directory: str, wheels: bool) -> str:
        args = [f"{VENV}/bin/pip", "install", "--no-cache-dir", "--disable-pip-version-check"]
        if ctx.offline:
            args.append("--no-index")
        if wheels:
            args += ["--find-links", f"{directory}/wheels"]
        if spec.pip_index:
            args += ["--index-url", spec.pip_index]
        for url in spec.pip_extra_index_url or []:
            args += ["--extra-index-url", url]
        if spec.pip_extra_args:
            args.append(spec.pip_extra_args)
        mounts = "".join(f"--mount=type=secret,id=secret_{i},target={dst} "
                         for i, (_, dst) in enumerate(spec.pip_secret_mounts or []))
        return f"RUN {mounts}" + (venv.pop() if venv else "") + " ".join(args)

    if ctx.packages:
        lines.append("COPY autoc-build/packages /tmp/autoc/packages")
        lines.append(pip("/tmp/autoc/packages", ctx.offline)
                     + " -r /tmp/autoc/packages/requirements.txt && rm -rf /tmp/autoc/packages")
    if spec.commands:
        lines.append("RUN " + " && ".join(spec.commands))
    lines += _runtime_steps(ctx, pip)
    for rel, is_dir in ctx.copies:
        lines.append(f"COPY {rel} /root/{rel}{'/' if is_dir else ''}")
    if spec.source_copy_mode is not None and spec.source_copy_mode != CopyFileDetection.NO_COPY:
        lines.append("COPY src/ /root/")
    if spec.entrypoint is not None:
        lines.append(f"ENTRYPOINT {json.dumps(spec.entrypoint)}")
    lines.append(f"ENV {IMAGE_ID_ENV}={spec.id}")
    return "\n".join(lines) + "\n"


def _runtime_steps(ctx: Context, pip: Callable[[str, bool], str]) -> List[str]:
    """The layer installing what runs the container command: the running autoc's wheel (with its dependencies'
    wheels when offline), or the runtime's requirement (``flytekit==X``) from the index or, offline, from a
    wheelhouse built here; nothing when the spec's packages install it themselves."""
    rt = ctx.runtime
    d = f"/tmp/autoc/{rt.name}"
    if rt.is_running_autoc:
        return [f"COPY autoc-build/{rt.name} {d}", pip(d, True) + f" {d}/wheels/{ctx.autoc_wheel} && rm -rf /tmp/autoc"]
    if ctx.runtime_in_spec is not None:
        return []
    if not ctx.offline:
        return [pip(d, False) + f" {shlex.quote(rt.requirement)}"]
    return [f"COPY autoc-build/{rt.name} {d}", pip(d, True) + f" {shlex.quote(rt.requirement)} && rm -rf /tmp/autoc"]


def _autoc_wheel_name(opts: Dict) -> str:
    """The file name of the autoc wheel the image installs: the ``autoc_wheel`` option's, else the one
    ``autoc.image.wheel`` builds of the running autoc."""
    if opts.get("autoc_wheel"):
        return Path(opts["autoc_wheel"]).name
    import autoc

    return f"autoc-{autoc.__version__}-py3-none-any.whl"


def _options(spec, offline: bool, runtime: ImageRuntime = AUTOC_RUNTIME) -> Tuple[Dict, bool]:
    """The spec's ``builder_options`` (validated) and whether to build offline (the run's flag or the spec's)."""
    opts = dict(spec.builder_options or {})
    unknown = set(opts) - OPTIONS
    if unknown:
        raise ImageConfigError(f"ImageSpec {spec.name}: unknown builder_options {sorted(unknown)}",
                               hint=f"the docker builder accepts: {', '.join(sorted(OPTIONS))}")
    if opts.get("autoc_wheel") and not runtime.is_running_autoc:
        raise ImageConfigError(f"ImageSpec {spec.name}: builder_options autoc_wheel puts autoc into the image, but "
                               f"its tasks run {runtime.name} ({runtime.requirement}), which the image gets instead",
                               hint="remove autoc_wheel from builder_options (--sdk chooses what the image runs)")
    if opts.get("autoc_wheel") and not str(opts["autoc_wheel"]).endswith(".whl"):
        raise ImageConfigError(f"ImageSpec {spec.name}: builder_options autoc_wheel must name a .whl file",
                               hint="leave it out to put the running autoc into the image")
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


def _requirements(spec) -> List[str]:
    reqs: List[str] = []
    if spec.requirements:
        reqs += [ln.strip() for ln in Path(spec.requirements).read_text().splitlines()
                 if ln.strip() and not ln.strip().startswith("#")]
    return reqs + list(spec.packages or [])


def plan_context(spec, offline: bool, runtime: ImageRuntime = AUTOC_RUNTIME) -> Context:
    """The Context ``prepare_context`` would write, without writing or downloading anything (``--dry-run``)."""
    opts, offline = _options(spec, offline, runtime)
    wheel = _autoc_wheel_name(opts) if runtime.is_running_autoc else ""
    return Context(offline, bool(spec.requirements or spec.packages), wheel, _copies(spec), runtime,
                   runtime.named_by(spec))


def prepare_context(spec, directory: Path, offline: bool, runtime: ImageRuntime = AUTOC_RUNTIME) -> Context:
    """Write the build context: only the files the spec copies, its requirements, and what runs the container
    command (autoc's wheel, or nothing but a requirement line), with the wheelhouses of both when offline."""
    from autoc.image.source import list_source_files
    from autoc.image.spec import CopyFileDetection

    opts, offline = _options(spec, offline, runtime)
    copies = _copies(spec)
    build = directory / "autoc-build"
    reqs = _requirements(spec)
    if reqs:
        pkgs = build / "packages"
        (pkgs / "wheels").mkdir(parents=True)
        (pkgs / "requirements.txt").write_text("\n".join(reqs) + "\n")
        if offline:
            by_hand = (["-r", spec.requirements] if spec.requirements else []) + list(spec.packages or [])
            _wheelhouse(reqs, pkgs / "wheels",
                        hint=f"run `pip wheel {shlex.join(by_hand)}` by hand to see the whole error; with --offline "
                             f"every requirement must build a wheel on this machine")
    in_spec = runtime.named_by(spec)
    wheel = ""
    if runtime.is_running_autoc:
        wheel = _autoc_wheels(spec, opts, build / runtime.name / "wheels", offline)
    elif offline and in_spec is None:
        wheels = build / runtime.name / "wheels"
        wheels.mkdir(parents=True)
        _wheelhouse([runtime.requirement], wheels,
                    hint=f"run `pip wheel {runtime.requirement}` by hand to see the whole error; with --offline the "
                         f"image's {runtime.name} and its dependencies must build wheels on this machine")
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
    return Context(offline, bool(reqs), wheel, copies, runtime, in_spec)


def _autoc_wheels(spec, opts: Dict, wheels: Path, offline: bool) -> str:
    """autoc's wheel (the running autoc, or the ``autoc_wheel`` option's) into ``wheels``, with its dependencies'
    when offline; returns the wheel's file name."""
    from autoc.image.wheel import build_autoc_wheel

    wheels.mkdir(parents=True)
    if opts.get("autoc_wheel"):
        own = Path(opts["autoc_wheel"])
        if not own.is_file():
            raise ImageConfigError(f"ImageSpec {spec.name}: builder_options autoc_wheel {own} does not exist")
        wheel = Path(shutil.copy(own, wheels / own.name))
    else:
        wheel = build_autoc_wheel(wheels)
    if offline:
        from importlib.metadata import distribution

        deps = [r for r in (distribution("autoc").requires or []) if "extra ==" not in r]
        _wheelhouse(deps, wheels, hint="run `pip wheel autoc` by hand to see the whole error; with --offline "
                                       "autoc's dependencies must build wheels on this machine")
    return wheel.name


#: A requirement naming only an index package (name, extras, version specifiers): its wheels can be cached.
_INDEX_REQUIREMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9_,.\s-]*\])?\s*([<>=!~][^@/]*)?"
                                r"(;[^@/]*)?$")


def cache_dir() -> Path:
    root = os.environ.get("AUTOC_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "autoc")
    return Path(root)


def _wheelhouse(reqs: List[str], dest: Path, hint: str) -> None:
    """Wheels of ``reqs`` and their dependencies into ``dest``, built on this machine. Cached by the requirement
    lines (and this Python) when they name only index packages: the same bytes on every build, no index asked."""
    if not reqs:
        return
    cacheable = all(_INDEX_REQUIREMENT.match(r) for r in reqs)
    key = hashlib.sha256(json.dumps([sys.version, sorted(reqs)]).encode()).hexdigest()[:32]
    cached = cache_dir() / "wheelhouse" / key
    if not (cacheable and (cached / ".complete").is_file()):
        target = Path(tempfile.mkdtemp(prefix=".partial-", dir=_ensure(cached.parent))) if cacheable else dest
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("\n".join(reqs) + "\n")
        try:
            _pip(["wheel", "--wheel-dir", str(target), "-r", f.name], hint=hint)
        finally:
            os.unlink(f.name)
        if not cacheable:
            return
        (target / ".complete").write_text("")
        if cached.exists():
            shutil.rmtree(target)
        else:
            os.replace(target, cached)
    for w in sorted(cached.glob("*.whl")):
        shutil.copy(w, dest / w.name)


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pip(args: List[str], hint: str) -> None:
    env = dict(os.environ, SOURCE_DATE_EPOCH=os.environ.get("SOURCE_DATE_EPOCH", "315532800"))  # same bytes
    p = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
                       capture_output=True, text=True, env=env)
    if p.returncode != 0:
        out = p.stderr.strip() or p.stdout.strip()
        last = (out.splitlines() or ["failed with no output"])[-1]
        if last.startswith("ERROR: "):
            last = last[len("ERROR: "):]
        raise BuildError(f"pip {args[0]}: {last}", hint=hint)


class StepLog:
    """Turns a build's output into one line per finished step with its duration (BuildKit's ``--progress plain``
    or the classic builder's ``Step i/n :`` lines), and keeps the last lines for an error."""

    _BK_START = re.compile(r"^#(\d+) (?:\[(?!internal\])([^\]]+)\] (.*)|(exporting to image))$")
    _BK_END = re.compile(r"^#(\d+) (DONE ([\d.]+)s|CACHED|ERROR.*)$")

    def __init__(self, report: Callable[[str], None]):
        self.report = report
        self.tail: List[str] = []
        self.names: Dict[str, str] = {}
        self.current: Optional[Tuple[str, float]] = None  # classic builder: (step, started)

    def line(self, line: str) -> None:
        self.tail = (self.tail + [line])[-20:]
        m = self._BK_START.match(line)
        if m:
            self.names[m.group(1)] = m.group(4) or f"[{m.group(2)}] {m.group(3)}"
            return
        m = self._BK_END.match(line)
        if m and m.group(1) in self.names:
            name = self.names.pop(m.group(1))
            took = "cached" if m.group(2) == "CACHED" else (f"{float(m.group(3)):.1f}s" if m.group(3) else "failed")
            self.report(f"{_short(name)}  {took}")
            return
        if line.startswith("Step ") and " : " in line:
            self.finish()
            head, _, instruction = line.partition(" : ")
            self.current = (f"[{head[5:]}] {instruction}", time.monotonic())
        elif line.strip() == "---> Using cache" and self.current is not None:
            self.report(f"{_short(self.current[0])}  cached")
            self.current = None

    def finish(self) -> None:
        if self.current is not None:
            name, started = self.current
            self.report(f"{_short(name)}  {time.monotonic() - started:.1f}s")
            self.current = None


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def _failure_hint(tail: List[str]) -> str:
    last = "\n".join(tail[-12:])
    if any(_NO_INDEX.search(ln) for ln in tail):
        return ("pip in the build container could not reach a package index: build with --offline (wheels built "
                "on this machine, installed with --no-index), or set pip_index / pip_secret_mounts\n"
                f"last build output:\n{last}")
    return f"last build output:\n{last}"


class DockerImageBuilder(ImageSpecBuilder):
    """Builds with the Docker engine at ``DOCKER_HOST`` (BuildKit when offered) and pushes to the spec's
    registry."""

    builder_type = "docker"
    supported_fields = SUPPORTED

    @functools.cached_property
    def client(self):
        import docker
        from docker.errors import DockerException

        host = os.environ.get("DOCKER_HOST") or "the default socket (unix:///var/run/docker.sock)"
        try:
            return docker.from_env(timeout=600)
        except DockerException as e:
            reason = str(e).split(": ", 1)[-1]
            raise BuildError(f"cannot reach a Docker engine at {host}: {_short(reason, 160)}",
                             hint=ENGINE_HINT) from None

    @functools.cached_property
    def buildkit(self) -> Optional[str]:
        """The docker CLI that builds with BuildKit against this engine, or None (then the SDK's classic builder).
        BuildKit needs an engine with API 1.39+ and a CLI that has it: buildx, or a pre-23 CLI (built in)."""
        if os.environ.get("DOCKER_BUILDKIT", "1") == "0":
            return None
        cli = shutil.which("docker")
        if cli is None:
            return None
        api = tuple(int(x) for x in re.findall(r"\d+", self.client.version().get("ApiVersion", "0"))[:2])
        if api < (1, 39):
            return None
        if subprocess.run([cli, "buildx", "version"], capture_output=True).returncode == 0:
            return cli
        v = subprocess.run([cli, "version", "--format", "{{.Client.Version}}"], capture_output=True, text=True)
        major = re.match(r"\d+", v.stdout.strip())
        return cli if major and int(major.group()) < 23 else None

    def plan(self, image_spec) -> str:
        return render_dockerfile(image_spec, plan_context(image_spec, self.offline, self.runtime))

    def build_image(self, image_spec) -> Optional[str]:
        ref = image_spec.image_name()
        for src, _ in image_spec.pip_secret_mounts or []:
            if not os.path.isfile(src):
                raise ImageConfigError(f"ImageSpec {image_spec.name}: pip secret {src} does not exist",
                                       hint="fix the source path in pip_secret_mounts")
        self.client  # noqa: B018 (no engine: one error line, before any work)
        with tempfile.TemporaryDirectory(prefix="autoc-build-") as tmp:
            ctx_dir = Path(tmp)
            started = time.monotonic()
            ctx = prepare_context(image_spec, ctx_dir, self.offline, self.runtime)
            (ctx_dir / "Dockerfile").write_text(render_dockerfile(image_spec, ctx))
            self.steps(f"build context  {time.monotonic() - started:.1f}s")
            started = time.monotonic()
            if self.buildkit:
                self._build_with_buildkit(image_spec, ctx_dir, ref)
            elif image_spec.pip_secret_mounts:
                raise BuildError(f"ImageSpec {image_spec.name}: pip_secret_mounts need BuildKit, which neither the "
                                 f"docker CLI on PATH nor the engine offers",
                                 hint="install a docker CLI with BuildKit (Debian's docker.io, or docker with the "
                                      "buildx plugin), and unset DOCKER_BUILDKIT=0")
            else:
                self._build_with_sdk(image_spec, ctx_dir, ref)
            self.progress(f"built {ref} in {time.monotonic() - started:.1f}s")
        if image_spec.registry:
            started = time.monotonic()
            self.last_digest = self._push(ref)
            self.steps(f"push {ref}  {time.monotonic() - started:.1f}s")
        return None

    def _platform_arg(self, spec) -> Dict[str, str]:
        """The engine builds for its own platform; another one must be asked for (and emulation available)."""
        if not spec.platform:
            return {}
        v = self.client.version()
        native = f"{v.get('Os', 'linux')}/{v.get('Arch', 'amd64')}"
        return {} if spec.platform == native else {"platform": spec.platform}

    def _build_with_sdk(self, spec, ctx_dir: Path, ref: str) -> None:
        from docker.errors import APIError, DockerException

        log = StepLog(self.steps)
        try:
            stream = self.client.api.build(path=str(ctx_dir), tag=ref, rm=True, forcerm=True, decode=True,
                                           network_mode="host", pull=False, **self._platform_arg(spec))
            for chunk in stream:
                if "stream" in chunk:
                    for line in chunk["stream"].splitlines():
                        if line.strip():
                            log.line(line.strip())
                            self.progress(line)
                if "error" in chunk:
                    raise BuildError(f"docker build of {ref} failed: {chunk['error'].strip()}",
                                     hint=_failure_hint(log.tail))
            log.finish()
        except APIError as e:
            raise BuildError(f"docker build of {ref} failed: {e.explanation or e}", hint=ENGINE_HINT) from e
        except DockerException as e:
            raise BuildError(f"docker build of {ref} failed: {_short(str(e), 160)}", hint=ENGINE_HINT) from None

    def _build_with_buildkit(self, spec, ctx_dir: Path, ref: str) -> None:
        args = [self.buildkit, "build", "--network", "host", "--progress", "plain", "-t", ref]
        args += [f"--platform={p}" for p in self._platform_arg(spec).values()]
        for i, (src, _) in enumerate(spec.pip_secret_mounts or []):  # build_image checked that each src exists
            args += ["--secret", f"id=secret_{i},src={src}"]
        env = dict(os.environ, DOCKER_BUILDKIT="1")
        proc = subprocess.Popen([*args, str(ctx_dir)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=env)
        log = StepLog(self.steps)
        for line in proc.stdout:
            log.line(line.rstrip())
            self.progress(line.rstrip())
        if proc.wait() != 0:
            raise BuildError(f"docker build (BuildKit) of {ref} failed", hint=_failure_hint(log.tail))

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

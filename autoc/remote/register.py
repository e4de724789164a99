"""``autoc register`` as a library: specs (from sources or .pb/.tgz files) -> version -> bundle -> CreateTask.

Every task ends with one typed outcome: ``created``, ``unchanged`` (the server has an identical spec),
``conflict`` (same version, different spec; with a field-level diff from GetTask) or ``failed``. A dry run
makes no write calls at all; with ``diff`` it may read (GetTask, and CreateUploadLocation to learn the bundle's
URL) to say what would happen.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from flyteidl.admin import task_pb2
from flyteidl.core import identifier_pb2, tasks_pb2

from autoc.errors import UserInputError
from autoc.remote import bundle as bundles
from autoc.remote.admin import _grpc_message

CREATED, UNCHANGED, CONFLICT, FAILED = "created", "unchanged", "conflict", "failed"
WOULD_CREATE, WOULD_REGISTER = "would-create", "would-register"


@dataclasses.dataclass
class Outcome:
    name: str
    status: str
    message: str = ""
    diff: List[Tuple[str, str, str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class RegisterResult:
    project: str
    domain: str
    version: str
    outcomes: List[Outcome]
    bundle: Optional[bundles.Bundle] = None
    distribution: Optional[str] = None
    dropped: List[Tuple[str, str]] = dataclasses.field(default_factory=list)
    dry_run: bool = False

    def counts(self) -> Dict[str, int]:
        out: Dict[str, int] = {}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return out

    @property
    def ok(self) -> bool:
        return not any(o.status in (CONFLICT, FAILED) for o in self.outcomes)

    def to_json(self) -> dict:
        return {
            "ok": self.ok, "dry_run": self.dry_run, "project": self.project, "domain": self.domain,
            "version": self.version, "summary": self.counts(),
            "bundle": None if self.bundle is None else {
                "name": self.bundle.name, "md5": self.bundle.md5.hex(), "bytes": len(self.bundle.data),
                "files": [f.arcname for f in self.bundle.files], "distribution": self.distribution},
            "tasks": [{"name": o.name, "status": o.status, "message": o.message,
                       "diff": [{"path": p, "server": a, "local": b} for p, a, b in o.diff]} for o in self.outcomes],
        }


# --- inputs ----------------------------------------------------------------------------------------------------
def is_spec_input(paths: Sequence[str]) -> bool:
    """True when the paths are serialized specs (.pb files, .tgz archives, folders of .pb) rather than sources."""
    def spec_like(p: Path) -> bool:
        if p.is_file():
            return p.suffix == ".pb" or p.name.endswith((".tgz", ".tar.gz"))
        return p.is_dir() and any(p.glob("*.pb")) and not any(p.rglob("*.py"))

    return bool(paths) and all(spec_like(Path(p)) for p in paths)


def read_spec_files(paths: Sequence[str]) -> List[task_pb2.TaskSpec]:
    """TaskSpecs from ``*_1.pb`` files (directories, archives); other entity kinds are refused."""
    blobs: List[Tuple[str, bytes]] = []
    for p in map(Path, paths):
        if p.is_dir():
            blobs += [(f.name, f.read_bytes()) for f in sorted(p.glob("*.pb"))]
        elif p.suffix == ".pb":
            blobs.append((p.name, p.read_bytes()))
        else:
            import tarfile

            with tarfile.open(p, "r:*") as tar:
                for m in sorted(tar.getmembers(), key=lambda m: m.name):
                    if m.isfile() and m.name.endswith(".pb"):
                        blobs.append((Path(m.name).name, tar.extractfile(m).read()))
    specs = []
    for name, data in blobs:
        if not name.endswith("_1.pb"):
            raise UserInputError(f"{name} is not a task spec (only tasks, *_1.pb files, are registered by autoc)",
                                 hint="pass only the task files `autoc serialize` wrote (*_1.pb)")
        s = task_pb2.TaskSpec()
        try:
            s.ParseFromString(data)
        except Exception as e:
            raise UserInputError(f"{name} is not a TaskSpec: {e}",
                                 hint="pass the files `autoc serialize` (or `pyflyte serialize`) wrote") from None
        specs.append(s)
    if not specs:
        raise UserInputError("no .pb task specs found", hint="pass the output folder of `autoc serialize`")
    return specs


def set_identity(spec: task_pb2.TaskSpec, project: str, domain: str, version: str) -> task_pb2.TaskSpec:
    """``spec``, changed in place to be the task of that name in project/domain at version."""
    spec.template.id.CopyFrom(identifier_pb2.Identifier(resource_type=identifier_pb2.TASK, project=project,
                                                        domain=domain, name=spec.template.id.name, version=version))
    return spec


def with_identity(spec: task_pb2.TaskSpec, project: str, domain: str, version: str) -> task_pb2.TaskSpec:
    s = task_pb2.TaskSpec()
    s.CopyFrom(spec)
    return set_identity(s, project, domain, version)


def content_version(specs: Sequence[task_pb2.TaskSpec], bundle: Optional[bundles.Bundle]) -> str:
    """The default version: a digest of everything that reaches the cluster (the specs as they will be sent,
    image references included, with empty identities; and the bundle's bytes). The same tree gives the same
    version on any machine: no absolute paths go in."""
    h = hashlib.sha256()
    for s in sorted((with_identity(s, "", "", "") for s in specs), key=lambda s: s.template.id.name):
        h.update(s.SerializeToString(deterministic=True))
    if bundle is not None:
        h.update(bundle.md5)
    return h.hexdigest()[:20]


# --- comparison --------------------------------------------------------------------------------------------------
def _flatten(d, prefix="") -> Dict[str, str]:
    out: Dict[str, str] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else k))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            out.update(_flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = repr(d)
    return out


def template_diff(server: tasks_pb2.TaskTemplate, local: tasks_pb2.TaskTemplate) -> List[Tuple[str, str, str]]:
    """(field path, server value, local value) for every field that differs."""
    from google.protobuf import json_format

    a = _flatten(json_format.MessageToDict(server, preserving_proto_field_name=True))
    b = _flatten(json_format.MessageToDict(local, preserving_proto_field_name=True))
    return [(k, a.get(k, "<absent>"), b.get(k, "<absent>")) for k in sorted(set(a) | set(b))
            if a.get(k) != b.get(k) and not k.startswith("id.")]


def _same(server: tasks_pb2.TaskTemplate, local: tasks_pb2.TaskTemplate) -> bool:
    a, b = tasks_pb2.TaskTemplate(), tasks_pb2.TaskTemplate()
    a.CopyFrom(server)
    b.CopyFrom(local)
    a.ClearField("id")
    b.ClearField("id")
    return a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)


# --- calls ---------------------------------------------------------------------------------------------------------
def _server_template(client, spec) -> Optional[tasks_pb2.TaskTemplate]:
    import grpc
    from flyteidl.admin import common_pb2

    try:
        task = client.call(client.admin.GetTask, common_pb2.ObjectGetRequest(id=spec.template.id))
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.NOT_FOUND:
            return None
        raise
    return task.closure.compiled_task.template


def _failed(name: str, error: Exception) -> Outcome:
    """A call that failed for good: the gRPC status and the server's message (or the exception)."""
    import grpc

    if isinstance(error, grpc.RpcError) and callable(getattr(error, "code", None)):
        return Outcome(name, FAILED, f"{error.code().name}: {_grpc_message(error) or ''}")
    return Outcome(name, FAILED, f"{type(error).__name__}: {error}")


def _conflict(spec: task_pb2.TaskSpec, diff: List[Tuple[str, str, str]]) -> Outcome:
    return Outcome(spec.template.id.name, CONFLICT, f"version {spec.template.id.version} exists with a different spec",
                   diff)


def _skipped(spec: task_pb2.TaskSpec, after: str) -> Outcome:
    """A task never tried because an earlier one ended in ``after`` (a conflict, a failure)."""
    return Outcome(spec.template.id.name, "skipped", f"not attempted after an earlier {after}")


def created(client, spec: task_pb2.TaskSpec, error: Optional[Exception]) -> Outcome:
    """The outcome of CreateTask for ``spec`` that answered ``error`` (None: it was created)."""
    import grpc

    name = spec.template.id.name
    if error is None:
        return Outcome(name, CREATED)
    code = error.code() if isinstance(error, grpc.RpcError) else None
    if code == grpc.StatusCode.ALREADY_EXISTS:
        return Outcome(name, UNCHANGED)
    if code == grpc.StatusCode.INVALID_ARGUMENT and "different structure" in (error.details() or ""):
        server = _server_template(client, spec)
        return _conflict(spec, template_diff(server, spec.template) if server is not None else [])
    return _failed(name, error)


def looked_up(spec: task_pb2.TaskSpec, task, error: Optional[Exception]) -> Outcome:
    """The dry-run outcome for ``spec`` from GetTask's answer: the task, or NOT_FOUND (it would be created)."""
    import grpc

    if error is None:
        return compare(spec, task.closure.compiled_task.template, WOULD_CREATE)
    if isinstance(error, grpc.RpcError) and error.code() == grpc.StatusCode.NOT_FOUND:
        return Outcome(spec.template.id.name, WOULD_CREATE)
    return _failed(spec.template.id.name, error)


def listing_request(project: str, domain: str, version: str, token: str = ""):
    from flyteidl.admin import common_pb2

    return common_pb2.ResourceListRequest(id=common_pb2.NamedEntityIdentifier(project=project, domain=domain),
                                          limit=500, token=token, filters=f"eq(version,{version})")


def registered_at_version(client, project: str, domain: str, version: str,
                          first_page: Optional[Callable] = None) -> Optional[Dict[str, tasks_pb2.TaskTemplate]]:
    """name -> template of every task the server holds at ``version`` (paginated ListTasks), or None when the
    server cannot list that way (each task is then asked on its own). ``first_page``: the answer to the first
    request, already started with :meth:`AdminClient.prefetch`."""
    import grpc

    found: Dict[str, tasks_pb2.TaskTemplate] = {}
    token = ""
    while True:
        try:
            if first_page is not None and not token:
                resp = first_page()
            else:
                resp = client.call(client.admin.ListTasks, listing_request(project, domain, version, token))
        except grpc.RpcError as e:
            if e.code() in (grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            raise
        for t in resp.tasks:
            if t.id.version == version:
                found[t.id.name] = t.closure.compiled_task.template
        if not resp.tasks or not resp.token:
            return found
        token = resp.token


def compare(spec: task_pb2.TaskSpec, server: Optional[tasks_pb2.TaskTemplate], absent: str) -> Outcome:
    """The outcome for ``spec`` given what the server holds under its id (``absent`` when nothing)."""
    name = spec.template.id.name
    if server is None:
        return Outcome(name, absent)
    if _same(server, spec.template):
        return Outcome(name, UNCHANGED)
    return _conflict(spec, template_diff(server, spec.template))


def register_specs(client, specs: List[task_pb2.TaskSpec], version: str, opts: "RegisterOptions",
                   on_done, listing: Optional[Callable] = None) -> List[Outcome]:
    """What the server already holds at this version is compared locally (one listing instead of one call per
    task; unchanged trees re-register without a single write); only the rest is created or diffed one by one."""
    known = registered_at_version(client, opts.project, opts.domain, version, listing)
    if known is None:
        return run_all(client, specs, "lookup" if opts.dry_run else "create", opts.concurrency,
                       opts.keep_going or opts.dry_run, on_done)
    results: Dict[int, Outcome] = {}
    todo = []
    for i, s in enumerate(specs):
        if s.template.id.name in known or opts.dry_run:
            results[i] = compare(s, known.get(s.template.id.name), WOULD_CREATE)
            on_done(results[i])
        else:
            todo.append(i)
    stopped = any(o.status == CONFLICT for o in results.values()) and not opts.keep_going and not opts.dry_run
    if stopped:
        for i in todo:
            results[i] = _skipped(specs[i], "conflict")
    else:
        done = run_all(client, [specs[i] for i in todo], "create", opts.concurrency, opts.keep_going, on_done)
        results.update(zip(todo, done))
    return [results[i] for i in sorted(results)]


def run_all(client, specs: Sequence[task_pb2.TaskSpec], kind: str, concurrency: int, keep_going: bool,
            on_done: Callable[[Outcome], None]) -> List[Outcome]:
    """CreateTask (``kind="create"``) or GetTask (``"lookup"``, for a dry run) for every spec, at most
    ``concurrency`` at once, with outcomes in spec order. Without ``keep_going`` no new call starts after the
    first conflict or failure; the tasks never tried are ``skipped``."""
    from flyteidl.admin import common_pb2

    if kind == "create":
        method, requests = client.admin.CreateTask, [task_pb2.TaskCreateRequest(id=s.template.id, spec=s)
                                                     for s in specs]
    else:
        method, requests = client.admin.GetTask, [common_pb2.ObjectGetRequest(id=s.template.id) for s in specs]
    results: Dict[int, Outcome] = {}

    def on_result(i: int, response, error: Optional[Exception]) -> bool:
        outcome = created(client, specs[i], error) if kind == "create" else looked_up(specs[i], response, error)
        results[i] = outcome
        on_done(outcome)
        return keep_going or outcome.status not in (CONFLICT, FAILED)

    client.call_all(method, requests, concurrency, on_result)
    return [results.get(i) or _skipped(s, "failure") for i, s in enumerate(specs)]


@dataclasses.dataclass
class RegisterOptions:
    project: str
    domain: str
    version: Optional[str] = None
    images: Tuple[str, ...] = ()
    source_root: Optional[str] = None
    copy: str = "auto"
    dry_run: bool = False
    diff: bool = False
    concurrency: int = 16
    keep_going: bool = False
    max_bundle_bytes: int = bundles.DEFAULT_MAX_BYTES
    assume_images_exist: bool = False
    #: the import paths the modules use and the output flavor (``autoc.sdk.Sdk``; ``--sdk flytekit``)
    sdk: Optional[object] = None


class _PyflyteRegistration:
    """``--sdk flytekit``: the code bundle and default version ``pyflyte register`` makes (autoc.sdk.flytekit)."""

    def __init__(self, found, opts: RegisterOptions):
        self.found, self.opts = found, opts

    def bundle(self) -> Optional[bundles.Bundle]:
        from autoc.sdk.flytekit.registration import fast_package

        if self.opts.copy == "none":
            return None
        b = fast_package(self.found.source_root, self.opts.copy)
        if len(b.data) > self.opts.max_bundle_bytes:
            bundles.build(b.files, self.opts.max_bundle_bytes)  # raises with the largest files named
        return b

    def version(self, settings, bundle, distribution) -> str:
        from autoc.sdk.flytekit.registration import version
        from autoc.serialize.settings import DEFAULT_IN_CONTAINER_SRC_PATH, FastSerializationSettings

        if bundle is None:
            raise UserInputError("--copy none needs --version", hint="pyflyte register needs one too")
        s = dataclasses.replace(settings, fast_serialization_settings=FastSerializationSettings(
            True, DEFAULT_IN_CONTAINER_SRC_PATH, distribution))
        return version(bundle.md5, s, self.found.source_root, self.found.tasks, self.found.sdk.version)


def check_images(tasks, assume_exists: bool) -> None:
    """Every ImageSpec image must be in its registry before its tasks are registered; "could not tell" is an
    error unless assumed (flytekit assumes it exists)."""
    from autoc.image.engine import distinct_image_specs, require_image

    for spec in distinct_image_specs(tasks):
        require_image(f"image {spec.image_name()}", spec.exist(), assume_exists,
                      missing_hint="run `autoc build-image` first")


def register(paths: Sequence[str], opts: RegisterOptions, client_factory: Callable,
             on_done: Callable[[Outcome], None] = lambda o: None) -> RegisterResult:
    """Serialize (or read) the specs under ``paths`` and register them; see the module docstring."""
    from autoc.image.config import ImageConfig
    from autoc.serialize import SerializationSettings, to_specs, with_discovery
    from autoc.serialize.settings import DEFAULT_IN_CONTAINER_SRC_PATH, FastSerializationSettings
    from autoc.serialize.translate import REMOTE_PACKAGE_PATH

    bundle, dropped, distribution = None, [], None
    if is_spec_input(paths):
        base_specs = read_spec_files(paths)
        make_specs = None
    else:
        from autoc.serialize.discover import discover

        found = discover(paths, source_root=opts.source_root, sdk=opts.sdk)
        if not found.tasks:
            raise UserInputError("no tasks were found under " + ", ".join(paths),
                                 hint="tasks are module-level @task functions or task objects")
        if not opts.dry_run:
            check_images(found.tasks, opts.assume_images_exist)
        pyflyte = None if found.sdk.is_default else _PyflyteRegistration(found, opts)
        if pyflyte is not None:  # pyflyte's bundle and version: what pyflyte register makes of the same tree
            bundle = pyflyte.bundle()
        elif opts.copy != "none":
            files, dropped = bundles.collect(found.source_root, opts.copy)
            bundle = bundles.build(files, opts.max_bundle_bytes)
        settings = with_discovery(SerializationSettings(
            image_config=ImageConfig.validate_image(None, "--image", opts.images), project=opts.project,
            domain=opts.domain, source_root=str(found.source_root)), found)

        def make_specs(version: str, dist: Optional[str]) -> List[task_pb2.TaskSpec]:
            s = dataclasses.replace(settings, version=version, fast_serialization_settings=None if bundle is None
                                    else FastSerializationSettings(True, DEFAULT_IN_CONTAINER_SRC_PATH, dist))
            return to_specs(found.tasks, s)[1]

        if pyflyte is not None:
            base_specs = None  # the version needs the bundle's upload location: computed below
        else:
            base_specs = None if opts.version else make_specs("", REMOTE_PACKAGE_PATH)
            if base_specs is not None and bundle is None:
                make_specs = None  # the specs differ only in their identity, set below: no second translation
    version = opts.version or (None if pyflyte is not None else content_version(base_specs, bundle))

    client = listing = None
    if not opts.dry_run or opts.diff:
        client = client_factory()
    try:
        if client is not None and version is not None:  # what the server holds at this version: asked now,
            # read after the translation
            listing = client.prefetch(client.admin.ListTasks, listing_request(opts.project, opts.domain, version))
        location = None
        if bundle is not None:
            distribution = REMOTE_PACKAGE_PATH
            if client is not None:  # signing a URL writes nothing
                location = bundles.upload_location(client, bundle, opts.project, opts.domain)
                distribution = location.native_url
        if version is None:
            version = pyflyte.version(settings, bundle, distribution)
            if client is not None:
                listing = client.prefetch(client.admin.ListTasks, listing_request(opts.project, opts.domain, version))
        # every spec is built before the first write (the bundle upload included): a task that cannot be
        # translated stops the run before anything is written (building them lazily during the calls was
        # measured: no faster on 2 cores)
        specs = [set_identity(s, opts.project, opts.domain, version)  # (base_specs are not needed any more)
                 for s in (make_specs(version, distribution) if make_specs else base_specs)]
        if location is not None and not opts.dry_run:
            bundles.upload(bundle, location)
        if opts.dry_run and not opts.diff:
            outcomes = [Outcome(s.template.id.name, WOULD_REGISTER) for s in specs]
            for o in outcomes:
                on_done(o)
        else:
            outcomes = register_specs(client, specs, version, opts, on_done, listing)
    finally:
        if client is not None:
            client.close()
    return RegisterResult(opts.project, opts.domain, version, outcomes, bundle, distribution, dropped, opts.dry_run)


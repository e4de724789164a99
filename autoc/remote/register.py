"""``autoc register`` as a library: entities (from sources or .pb/.tgz files) -> version -> bundle -> Create*.

Tasks, workflows and launch plans are registered in dependency order: an entity is created after everything of
the set it references (flyteadmin compiles a workflow at creation and refuses one whose tasks, subworkflows or
launch plans are not there yet), and not at all when one of those failed. Every entity ends with one typed
outcome: ``created``, ``unchanged`` (the server holds an identical one), ``conflict`` (same version, different
content; with a field-level diff), ``failed`` or ``skipped``. A dry run makes no write calls at all; with ``diff``
it may read (Get*/List*, and CreateUploadLocation to learn the bundle's URL) to say what would happen.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from autoc.errors import UserInputError
from autoc.remote import bundle as bundles
from autoc.remote.admin import _grpc_message, after_lost_ack, rpc_failure
from autoc.remote.entities import (KINDS, LABEL, LAUNCH_PLAN, TASK, WORKFLOW, content_version, diff,
                                   entity_id, graph, hydrate, is_spec_input, read_spec_files, same)

CREATED, UNCHANGED, CONFLICT, FAILED, SKIPPED = "created", "unchanged", "conflict", "failed", "skipped"
WOULD_CREATE, WOULD_REGISTER = "would-create", "would-register"
_PLURAL = {TASK: "tasks", WORKFLOW: "workflows", LAUNCH_PLAN: "launch_plans"}

__all__ = ["Outcome", "RegisterOptions", "RegisterResult", "content_version", "is_spec_input", "read_spec_files",
           "register"]


@dataclasses.dataclass
class Outcome:
    name: str
    status: str
    message: str = ""
    diff: List[Tuple[str, str, str]] = dataclasses.field(default_factory=list)
    kind: str = TASK
    activated: bool = False  # a launch plan made the active version (--activate-launchplans)

    def to_json(self) -> dict:
        out = {"kind": self.kind, "name": self.name, "status": self.status, "message": self.message,
               "diff": [{"path": p, "server": a, "local": b} for p, a, b in self.diff]}
        if self.kind == LAUNCH_PLAN:
            out["activated"] = self.activated
        return out


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
    engine: str = "face"
    engine_reason: Optional[str] = None

    def counts(self, kind: Optional[str] = None) -> Dict[str, int]:
        out: Dict[str, int] = {}
        for o in self.outcomes:
            if kind is None or o.kind == kind:
                out[o.status] = out.get(o.status, 0) + 1
        return out

    @property
    def ok(self) -> bool:
        return not any(o.status in (CONFLICT, FAILED) for o in self.outcomes)

    def to_json(self) -> dict:
        kinds = [k for k in KINDS if any(o.kind == k for o in self.outcomes)]
        return {
            "ok": self.ok, "dry_run": self.dry_run, "engine": self.engine, "engine_reason": self.engine_reason,
            "project": self.project, "domain": self.domain,
            "version": self.version, "summary": self.counts(),
            "summary_by_kind": {_PLURAL[k]: self.counts(k) for k in kinds},
            "bundle": None if self.bundle is None else {
                "name": self.bundle.name, "md5": self.bundle.md5.hex(), "bytes": len(self.bundle.data),
                "files": [f.arcname for f in self.bundle.files], "distribution": self.distribution},
            "entities": [o.to_json() for o in self.outcomes],
            **{_PLURAL[k]: [o.to_json() for o in self.outcomes if o.kind == k] for k in KINDS},
        }


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
    activate_launchplans: bool = False
    #: the import paths the modules use and the output flavor (``autoc.sdk.Sdk``; ``--sdk flytekit``)
    sdk: Optional[object] = None
    #: who makes the messages under --sdk flytekit (``auto``, ``face``, ``flytekit``) and the flytekit engine's
    #: interpreter (``autoc.serialize.engines``)
    engine: str = "auto"
    python: Optional[str] = None


def _flytekit(service: str):
    """A module of the flytekit face (``autoc.sdk.flytekit``: its engine, its registration): the face sits above
    registration, which asks for it by name (``autoc.sdk.face``)."""
    from autoc.sdk import face

    return face("flytekit", service)


class _Background:
    """``fn()`` in a thread; :meth:`result` waits for it and returns its value or raises its exception."""

    def __init__(self, fn: Callable):
        import threading

        self._value, self._error = None, None

        def run():
            try:
                self._value = fn()
            except BaseException as e:  # noqa: B902 - handed to result()
                self._error = e

        self._thread = threading.Thread(target=run, name="autoc-bundle", daemon=True)
        self._thread.start()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


class _PyflyteRegistration:
    """``--sdk flytekit``: the code bundle and default version ``pyflyte register`` makes (autoc.sdk.flytekit)."""

    def __init__(self, found, opts: RegisterOptions):
        self.found, self.opts = found, opts

    def bundle(self) -> Optional[bundles.Bundle]:
        fast_package = _flytekit("registration").fast_package

        if self.opts.copy == "none":
            return None
        b = fast_package(self.found.source_root, self.opts.copy)
        if len(b.data) > self.opts.max_bundle_bytes:
            bundles.build(b.files, self.opts.max_bundle_bytes)  # raises with the largest files named
        return b

    def version(self, settings, bundle, distribution) -> str:
        version = _flytekit("registration").version
        from autoc.serialize.settings import DEFAULT_IN_CONTAINER_SRC_PATH, FastSerializationSettings

        if bundle is None:
            raise UserInputError("--copy none needs --version", hint="pyflyte register needs one too")
        s = dataclasses.replace(settings, fast_serialization_settings=FastSerializationSettings(
            True, DEFAULT_IN_CONTAINER_SRC_PATH, distribution))
        return version(bundle.md5, s, self.found.source_root, self.found.tasks, self.found.sdk.version)


class _EngineRegistration:
    """The flytekit engine's side of ``--sdk flytekit`` registration: the project's flytekit loads the modules as
    ``pyflyte register`` does, computes its version from autoc's bundle and upload location, and makes the
    messages; autoc's bundle, image check and registration engine do the rest. On an unchanged tree, interpreter
    and request the engine's earlier answer is used and no flytekit starts (``AnswerCache``)."""

    def __init__(self, start: Callable, paths: Sequence[str], opts: RegisterOptions, reason: Optional[str] = None):
        python_for = _flytekit("engine").python_for
        from autoc.serialize.discover import list_modules
        from autoc.serialize.engines import register_cache

        self.start, self.opts, self.reason = start, opts, reason
        self.source_root, self.modules = list_modules(paths, opts.source_root, pkgutil_names=True)
        self.python = python_for(opts.python)
        self.cache, self.spec = register_cache(self.source_root, self.modules, self.python, opts.images,
                                               opts.project, opts.domain, opts.version, opts.copy)
        self.cached = self.cache.get()
        self.engine = None
        self.loaded = None
        self._loading = False
        self._bundle: Optional[_Background] = None
        if self.cached is None:
            if opts.copy == "all":  # the bundle needs only the tree: made while flytekit imports
                self._bundle = _Background(self._make_bundle)
            self._start_load()  # then the modules load while autoc asks where the bundle goes
        self.entities: Optional[List] = None
        self.auto_activated: set = set()
        self._version: Optional[str] = None

    def _start_load(self) -> None:
        send_load = _flytekit("engine").send_load

        if self.engine is None:
            self.engine = self.start()
        if self.loaded is None and not self._loading:
            send_load(self.engine, self.source_root, self.modules, self.spec, "register", keep_going=False)
            self._loading = True

    def _load(self) -> None:
        """The modules loaded (the first that failed raises)."""
        loaded = _flytekit("engine").loaded
        self._start_load()
        if self.loaded is None:
            self._loading = False
            self.loaded = loaded(self.engine, self.source_root, keep_going=False)

    def failed_first(self) -> None:
        """Raise what loading the modules raises, if it is still outstanding: a module that failed to import is
        the run's error before a failed call made meanwhile (as when they ran one after the other)."""
        if self._loading:
            self._load()

    @property
    def name(self) -> str:
        if self.engine is None:
            return f"flytekit {self.cached['flytekit']} ({self.python}, its answer for this unchanged tree)"
        return f"flytekit {self.engine.flytekit_version} ({self.engine.python})"

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()

    def bundle(self) -> Optional[bundles.Bundle]:
        if self.opts.copy == "none":
            return None
        if self._bundle is not None:
            try:
                return self._bundle.result()
            except Exception:
                self.failed_first()
                raise
        if self.opts.copy == "auto" and self.cached is None:
            self._load()  # the bundle holds the files the modules loaded
        return self._make_bundle()

    def _make_bundle(self) -> bundles.Bundle:
        fast_package = _flytekit("registration").fast_package
        loaded = None
        if self.opts.copy == "auto":
            loaded = self.cached["loaded_files"] if self.loaded is None else self.loaded.loaded_files
        b = fast_package(self.source_root, self.opts.copy, loaded)
        if len(b.data) > self.opts.max_bundle_bytes:
            bundles.build(b.files, self.opts.max_bundle_bytes)  # raises with the largest files named
        return b

    def check_images(self, images: List[str]) -> None:
        """Every ImageSpec image the messages name must be in its registry (not asked in a dry run)."""
        if not images or self.opts.dry_run:
            return
        from autoc.image.builder import require_image
        from autoc.image.registry import image_exists

        for ref in images:
            require_image(f"image {ref}", image_exists(ref), self.opts.assume_images_exist,
                          missing_hint="run `autoc build-image --sdk flytekit` first")

    def _run(self, bundle, distribution: Optional[str]) -> None:
        fk = _flytekit("engine")
        entities_of, error_of = fk.entities_of, fk.error_of

        md5 = bundle.md5.hex() if bundle is not None else None
        where = distribution if bundle is not None else None
        answers = (self.cached or {}).get("replies", {})  # by bundle and upload location (a dry run has its own)
        reply = answers.get(f"{md5} {where}")
        if reply is None:
            self._load()
            reply = self.engine.call("register", md5=md5, distribution_location=where)
            self.engine.release()  # nothing more to ask: it exits while the entities are registered
            if reply.get("error"):
                raise error_of(reply["error"])
            answers[f"{md5} {where}"] = reply
            self.cache.put({"flytekit": self.engine.flytekit_version, "loaded_files": self.loaded.loaded_files,
                            "replies": answers})
        self.check_images(reply.get("images", []))
        self.entities, self._version = entities_of(reply), reply["version"]
        self.auto_activated.update(item["name"] for item in reply["entities"] if item.get("auto_activate"))
        if not self.entities:
            raise UserInputError("nothing to register was found under " + str(self.source_root),
                                 hint="tasks, workflows and launch plans are found as module-level objects")

    def version(self, settings, bundle, distribution) -> str:
        if bundle is None:
            raise UserInputError("--copy none needs --version", hint="pyflyte register needs one too")
        self._run(bundle, distribution)
        return self._version

    def make(self, bundle):
        def make(version: str, distribution: Optional[str]) -> List:
            if self.entities is None:
                self._run(bundle, distribution)
            return self.entities

        return make


def _engine_for_sources(paths: Sequence[str], opts: RegisterOptions):
    """(face discovery, None) or (None, an _EngineRegistration), as ``--engine`` picks (see
    ``autoc.serialize.engines``); auto tries the face and falls back to the project's flytekit."""
    from autoc.errors import AutocError
    from autoc.serialize.discover import discover
    from autoc.serialize.engines import AUTO, FLYTEKIT, choose, face_gap_of

    picked = choose(opts.sdk, opts.engine)
    if picked == FLYTEKIT:
        return None, _EngineRegistration(lambda: _started(opts.python), paths, opts)
    if picked == AUTO:
        from autoc.serialize.engines import plugin_import

        gap = plugin_import(paths, opts.source_root)  # the face would stop there: no need to run it first
        registration = None if gap is None else _fall_back(gap, paths, opts, None)
        if registration is not None:
            return None, registration
    try:
        found = discover(paths, source_root=opts.source_root, sdk=opts.sdk)
    except AutocError as e:
        gap = face_gap_of([e]) if picked == AUTO else None
        if gap is None and picked == AUTO and isinstance(e, UserInputError) and "which flytekit version" in e.message:
            gap = "no flytekit version pinned for the face to speak for"
        if gap is None:
            raise
        return None, _fall_back(gap, paths, opts, e)
    gap = face_gap_of([], caught=True) if picked == AUTO else None
    if gap is not None:
        registration = _fall_back(gap, paths, opts, None)
        if registration is not None:
            return None, registration
    return found, None


def _started(python: Optional[str]):
    FlytekitEngine = _flytekit("engine").FlytekitEngine

    engine = FlytekitEngine(python)
    if not engine.usable:
        engine.close()
        raise engine.unusable_error()
    return engine


def _fall_back(gap: str, paths, opts: RegisterOptions, refusal):
    """The engine's registration (its cached answer, else a usable flytekit), else the face's refusal with what to
    install (None when the face's answer stands: only a caught import was missing)."""
    fk = _flytekit("engine")
    install_hint, probe = fk.install_hint, fk.probe

    def start():
        engine = probe(opts.python)
        if engine is None:
            raise _Unusable()
        return engine

    try:
        return _EngineRegistration(start, paths, opts, gap)
    except _Unusable:
        if refusal is None:
            return None
        refusal.hint = install_hint(gap, opts.python)
        raise refusal from None


class _Unusable(Exception):
    """No usable flytekit for the engine (auto keeps the face's refusal)."""


# --- the calls, per kind -------------------------------------------------------------------------------------------

def _create(client, e):
    """(method, request) that creates ``e``."""
    from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2

    ident = entity_id(e)
    method = getattr(client.admin, "Create" + _NOUN[e.kind])
    if e.kind == TASK:
        return method, task_pb2.TaskCreateRequest(id=ident, spec=e.message)
    if e.kind == WORKFLOW:
        return method, workflow_pb2.WorkflowCreateRequest(id=ident, spec=e.message)
    return method, launch_plan_pb2.LaunchPlanCreateRequest(id=ident, spec=e.message.spec)


_NOUN = {TASK: "Task", WORKFLOW: "Workflow", LAUNCH_PLAN: "LaunchPlan"}  # in AdminService's method names


def _get(client, kind: str):
    return getattr(client.admin, "Get" + _NOUN[kind])


def _list(client, kind: str):
    return getattr(client.admin, f"List{_NOUN[kind]}s")


def _get_request(e):
    from flyteidl.admin import common_pb2

    return common_pb2.ObjectGetRequest(id=entity_id(e))


def _listed(response, kind: str) -> list:
    return list(getattr(response, {TASK: "tasks", WORKFLOW: "workflows", LAUNCH_PLAN: "launch_plans"}[kind]))


# --- outcomes ------------------------------------------------------------------------------------------------------

def _code(error):
    import grpc

    return error.code() if isinstance(error, grpc.RpcError) and callable(getattr(error, "code", None)) else None


_MISSING_HINT = ("hint: what it references is not registered at that version: register it in the same run (pass its "
                 "files or sources too), or reference a version that exists")


def _failed(e, error: Exception) -> Outcome:
    """A call that failed for good: the gRPC status and the server's message (or the exception)."""
    code = _code(error)
    if code is not None:
        message = f"{code.name}: {_grpc_message(error) or ''}"
        if e.kind != TASK and "missing entity of type" in message:
            message += "\n" + _MISSING_HINT
        return Outcome(e.name, FAILED, message, kind=e.kind)
    return Outcome(e.name, FAILED, f"{type(error).__name__}: {error}", kind=e.kind)


def _conflict(e, changes: List[Tuple[str, str, str]]) -> Outcome:
    return Outcome(e.name, CONFLICT, f"version {entity_id(e).version} exists with a different {LABEL[e.kind]}",
                   changes, kind=e.kind)


def _skipped(e, why: str) -> Outcome:
    return Outcome(e.name, SKIPPED, why, kind=e.kind)


def _server_copy(client, e):
    """What the server holds under ``e``'s id (Get*), or None."""
    import grpc

    try:
        return client.call(_get(client, e.kind), _get_request(e))
    except grpc.RpcError:  # NOT_FOUND, or the server could not say: the conflict stands, without its diff
        return None


def created(client, e, error: Optional[Exception], absent: bool = False,
            known_diff: Optional[List[Tuple[str, str, str]]] = None) -> Outcome:
    """The outcome of Create* for ``e`` that answered ``error`` (None: it was created). ``absent``: the server's
    listing did not hold it before, so ALREADY_EXISTS means an earlier attempt of this very call did the write
    and its answer was lost."""
    import grpc

    if error is None:
        return Outcome(e.name, CREATED, kind=e.kind)
    code = _code(error)
    if code == grpc.StatusCode.ALREADY_EXISTS:  # or a retry after our own write's answer was lost: ours too
        return Outcome(e.name, CREATED if absent or after_lost_ack(error) else UNCHANGED, kind=e.kind)
    if code == grpc.StatusCode.INVALID_ARGUMENT and "different structure" in (_grpc_message(error) or ""):
        if known_diff is None:
            server = _server_copy(client, e)
            known_diff = diff(e, server) if server is not None else []
        return _conflict(e, known_diff)
    return _failed(e, error)


def compare(e, server, absent: str) -> Outcome:
    """The outcome for ``e`` given what the server holds under its id (``absent`` when nothing)."""
    if server is None:
        return Outcome(e.name, absent, kind=e.kind)
    if same(e, server):
        return Outcome(e.name, UNCHANGED, kind=e.kind)
    return _conflict(e, diff(e, server))


def looked_up(e, server, error: Optional[Exception]) -> Outcome:
    """The dry-run outcome for ``e`` from Get*'s answer: the entity, or NOT_FOUND (it would be created)."""
    import grpc

    if error is None:
        return compare(e, server, WOULD_CREATE)
    if _code(error) == grpc.StatusCode.NOT_FOUND:
        return Outcome(e.name, WOULD_CREATE, kind=e.kind)
    return _failed(e, error)


# --- what the server holds -------------------------------------------------------------------------------------

def listing_request(project: str, domain: str, version: str, token: str = ""):
    from flyteidl.admin import common_pb2

    return common_pb2.ResourceListRequest(id=common_pb2.NamedEntityIdentifier(project=project, domain=domain),
                                          limit=500, token=token, filters=f"eq(version,{version})")


def registered_at_version(client, kind: str, project: str, domain: str, version: str,
                          first_page: Optional[Callable] = None) -> Optional[Dict[str, object]]:
    """name -> Task / Workflow (without its closure, as flyteadmin lists them) / LaunchPlan of every entity of
    ``kind`` the server holds at ``version`` (paginated List*), or None when the server cannot list that way
    (each entity is then asked on its own). ``first_page``: the answer to the first request, already started."""
    import grpc

    found: Dict[str, object] = {}
    token = ""
    while True:
        try:
            if first_page is not None and not token:
                resp = first_page()
            else:
                resp = client.call(_list(client, kind), listing_request(project, domain, version, token))
        except grpc.RpcError as e:
            if e.code() in (grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            raise
        items = _listed(resp, kind)
        for item in items:
            if item.id.version == version:
                found[item.id.name] = item
        if not items or not resp.token:
            return found
        token = resp.token


# --- registering ---------------------------------------------------------------------------------------------

def look_up_all(client, entities: Sequence, concurrency: int,
                on_done: Callable[[Outcome], None]) -> List[Outcome]:
    """Get* for every entity (what a dry run would do to each), at most ``concurrency`` at once; outcomes in
    entity order."""
    results: List[Optional[Outcome]] = [None] * len(entities)

    def on_result(i: int, response, error: Optional[Exception]) -> bool:
        results[i] = looked_up(entities[i], response, error)
        on_done(results[i])
        return True

    client.call_all([_get(client, e.kind) for e in entities], [_get_request(e) for e in entities], concurrency,
                    on_result)
    return results


def _stopping(outcomes) -> bool:
    return any(o.status in (CONFLICT, FAILED) for o in outcomes)


def register_entities(client, entities: List, version: str, opts: RegisterOptions, on_done,
                      listings: Optional[Dict[str, Callable]] = None,
                      order: Optional[tuple] = None,
                      content_version: bool = False) -> Tuple[List[Outcome], Dict[str, dict]]:
    """What the server already holds at this version is compared locally (one listing per kind instead of one call
    per entity; an unchanged tree re-registers without a single write); the rest is created in dependency
    order, each entity right after what it references (``order``: :func:`graph` of the entities, if already
    known). ``content_version``: ``version`` is the digest of these very entities (:func:`content_version`), so
    what the server holds under it is them. Returns the outcomes and what the listings said (kind -> name ->
    entity; a kind is missing when the server could not list it)."""
    listings = listings or {}
    known = {k: registered_at_version(client, k, opts.project, opts.domain, version, listings.get(k))
             for k in KINDS if any(e.kind == k for e in entities)}
    vouched = _vouched_workflows(entities, known) if content_version else set()
    _fill_listed_workflows(client, entities, known, opts.concurrency, vouched)
    results: Dict[int, Outcome] = {}
    todo, absent, known_diffs = [], [False] * len(entities), [None] * len(entities)
    for i, e in enumerate(entities):
        held = known.get(e.kind)
        if held is None:  # the server cannot list: ask (dry run) or just create
            todo.append(i)
            continue
        if e.kind == WORKFLOW and e.name in vouched:
            results[i] = Outcome(e.name, UNCHANGED, kind=e.kind)
            on_done(results[i])
        elif e.name in held:
            outcome = compare(e, held[e.name], WOULD_CREATE)
            if outcome.status == CONFLICT and e.kind != TASK and not opts.dry_run:
                known_diffs[i] = outcome.diff  # a server may store its own normal form: let it decide
                todo.append(i)
                continue
            results[i] = outcome
            on_done(outcome)
        elif opts.dry_run:
            results[i] = Outcome(e.name, WOULD_CREATE, kind=e.kind)
            on_done(results[i])
        else:
            absent[i] = True
            todo.append(i)
    if opts.dry_run:
        found = look_up_all(client, [entities[i] for i in todo], opts.concurrency, on_done)
        results.update(zip(todo, found))
    elif todo:
        _create_in_order(client, entities, order or graph(entities), todo, results, opts, on_done, absent,
                         known_diffs)
    return [results[i] for i in range(len(entities))], {k: v for k, v in known.items() if v is not None}


def _vouched_workflows(entities, known) -> set:
    """Workflows the listing shows at a content version, so the same as ours without reading them: the version is
    a digest over every entity of the set, this workflow included (only someone registering other content under
    that very digest by hand could make them differ). Where the listing carries the workflow's interface (flyteadmin
    lists it), it must be ours too."""
    held = known.get(WORKFLOW) or {}
    out = set()
    for e in entities:
        listed = held.get(e.name) if e.kind == WORKFLOW else None
        if listed is None:
            continue
        template = listed.closure.compiled_workflow.primary.template
        if template.HasField("interface") and template.interface != e.message.template.interface:
            continue  # read it and compare (a conflict, or a server that normalises the interface)
        out.add(e.name)
    return out


def _fill_listed_workflows(client, entities, known, concurrency: int, vouched=frozenset()) -> None:
    """flyteadmin lists workflows without their compiled closure: fetch those of the set the listing named (but
    the ``vouched`` ones, whose listing is enough)."""
    held = known.get(WORKFLOW)
    if not held:
        return
    wanted = [e for e in entities if e.kind == WORKFLOW and e.name in held and e.name not in vouched]
    fetched: Dict[str, object] = {}

    def on_result(i: int, response, error: Optional[Exception]) -> bool:
        if error is None:
            fetched[wanted[i].name] = response
        return True

    client.call_all(client.admin.GetWorkflow, [_get_request(e) for e in wanted], concurrency, on_result)
    for name in list(held):
        if name in fetched:
            held[name] = fetched[name]
        elif name not in vouched:
            del held[name]  # not readable after all: create it and let the server say


_WHY = {FAILED: "failed", CONFLICT: "conflicts with the server's", SKIPPED: "was skipped"}


def _create_in_order(client, entities, order: tuple, todo: List[int], results: Dict[int, Outcome],
                     opts: RegisterOptions, on_done, absent, known_diffs) -> None:
    """Create the ``todo`` entities in dependency order, in one stream of calls: each starts as soon as everything
    of the set it references is done (a workflow right after its own tasks, not after every task). An entity whose
    reference failed, conflicted or was skipped is skipped itself, naming it; without ``keep_going`` nothing new
    starts after the first conflict or failure (those found in the listing included)."""
    _, deps = order
    if not opts.keep_going and _stopping(results.values()):
        for i in todo:
            results[i] = _skipped(entities[i], "not attempted after an earlier conflict or failure")
            on_done(results[i])
        return
    position = {i: j for j, i in enumerate(todo)}
    calls = [_create(client, entities[i]) for i in todo]

    def admit(j: int) -> bool:
        i = todo[j]
        bad = next((d for d in deps[i] if results[d].status in (CONFLICT, FAILED, SKIPPED)), None)
        if bad is None:
            return True
        ref = entities[bad]
        results[i] = _skipped(entities[i], f"not created: it references {LABEL[ref.kind]} {ref.name}, which "
                                           f"{_WHY[results[bad].status]}")
        on_done(results[i])
        return False

    def on_result(j: int, response, error: Optional[Exception]) -> bool:
        i = todo[j]
        outcome = results[i] = created(client, entities[i], error, absent[i], known_diffs[i])
        on_done(outcome)
        return opts.keep_going or outcome.status not in (CONFLICT, FAILED)

    client.call_all([m for m, _ in calls], [r for _, r in calls], opts.concurrency, on_result,
                    after=[[position[d] for d in deps[i] if d in position] for i in todo], admit=admit)
    for i in todo:
        if i not in results:
            results[i] = _skipped(entities[i], "not attempted after an earlier conflict or failure")
            on_done(results[i])


def activate(client, entities: Sequence, outcomes: List[Outcome], known: Optional[Dict[str, object]],
             concurrency: int) -> None:
    """UpdateLaunchPlan ACTIVE for every launch plan just registered (created or unchanged): that version becomes
    the active one, and the one its schedule fires; flyteadmin deactivates the other versions of the name. A
    launch plan the listing (``known``: name -> LaunchPlan, taken before the run) showed active needs no call."""
    from flyteidl.admin import launch_plan_pb2

    picked = []
    for e, o in zip(entities, outcomes):
        if e.kind != LAUNCH_PLAN or o.status not in (CREATED, UNCHANGED):
            continue
        held = (known or {}).get(e.name)
        if held is not None and held.closure.state == launch_plan_pb2.ACTIVE:
            o.activated = True
        else:
            picked.append((e, o))
    requests = [launch_plan_pb2.LaunchPlanUpdateRequest(id=entity_id(e), state=launch_plan_pb2.ACTIVE)
                for e, _ in picked]

    def on_result(i: int, response, error: Optional[Exception]) -> bool:
        e, o = picked[i]
        if error is None:
            o.activated = True
        else:
            failed = _failed(e, error)
            o.status, o.message = FAILED, f"registered, but not activated: {failed.message}"
        return True

    client.call_all(client.admin.UpdateLaunchPlan, requests, concurrency, on_result)


# --- the whole run --------------------------------------------------------------------------------------------

def check_images(found, settings, assume_exists: bool) -> None:
    """Every ImageSpec image must be in its registry before its tasks are registered, under the name the specs
    give it (``settings``: fast or not, the flavor); "could not tell" is an error unless assumed (flytekit assumes
    it exists)."""
    if "autoc.image.spec" not in sys.modules:  # no module made an ImageSpec: nothing to ask (and ~10 ms of imports)
        return
    from autoc.image.engine import ImageBuildEngine, require_image
    from autoc.serialize import image_specs

    specs = image_specs(found, settings)
    if not specs:
        return
    from autoc.image.registry import image_exists  # urllib and http.client: only when there is a registry to ask

    command = "autoc build-image"
    if found.sdk is not None and not found.sdk.is_default:
        command += f" --sdk {found.sdk}" + (" --fast" if settings.should_fast_serialize() else "")
    for spec in specs:
        ref = ImageBuildEngine.reference(spec)
        require_image(f"image {ref}", image_exists(ref), assume_exists, missing_hint=f"run `{command}` first")


def translate(found, settings) -> List:
    """Every entity discovered, translated with ``settings``, in serialize's (pyflyte's) order."""
    from autoc.serialize import to_entities

    return to_entities(found, settings)[0]


def register(paths: Sequence[str], opts: RegisterOptions, client_factory: Callable,
             on_done: Callable[[Outcome], None] = lambda o: None) -> RegisterResult:
    """Serialize (or read) the entities under ``paths`` and register them; see the module docstring."""
    import grpc

    from autoc.image.config import ImageConfig
    from autoc.serialize import SerializationSettings, with_discovery
    from autoc.serialize.settings import DEFAULT_IN_CONTAINER_SRC_PATH, FastSerializationSettings
    from autoc.serialize.translate import REMOTE_PACKAGE_PATH

    bundle, dropped, distribution, pyflyte, auto_activated = None, [], None, None, set()
    by_engine = None
    if is_spec_input(paths):
        base = read_spec_files(paths)
        make = None
    else:
        found, by_engine = _engine_for_sources(paths, opts)
    if by_engine is not None:  # the project's flytekit makes the messages; the rest is the same
        pyflyte = by_engine
        bundle = by_engine.bundle()
        auto_activated = by_engine.auto_activated
        settings = None
        make = by_engine.make(bundle)
        base = None
    elif not is_spec_input(paths):
        if not found.entities:
            raise UserInputError("nothing to register was found under " + ", ".join(paths),
                                 hint="tasks, workflows and launch plans are found as module-level objects")
        auto_activated = {e.name for e in found.entities if getattr(e, "auto_activate", False) is True}
        pyflyte = None if found.sdk.is_default else _PyflyteRegistration(found, opts)
        if pyflyte is not None:  # pyflyte's bundle and version: what pyflyte register makes of the same tree
            bundle = pyflyte.bundle()
        elif opts.copy != "none":
            files, dropped = bundles.collect(found.source_root, opts.copy)
            bundle = bundles.build(files, opts.max_bundle_bytes)
        settings = with_discovery(SerializationSettings(
            image_config=ImageConfig.validate_image(None, "--image", opts.images), project=opts.project,
            domain=opts.domain, source_root=str(found.source_root)), found)
        if pyflyte is not None:  # what pyflyte register's settings also hold (dynamic and eager tasks carry them)
            from autoc.core.resources import Resources, ResourceSpec
            git_repo = _flytekit("registration").git_repo

            settings = dataclasses.replace(settings, git_repo=git_repo(found.source_root),
                                           default_resources=ResourceSpec(Resources(), Resources()))
        if not opts.dry_run:
            check_images(found, dataclasses.replace(settings, fast_serialization_settings=FastSerializationSettings(
                enabled=bundle is not None)), opts.assume_images_exist)

        def make(version: str, dist: Optional[str]) -> List:
            s = dataclasses.replace(settings, version=version, fast_serialization_settings=None if bundle is None
                                    else FastSerializationSettings(True, DEFAULT_IN_CONTAINER_SRC_PATH, dist))
            return translate(found, s)

        if pyflyte is not None:
            base = None  # pyflyte's version needs the bundle's upload location: computed below
        else:
            base = None if opts.version else make("", REMOTE_PACKAGE_PATH)
            if base is not None and bundle is None:
                make = None  # the entities differ only in their identity, set below: no second translation
    version = opts.version or (None if pyflyte is not None
                               else content_version(base, None if bundle is None else bundle.md5))

    client = None
    listings: Dict[str, Callable] = {}
    if not opts.dry_run or opts.diff:
        try:
            client = client_factory()
        except BaseException:
            if by_engine is not None:
                by_engine.failed_first()
            raise
    try:
        if client is not None and version is not None:  # what the server holds at this version: asked now,
            # read after the translation
            request = listing_request(opts.project, opts.domain, version)
            listings = {k: client.prefetch(_list(client, k), request) for k in KINDS}
        location = None
        if bundle is not None:
            distribution = REMOTE_PACKAGE_PATH
            if client is not None:  # signing a URL writes nothing
                if by_engine is None:
                    location = bundles.upload_location(client, bundle, opts.project, opts.domain)
                else:  # asked while the engine loads the modules; one that failed is the run's error first
                    asked = client.prefetch(client.dataproxy.CreateUploadLocation,
                                            bundles.location_request(bundle, opts.project, opts.domain))
                    by_engine.failed_first()
                    location = asked()
                distribution = location.native_url
        if version is None:
            version = pyflyte.version(settings, bundle, distribution)
            if client is not None:
                request = listing_request(opts.project, opts.domain, version)
                listings = {k: client.prefetch(_list(client, k), request) for k in KINDS}
        # every entity is built before the first write (the bundle upload included): one that cannot be
        # translated stops the run before anything is written
        entities = make(version, distribution) if make else base
        hydrate(entities, opts.project, opts.domain, version)
        order = graph(entities)  # a reference cycle is an error before any write
        if location is not None and not opts.dry_run:
            bundles.upload(bundle, location)
        if opts.dry_run and not opts.diff:
            outcomes = [Outcome(e.name, WOULD_REGISTER, kind=e.kind) for e in entities]
            for o in outcomes:
                on_done(o)
        else:
            outcomes, known = register_entities(client, entities, version, opts, on_done, listings, order,
                                                content_version=opts.version is None and pyflyte is None)
            # --activate-launchplans: every launch plan; else those made with auto_activate=True, as pyflyte does
            pairs = [(e, o) for e, o in zip(entities, outcomes)
                     if opts.activate_launchplans or (e.kind == LAUNCH_PLAN and e.name in auto_activated)]
            if pairs and not opts.dry_run:
                activate(client, [e for e, _ in pairs], [o for _, o in pairs], known.get(LAUNCH_PLAN),
                         opts.concurrency)
    except grpc.RpcError as err:  # a call the run cannot go on without (a listing, the upload location) was refused
        raise rpc_failure(err, client.settings.endpoint) from None
    finally:
        if client is not None:
            client.close()
        if by_engine is not None:
            by_engine.close()
    return RegisterResult(opts.project, opts.domain, version, outcomes, bundle, distribution, dropped, opts.dry_run,
                          engine="face" if by_engine is None else by_engine.name,
                          engine_reason=None if by_engine is None else by_engine.reason)

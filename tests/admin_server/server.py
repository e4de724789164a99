"""A loopback gRPC server that registers tasks the way flyteadmin does.

Services: ``flyteidl.service.AdminService`` (Create/Get/List for tasks, workflows and launch plans, their List*Ids,
UpdateLaunchPlan, GetActiveLaunchPlan, and the project, domain and version look-ups),
``flyteidl.service.DataProxyService`` (CreateUploadLocation) and ``flyteidl.service.AuthMetadataService``. Everything
else answers UNIMPLEMENTED, as the generated base class does. Workflows are compiled at creation (compiler.py).

Every call passes through one interceptor, in this order: counted; for a write (WRITES), admitted under
``max_concurrency`` (else RESOURCE_EXHAUSTED); delayed by ``latency_ms``; authenticated when ``require_token`` is set
(AuthMetadataService is exempt); for a write, failed with UNAVAILABLE for the seeded ``unavailable_fraction`` and for
the entities named in ``unavailable_names``; then served; a write that succeeded answers UNAVAILABLE anyway for the
seeded ``lost_answer_fraction`` (done, answer lost).
"""

from __future__ import annotations

import base64
import collections
import contextlib
import hashlib
import os
import random
import sys
import threading
import time
from concurrent import futures
from typing import Callable, Mapping, Sequence, TypeVar

import grpc
from flyteidl.admin import common_pb2, launch_plan_pb2, project_pb2, task_pb2, version_pb2, workflow_pb2
from flyteidl.core import compiler_pb2, identifier_pb2
from flyteidl.service import admin_pb2_grpc, auth_pb2, auth_pb2_grpc, dataproxy_pb2, dataproxy_pb2_grpc
from google.protobuf import json_format, timestamp_pb2

from . import compiler, validate
from .faults import Faults
from .http import BlobStore, HttpSide, TokenIssuer
from .store import ACTIVE, LAUNCH_PLANS, TASKS, WORKFLOWS, EntityStore, Key, Stored, TaskKey
from .validate import AdminError, invalid

DEFAULT_PROJECTS = {"flytesnacks": ["development", "staging", "production"]}
UNAUTHENTICATED = "Request unauthenticated with IdentityFilter"
FAKE_BUCKET = "s3://fake-bucket"
MAX_UPLOAD_EXPIRY_S = 3600  # flyteadmin's dataProxy.upload.maxExpiresIn default
_UNAUTHENTICATED_SERVICES = {"flyteidl.service.AuthMetadataService"}
_RANDOM_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand
WRITES = frozenset({"CreateTask", "CreateWorkflow", "CreateLaunchPlan", "UpdateLaunchPlan"})


class AdminServer:
    """flyteadmin's task registration on 127.0.0.1, backed by sqlite. Use as a context manager or start()/stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, db_path: str | None = None,
                 projects: Mapping[str, Sequence[str]] | None = None, require_token: str | None = None,
                 unavailable_fraction: float = 0.0, seed: int = 0, latency_ms: float = 0,
                 max_concurrency: int | None = None, unavailable_names: Sequence[str] = (), oauth_clients: Mapping[str, str] | None = None,
                 platform_limits: Mapping[str, str] | None = None, workers: int | None = None, log_calls: bool = False,
                 tls: tuple[bytes, bytes] | None = None, lost_answer_fraction: float = 0.0):
        self.projects = {p: list(d) for p, d in (DEFAULT_PROJECTS if projects is None else projects).items()}
        self.require_token = require_token
        self.platform_limits = validate.platform_limits_from(platform_limits)
        self.faults = Faults(unavailable_fraction, seed, latency_ms, max_concurrency, lost_answer_fraction,
                             frozenset(unavailable_names))
        self.store = EntityStore(db_path)
        self.blob_store = BlobStore()
        self.log_calls = log_calls

        self._lock = threading.Lock()
        self._calls: collections.Counter[str] = collections.Counter()
        self._writes = 0
        self._metadata: dict[str, dict[str, str]] = {}

        self._http = HttpSide(self.blob_store, TokenIssuer(oauth_clients, require_token), self._oauth2_metadata_json,
                              self._on_http_request, host=host)
        if workers is None:
            workers = default_workers()
        self._grpc = grpc.server(futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="admin-server"),
                                 interceptors=[_Pipeline(self)])
        admin_pb2_grpc.add_AdminServiceServicer_to_server(_AdminService(self), self._grpc)
        dataproxy_pb2_grpc.add_DataProxyServiceServicer_to_server(_DataProxyService(self), self._grpc)
        auth_pb2_grpc.add_AuthMetadataServiceServicer_to_server(_AuthMetadataService(self), self._grpc)
        if tls is not None:  # (private key PEM, certificate chain PEM): serve TLS only
            self.port = self._grpc.add_secure_port(f"{host}:{port}", grpc.ssl_server_credentials([tls]))
        else:
            self.port = self._grpc.add_insecure_port(f"{host}:{port}")
        if not self.port:
            raise RuntimeError(f"could not bind gRPC to {host}:{port}")
        self.host = host
        self._started = False

    # --- lifecycle -------------------------------------------------------------------------------------------------

    def start(self) -> "AdminServer":
        self._http.start()
        self._grpc.start()
        self._started = True
        return self

    def stop(self, grace: float | None = 1.0) -> None:
        """Stop serving. The store stays readable, so tests may inspect ``tasks()`` after the ``with`` block."""
        if self._started:
            self._grpc.stop(grace).wait()
            self._http.stop()
            self._started = False

    def __enter__(self) -> "AdminServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what tests look at ----------------------------------------------------------------------------------------

    @property
    def address(self) -> str:
        """``host:port`` of the gRPC side (a flytekit endpoint is ``dns:///`` + this)."""
        return f"{self.host}:{self.port}"

    @property
    def http_url(self) -> str:
        return self._http.url

    @property
    def calls(self) -> collections.Counter:
        """A snapshot: how often each RPC (by method name, e.g. "CreateTask") and HTTP route was called."""
        with self._lock:
            return collections.Counter(self._calls)

    @property
    def writes(self) -> int:
        """Successful Create* and UpdateLaunchPlan calls plus successful upload PUTs."""
        with self._lock:
            return self._writes

    @property
    def blobs(self) -> dict[str, bytes]:
        return self.blob_store.blobs

    def tasks(self) -> list[TaskKey]:
        return self.store.keys()

    def task_spec(self, project: str, domain: str, name: str, version: str) -> task_pb2.TaskSpec | None:
        stored = self.store.get(TaskKey(project, domain, name, version))
        return None if stored is None else task_pb2.TaskSpec.FromString(stored.spec)

    def workflows(self) -> list[Key]:
        return self.store.keys(WORKFLOWS)

    def launch_plans(self) -> list[Key]:
        return self.store.keys(LAUNCH_PLANS)

    def workflow(self, project: str, domain: str, name: str, version: str) -> workflow_pb2.Workflow | None:
        stored = self.store.get(Key(project, domain, name, version), WORKFLOWS)
        return None if stored is None else _workflow(stored)

    def launch_plan(self, project: str, domain: str, name: str, version: str) -> launch_plan_pb2.LaunchPlan | None:
        stored = self.store.get(Key(project, domain, name, version), LAUNCH_PLANS)
        return None if stored is None else _launch_plan(stored)

    def active_versions(self, project: str, domain: str, name: str) -> list[str]:
        """Versions of the launch plan ``name`` that are ACTIVE (flyteadmin keeps at most one)."""
        return [r.key.version for r in self.store.list(project, domain, name, kind=LAUNCH_PLANS, state=ACTIVE)]

    def last_metadata(self, method: str) -> dict[str, str]:
        """The invocation metadata of the latest call to ``method`` (keys lower-case, as gRPC delivers them)."""
        with self._lock:
            return dict(self._metadata.get(method, {}))

    # --- bookkeeping -----------------------------------------------------------------------------------------------

    def _count(self, method: str, metadata: Mapping[str, str]) -> None:
        with self._lock:
            self._calls[method] += 1
            self._metadata[method] = dict(metadata)
        if self.log_calls:
            shown = {k: v for k, v in metadata.items() if not k.startswith("grpc-")}
            _log(f"CALL {method} {shown}")

    def _wrote(self) -> None:
        with self._lock:
            self._writes += 1

    def _on_http_request(self, name: str, ok: bool, wrote: bool) -> None:
        with self._lock:
            self._calls[name] += 1
            if wrote:
                self._writes += 1
        if self.log_calls:
            _log(f"HTTP {name} {'ok' if ok else 'rejected'}")

    def _authorized(self, metadata: Mapping[str, str]) -> bool:
        if self.require_token is None:
            return True
        scheme, _, token = metadata.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token.strip() == self.require_token

    def _oauth2_metadata(self) -> auth_pb2.OAuth2MetadataResponse:
        base = self.http_url
        return auth_pb2.OAuth2MetadataResponse(
            issuer=base,
            authorization_endpoint=f"{base}/oauth2/authorize",
            token_endpoint=f"{base}/oauth2/token",
            response_types_supported=["code", "token", "code token"],
            scopes_supported=["all", "offline"],
            token_endpoint_auth_methods_supported=["client_secret_basic"],
            jwks_uri=f"{base}/oauth2/jwks",
            code_challenge_methods_supported=["S256"],
            grant_types_supported=["client_credentials", "refresh_token", "authorization_code"],
        )

    def _oauth2_metadata_json(self) -> dict:
        return json_format.MessageToDict(self._oauth2_metadata(), preserving_proto_field_name=True)


def default_workers() -> int:
    """Handler threads: two per core, at least 4. More only contend for the GIL: on 2 cores, a CreateTask cost
    0.38-0.40 ms of server CPU with 16 threads against 0.26-0.33 ms with 4 (benchmarks/README.md)."""
    return max(4, 2 * (os.cpu_count() or 1))


def _log(line: str) -> None:
    sys.stderr.write(line + "\n")  # one write, so lines from concurrent calls do not interleave
    sys.stderr.flush()


class _Pipeline(grpc.ServerInterceptor):
    """Counting, faults and authentication around every unary handler."""

    def __init__(self, server: AdminServer):
        self.server = server

    def intercept_service(self, continuation, details):
        service, _, method = details.method.lstrip("/").rpartition("/")
        metadata = {m.key: m.value for m in details.invocation_metadata or ()}
        handler = continuation(details)
        if handler is None or handler.unary_unary is None:
            self.server._count(method, metadata)
            return handler
        inner = handler.unary_unary

        def call(request, context):
            self.server._count(method, metadata)
            try:
                return self._serve(service, method, metadata, inner, request, context)
            except AdminError as e:
                context.abort(e.code, e.message)

        return grpc.unary_unary_rpc_method_handler(call, request_deserializer=handler.request_deserializer,
                                                   response_serializer=handler.response_serializer)

    def _serve(self, service, method, metadata, inner, request, context):
        server, faults = self.server, self.server.faults
        write = method in WRITES
        with faults.slot() if write else contextlib.nullcontext(True) as admitted:
            if not admitted:
                raise AdminError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                                 f"too many concurrent requests: at most {faults.max_concurrency} writes at once")
            faults.delay()
            if service not in _UNAUTHENTICATED_SERVICES and not server._authorized(metadata):
                raise AdminError(grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED)
            if write and (faults.roll_unavailable() or _entity_name(request) in faults.unavailable_names):
                raise AdminError(grpc.StatusCode.UNAVAILABLE, "injected fault: service unavailable, try again")
            response = inner(request, context)
            if write and faults.roll_lost_answer():
                raise AdminError(grpc.StatusCode.UNAVAILABLE, "injected fault: the write was done, its answer lost")
            return response


def _entity_name(request) -> str:
    """The name of the entity a write request creates or updates ("" when it names none)."""
    ident = getattr(request, "id", None)
    return getattr(ident, "name", "") if ident is not None else ""


class _AdminService(admin_pb2_grpc.AdminServiceServicer):
    def __init__(self, server: AdminServer):
        self.server = server

    def CreateTask(self, request: task_pb2.TaskCreateRequest, context) -> task_pb2.TaskCreateResponse:
        server = self.server
        validate.validate_task(request, server.projects, server.platform_limits)
        spec = task_pb2.TaskSpec()
        spec.CopyFrom(request.spec)
        spec.template.id.CopyFrom(request.id)  # flyteadmin's setDefaults
        validate.compile_task(spec.template)
        digest = hashlib.sha256(spec.template.SerializeToString(deterministic=True)).hexdigest()
        key = TaskKey(request.id.project, request.id.domain, request.id.name, request.id.version)
        existing = server.store.create_if_absent(key, spec.SerializeToString(deterministic=True), digest)
        if existing is None:
            server._wrote()
            return task_pb2.TaskCreateResponse()
        if existing.digest == digest:
            raise AdminError(grpc.StatusCode.ALREADY_EXISTS, validate.IDENTICAL_STRUCTURE)
        old = task_pb2.TaskSpec.FromString(existing.spec).template
        raise invalid(validate.different_structure_message(request.id.name, old, spec.template))

    def GetTask(self, request: common_pb2.ObjectGetRequest, context) -> task_pb2.Task:
        return _task(self._get(request.id, TASKS, "TASK"))

    def ListTasks(self, request: common_pb2.ResourceListRequest, context) -> task_pb2.TaskList:
        page, token = self._list(request, TASKS, "ListTasks")
        return task_pb2.TaskList(tasks=[_task(r) for r in page], token=token)

    def ListTaskIds(self, request: common_pb2.NamedEntityIdentifierListRequest, context):
        return self._list_ids(request, TASKS, "ListUniqueTaskIdentifiers")

    # --- workflows (workflow_manager.go) ----------------------------------------------------------------------------

    def CreateWorkflow(self, request: workflow_pb2.WorkflowCreateRequest, context):
        server = self.server
        validate.validate_workflow(request, server.projects)
        spec = request.spec  # the handler's own copy of the request
        spec.template.id.CopyFrom(request.id)  # setDefaults
        closure = compiler.compile_workflow(spec, self._compiled_task, self._launch_plan_for_compiler)
        digest = hashlib.sha256(closure.SerializeToString(deterministic=True)).hexdigest()
        stored = workflow_pb2.Workflow(id=request.id, closure=workflow_pb2.WorkflowClosure(compiled_workflow=closure),
                                       short_description=spec.description.short_description)
        existing = server.store.create_if_absent(_key(request.id), stored.SerializeToString(deterministic=True),
                                                 digest, WORKFLOWS)
        if existing is None:
            server._wrote()
            return workflow_pb2.WorkflowCreateResponse()
        if existing.digest == digest:
            raise AdminError(grpc.StatusCode.ALREADY_EXISTS, validate.IDENTICAL_WORKFLOW)
        old = _workflow(existing, compiled=False).closure.compiled_workflow  # (flyteadmin diffs against the listed form)
        raise invalid(validate.different_message(request.id.name, "workflow", validate.diff_messages(old, closure)))

    def GetWorkflow(self, request: common_pb2.ObjectGetRequest, context) -> workflow_pb2.Workflow:
        validate.validate_identifier(request.id if request.HasField("id") else None, identifier_pb2.WORKFLOW)
        return _workflow(self._get(request.id, WORKFLOWS, "WORKFLOW"))

    def ListWorkflows(self, request: common_pb2.ResourceListRequest, context) -> workflow_pb2.WorkflowList:
        """Without the compiled closure (but its interface), as flyteadmin lists workflows."""
        page, token = self._list(request, WORKFLOWS, "ListWorkflows")
        return workflow_pb2.WorkflowList(workflows=[_workflow(r, compiled=False) for r in page], token=token)

    def ListWorkflowIds(self, request: common_pb2.NamedEntityIdentifierListRequest, context):
        return self._list_ids(request, WORKFLOWS, "ListWorkflowIdentifiers")

    # --- launch plans (launch_plan_manager.go) ----------------------------------------------------------------------

    def CreateLaunchPlan(self, request: launch_plan_pb2.LaunchPlanCreateRequest, context):
        server = self.server
        validate.validate_launch_plan(request, server.projects)
        workflow = _workflow(self._get(request.spec.workflow_id, WORKFLOWS, "WORKFLOW"))
        interface = workflow.closure.compiled_workflow.primary.template.interface
        expected = compiler.expected_inputs(interface.inputs, request.spec)
        compiler.validate_schedule(request.spec, expected)
        plan = launch_plan_pb2.LaunchPlan(id=request.id, spec=request.spec)
        plan.spec.default_inputs.CopyFrom(expected)  # ValidateLaunchPlan augments the defaults
        plan.closure.expected_inputs.CopyFrom(expected)
        plan.closure.expected_outputs.CopyFrom(interface.outputs)
        digest = hashlib.sha256(plan.SerializeToString(deterministic=True)).hexdigest()
        existing = server.store.create_if_absent(_key(request.id), plan.SerializeToString(deterministic=True),
                                                 digest, LAUNCH_PLANS)
        if existing is None:
            server._wrote()
            return launch_plan_pb2.LaunchPlanCreateResponse()
        if existing.digest == digest:
            raise AdminError(grpc.StatusCode.ALREADY_EXISTS, validate.IDENTICAL_LAUNCH_PLAN)
        old = _launch_plan(existing).spec
        raise invalid(validate.different_message(request.id.name, "launch plan",
                                                 validate.diff_messages(old, plan.spec)))

    def GetLaunchPlan(self, request: common_pb2.ObjectGetRequest, context) -> launch_plan_pb2.LaunchPlan:
        validate.validate_identifier(request.id if request.HasField("id") else None, identifier_pb2.LAUNCH_PLAN)
        return _launch_plan(self._get(request.id, LAUNCH_PLANS, "LAUNCH_PLAN"))

    def ListLaunchPlans(self, request: common_pb2.ResourceListRequest, context) -> launch_plan_pb2.LaunchPlanList:
        page, token = self._list(request, LAUNCH_PLANS, "ListLaunchPlans")
        return launch_plan_pb2.LaunchPlanList(launch_plans=[_launch_plan(r) for r in page], token=token)

    def ListLaunchPlanIds(self, request: common_pb2.NamedEntityIdentifierListRequest, context):
        return self._list_ids(request, LAUNCH_PLANS, "ListLaunchPlanIdentifiers")

    def UpdateLaunchPlan(self, request: launch_plan_pb2.LaunchPlanUpdateRequest, context):
        """ACTIVE makes this version the one that is active (and scheduled), every other version INACTIVE."""
        validate.validate_identifier(request.id if request.HasField("id") else None, identifier_pb2.LAUNCH_PLAN)
        if not self.server.store.activate(_key(request.id), request.state):
            raise compiler.missing_entity("LAUNCH_PLAN", request.id)
        self.server._wrote()
        return launch_plan_pb2.LaunchPlanUpdateResponse()

    def GetActiveLaunchPlan(self, request: launch_plan_pb2.ActiveLaunchPlanRequest, context):
        ident = request.id
        rows = self.server.store.list(ident.project, ident.domain, ident.name, kind=LAUNCH_PLANS, state=ACTIVE)
        if not rows:
            raise AdminError(grpc.StatusCode.NOT_FOUND,
                             f"No active launch plan could be found: {ident.project}:{ident.domain}:{ident.name}")
        return _launch_plan(rows[0])

    # --- shared ---------------------------------------------------------------------------------------------------

    def _get(self, ident: identifier_pb2.Identifier, kind: str, label: str) -> Stored:
        stored = self.server.store.get(_key(ident), kind)
        if stored is None:
            raise compiler.missing_entity(label, ident)
        return stored

    def _compiled_task(self, ident: identifier_pb2.Identifier):
        return task_pb2.TaskSpec.FromString(self._get(ident, TASKS, "TASK").spec).template

    def _launch_plan_for_compiler(self, ident: identifier_pb2.Identifier) -> launch_plan_pb2.LaunchPlan:
        return _launch_plan(self._get(ident, LAUNCH_PLANS, "LAUNCH_PLAN"))

    def _list(self, request: common_pb2.ResourceListRequest, kind: str, rpc: str):
        if not request.HasField("id"):
            raise validate.missing("id")
        _require(request.id.project, "project")
        _require(request.id.domain, "domain")

        def rows():
            version = validate.version_filter(request.filters)
            return self.server.store.list(request.id.project, request.id.domain, request.id.name or None, version,
                                          kind=kind)

        return _page(rows, request.limit, request.token, rpc)

    def _list_ids(self, request: common_pb2.NamedEntityIdentifierListRequest, kind: str, rpc: str):
        _require(request.project, "project")
        _require(request.domain, "domain")

        def names():
            return sorted({r.key.name for r in self.server.store.list(request.project, request.domain, kind=kind)})

        page, token = _page(names, request.limit, request.token, rpc)
        return common_pb2.NamedEntityIdentifierList(
            entities=[common_pb2.NamedEntityIdentifier(project=request.project, domain=request.domain, name=n)
                      for n in page], token=token)

    def GetProject(self, request: project_pb2.ProjectGetRequest, context) -> project_pb2.Project:
        if request.id not in self.server.projects:
            raise AdminError(grpc.StatusCode.NOT_FOUND, f"project [{request.id}] not found")
        return self._project(request.id)

    def ListProjects(self, request: project_pb2.ProjectListRequest, context) -> project_pb2.Projects:
        return project_pb2.Projects(projects=[self._project(p) for p in sorted(self.server.projects)])

    def GetDomains(self, request, context) -> project_pb2.GetDomainsResponse:
        domains = dict.fromkeys(d for ds in self.server.projects.values() for d in ds)
        return project_pb2.GetDomainsResponse(domains=[project_pb2.Domain(id=d, name=d) for d in domains])

    def GetVersion(self, request, context) -> version_pb2.GetVersionResponse:
        return version_pb2.GetVersionResponse(control_plane_version=version_pb2.Version(
            Build="tests.admin_server", Version="v1.16.0-loopback", BuildTime="1970-01-01T00:00:00Z"))

    def _project(self, project: str) -> project_pb2.Project:
        return project_pb2.Project(id=project, name=project, state=project_pb2.Project.ACTIVE,
                                   domains=[project_pb2.Domain(id=d, name=d) for d in self.server.projects[project]])


def _require(value: str, field: str) -> None:
    if not value:
        raise validate.missing(field)


_T = TypeVar("_T")


def _page(items: Callable[[], Sequence[_T]], limit: int, token: str, rpc: str) -> tuple[Sequence[_T], str]:
    """flyteadmin's offset paging: the page of ``items()`` that ``token`` (an offset) starts, and the next token ("" on
    the last page). ``items`` is called only once limit and token are valid, so their errors come first."""
    if limit == 0:
        raise invalid("invalid value for limit")
    if token and not token.isdigit():
        raise invalid(f"invalid pagination token {token} for {rpc}")
    offset = int(token or 0)
    page = items()[offset:offset + limit]
    return page, str(offset + len(page)) if len(page) == limit else ""


def _key(ident: identifier_pb2.Identifier) -> Key:
    return Key(ident.project, ident.domain, ident.name, ident.version)


def _created(stored: Stored) -> timestamp_pb2.Timestamp:
    created = timestamp_pb2.Timestamp()
    created.FromNanoseconds(int(stored.created_at * 1e9))
    return created


def _workflow(stored: Stored, compiled: bool = True) -> workflow_pb2.Workflow:
    wf = workflow_pb2.Workflow.FromString(stored.spec)
    if not compiled:  # flyteadmin's FromWorkflowModel: of the compiled closure, the primary's interface only
        interface = wf.closure.compiled_workflow.primary.template.interface
        wf.closure.ClearField("compiled_workflow")
        wf.closure.compiled_workflow.primary.template.interface.CopyFrom(interface)
    wf.closure.created_at.CopyFrom(_created(stored))
    return wf


def _launch_plan(stored: Stored) -> launch_plan_pb2.LaunchPlan:
    plan = launch_plan_pb2.LaunchPlan.FromString(stored.spec)
    plan.closure.state = stored.state
    plan.closure.created_at.CopyFrom(_created(stored))
    return plan


def _task(stored: Stored) -> task_pb2.Task:
    spec = task_pb2.TaskSpec.FromString(stored.spec)
    created = _created(stored)
    return task_pb2.Task(
        id=spec.template.id,
        closure=task_pb2.TaskClosure(compiled_task=compiler_pb2.CompiledTask(template=spec.template),
                                     created_at=created),
        short_description=spec.description.short_description,
    )


class _DataProxyService(dataproxy_pb2_grpc.DataProxyServiceServicer):
    def __init__(self, server: AdminServer):
        self.server = server

    def CreateUploadLocation(self, req: dataproxy_pb2.CreateUploadLocationRequest, context):
        blobs = self.server.blob_store
        if not req.project or not req.domain:
            raise invalid("project and domain are required parameters")
        if not req.filename_root and not req.content_md5:
            raise invalid("content_md5 or filename_root is a required parameter")

        expires_in = MAX_UPLOAD_EXPIRY_S
        if req.HasField("expires_in"):
            expires_in = req.expires_in.ToTimedelta().total_seconds()
            if expires_in > MAX_UPLOAD_EXPIRY_S:
                raise invalid(f"expiresIn [{_go_duration(expires_in)}] cannot exceed max allowed expiration "
                              f"[{_go_duration(MAX_UPLOAD_EXPIRY_S)}]")

        prefix = req.filename_root or base64.b32encode(req.content_md5).decode()
        filename = req.filename or "".join(random.choices(_RANDOM_NAME_ALPHABET, k=20))
        native_url = f"{FAKE_BUCKET}/{req.project}/{req.domain}/{prefix}/{filename}"
        if req.filename:
            # A user-chosen name: an object already there may only be rewritten by the same content.
            existing = blobs.md5_of(native_url)
            if existing is not None and existing != req.content_md5:
                raise AdminError(grpc.StatusCode.ALREADY_EXISTS, f"file already exists at location [{native_url}], "
                                 "specify a matching hash if you wish to rewrite")

        token = blobs.grant(native_url, req.content_md5, expires_in)
        headers = {}
        if req.content_md5 and req.add_content_md5_metadata:
            headers["x-amz-meta-content-md5"] = base64.b64encode(req.content_md5).decode()
        expires_at = timestamp_pb2.Timestamp()
        expires_at.FromSeconds(int(time.time() + expires_in))
        return dataproxy_pb2.CreateUploadLocationResponse(
            signed_url=f"{self.server.http_url}/upload/{token}", native_url=native_url,
            expires_at=expires_at, headers=headers)


def _go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String()`` for whole seconds (e.g. ``1h0m0s``, ``2m30s``, ``45s``)."""
    s = int(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}h{m}m{s}s"
    if m:
        return f"{m}m{s}s"
    return f"{s}s"


class _AuthMetadataService(auth_pb2_grpc.AuthMetadataServiceServicer):
    """Never requires a token: clients call it to learn how to get one."""

    def __init__(self, server: AdminServer):
        self.server = server

    def GetOAuth2Metadata(self, request, context) -> auth_pb2.OAuth2MetadataResponse:
        return self.server._oauth2_metadata()

    def GetPublicClientConfig(self, request, context) -> auth_pb2.PublicClientAuthConfigResponse:
        return auth_pb2.PublicClientAuthConfigResponse(
            client_id="flytectl", redirect_uri="http://localhost:53593/callback", scopes=["all"],
            authorization_metadata_key="authorization")


__all__ = ["AdminServer", "DEFAULT_PROJECTS", "UNAUTHENTICATED"]

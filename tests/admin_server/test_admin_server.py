"""The loopback admin server, driven by real gRPC and HTTP clients, and by flytekit's own ``pyflyte register``."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import common_pb2, description_entity_pb2, project_pb2, task_pb2
from flyteidl.core import identifier_pb2, interface_pb2, tasks_pb2, types_pb2
from flyteidl.service import (admin_pb2_grpc, auth_pb2, auth_pb2_grpc, dataproxy_pb2, dataproxy_pb2_grpc)
from google.protobuf import duration_pb2

from tests.admin_server import AdminServer, TaskKey
from tests.admin_server.quantity import ERR_FORMAT_WRONG, ERR_NUMERIC, ERR_SUFFIX, QuantityError, parse_quantity
from tests.conftest import EXAMPLES, REPO, SHIM

IMAGES = ["--image", "ghcr.io/acme/app:v1", "--image", "gpu=ghcr.io/acme/gpu:v3"]
GENEROUS_LIMITS = ["--platform-limit", "cpu=64", "--platform-limit", "memory=1Ti", "--platform-limit", "gpu=8"]
PROJECT, DOMAIN = "flytesnacks", "development"


# --- helpers ---------------------------------------------------------------------------------------------------

@pytest.fixture
def server():
    with AdminServer() as s:
        yield s


@pytest.fixture
def admin(server):
    with grpc.insecure_channel(server.address) as ch:
        yield admin_pb2_grpc.AdminServiceStub(ch)


@pytest.fixture
def dataproxy(server):
    with grpc.insecure_channel(server.address) as ch:
        yield dataproxy_pb2_grpc.DataProxyServiceStub(ch)


def task_id(name="t", version="v1", project=PROJECT, domain=DOMAIN, resource_type=identifier_pb2.TASK):
    return identifier_pb2.Identifier(resource_type=resource_type, project=project, domain=domain, name=name,
                                     version=version)


def int_var() -> interface_pb2.Variable:
    return interface_pb2.Variable(type=types_pb2.LiteralType(simple=types_pb2.INTEGER))


def create_request(name="t", version="v1", **container) -> task_pb2.TaskCreateRequest:
    """A request flyteadmin accepts: a python task with one input, one output and a command line."""
    fields = dict(image="ghcr.io/acme/app:v1", args=["pyflyte-execute", "--inputs", "{{.input}}"])
    fields.update(container)
    template = tasks_pb2.TaskTemplate(
        type="python-task",
        metadata=tasks_pb2.TaskMetadata(runtime=tasks_pb2.RuntimeMetadata(
            type=tasks_pb2.RuntimeMetadata.FLYTE_SDK, version="1.16.0", flavor="python")),
        interface=interface_pb2.TypedInterface(inputs=interface_pb2.VariableMap(variables={"x": int_var()}),
                                               outputs=interface_pb2.VariableMap(variables={"o0": int_var()})),
        container=tasks_pb2.Container(**fields),
    )
    description = description_entity_pb2.DescriptionEntity(short_description="Adds one.")
    return task_pb2.TaskCreateRequest(id=task_id(name, version),
                                      spec=task_pb2.TaskSpec(template=template, description=description))


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call(*args, **kwargs)
    return info.value


def status_of(call, *args, **kwargs) -> grpc.StatusCode:
    """The status ``call`` ends with: OK, or the code of the RpcError it raised."""
    try:
        call(*args, **kwargs)
    except grpc.RpcError as e:
        return e.code()
    return grpc.StatusCode.OK


def resources(requests=None, limits=None) -> tasks_pb2.Resources:
    def entries(d):
        return [tasks_pb2.Resources.ResourceEntry(name=tasks_pb2.Resources.ResourceName.Value(k.upper()), value=v)
                for k, v in (d or {}).items()]
    return tasks_pb2.Resources(requests=entries(requests), limits=entries(limits))


def http(method: str, url: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body if method in ("PUT", "POST") else None, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as rsp:
            return rsp.status, rsp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def b64md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


# --- registration ----------------------------------------------------------------------------------------------

def test_create_then_get(server, admin):
    request = create_request()
    request.spec.template.id.CopyFrom(task_id("something-else", "v0"))  # flyteadmin overwrites it with request.id
    assert admin.CreateTask(request) == task_pb2.TaskCreateResponse()

    got = admin.GetTask(common_pb2.ObjectGetRequest(id=task_id()))
    assert got.id == task_id()
    assert got.closure.compiled_task.template.id == task_id()
    assert got.closure.compiled_task.template.container.image == "ghcr.io/acme/app:v1"
    assert got.closure.created_at.seconds > 0
    assert got.short_description == "Adds one."
    assert server.tasks() == [TaskKey(PROJECT, DOMAIN, "t", "v1")]
    assert server.task_spec(PROJECT, DOMAIN, "t", "v1").description.short_description == "Adds one."


def test_get_missing_task_is_not_found(admin):
    err = rpc_error(admin.GetTask, common_pb2.ObjectGetRequest(id=task_id("nope")))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert err.details().startswith("missing entity of type TASK with identifier")


def test_identical_recreate_is_already_exists(server, admin):
    admin.CreateTask(create_request())
    err = rpc_error(admin.CreateTask, create_request())
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    assert err.details() == "task with identical structure already exists"
    assert server.writes == 1


def test_description_only_change_counts_as_identical(admin):
    admin.CreateTask(create_request())
    changed = create_request()
    changed.spec.description.short_description = "Adds two, now."
    changed.spec.description.long_description.value = "A much longer story."
    assert rpc_error(admin.CreateTask, changed).code() == grpc.StatusCode.ALREADY_EXISTS
    # the first registration wins
    assert admin.GetTask(common_pb2.ObjectGetRequest(id=task_id())).short_description == "Adds one."


def test_changed_template_is_invalid_with_a_diff(server, admin):
    admin.CreateTask(create_request())
    changed = create_request(image="ghcr.io/acme/app:v2")
    changed.spec.template.container.args.append("--verbose")
    err = rpc_error(admin.CreateTask, changed)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details().startswith("t task with different structure already exists. "
                                    "(Please register a new version of the task):\n")
    # flyteadmin 1.16.8's very answer: Go's names for oneofs (Target/Container); the appended argument does not show
    # (its jsondiff adds it at args/- and removes it at args/3: compareJsons keeps only the paths both share)
    assert err.details().endswith("\n/template/Target/Container/image:\n\t- ghcr.io/acme/app:v1 \n\t+ ghcr.io/acme/app:v2")
    assert server.task_spec(PROJECT, DOMAIN, "t", "v1").template.container.image == "ghcr.io/acme/app:v1"


def test_new_version_of_a_changed_task_is_accepted(server, admin):
    admin.CreateTask(create_request())
    admin.CreateTask(create_request(version="v2", image="ghcr.io/acme/app:v2"))
    assert [k.version for k in server.tasks()] == ["v1", "v2"]


def test_list_tasks_and_ids(admin):
    for name, version in [("a", "v1"), ("a", "v2"), ("b", "v1")]:
        admin.CreateTask(create_request(name, version))
    listed = admin.ListTasks(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN, name="a"), limit=10))
    assert sorted(t.id.version for t in listed.tasks) == ["v1", "v2"]
    page = admin.ListTasks(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN), limit=2))
    assert len(page.tasks) == 2 and page.token == "2"
    ids = admin.ListTaskIds(common_pb2.NamedEntityIdentifierListRequest(project=PROJECT, domain=DOMAIN, limit=10))
    assert [e.name for e in ids.entities] == ["a", "b"]
    err = rpc_error(admin.ListTasks, common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN)))
    assert (err.code(), err.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "invalid value for limit")


def test_projects_and_domains(admin):
    projects = admin.ListProjects(project_pb2.ProjectListRequest())
    assert [p.id for p in projects.projects] == [PROJECT]
    assert [d.id for d in projects.projects[0].domains] == ["development", "staging", "production"]
    assert admin.GetProject(project_pb2.ProjectGetRequest(id=PROJECT)).state == project_pb2.Project.ACTIVE
    assert rpc_error(admin.GetProject, project_pb2.ProjectGetRequest(id="nope")).code() == grpc.StatusCode.NOT_FOUND


def test_unimplemented_rpcs_say_so_and_are_counted(server, admin):
    from flyteidl.admin import execution_pb2
    err = rpc_error(admin.CreateExecution, execution_pb2.ExecutionCreateRequest())
    assert err.code() == grpc.StatusCode.UNIMPLEMENTED
    assert server.calls["CreateExecution"] == 1


def test_concurrent_identical_creates_store_exactly_once(server):
    with grpc.insecure_channel(server.address) as ch:
        stub = admin_pb2_grpc.AdminServiceStub(ch)

        with futures.ThreadPoolExecutor(12) as pool:
            codes = list(pool.map(lambda _: status_of(stub.CreateTask, create_request()), range(24)))
    assert codes.count(grpc.StatusCode.OK) == 1
    assert codes.count(grpc.StatusCode.ALREADY_EXISTS) == 23
    assert server.writes == 1 and server.calls["CreateTask"] == 24


def test_store_stays_readable_after_stop():
    with AdminServer() as server, grpc.insecure_channel(server.address) as ch:
        admin_pb2_grpc.AdminServiceStub(ch).CreateTask(create_request())
    assert server.tasks() == [TaskKey(PROJECT, DOMAIN, "t", "v1")]
    assert server.task_spec(PROJECT, DOMAIN, "t", "v1").template.type == "python-task"


def test_sqlite_file_survives_a_restart(tmp_path):
    db = tmp_path / "admin.db"
    with AdminServer(db_path=str(db)) as first, grpc.insecure_channel(first.address) as ch:
        admin_pb2_grpc.AdminServiceStub(ch).CreateTask(create_request())
    with sqlite3.connect(db) as conn:
        (name, digest), = conn.execute("SELECT name, digest FROM tasks").fetchall()
    assert name == "t" and re.fullmatch("[0-9a-f]{64}", digest)
    with AdminServer(db_path=str(db)) as second, grpc.insecure_channel(second.address) as ch:
        stub = admin_pb2_grpc.AdminServiceStub(ch)
        assert stub.GetTask(common_pb2.ObjectGetRequest(id=task_id())).id.name == "t"
        assert rpc_error(stub.CreateTask, create_request()).code() == grpc.StatusCode.ALREADY_EXISTS


# --- flyteadmin's validation -----------------------------------------------------------------------------------

def _clear(field):
    def mutate(r):
        r.ClearField(field)
    return mutate


def _set_id(**kw):
    def mutate(r):
        for k, v in kw.items():
            setattr(r.id, k, v)
    return mutate


def _template(fn):
    def mutate(r):
        fn(r.spec.template)
    return mutate


def _container_resources(requests=None, limits=None):
    return _template(lambda t: t.container.resources.CopyFrom(resources(requests, limits)))


def _bad_pod(t):
    t.ClearField("container")
    t.k8s_pod.pod_spec.update({"containers": [{"name": "Main_Container", "image": "x"}]})


INVALID = [
    ("nil id", _clear("id"), "missing id"),
    ("workflow id", _set_id(resource_type=identifier_pb2.WORKFLOW),
     "unexpected resource type workflow for identifier ["),
    ("no project", _set_id(project=""), "missing project"),
    ("no domain", _set_id(domain=""), "missing domain"),
    ("no name", _set_id(name=""), "missing name"),
    ("no version", _set_id(version=""), "missing version"),
    ("unknown project", _set_id(project="nope"),
     "failed to validate that project [nope] and domain [development] are registered, err: [project [nope] not found]"),
    ("unknown domain", _set_id(domain="qa"), "domain [qa] is unrecognized by system"),
    ("no spec", _clear("spec"), "missing spec"),
    ("no template", lambda r: r.spec.ClearField("template"), "missing spec"),
    ("no type", _template(lambda t: setattr(t, "type", "")), "missing type"),
    ("no metadata", _template(lambda t: t.ClearField("metadata")), "missing metadata"),
    ("runtime without version", _template(lambda t: setattr(t.metadata.runtime, "version", "")),
     "missing runtime version"),
    ("no interface", _template(lambda t: t.ClearField("interface")), "missing typed interface"),
    ("no image", _template(lambda t: setattr(t.container, "image", "")), "missing image"),
    ("unparsable cpu", _container_resources({"cpu": "lots"}),
     "Parsing of CPU request failed for value lots - reason  quantities must match the regular expression "
     "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'. Please follow K8s conventions for resources "
     "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"),
    ("unparsable memory limit", _container_resources(limits={"memory": "."}),
     "Parsing of MEMORY request failed for value . - reason  unable to parse numeric part of quantity."),
    ("bad suffix", _container_resources({"memory": "1iG"}),
     "Parsing of MEMORY request failed for value 1iG - reason  unable to parse quantity's suffix."),
    ("fractional gpu", _container_resources({"gpu": "500m"}), "must be a whole number, got: 500m instead"),
    ("gpu request differs from limit", _container_resources({"gpu": "1"}, {"gpu": "0"}),
     "For extended resource 'gpu' the default value must equal the limit value for task ["),
    ("cpu request above limit", _container_resources({"cpu": "2"}, {"cpu": "1"}),
     "Requested CPU default [2] is greater than the limit [1]. Please fix your configuration"),
    ("memory request above limit", _container_resources({"memory": "1Gi"}, {"memory": "512Mi"}),
     "Requested MEMORY default [1Gi] is greater than the limit [512Mi]. Please fix your configuration"),
    ("ephemeral storage request above limit",
     _container_resources({"ephemeral_storage": "2Gi"}, {"ephemeral_storage": "1Gi"}),
     "Requested EPHEMERAL_STORAGE default [2Gi] is greater than the limit [1Gi]. Please fix your configuration"),
    ("memory limit above the platform's", _container_resources({"memory": "512Mi"}, {"memory": "4Gi"}),
     "Requested MEMORY limit [4Gi] is greater than current limit set in the platform configuration [1Gi]. "
     "Please contact Flyte Admins to change these limits or consult the configuration"),
    ("cpu request above the platform's", _container_resources({"cpu": "3"}),
     "Requested CPU default [3] is greater than current limit set in the platform configuration [2]. "),
    ("gpu request above the platform's", _container_resources({"gpu": "2"}),
     "Requested GPU default [2] is greater than current limit set in the platform configuration [1]. "),
    ("pod request above the platform's",
     _template(lambda t: (t.ClearField("container"), t.k8s_pod.pod_spec.update(
         {"containers": [{"name": "main", "resources": {"requests": {"memory": "2Gi"}}}]}))),
     "Requested MEMORY default [2Gi] is greater than current limit set in the platform configuration [1Gi]."),
    ("no command for a task with inputs", _template(lambda t: (t.container.ClearField("args"),
                                                               t.container.ClearField("command"))),
     "task failed compilation with Collected Errors: 1\n"
     "\tError 0: Code: ValueRequired, Node Id: container, Description: Value required [command].\n"),
    ("unparsable unknown resource (caught by the compiler)", _container_resources({"unknown": "whatever"}),
     "task failed compilation with Collected Errors: 1\n\tError 0: Code: UnrecognizedValue, "
     "Node Id: resources.UNKNOWN, Description: Unrecognized value [whatever].\n"),
    ("pod container name not a DNS label", _template(_bad_pod),
     "task failed compilation with Collected Errors: 1\n"
     "\tError 0: Code: InvalidValue, Node Id: root, Description: Invalid value [k8s pod spec container name].\n"),
]


@pytest.mark.parametrize("mutate, message", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_requests_are_rejected_like_flyteadmin(server, admin, mutate, message):
    request = create_request()
    mutate(request)
    err = rpc_error(admin.CreateTask, request)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in err.details()
    assert server.tasks() == [] and server.writes == 0
    assert server.calls["CreateTask"] == 1


VALID = [
    ("no command for a task without inputs or outputs",
     _template(lambda t: (t.container.ClearField("args"), t.interface.Clear()))),
    ("resources within every limit", _container_resources({"cpu": "500m", "memory": "256Mi"},
                                                          {"cpu": "2", "memory": "1Gi", "gpu": "1"})),
    # flyteadmin compares Quantity.Value(), which rounds up: 500m and 400m both count as 1
    ("sub-unit cpu request above its limit", _container_resources({"cpu": "500m"}, {"cpu": "400m"})),
    ("unknown resource names escape the limits", _container_resources({"unknown": "100"})),
    ("a pod task", _template(lambda t: (t.ClearField("container"), t.k8s_pod.pod_spec.update(
        {"containers": [{"name": "primary", "image": "x", "resources": {"requests": {"cpu": "1"}}}]})))),
    ("a runtime-less task", _template(lambda t: t.metadata.ClearField("runtime"))),
]


@pytest.mark.parametrize("mutate", [c[1] for c in VALID], ids=[c[0] for c in VALID])
def test_valid_edge_cases_are_accepted(server, admin, mutate):
    request = create_request()
    mutate(request)
    admin.CreateTask(request)
    assert server.tasks() == [TaskKey(PROJECT, DOMAIN, "t", "v1")]


def test_platform_limits_and_projects_are_configurable():
    with AdminServer(platform_limits={"cpu": "8", "memory": "16Gi"}, projects={"acme": ["dev"]}) as server, \
            grpc.insecure_channel(server.address) as ch:
        stub = admin_pb2_grpc.AdminServiceStub(ch)
        request = create_request(resources=resources({"cpu": "4", "memory": "8Gi", "gpu": "1"}))
        request.id.project, request.id.domain = "acme", "dev"
        stub.CreateTask(request)
        request.id.version = "v2"
        request.spec.template.container.resources.CopyFrom(resources({"cpu": "9"}))
        assert "Requested CPU default [9]" in rpc_error(stub.CreateTask, request).details()
        request.spec.template.container.resources.CopyFrom(resources({"gpu": "2"}))  # gpu keeps its default
        assert "platform configuration [1]" in rpc_error(stub.CreateTask, request).details()
        assert "project [flytesnacks]" in rpc_error(stub.CreateTask, create_request()).details()


def test_quantities_print_like_kubernetes():
    assert [str(parse_quantity(q)) for q in ["500m", "1.5", "2048Mi", "1000", "1500", "0.5Gi", "1e3"]] == \
        ["500m", "1500m", "2Gi", "1k", "1500", "512Mi", "1e3"]
    assert parse_quantity("500m").whole() == 1 and parse_quantity("1Ki").whole() == 1024
    for text, error in [("1.2.3Gi", ERR_FORMAT_WRONG), ("1Gb", ERR_FORMAT_WRONG), ("", ERR_FORMAT_WRONG),
                        (".", ERR_NUMERIC), ("1k5", ERR_SUFFIX), ("1e", ERR_SUFFIX)]:
        with pytest.raises(QuantityError, match=re.escape(error)):
            parse_quantity(text)


# --- data proxy and signed uploads -----------------------------------------------------------------------------

def upload_location(dataproxy, data: bytes, **kw) -> dataproxy_pb2.CreateUploadLocationResponse:
    fields = dict(project=PROJECT, domain=DOMAIN, content_md5=hashlib.md5(data).digest(), filename="pkg.tar.gz")
    fields.update(kw)
    return dataproxy.CreateUploadLocation(dataproxy_pb2.CreateUploadLocationRequest(**fields))


def test_upload_location_and_put(server, dataproxy):
    data = b"fast register package" * 100
    md5 = hashlib.md5(data).digest()
    loc = upload_location(dataproxy, data, add_content_md5_metadata=True)
    assert loc.native_url == f"s3://fake-bucket/{PROJECT}/{DOMAIN}/{base64.b32encode(md5).decode()}/pkg.tar.gz"
    assert "=" in loc.native_url  # base32 keeps its padding, as in flyteadmin
    assert loc.signed_url.startswith(server.http_url + "/")
    assert loc.expires_at.seconds > time.time()
    assert loc.headers["x-amz-meta-content-md5"] == b64md5(data)

    status, _ = http("PUT", loc.signed_url, data, {"Content-MD5": b64md5(data)})
    assert status == 200
    assert server.blobs == {loc.native_url: data}
    assert server.writes == 1
    assert server.calls["CreateUploadLocation"] == 1 and server.calls["PUT /upload"] == 1


@pytest.mark.parametrize("headers, body", [
    ({}, b"payload"),  # no Content-MD5
    ({"Content-MD5": b64md5(b"something else")}, b"payload"),  # wrong Content-MD5
    ({"Content-MD5": b64md5(b"other payload")}, b"other payload"),  # consistent, but not what was signed
    ({"Content-MD5": "not base64!"}, b"payload"),
], ids=["missing", "wrong", "not-the-signed-md5", "garbage"])
def test_put_with_bad_content_md5_is_rejected(server, dataproxy, headers, body):
    loc = upload_location(dataproxy, b"payload")
    status, message = http("PUT", loc.signed_url, body, headers)
    assert status == 400, message
    assert server.blobs == {} and server.writes == 0


def test_chunked_put_is_accepted(server, dataproxy):
    data = bytes(range(256)) * 64
    loc = upload_location(dataproxy, data)
    req = urllib.request.Request(loc.signed_url, data=io.BytesIO(data), method="PUT",
                                 headers={"Content-MD5": b64md5(data)})  # no length: urllib sends it chunked
    with urllib.request.urlopen(req, timeout=10) as rsp:
        assert rsp.status == 200
    assert server.blobs[loc.native_url] == data


def test_put_to_an_unknown_signature_is_forbidden(server):
    assert http("PUT", f"{server.http_url}/upload/forged", b"x", {"Content-MD5": b64md5(b"x")})[0] == 403


def test_upload_location_validation(dataproxy):
    err = rpc_error(dataproxy.CreateUploadLocation, dataproxy_pb2.CreateUploadLocationRequest(domain=DOMAIN,
                                                                                              content_md5=b"x"))
    assert (err.code(), err.details()) == (grpc.StatusCode.INVALID_ARGUMENT,
                                           "project and domain are required parameters")
    err = rpc_error(dataproxy.CreateUploadLocation, dataproxy_pb2.CreateUploadLocationRequest(project=PROJECT,
                                                                                              domain=DOMAIN))
    assert (err.code(), err.details()) == (grpc.StatusCode.INVALID_ARGUMENT,
                                           "content_md5 or filename_root is a required parameter")
    err = rpc_error(upload_location, dataproxy, b"x", expires_in=duration_pb2.Duration(seconds=7200))
    assert err.details() == "expiresIn [2h0m0s] cannot exceed max allowed expiration [1h0m0s]"


def test_existing_object_may_only_be_rewritten_with_the_same_content(server, dataproxy):
    first = b"version one"
    loc = upload_location(dataproxy, first, filename_root="fixed-root")
    assert loc.native_url == f"s3://fake-bucket/{PROJECT}/{DOMAIN}/fixed-root/pkg.tar.gz"
    assert http("PUT", loc.signed_url, first, {"Content-MD5": b64md5(first)})[0] == 200

    again = upload_location(dataproxy, first, filename_root="fixed-root")  # same md5: fine
    assert again.native_url == loc.native_url
    err = rpc_error(upload_location, dataproxy, b"version two", filename_root="fixed-root")
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    assert err.details() == (f"file already exists at location [{loc.native_url}], "
                             "specify a matching hash if you wish to rewrite")
    err = rpc_error(upload_location, dataproxy, b"", content_md5=b"", filename_root="fixed-root")
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS


def test_without_a_filename_a_random_one_is_chosen(dataproxy):
    loc = upload_location(dataproxy, b"data", filename="")
    assert re.fullmatch(r"s3://fake-bucket/flytesnacks/development/[A-Z2-7=]+/[a-z0-9]{20}", loc.native_url)


# --- authentication ----------------------------------------------------------------------------------------------

def test_token_is_required_when_configured():
    with AdminServer(require_token="tok") as server, grpc.insecure_channel(server.address) as ch:
        admin = admin_pb2_grpc.AdminServiceStub(ch)
        dataproxy = dataproxy_pb2_grpc.DataProxyServiceStub(ch)
        auth = auth_pb2_grpc.AuthMetadataServiceStub(ch)

        for metadata in [None, [("authorization", "Bearer wrong")], [("authorization", "tok")]]:
            err = rpc_error(admin.CreateTask, create_request(), metadata=metadata)
            assert (err.code(), err.details()) == (grpc.StatusCode.UNAUTHENTICATED,
                                                   "Request unauthenticated with IdentityFilter")
        err = rpc_error(upload_location, dataproxy, b"x")
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
        assert server.tasks() == []

        admin.CreateTask(create_request(), metadata=[("authorization", "Bearer tok")])
        assert admin.GetTask(common_pb2.ObjectGetRequest(id=task_id()),
                             metadata=[("authorization", "bearer tok")]).id.name == "t"
        # the auth metadata service is open: clients call it to find out how to get a token
        assert auth.GetPublicClientConfig(auth_pb2.PublicClientAuthConfigRequest()).client_id == "flytectl"
        assert server.calls["CreateTask"] == 4 and server.writes == 1
        assert server.last_metadata("GetTask")["authorization"] == "bearer tok"


def test_oauth2_metadata_and_client_credentials():
    with AdminServer(require_token="tok", oauth_clients={"ci": "s3cret:/+"}) as server, \
            grpc.insecure_channel(server.address) as ch:
        auth = auth_pb2_grpc.AuthMetadataServiceStub(ch)
        meta = auth.GetOAuth2Metadata(auth_pb2.OAuth2MetadataRequest())
        assert meta.token_endpoint == f"{server.http_url}/oauth2/token"
        assert meta.issuer == server.http_url
        assert "client_credentials" in meta.grant_types_supported
        cfg = auth.GetPublicClientConfig(auth_pb2.PublicClientAuthConfigRequest())
        assert (cfg.client_id, cfg.authorization_metadata_key, list(cfg.scopes)) == ("flytectl", "authorization",
                                                                                     ["all"])

        def token(client_id, secret, grant="client_credentials"):
            basic = base64.b64encode(f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(secret)}".encode())
            body = urllib.parse.urlencode({"grant_type": grant, "scope": "all"}).encode()
            return http("POST", meta.token_endpoint, body, {
                "Authorization": f"Basic {basic.decode()}", "Content-Type": "application/x-www-form-urlencoded"})

        status, body = token("ci", "s3cret:/+")
        assert status == 200
        assert json.loads(body) == {"access_token": "tok", "token_type": "Bearer", "expires_in": 3600, "scope": "all"}
        assert token("ci", "wrong")[0] == 401
        assert token("someone", "s3cret:/+")[0] == 401
        assert token("ci", "s3cret:/+", grant="password")[0] == 400

        status, body = http("GET", f"{server.http_url}/.well-known/oauth-authorization-server")
        assert status == 200 and json.loads(body)["token_endpoint"] == meta.token_endpoint

        # the issued token opens the admin service
        admin = admin_pb2_grpc.AdminServiceStub(ch)
        admin.CreateTask(create_request(), metadata=[("authorization", "Bearer tok")])
        assert server.calls["POST /oauth2/token"] == 4


# --- fault injection ---------------------------------------------------------------------------------------------

def test_always_unavailable_stores_nothing():
    with AdminServer(unavailable_fraction=1.0) as server, grpc.insecure_channel(server.address) as ch:
        admin = admin_pb2_grpc.AdminServiceStub(ch)
        for _ in range(3):
            assert rpc_error(admin.CreateTask, create_request()).code() == grpc.StatusCode.UNAVAILABLE
        assert server.tasks() == [] and server.writes == 0
        assert server.calls["CreateTask"] == 3
        # only CreateTask is affected
        assert rpc_error(admin.GetTask, common_pb2.ObjectGetRequest(id=task_id())).code() == grpc.StatusCode.NOT_FOUND


def _outcomes(seed: int, n: int = 40) -> list[grpc.StatusCode]:
    with AdminServer(unavailable_fraction=0.5, seed=seed) as server, grpc.insecure_channel(server.address) as ch:
        admin = admin_pb2_grpc.AdminServiceStub(ch)
        out = [status_of(admin.CreateTask, create_request(f"t{i}")) for i in range(n)]
        assert len(server.tasks()) == out.count(grpc.StatusCode.OK) == server.writes
        return out


def test_unavailable_fraction_is_seeded():
    first = _outcomes(seed=7)
    assert first == _outcomes(seed=7)
    assert set(first) == {grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE}
    assert 8 <= first.count(grpc.StatusCode.UNAVAILABLE) <= 32


def test_retrying_through_unavailable_stores_once():
    with AdminServer(unavailable_fraction=0.6, seed=3) as server, grpc.insecure_channel(server.address) as ch:
        admin = admin_pb2_grpc.AdminServiceStub(ch)
        codes = []
        while not codes or codes[-1] == grpc.StatusCode.UNAVAILABLE:
            codes.append(status_of(admin.CreateTask, create_request()))
        assert codes[-1] == grpc.StatusCode.OK
        assert server.tasks() == [TaskKey(PROJECT, DOMAIN, "t", "v1")] and server.writes == 1


def test_max_concurrency_rejects_the_excess():
    with AdminServer(max_concurrency=2, latency_ms=400) as server, grpc.insecure_channel(server.address) as ch:
        admin = admin_pb2_grpc.AdminServiceStub(ch)
        barrier = threading.Barrier(5)

        def create(i):
            barrier.wait()
            return status_of(admin.CreateTask, create_request(f"t{i}"))

        with futures.ThreadPoolExecutor(5) as pool:
            codes = list(pool.map(create, range(5)))
        assert codes.count(grpc.StatusCode.OK) == 2
        assert codes.count(grpc.StatusCode.RESOURCE_EXHAUSTED) == 3
        assert len(server.tasks()) == 2 and server.faults.peak_concurrency == 2
        assert server.calls["CreateTask"] == 5


def test_latency_is_added_to_every_call():
    with AdminServer(latency_ms=150) as server, grpc.insecure_channel(server.address) as ch:
        admin = admin_pb2_grpc.AdminServiceStub(ch)
        admin.ListProjects(project_pb2.ProjectListRequest())  # connect first
        start = time.monotonic()
        admin.CreateTask(create_request())
        rpc_error(admin.GetTask, common_pb2.ObjectGetRequest(id=task_id("nope")))
        assert time.monotonic() - start >= 0.3


# --- standalone mode and flytekit ------------------------------------------------------------------------------------

@contextlib.contextmanager
def standalone(*args: str, timeout: float = 20):
    """``python -m tests.admin_server`` as a subprocess; yields (address, http_url, process)."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.admin_server", "--port", "0", *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # the call log is read as it comes: a full pipe would block every handler thread on its next log line
    log: list[str] = []
    drain = threading.Thread(target=lambda: log.extend(proc.stderr), daemon=True)
    drain.start()
    try:
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        line = proc.stdout.readline() if ready else ""
        if not line.startswith("READY "):
            proc.kill()
            drain.join(10)
            raise AssertionError(f"no READY line: {line!r}\n{''.join(log)}")
        _, address, http_url = line.split()
        yield address, http_url, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        drain.join(10)
        proc.stderr = io.StringIO("".join(log))  # the whole log, for the assertions after the server stopped


@pytest.mark.parametrize("limit, message", [
    ("mem=1Gi", "unknown platform limit 'mem'; use one of cpu, memory, gpu, ephemeral_storage"),
    ("cpu=lots", f"--platform-limit cpu=lots: {ERR_FORMAT_WRONG}"),
])
def test_standalone_mode_rejects_a_bad_platform_limit(limit, message):
    p = subprocess.run([sys.executable, "-m", "tests.admin_server", "--port", "0", "--platform-limit", limit],
                       cwd=REPO, capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "READY" not in p.stdout
    assert message in p.stderr and "Traceback" not in p.stderr


def test_standalone_mode_prints_ready_and_serves(tmp_path):
    db = tmp_path / "standalone.db"
    with standalone("--db", str(db), "--require-token", "tok", "--latency-ms", "1") as (address, http_url, proc):
        assert re.fullmatch(r"127\.0\.0\.1:\d+", address) and http_url.startswith("http://127.0.0.1:")
        with grpc.insecure_channel(address) as ch:
            admin = admin_pb2_grpc.AdminServiceStub(ch)
            assert rpc_error(admin.CreateTask, create_request()).code() == grpc.StatusCode.UNAUTHENTICATED
            admin.CreateTask(create_request(), metadata=[("authorization", "Bearer tok")])
        assert http("GET", f"{http_url}/healthcheck")[0] == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name, version FROM tasks").fetchall() == [("t", "v1")]


def pyflyte(oracle_python: Path, address: str, tmp_path: Path, *args: str, config: dict | None = None,
            images: list[str] = IMAGES):
    cfg = tmp_path / "flytekit.yaml"
    admin_cfg = {"endpoint": f"dns:///{address}", "insecure": True, **(config or {})}
    cfg.write_text("admin:\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in admin_cfg.items()))
    env = dict(os.environ, PYTHONPATH=str(SHIM))
    env.pop("FLYTECTL_CONFIG", None)
    return subprocess.run([str(oracle_python.with_name("pyflyte")), "-c", str(cfg), "register", "--project", PROJECT,
                           "--domain", DOMAIN, *images, *args, "workflows"],
                          cwd=EXAMPLES, env=env, capture_output=True, text=True, timeout=300)


def stored_tasks(db: Path) -> dict[str, task_pb2.TaskSpec]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT project, domain, name, version, spec FROM tasks").fetchall()
    assert {(p, d) for p, d, *_ in rows} <= {(PROJECT, DOMAIN)}
    return {f"{name}@{version}": task_pb2.TaskSpec.FromString(spec) for _, _, name, version, spec in rows}


def registered_names(output: str) -> set[str]:
    return set(re.findall(r"\[✔\] Task: (\S+)", output))


def test_pyflyte_registers_the_examples(oracle_python, tmp_path):
    db = tmp_path / "admin.db"
    with standalone("--db", str(db), "--log-calls", *GENEROUS_LIMITS) as (address, _, proc):
        first = pyflyte(oracle_python, address, tmp_path, "--non-fast", "--version", "v1")
        assert first.returncode == 0, first.stdout + first.stderr
        names = registered_names(first.stdout)
        assert len(names) >= 30 and {"workflows.basic.add", "examples.shout", "workflows.pods.in_pod"} <= names

        stored = stored_tasks(db)
        assert set(stored) == {f"{n}@v1" for n in names}
        add = stored["workflows.basic.add@v1"]
        assert add.template.id == identifier_pb2.Identifier(resource_type=identifier_pb2.TASK, project=PROJECT,
                                                            domain=DOMAIN, name="workflows.basic.add", version="v1")
        assert add.template.container.image == "ghcr.io/acme/app:v1"
        assert add.description.short_description == "Add two numbers."

        # registering the same version again: every CreateTask answers ALREADY_EXISTS, which pyflyte accepts
        again = pyflyte(oracle_python, address, tmp_path, "--non-fast", "--version", "v1")
        assert again.returncode == 0, again.stdout + again.stderr
        assert set(stored_tasks(db)) == set(stored)

        # a changed image under the same version is refused with flyteadmin's diff
        changed = pyflyte(oracle_python, address, tmp_path, "--non-fast", "--version", "v1",
                          images=["--image", "ghcr.io/acme/app:v1", "--image", "gpu=ghcr.io/acme/gpu:v4"])
        assert changed.returncode != 0
        assert "task with different structure already exists" in changed.stdout + changed.stderr
        assert "/template/Target/Container/image:\n\t- ghcr.io/acme/gpu:v3 \n\t+ ghcr.io/acme/gpu:v4" in changed.stdout

    calls = proc.stderr.read()
    # pyflyte register --non-fast makes no call but the creates (and activates scheduled launch plans), one per
    # entity (the third run stops at its first error)
    assert set(re.findall(r"^CALL (\w+)", calls, re.M)) == {"CreateTask", "CreateWorkflow", "CreateLaunchPlan",
                                                             "UpdateLaunchPlan"}
    assert len(re.findall(r"^CALL CreateTask", calls, re.M)) > 2 * len(names)


def test_pyflyte_sees_flyteadmins_resource_limits(oracle_python, tmp_path):
    with standalone() as (address, _, _):
        p = pyflyte(oracle_python, address, tmp_path, "--non-fast", "--version", "v1")
    assert p.returncode != 0
    assert "is greater than" in p.stdout and "platform configuration [1Gi]" in p.stdout


def test_pyflyte_fast_register_uploads_through_the_data_proxy(oracle_python, tmp_path):
    db = tmp_path / "admin.db"
    with standalone("--db", str(db), "--log-calls", *GENEROUS_LIMITS) as (address, _, proc):
        p = pyflyte(oracle_python, address, tmp_path)
        assert p.returncode == 0, p.stdout + p.stderr
    log = proc.stderr.read()
    assert log.count("CALL CreateUploadLocation") == 1 and log.count("HTTP PUT /upload ok") == 1
    stored = stored_tasks(db)
    args = next(spec.template.container.args for key, spec in stored.items() if key.startswith("workflows.basic.add@"))
    location = next(a for a in args if a.startswith("s3://"))
    assert re.fullmatch(r"s3://fake-bucket/flytesnacks/development/[A-Z2-7=]+/fast[0-9a-f]+\.tar\.gz", location)


def test_pyflyte_authenticates_with_client_credentials(oracle_python, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("hunter2")
    auth = {"authType": "ClientSecret", "clientId": "ci", "clientSecretLocation": str(secret)}
    with standalone("--require-token", "tok-123", "--oauth-client", "ci=hunter2", "--log-calls",
                    *GENEROUS_LIMITS) as (address, _, proc):
        p = pyflyte(oracle_python, address, tmp_path, "--non-fast", "--version", "v1", config=auth)
        assert p.returncode == 0, p.stdout + p.stderr
        with grpc.insecure_channel(address) as ch:
            got = admin_pb2_grpc.AdminServiceStub(ch).GetTask(
                common_pb2.ObjectGetRequest(id=task_id("workflows.basic.add")),
                metadata=[("authorization", "Bearer tok-123")])
            assert got.closure.compiled_task.template.container.image == "ghcr.io/acme/app:v1"
    log = proc.stderr.read()
    # the first calls are refused, then flytekit reads the auth metadata, fetches a token and retries
    assert "'authorization': 'Bearer tok-123'" in log
    assert "CALL GetPublicClientConfig" in log and "CALL GetOAuth2Metadata" in log
    assert "HTTP POST /oauth2/token ok" in log

"""autoc.core.security: Secret and SecurityContext against flyteidl.core.security_pb2."""

import pytest
from flyteidl.core import security_pb2

from autoc.core.context import ExecutionMode, execution_mode
from autoc.core.security import Secret, SecurityContext
from autoc.errors import ValidationError


def test_secret_to_flyte_idl_fields():
    s = Secret(group="db", key="password", group_version="v2", mount_requirement=Secret.MountType.ENV_VAR,
               env_var="DB_PASSWORD")
    pb = s.to_flyte_idl()
    assert isinstance(pb, security_pb2.Secret)
    assert (pb.group, pb.key, pb.group_version, pb.env_var) == ("db", "password", "v2", "DB_PASSWORD")
    assert pb.mount_requirement == security_pb2.Secret.MountType.ENV_VAR


def test_secret_round_trip_through_bytes():
    s = Secret(group="g", key="k", mount_requirement=Secret.MountType.FILE)
    pb = security_pb2.Secret()
    pb.ParseFromString(s.serialize_to_string())
    assert Secret.from_flyte_idl(pb) == s


def test_secret_unset_strings_are_empty_on_the_wire_and_none_back():
    pb = Secret(group="g").to_flyte_idl()
    assert pb.key == "" and pb.env_var == "" and pb.group_version == ""
    back = Secret.from_flyte_idl(pb)
    assert back.key is None and back.env_var is None and back.group_version is None
    assert back.mount_requirement is Secret.MountType.ANY


@pytest.mark.parametrize("name", ["lower", "1ABC", "A-B", "A B", ""])
def test_secret_env_var_must_be_an_env_var_name(name):
    with pytest.raises(ValidationError, match="invalid environment variable name"):
        Secret(group="g", key="k", env_var=name)


@pytest.mark.parametrize("name", ["A", "_X", "MY_VAR_2"])
def test_secret_env_var_valid_names(name):
    assert Secret(group="g", env_var=name).to_flyte_idl().env_var == name


def test_secret_group_required_in_registration_mode():
    with pytest.raises(ValidationError, match="group is a required parameter"):
        Secret(key="k")


def test_secret_group_optional_during_execution():
    with execution_mode(ExecutionMode.TASK_EXECUTION):
        s = Secret(key="k")
    assert s.group is None and not s.is_empty


def test_security_context_rejects_non_secret_elements():
    with pytest.raises(ValidationError) as ei:
        SecurityContext(secrets=[Secret(group="g"), "g/k"])
    assert "'g/k'" in ei.value.message and "str" in ei.value.message


def test_security_context_single_secret_becomes_a_list():
    s = Secret(group="g", key="k")
    assert SecurityContext(secrets=s).secrets == [s]


def test_security_context_to_flyte_idl_none_when_empty():
    assert SecurityContext().to_flyte_idl() is None
    assert SecurityContext().is_empty


def test_security_context_to_flyte_idl_with_secrets_round_trip():
    ctx = SecurityContext(secrets=[Secret(group="a", key="1"), Secret(group="b", key="2", env_var="B")])
    pb = ctx.to_flyte_idl()
    assert isinstance(pb, security_pb2.SecurityContext)
    assert [(s.group, s.key) for s in pb.secrets] == [("a", "1"), ("b", "2")]
    assert not pb.HasField("run_as")
    assert SecurityContext.from_flyte_idl(pb) == ctx


def test_security_context_run_as_is_copied():
    ident = security_pb2.Identity(k8s_service_account="sa")
    pb = SecurityContext(run_as=ident).to_flyte_idl()
    assert pb.run_as.k8s_service_account == "sa"
    assert SecurityContext.from_flyte_idl(pb).run_as.k8s_service_account == "sa"

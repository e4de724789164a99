"""AdminClient's concurrent calls (``call_all``) and prefetched reads against the real loopback server."""

from __future__ import annotations

import stat

import grpc
import pytest
from flyteidl.admin import common_pb2, task_pb2

from autoc.remote.admin import AdminClient, AuthError, UnreachableError, _host_port
from autoc.remote.config import PlatformSettings
from tests.admin_server import AdminServer
from tests.admin_server.test_admin_server import create_request

PROJECT, DOMAIN = "flytesnacks", "development"


def client_for(server, **settings) -> AdminClient:
    return AdminClient(PlatformSettings(endpoint=server.address, insecure=True, **settings), backoff=0.01)


def create_all(client, requests, concurrency=8, stop_at=None):
    """call_all over CreateTask; returns the (index, response, error) reports in the order they came."""
    reports = []

    def on_result(i, response, error):
        reports.append((i, response, error))
        return stop_at is None or len(reports) < stop_at

    client.call_all(client.admin.CreateTask, requests, concurrency, on_result)
    return reports


def test_every_request_is_reported_once_with_its_answer(tmp_path):
    with AdminServer(db_path=str(tmp_path / "a.db")) as server:
        client = client_for(server)
        requests = [create_request(f"t{i}") for i in range(40)] + [create_request("t3")]  # t3 twice
        reports = create_all(client, requests)
        client.close()
        assert sorted(i for i, _, _ in reports) == list(range(41))
        failed = {i: e.code() for i, _, e in reports if e is not None}
        assert failed == {40: grpc.StatusCode.ALREADY_EXISTS}
        assert all(isinstance(r, task_pb2.TaskCreateResponse) for _, r, e in reports if e is None)
        assert len(server.tasks()) == 40 and server.calls["CreateTask"] == 41


def test_no_new_call_starts_once_on_result_says_stop(tmp_path):
    with AdminServer(db_path=str(tmp_path / "a.db"), latency_ms=50) as server:
        client = client_for(server)
        reports = create_all(client, [create_request(f"t{i}") for i in range(30)], concurrency=3, stop_at=1)
        client.close()
        # the first report stops new calls; the two others already in flight still report
        assert len(reports) == 3
        assert server.calls["CreateTask"] == 3 and len(server.tasks()) == 3


def test_a_request_starts_as_soon_as_its_own_dependencies_reported_not_after_a_whole_wave(tmp_path):
    # 0..5 depend on nothing; 6 depends on 0, 7 on 6, 8 on 1 and 2. One call at a time makes the order exact:
    # a request whose dependencies just reported goes next, before the independent ones still waiting.
    with AdminServer(db_path=str(tmp_path / "a.db")) as server:
        client = client_for(server)
        requests = [create_request(f"t{i}") for i in range(9)]
        after = [[], [], [], [], [], [], [0], [6], [1, 2]]
        reports = []
        client.call_all([client.admin.CreateTask] * 9, requests, 1,
                        lambda i, r, e: reports.append(i) or True, after=after)
        client.close()
        assert reports == [0, 6, 7, 1, 2, 8, 3, 4, 5]
        assert len(server.tasks()) == 9


def test_a_request_not_admitted_is_never_sent_and_its_dependents_are_asked_in_turn(tmp_path):
    with AdminServer(db_path=str(tmp_path / "a.db")) as server:
        client = client_for(server)
        requests = [create_request(f"t{i}") for i in range(6)]
        after = [[], [0], [1], [], [3], []]
        asked, reports = [], []

        def admit(i):
            asked.append(i)
            return i not in (1, 2)  # 1 refused (say its dependency failed), and so 2 after it

        client.call_all(client.admin.CreateTask, requests, 4, lambda i, r, e: reports.append(i) or True,
                        after=after, admit=admit)
        client.close()
        assert sorted(asked) == [0, 1, 2, 3, 4, 5]
        assert sorted(reports) == [0, 3, 4, 5]
        assert reports.index(4) > reports.index(3)
        assert sorted(t.name for t in server.tasks()) == ["t0", "t3", "t4", "t5"]
        assert server.calls["CreateTask"] == 4


def test_transient_failures_are_retried_until_each_call_succeeds_exactly_once(tmp_path):
    with AdminServer(db_path=str(tmp_path / "a.db"), unavailable_fraction=0.3, seed=7) as server:
        client = client_for(server)
        reports = create_all(client, [create_request(f"t{i}") for i in range(60)])
        client.close()
        assert sorted(i for i, _, e in reports if e is None) == list(range(60))
        assert server.calls["CreateTask"] > 60  # some were refused and retried
        assert len(server.tasks()) == 60 and server.writes == 60


def test_a_rejected_token_is_fetched_again_once_for_all_calls_in_flight(tmp_path):
    # the command prints a stale token the first time and the right one afterwards, and logs every run
    runs = tmp_path / "runs"
    script = tmp_path / "token.sh"
    script.write_text(f"#!/bin/sh\necho run >> {runs}\n"
                      f"if [ $(wc -l < {runs}) -gt 1 ]; then echo good; else echo stale; fi\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    with AdminServer(db_path=str(tmp_path / "a.db"), require_token="good") as server:
        client = client_for(server, command=(str(script),))
        reports = create_all(client, [create_request(f"t{i}") for i in range(10)], concurrency=4)
        client.close()
        assert [e for _, _, e in reports] == [None] * 10
        assert len(server.tasks()) == 10
        # four calls were refused with the stale token; one new token served them all
        assert runs.read_text().count("run") == 2
        assert server.calls["CreateTask"] == 14


def test_a_token_rejected_twice_is_an_authentication_error(tmp_path):
    script = tmp_path / "token.sh"
    script.write_text("#!/bin/sh\necho wrong\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    with AdminServer(db_path=str(tmp_path / "a.db"), require_token="good") as server:
        client = client_for(server, command=(str(script),))
        with pytest.raises(AuthError, match="UNAUTHENTICATED"):
            create_all(client, [create_request(f"t{i}") for i in range(5)])
        client.close()
        assert server.tasks() == []


def test_an_unreachable_server_is_reported_after_the_retries(tmp_path):
    with AdminServer() as server:
        address = server.address
    client = AdminClient(PlatformSettings(endpoint=address, insecure=True), retries=2, backoff=0.01)
    with pytest.raises(UnreachableError, match="after 3 attempts"):
        create_all(client, [create_request("t")])
    client.close()


def test_a_prefetched_read_gives_the_answer_or_asks_again(tmp_path):
    with AdminServer(db_path=str(tmp_path / "a.db"), unavailable_fraction=0.0) as server:
        client = client_for(server)
        client.call(client.admin.CreateTask, create_request("t"))
        ask = common_pb2.ResourceListRequest(id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN),
                                             limit=10)
        listing = client.prefetch(client.admin.ListTasks, ask)
        assert [t.id.name for t in listing().tasks] == ["t"]
        assert server.calls["ListTasks"] == 1
        bad = common_pb2.ResourceListRequest(id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN))
        failing = client.prefetch(client.admin.ListTasks, bad)  # limit 0: INVALID_ARGUMENT, not retried
        with pytest.raises(grpc.RpcError) as e:
            failing()
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        # the first listing, the failing prefetch, then the one call() it made (INVALID_ARGUMENT is not retried)
        assert server.calls["ListTasks"] == 3
        client.close()


@pytest.mark.parametrize("endpoint, expected", [
    ("example.com", ("example.com", 443)),
    ("example.com:8443", ("example.com", 8443)),
    ("10.0.0.1:81", ("10.0.0.1", 81)),
    ("[::1]", ("::1", 443)),
    ("[::1]:8443", ("::1", 8443)),
])
def test_host_port_defaults_to_443(endpoint, expected):
    assert _host_port(endpoint) == expected

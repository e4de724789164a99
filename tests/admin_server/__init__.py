"""A real loopback flyteadmin stand-in for registration tests and benchmarks (gRPC + HTTP, sqlite-backed).

    with AdminServer() as server:
        channel = grpc.insecure_channel(server.address)
        ...

``python -m tests.admin_server --port 0`` runs it in the foreground and prints ``READY <address> <http_url>``.
"""

from .server import DEFAULT_PROJECTS, UNAUTHENTICATED, AdminServer
from .store import TaskKey

__all__ = ["AdminServer", "DEFAULT_PROJECTS", "TaskKey", "UNAUTHENTICATED"]

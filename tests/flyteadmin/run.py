"""Start the real flyteadmin (built from tests/flyteadmin/main.go) on loopback, without Kubernetes.

    .venv/bin/python -m tests.flyteadmin.run /path/to/flyteadmin [--keep]

What it starts, in a temporary folder: a PostgreSQL cluster of Debian's packages (initdb + postgres as the
``postgres`` user, 127.0.0.1, fsync off), an S3-compatible server (moto's ThreadedMotoServer, bucket autoc-admin:
the data proxy's signed URLs point at it, so fast registration uploads for real), then ``flyteadmin migrate run``,
``flyteadmin migrate seed-projects flytesnacks`` and ``flyteadmin serve`` with flyteadmin.yaml (a kubeconfig that
points nowhere is enough: serve only builds a client from it). Prints
``READY grpc=127.0.0.1:P metrics=http://127.0.0.1:M/metrics`` and runs until SIGTERM/SIGINT.

:class:`RealAdmin` is the same as a context manager (for a pytest fixture once the binary can be built from the
registries; see README.md).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
PG_BIN = pathlib.Path("/usr/lib/postgresql/15/bin")
PROJECTS = ("flytesnacks",)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited {proc.returncode}")
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout}s")


class RealAdmin:
    def __init__(self, binary: str | os.PathLike, workdir: str | os.PathLike | None = None):
        self.binary = str(binary)
        self._owned = workdir is None  # a temporary folder of its own: removed by stop()
        self.dir = pathlib.Path(workdir or tempfile.mkdtemp(prefix="flyteadmin-"))
        self._procs: list[subprocess.Popen] = []
        self._moto = None

    def start(self) -> "RealAdmin":
        self._start_postgres()
        self._start_s3()
        self.grpc_port, self.http_port, self.metrics_port = _free_port(), _free_port(), _free_port()
        kubeconfig = self.dir / "kubeconfig"
        kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters:\n- {cluster: {server: 'https://127.0.0.1:1'}, "
                              "name: nowhere}\ncontexts:\n- {context: {cluster: nowhere, user: nobody}, name: nowhere}\n"
                              "current-context: nowhere\nusers:\n- {name: nobody, user: {token: none}}\n")
        self.config = self.dir / "flyteadmin.yaml"
        self.config.write_text((HERE / "flyteadmin.yaml").read_text().format(
            http_port=self.http_port, grpc_port=self.grpc_port, metrics_port=self.metrics_port,
            kubeconfig=kubeconfig, pg_port=self.pg_port, s3_endpoint=self.s3_endpoint))
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        for args in (["migrate", "run"], ["migrate", "seed-projects", *PROJECTS]):
            with open(self.dir / "migrate.log", "a") as log:
                subprocess.run([self.binary, "--config", str(self.config), *args], env=env, check=True, stdout=log,
                               stderr=subprocess.STDOUT)
        serve = subprocess.Popen([self.binary, "--config", str(self.config), "serve"], env=env,
                                 stdout=open(self.dir / "serve.log", "w"), stderr=subprocess.STDOUT)
        self._procs.append(serve)
        _wait_port(self.grpc_port, serve, "flyteadmin serve")
        return self

    def _start_postgres(self) -> None:
        data = self.dir / "pg"
        data.mkdir()
        shutil.chown(self.dir, "postgres")
        shutil.chown(data, "postgres")
        self.pg_port = _free_port()
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_postgres, str(PG_BIN / "initdb"), "-D", str(data / "data"), "-U", "postgres",
                        "--auth=trust"], check=True, capture_output=True)
        pg = subprocess.Popen([*as_postgres, str(PG_BIN / "postgres"), "-D", str(data / "data"), "-p",
                               str(self.pg_port), "-k", str(data), "-c", "listen_addresses=127.0.0.1", "-c",
                               "fsync=off"], stdout=open(self.dir / "postgres.log", "w"), stderr=subprocess.STDOUT)
        self._procs.append(pg)
        _wait_port(self.pg_port, pg, "postgres")
        for _ in range(50):
            if subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "-qc",
                               "create database flyteadmin"], capture_output=True).returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("could not create the flyteadmin database")

    def _start_s3(self) -> None:
        from moto.server import ThreadedMotoServer

        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.s3_endpoint = f"http://{host}:{port}"
        import boto3

        boto3.client("s3", endpoint_url=self.s3_endpoint, aws_access_key_id="testing",
                     aws_secret_access_key="testing", region_name="us-east-1").create_bucket(Bucket="autoc-admin")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def stop(self) -> None:
        for p in reversed(self._procs):
            p.terminate()
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        self._procs.clear()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self._owned:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "RealAdmin":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with RealAdmin(argv[0]) as admin:
        print(f"READY grpc={admin.address} metrics={admin.metrics_url} dir={admin.dir}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

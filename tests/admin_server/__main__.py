"""Run the loopback admin server in the foreground.

    python -m tests.admin_server --port 0 [--require-token T] [--oauth-client ID=SECRET] [--unavailable-fraction F]
                                 [--seed N] [--db PATH] [--latency-ms N] [--max-concurrency N]
                                 [--platform-limit cpu=8 ...] [--project NAME=dom1,dom2 ...] [--log-calls]

Prints ``READY <address> <http_url>`` on stdout once listening; stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import DEFAULT_PROJECTS, AdminServer


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise SystemExit(f"--{what} takes KEY=VALUE, got {value!r}")
        out[key] = rest
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.admin_server", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--db", help="sqlite file (default: in memory)")
    p.add_argument("--require-token")
    p.add_argument("--oauth-client", action="append", default=[], metavar="ID=SECRET")
    p.add_argument("--unavailable-fraction", type=float, default=0.0, help="writes refused with UNAVAILABLE")
    p.add_argument("--lost-answer-fraction", type=float, default=0.0,
                   help="writes done, then answered UNAVAILABLE (the answer lost)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--max-concurrency", type=int)
    p.add_argument("--platform-limit", action="append", default=[], metavar="RESOURCE=QUANTITY",
                   help="override one of flyteadmin's default limits (cpu=2, memory=1Gi, gpu=1); 0 means none")
    p.add_argument("--project", action="append", default=[], metavar="NAME=DOMAIN,DOMAIN",
                   help=f"registered projects (default: {DEFAULT_PROJECTS})")
    p.add_argument("--workers", type=int, help="handler threads (default: two per core, at least 4)")
    p.add_argument("--log-calls", action="store_true", help="print every call and its metadata to stderr")
    args = p.parse_args(argv)

    projects = {k: v.split(",") for k, v in _pairs(args.project, "project").items()} or None

    try:
        server = AdminServer(args.host, args.port, db_path=args.db, projects=projects,
                             require_token=args.require_token, unavailable_fraction=args.unavailable_fraction,
                             seed=args.seed, latency_ms=args.latency_ms, max_concurrency=args.max_concurrency,
                             oauth_clients=_pairs(args.oauth_client, "oauth-client"),
                             platform_limits=_pairs(args.platform_limit, "platform-limit"), workers=args.workers,
                             log_calls=args.log_calls, lost_answer_fraction=args.lost_answer_fraction)
    except ValueError as e:  # a bad --platform-limit or fraction
        raise SystemExit(str(e)) from None
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server.start()
    print(f"READY {server.address} {server.http_url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    print("STOPPED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

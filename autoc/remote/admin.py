"""A small FlyteAdmin client: TLS or plaintext channels, bearer tokens (a command, ``AUTOC_TOKEN``, or OAuth2
client credentials against the token endpoint the server advertises), and retries of transient failures only.

Tokens are kept out of logs and errors: an UNAUTHENTICATED answer is reported without them.
"""

from __future__ import annotations

import collections
import dataclasses
import heapq
import queue
import random
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from autoc.errors import AutocError, UserInputError
from autoc.remote.config import TOKEN_ENV, PlatformSettings, auth_mode

CHANNEL_OPTIONS = [("grpc.max_metadata_size", 32 * 1024), ("grpc.max_receive_message_length", 20 * 1024 * 1024),
                   ("grpc.keepalive_time_ms", 30000), ("grpc.keepalive_timeout_ms", 10000)]


class AuthError(AutocError):
    exit_code = 3


class UnreachableError(AutocError):
    """The server could not be reached (or its certificate was not trusted), after the retries."""

_TLS_FAILURES = ("CERTIFICATE_VERIFY_FAILED", "SSL_ERROR", "WRONG_VERSION_NUMBER", "handshake")


class TokenSource:
    """Produces the bearer token for calls, fetching it once and again after an UNAUTHENTICATED answer."""

    def __init__(self, settings: PlatformSettings, channel):
        self.settings, self._channel = settings, channel  # the client's channel, for AuthMetadataService
        self.mode = auth_mode(settings)
        self.header = "authorization"
        self._token: Optional[str] = None
        self._lock = threading.Lock()
        self.generation = 0  # how many tokens were fetched: which token a call was sent with

    def metadata(self) -> Tuple[Tuple[str, str], ...]:
        if self.mode == "none":
            return ()
        with self._lock:
            if self._token is None:
                self._token = _checked_token(self._fetch(), self.mode)
                self.generation += 1
        return ((self.header, f"Bearer {self._token}"),)

    def refresh(self, sent_with: Optional[int] = None) -> bool:
        """Forget the token; True if a new one can be fetched (the call is then retried once). A call refused
        with an older token (``sent_with``, a generation) keeps the newer one: many calls in flight when a token
        expires fetch one new token, not one each."""
        with self._lock:
            if sent_with is None or sent_with == self.generation:
                self._token = None
        return self.mode in ("command", "client_credentials")

    def _fetch(self) -> str:
        import os
        import shlex
        import subprocess

        if self.mode == "env_token":
            return os.environ[TOKEN_ENV].strip()
        if self.mode == "command":
            cmd = list(self.settings.command)
            p = subprocess.run(cmd if len(cmd) > 1 else shlex.split(cmd[0]), capture_output=True, text=True)
            if p.returncode != 0 or not p.stdout.strip():
                raise AuthError(f"the token command {cmd[0]!r} failed (exit {p.returncode})",
                                hint="check admin.command in your config; it must print a token")
            return p.stdout.strip().splitlines()[-1]
        return self._client_credentials()

    def _client_credentials(self) -> str:
        import base64
        import json
        import urllib.error
        import urllib.parse
        import urllib.request

        from flyteidl.service import auth_pb2, auth_pb2_grpc

        client_id, secret = self.settings.client_id, self.settings.client_secret()
        if not client_id or not secret:
            raise AuthError("client credentials need both a client id and a client secret",
                            hint="set admin.clientId and admin.clientSecretLocation (or clientSecretEnvVar)")
        stub = auth_pb2_grpc.AuthMetadataServiceStub(self._channel)
        try:
            meta = stub.GetOAuth2Metadata(auth_pb2.OAuth2MetadataRequest(), timeout=30)
            public = stub.GetPublicClientConfig(auth_pb2.PublicClientAuthConfigRequest(), timeout=30)
        except Exception as e:
            raise AuthError(f"could not read the server's OAuth2 metadata: {_grpc_message(e)}",
                            hint=f"if the server has no OAuth2 (AuthMetadataService), give a token with {TOKEN_ENV} "
                                 f"or admin.command instead of client credentials") from None
        self.header = public.authorization_metadata_key or "authorization"
        form = {"grant_type": "client_credentials"}
        scopes = self.settings.scopes or tuple(public.scopes)
        if scopes:
            form["scope"] = " ".join(scopes)
        if self.settings.audience:
            form["audience"] = self.settings.audience
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        req = urllib.request.Request(meta.token_endpoint, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Authorization": f"Basic {basic}",
                                              "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read())["access_token"]
        except urllib.error.HTTPError as e:
            raise AuthError(f"the token endpoint {meta.token_endpoint} refused the client credentials "
                            f"(HTTP {e.code})", hint="check admin.clientId and the client secret") from None
        except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
            raise AuthError(f"could not get a token from {meta.token_endpoint}: {e}",
                            hint="the server advertises this token endpoint; check it is reachable from here") \
                from None


MAX_TOKEN_BYTES = 16 * 1024  # the channel allows 32 KiB of metadata in all


def _checked_token(token: str, mode: str) -> str:
    """A token gRPC can send as a header: printable ASCII, no spaces, at most 16 KiB (never shown in errors)."""
    where = {"env_token": TOKEN_ENV, "command": "the output of admin.command",
             "client_credentials": "the token endpoint's answer"}.get(mode, "the token")
    problem = None
    if not token:
        problem = "is empty"
    elif len(token.encode("utf-8", "replace")) > MAX_TOKEN_BYTES:
        problem = f"is {len(token.encode('utf-8', 'replace')):,} bytes, over the {MAX_TOKEN_BYTES:,} a header allows"
    else:
        bad = next((c for c in token if not 0x21 <= ord(c) <= 0x7E), None)
        if bad is not None:
            kind = ("a line break" if bad in "\r\n" else "a space" if bad == " " else
                    "a control character" if ord(bad) < 0x20 or ord(bad) == 0x7F else "a non-ASCII character")
            problem = f"contains {kind} (U+{ord(bad):04X})"
    if problem:
        raise AuthError(f"the bearer token from {where} {problem}",
                        hint="a token is one line of printable ASCII without spaces; check how it is produced "
                             "(it is never printed)")
    return token


def _grpc_message(e: Exception) -> str:
    details = getattr(e, "details", None)
    return details() if callable(details) else str(e)


def _host_port(endpoint: str) -> Tuple[str, int]:
    """``host[:port]`` (or ``[ipv6][:port]``) as (host, port) for a TLS connection; port 443 when none is given."""
    host, port = (endpoint, "") if ":" not in endpoint or endpoint.endswith("]") else endpoint.rsplit(":", 1)
    return host.strip("[]"), int(port or 443)


RETRYABLE = ("UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED")


class AdminClient:
    """AdminService and DataProxyService over one channel."""

    def __init__(self, settings: PlatformSettings, retries: Optional[int] = None, backoff: float = 0.2,
                 timeout: float = 60, budget: Optional[float] = None,
                 notify: Optional[Callable[[str], None]] = None):
        if retries is None:  # attempts at a server that never answered: AUTOC_ADMIN_RETRIES (default 6) + 1
            retries = _env_number("AUTOC_ADMIN_RETRIES", 6, int)
        if budget is None:  # seconds a request may keep retrying once the server answers: AUTOC_ADMIN_RETRY_SECONDS
            budget = _env_number("AUTOC_ADMIN_RETRY_SECONDS", 120.0, float)
        self.settings, self.retries, self.backoff, self.timeout = settings, retries, backoff, timeout
        self.budget, self.notify = budget, notify or (lambda line: None)
        self.answered = False  # the server has answered a call (anything but UNAVAILABLE): it is reachable
        self._notified_attempts: set = set()
        self._channel = self._make_channel()
        self.tokens = TokenSource(settings, self._channel)
        from flyteidl.service import admin_pb2_grpc, dataproxy_pb2_grpc

        self.admin = admin_pb2_grpc.AdminServiceStub(self._channel)
        self.dataproxy = dataproxy_pb2_grpc.DataProxyServiceStub(self._channel)

    def _make_channel(self):
        import grpc

        s = self.settings
        if s.insecure:
            return grpc.insecure_channel(s.endpoint, options=CHANNEL_OPTIONS)
        roots = None
        if s.ca_cert_file_path:
            try:
                with open(s.ca_cert_file_path, "rb") as f:
                    roots = f.read()
            except OSError as e:
                raise AutocError(f"cannot read the CA certificate {s.ca_cert_file_path}: {e.strerror}",
                                 hint="check --ca-cert / admin.caCertFilePath") from e
        elif s.insecure_skip_verify:
            import ssl

            roots = ssl.get_server_certificate(_host_port(s.endpoint)).encode()
        return grpc.secure_channel(s.endpoint, grpc.ssl_channel_credentials(roots), options=CHANNEL_OPTIONS)

    def close(self) -> None:
        self._channel.close()

    def call(self, method: Callable, request):
        """One RPC with transient-failure retries (jittered exponential backoff within the time budget) and one
        token refresh. ALREADY_EXISTS, INVALID_ARGUMENT and the rest are returned to the caller at once."""
        import grpc

        attempt, refreshed, first = 0, False, time.monotonic()
        while True:
            metadata = self.tokens.metadata()
            sent_with = self.tokens.generation
            try:
                response = method(request, metadata=metadata, timeout=self.timeout)
                self.answered = True
                return response
            except grpc.RpcError as e:
                action = self._after_failure(e, attempt, refreshed, sent_with, first)
                if action == GIVE_UP:
                    raise
                if action == REFRESH:  # a new token does not use up a retry
                    refreshed = True
                else:
                    time.sleep(action)
                    attempt += 1

    def prefetch(self, method: Callable, request) -> Callable[[], Any]:
        """Start ``method(request)`` now, without waiting; the function returned gives its answer. If this first
        attempt failed, that function makes the call again as :meth:`call` does (retries, token refresh, errors)."""
        import grpc

        fut = method.future(request, metadata=self.tokens.metadata(), timeout=self.timeout)

        def result():
            try:
                response = fut.result()
                self.answered = True
                return response
            except grpc.RpcError:
                return self.call(method, request)

        return result

    def call_all(self, method: Union[Callable, Sequence[Callable]], requests: Sequence, concurrency: int,
                 on_result: Callable[[int, Any, Optional[Exception]], bool],
                 after: Optional[Sequence[Sequence[int]]] = None,
                 admit: Optional[Callable[[int], bool]] = None) -> None:
        """``method(requests[i])`` for every i (``method[i]`` when a sequence is given: one method per request), at
        most ``concurrency`` at once, as :meth:`call` does one.

        ``after[i]``: the indexes whose calls must have reported before request i starts (dependencies); a request
        starts as soon as its own have, not when a whole wave has. ``admit(i)``, asked then, may say False: request
        i is never sent and never reported (its own dependents are then asked in turn). Requests become ready in
        index order, and one whose dependencies just finished goes first, so a chain finishes early.

        The calls are asynchronous on the channel (no thread per call: on 2 cores, a thread pool of blocking calls
        costs more CPU than the calls themselves). The number in flight adapts to the server (AIMD): halved when it
        answers RESOURCE_EXHAUSTED or a call times out, raised by one per round of successes, never above
        ``concurrency``. ``on_result(i, response, error)`` runs in the calling thread, in completion order, once
        per request that was started, with ``error`` the final ``grpc.RpcError`` (after retries; a request that
        runs out of its retry budget is a failed request, not the end of the run) or None. When it returns False
        no further request is started; those already started still report. AuthError is raised as :meth:`call`
        raises it, and UnreachableError when the server never answered at all."""
        n, ceiling = len(requests), max(1, concurrency)
        methods = method if isinstance(method, (list, tuple)) else None
        window = _Window(ceiling, self.notify)
        completions: "queue.SimpleQueue" = queue.SimpleQueue()
        retry_at: List[Tuple[float, int]] = []  # heap of (due, i)
        state: Dict[int, _Request] = {}
        in_flight, stop = 0, False
        waiting = [len(a) for a in after] if after is not None else [0] * n  # unreported dependencies
        dependents: Dict[int, List[int]] = {}
        for i, deps in enumerate(after or ()):
            for d in deps:
                dependents.setdefault(d, []).append(i)
        ready = collections.deque(i for i in range(n) if not waiting[i])

        def release(i: int) -> None:  # request i has reported (or was not admitted): its dependents may be ready
            for d in reversed(dependents.get(i, ())):
                waiting[d] -= 1
                if not waiting[d]:
                    ready.appendleft(d)

        def start(i: int) -> None:
            r = state[i]
            metadata = self.tokens.metadata()
            r.sent_with, r.started = self.tokens.generation, time.monotonic()
            fut = (methods[i] if methods is not None else method).future(requests[i], metadata=metadata,
                                                                          timeout=self.timeout)
            fut.add_done_callback(lambda f: completions.put((i, f)))

        while True:
            now = time.monotonic()
            while in_flight < window.limit:
                if retry_at and retry_at[0][0] <= now:
                    start(heapq.heappop(retry_at)[1])
                elif not stop and ready:
                    i = ready.popleft()
                    if admit is not None and not admit(i):
                        release(i)
                        continue
                    state[i] = _Request(first=now)
                    start(i)
                else:
                    break
                in_flight += 1
            if not in_flight and not retry_at and (stop or not ready):
                return
            wait = None
            if retry_at and in_flight < window.limit:
                wait = max(0.0, retry_at[0][0] - now)
            try:
                i, fut = completions.get(timeout=wait)
            except queue.Empty:
                continue
            in_flight -= 1
            r, error = state[i], fut.exception()
            if error is None:
                self.answered = True
                window.success()
            else:
                window.failure(error, r.started)
                action = self._after_failure(error, r.attempt, r.refreshed, r.sent_with, r.first)
                if action == REFRESH:
                    r.refreshed = True
                    heapq.heappush(retry_at, (now, i))
                    continue
                if action != GIVE_UP:
                    r.attempt += 1
                    r.ambiguous = r.ambiguous or _maybe_applied(error)
                    heapq.heappush(retry_at, (time.monotonic() + action, i))
                    continue
                if r.ambiguous:
                    error.autoc_after_lost_ack = True  # see after_lost_ack()
            del state[i]
            if not on_result(i, None if error is not None else fut.result(), error):
                stop = True
            release(i)

    def _after_failure(self, e: Exception, attempt: int, refreshed: bool, sent_with: Optional[int] = None,
                       first: Optional[float] = None):
        """What to do after a failed attempt (sent with token generation ``sent_with``, the request first sent
        at ``first``): REFRESH (the token, then call again), seconds to wait before retrying, or GIVE_UP (return
        the error to the caller). Raises AuthError, and UnreachableError while the server never answered."""
        import grpc

        if not isinstance(e, grpc.RpcError) or not callable(getattr(e, "code", None)):
            return GIVE_UP
        code = e.code()
        if code == grpc.StatusCode.UNAUTHENTICATED:
            if not refreshed and self.tokens.refresh(sent_with):
                return REFRESH
            raise AuthError(f"{self.settings.endpoint} refused the credentials (UNAUTHENTICATED)",
                            hint=_auth_hint(self.tokens.mode)) from None
        details = _grpc_message(e) or ""
        if code != grpc.StatusCode.UNAVAILABLE:
            self.answered = True
        if code == grpc.StatusCode.UNAVAILABLE and any(t in details for t in _TLS_FAILURES):
            raise UnreachableError(f"TLS with {self.settings.endpoint} failed: {details.strip()[-300:]}",
                                   hint="trust the server's CA with --ca-cert, or use --insecure for a "
                                        "plaintext server") from None
        if code.name not in RETRYABLE or any(t in details for t in _UNFIXABLE):
            return GIVE_UP  # retrying cannot help (a message over the server's size limit, ...)
        if not self.answered:  # nothing has answered yet: a fixed number of attempts, each one said
            if attempt < self.retries:
                wait = self.backoff * (2 ** attempt) * random.uniform(0.5, 1.5)
                if attempt + 1 not in self._notified_attempts:
                    self._notified_attempts.add(attempt + 1)
                    self.notify(f"cannot reach FlyteAdmin at {self.settings.endpoint} ({code.name}: "
                                f"{details.strip()[-120:]}); retrying in {wait:.1f} s "
                                f"(attempt {attempt + 2} of {self.retries + 1})")
                return wait
            raise UnreachableError(f"cannot reach FlyteAdmin at {self.settings.endpoint} after "
                                   f"{self.retries + 1} attempts: {details.strip()[-300:]}",
                                   hint="check --endpoint (or FLYTE_PLATFORM_URL / admin.endpoint), and "
                                        "--insecure for plaintext servers") from None
        # the server answers: back off with full jitter (capped) for as long as the budget lasts
        wait = random.uniform(0, min(MAX_BACKOFF, self.backoff * (2 ** attempt)))
        started = time.monotonic() if first is None else first
        if time.monotonic() + wait - started > self.budget:
            return GIVE_UP
        return wait


MAX_BACKOFF = 5.0
_UNFIXABLE = ("larger than max", "message too large", "exceeds the maximum")


def rpc_failure(e: Exception, endpoint: str) -> AutocError:
    """A refused call the run cannot go on without, as an error a user reads (no traceback)."""
    code = e.code().name if callable(getattr(e, "code", None)) else type(e).__name__
    return AutocError(f"FlyteAdmin at {endpoint} answered {code}: {(_grpc_message(e) or '').strip()[:300]}",
                      hint="check --project/--domain and that your account may register there; -v shows more")


def after_lost_ack(error: Exception) -> bool:
    """True when ``error`` (an ALREADY_EXISTS, say) answered a retry of a request whose earlier attempt may have
    been applied while its answer was lost: a create that then "already exists" was our own write."""
    return bool(getattr(error, "autoc_after_lost_ack", False))


def _maybe_applied(error: Exception) -> bool:
    code = getattr(error, "code", None)
    return callable(code) and code().name in ("UNAVAILABLE", "DEADLINE_EXCEEDED")


@dataclasses.dataclass
class _Request:
    first: float  # when it was first sent: the retry budget runs from here
    started: float = 0.0  # when the current attempt was sent
    attempt: int = 0
    refreshed: bool = False
    sent_with: Optional[int] = None
    ambiguous: bool = False  # an earlier attempt failed in a way that may have been applied


class _Window:
    """Additive-increase, multiplicative-decrease of the calls in flight: halved on overload (at most once per
    round of calls: only a call sent after the last decrease can lower it again), +1 per round of successes."""

    def __init__(self, ceiling: int, notify: Callable[[str], None]):
        self.ceiling, self.size, self.notify = ceiling, float(ceiling), notify
        self._lowered_at = 0.0

    @property
    def limit(self) -> int:
        return max(1, int(self.size))

    def success(self) -> None:
        self.size = min(float(self.ceiling), self.size + 1.0 / self.size)

    def failure(self, error: Exception, started: float) -> None:
        code = getattr(error, "code", None)
        if not callable(code) or code().name not in ("RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED"):
            return
        if any(t in (_grpc_message(error) or "") for t in _UNFIXABLE) or started < self._lowered_at:
            return
        self._lowered_at = time.monotonic()
        before, self.size = self.limit, max(1.0, self.size / 2)
        if self.limit < before:
            self.notify(f"the server is overloaded ({code().name}): {self.limit} call(s) at once instead of "
                        f"{before}")


def _env_number(name: str, default, kind):
    import os

    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = -1
    if not 0 <= value < float("inf"):
        raise UserInputError(f"{name}={raw!r} is not a {'whole ' if kind is int else ''}number of "
                             f"{'retries' if kind is int else 'seconds'} (0 or more)", hint=f"unset {name}, or "
                             f"set it to e.g. {default}")
    return value


REFRESH, GIVE_UP = "refresh", "give-up"


def _auth_hint(mode: str) -> str:
    return {"none": f"the server needs a token: set {TOKEN_ENV}, admin.command, or client credentials "
                    f"(admin.authType: ClientSecret)",
            "env_token": f"the token in {TOKEN_ENV} was not accepted",
            "command": "the token printed by admin.command was not accepted",
            "client_credentials": "the server did not accept the token issued for admin.clientId"}[mode]

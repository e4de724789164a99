"""The server's HTTP side: signed-URL uploads (the data proxy's object store) and the OAuth2 token endpoint."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Mapping


@dataclass(frozen=True)
class _Grant:
    native_url: str
    content_md5: bytes | None
    expires_at: float


class BlobStore:
    """An in-memory object store behind pre-signed PUT URLs, keyed by native (``s3://``) URL."""

    def __init__(self):
        self._lock = threading.Lock()
        self._blobs: dict[str, bytes] = {}
        self._grants: dict[str, _Grant] = {}

    @property
    def blobs(self) -> dict[str, bytes]:
        with self._lock:
            return dict(self._blobs)

    def md5_of(self, native_url: str) -> bytes | None:
        """The md5 of the object stored at ``native_url``, or None when there is none."""
        with self._lock:
            blob = self._blobs.get(native_url)
        return None if blob is None else hashlib.md5(blob).digest()

    def grant(self, native_url: str, content_md5: bytes | None, expires_in_s: float) -> str:
        """Create a signature for one PUT to ``native_url``; returns the token the signed URL carries."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._grants[token] = _Grant(native_url, content_md5 or None, time.time() + expires_in_s)
        return token

    def put(self, token: str, body: bytes, header_md5: str | None) -> tuple[int, str]:
        """Store ``body`` under the grant; returns (HTTP status, message)."""
        with self._lock:
            grant = self._grants.get(token)
        if grant is None:
            return 403, "SignatureDoesNotMatch: unknown upload signature"
        if time.time() > grant.expires_at:
            return 403, "AccessDenied: Request has expired"
        actual = hashlib.md5(body).digest()
        if grant.content_md5 is not None and header_md5 is None:
            return 400, "MissingContentMD5: the signed URL requires a Content-MD5 header"
        if header_md5 is not None:
            try:
                claimed = base64.b64decode(header_md5, validate=True)
            except ValueError:
                return 400, "InvalidDigest: the Content-MD5 header is not base64"
            if claimed != actual:
                return 400, "BadDigest: the Content-MD5 you specified did not match what was received"
            if grant.content_md5 is not None and claimed != grant.content_md5:
                return 400, "SignatureDoesNotMatch: the Content-MD5 differs from the one the URL was signed for"
        with self._lock:
            self._blobs[grant.native_url] = body
        return 200, "OK"


class TokenIssuer:
    """OAuth2 ``client_credentials`` grants for the configured clients."""

    def __init__(self, clients: Mapping[str, str] | None, access_token: str | None):
        self.clients = dict(clients or {})
        self.access_token = access_token

    def issue(self, form: Mapping[str, str], authorization: str | None) -> tuple[int, dict]:
        client_id, secret = _basic_credentials(authorization)
        if client_id is None:  # RFC 6749 also allows the credentials in the form body
            client_id, secret = form.get("client_id"), form.get("client_secret")
        if client_id is None or self.clients.get(client_id) != secret:
            return 401, {"error": "invalid_client", "error_description": "client authentication failed"}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        token = self.access_token or f"token-for-{client_id}"
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                     "scope": form.get("scope", "all")}


def _basic_credentials(authorization: str | None) -> tuple[str | None, str | None]:
    if not authorization or not authorization.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(authorization[6:].strip()).decode()
    except ValueError:
        return None, None
    client_id, _, secret = decoded.partition(":")
    # flytekit url-encodes both parts before encoding them, as RFC 6749 section 2.3.1 asks
    return urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret)


class HttpSide:
    """A ThreadingHTTPServer on loopback, run in a daemon thread.

    Routes: ``PUT /upload/<token>`` (signed uploads), ``POST /oauth2/token``,
    ``GET /.well-known/oauth-authorization-server`` and ``GET /healthcheck``.
    ``on_request(name, ok, wrote)`` is told about every request (for the server's counters); ``wrote`` is true only
    for an upload that stored its body.
    """

    def __init__(self, blobs: BlobStore, tokens: TokenIssuer, oauth_metadata: Callable[[], dict],
                 on_request: Callable[[str, bool, bool], None], host: str = "127.0.0.1"):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_PUT(self):
                path = urllib.parse.urlsplit(self.path).path
                body = self._body()
                if not path.startswith("/upload/"):
                    return self._reply(404, "not found", "PUT ?")
                status, message = blobs.put(path[len("/upload/"):], body, self.headers.get("Content-MD5"))
                self._reply(status, message, "PUT /upload", wrote=status < 300)

            def do_POST(self):
                path = urllib.parse.urlsplit(self.path).path
                body = self._body()
                if path != "/oauth2/token":
                    return self._reply(404, "not found", "POST ?")
                form = dict(urllib.parse.parse_qsl(body.decode()))
                status, payload = tokens.issue(form, self.headers.get("Authorization"))
                self._reply(status, payload, "POST /oauth2/token")

            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                if path == "/.well-known/oauth-authorization-server":
                    return self._reply(200, oauth_metadata(), "GET /.well-known/oauth-authorization-server")
                if path == "/healthcheck":
                    return self._reply(200, "", "GET /healthcheck")
                self._reply(404, "not found", "GET ?")

            def _body(self) -> bytes:
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    chunks = []
                    while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()  # the CRLF after each chunk
                    while self.rfile.readline().strip():  # trailers, up to the blank line
                        pass
                    return b"".join(chunks)
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _reply(self, status: int, payload, name: str, wrote: bool = False) -> None:
                on_request(name, status < 300, wrote)
                if isinstance(payload, dict):
                    data, ctype = json.dumps(payload).encode(), "application/json"
                else:
                    data, ctype = str(payload).encode(), "text/plain; charset=utf-8"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="admin-server-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

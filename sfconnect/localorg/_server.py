"""The HTTPS server: cheroot serves the org's WSGI app with a thread pool, timeouts and size limits.

Every request goes through `LocalOrgApp` -> `dispatch`: match a route, call its handler, render any
`LocalOrgFault` for that route's kind. Malformed HTTP gets a 4xx from cheroot; an unexpected error becomes a
500 `UNKNOWN_EXCEPTION` fault and is logged; the server never dies of a request.

What is read before the caller is known stays small: a body larger than `UNAUTHENTICATED_BODY_BYTES` is read
only when the request carries a live session (the `Authorization` header, or the SOAP `sessionId` found in
the first `SESSION_PEEK_BYTES` of the body); login and token requests carry their credentials in the body
and are capped at that small size. URLs handed out are built from the configured host, never from `Host`.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cheroot import errors as cheroot_errors
from cheroot import server as cheroot_server
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from sfconnect.localorg._behaviour import apply_profile
from sfconnect.localorg._exceptions import InvalidSessionId, LocalOrgFault
from sfconnect.localorg._models import LocalOrg
from sfconnect.localorg._responses import Request, Response, json_response, render_fault
from sfconnect.localorg._urls import ROUTES, Route, match

__all__ = [
    "MAX_BODY_BYTES",
    "SESSION_PEEK_BYTES",
    "UNAUTHENTICATED_BODY_BYTES",
    "LocalOrgApp",
    "LocalOrgServer",
    "dispatch",
    "request_path",
]

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024 * 1024
"""Largest request body accepted (Salesforce: 50 MB of base64 deploy zip, plus the envelope)."""
UNAUTHENTICATED_BODY_BYTES = 256 * 1024
"""Largest body read without a live session (login and token requests are a few kilobytes)."""
SESSION_PEEK_BYTES = 64 * 1024
"""How much of a large SOAP body is read to find its `SessionHeader` before the rest is read."""
MAX_HEADER_BYTES = 64 * 1024
CONNECTION_TIMEOUT_SECONDS = 15.0
"""A connection that sends nothing for this long (handshake, headers, body, keep-alive) is closed."""
THREADS = 8
"""Worker threads; further connections wait in the accept queue (fair, first come first served)."""
ACCEPT_QUEUE = 256
KEEP_ALIVE_CONNECTIONS = 512
"""Idle keep-alive connections kept open (they wait in a selector, not in a thread)."""

_SESSION_ID = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sessionId>\s*([^<\s]{1,512})\s*</")
_SOAP_BODY = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Body[\s>]")
_LARGE_BODY_KINDS = frozenset({"soap-metadata", "rest"})
"""Route kinds whose authenticated callers may send large bodies (deploy zips)."""


class BadRequest(Exception):
    """Malformed or refused request body: answered with this response and the connection closed."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def dispatch(org: LocalOrg, routes: tuple[Route, ...], req: Request) -> Response:
    """Answer one request: route, call, render faults; then the org's behaviour profile, if any."""
    return apply_profile(org, req, _answer(org, routes, req))


def _answer(org: LocalOrg, routes: tuple[Route, ...], req: Request) -> Response:
    found = match(routes, req.method, req.path)
    if found is None:
        if any(r.pattern.fullmatch(req.path) for r in routes):
            return json_response(
                [{"errorCode": "METHOD_NOT_ALLOWED", "message": f"{req.method} not allowed"}], 405
            )
        return json_response(
            [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], 404
        )
    route, params = found
    try:
        return route.handler(org, req, params)
    except LocalOrgFault as fault:
        return render_fault(fault, route.kind)
    except Exception:
        log.exception("unexpected error answering %s %s", req.method, req.path)
        return render_fault(
            LocalOrgFault(
                "UNKNOWN_EXCEPTION",
                "An unexpected error occurred. Please include this ErrorId if you contact support.",
            ),
            route.kind,
        )


def _bad(status: int, message: str) -> BadRequest:
    return BadRequest(json_response([{"errorCode": "BAD_REQUEST", "message": message}], status))


def _read(stream: Any, limit: int) -> bytes:
    """Read up to `limit` bytes (fewer at the end of the body); chunked-encoding errors become a 400."""
    parts: list[bytes] = []
    left = limit
    try:
        while left > 0:
            chunk = stream.read(min(left, 256 * 1024))
            if not chunk:
                break
            parts.append(chunk)
            left -= len(chunk)
    except ValueError as exc:  # cheroot's chunked reader: bad chunk size or framing
        raise _bad(400, f"malformed chunked body: {exc}") from None
    except cheroot_errors.MaxSizeExceeded:
        raise _bad(413, "request body too large") from None
    return b"".join(parts)


def _read_some(stream: Any, limit: int) -> bytes:
    """What has arrived of the body (at least one byte, at most `limit`), without waiting for more."""
    raw, remaining = getattr(stream, "rfile", None), getattr(stream, "remaining", None)
    if raw is None or not isinstance(remaining, int) or not hasattr(raw, "read1"):
        return _read(stream, min(limit, 4096))  # another WSGI server: plain reads
    data: bytes = raw.read1(min(limit, remaining))
    stream.remaining = remaining - len(data)
    return data


def _peek_session(stream: Any, limit: int) -> bytes:
    """Read the start of a SOAP body until its sessionId (or the SOAP Body) is seen, or `limit` bytes."""
    head = b""
    while len(head) < limit:
        piece = _read_some(stream, limit - len(head))
        if not piece:
            break
        head += piece
        if _SESSION_ID.search(head) or _SOAP_BODY.search(head):
            break
    return head


class LocalOrgApp:
    """The org as a WSGI application (what cheroot, or any WSGI server, serves).

    Args:
        org: the org to serve.
        base_url: the URL the server is reached at (``https://127.0.0.1:PORT``), used in every URL it
            hands out, whatever `Host` a client sends.
        routes: the routing table.
    """

    def __init__(self, org: LocalOrg, base_url: str = "", routes: tuple[Route, ...] = ROUTES) -> None:
        self.org = org
        self.base_url = base_url
        self.routes = routes
        self.last_request = time.monotonic()
        self.active = 0
        self._lock = threading.Lock()

    def _live_session(self, token: str | None) -> bool:
        try:
            self.org.authenticate(token, api=False)
        except InvalidSessionId:
            return False
        except LocalOrgFault:
            return False
        return True

    def _body(self, environ: dict[str, Any], kind: str, headers: dict[str, str]) -> bytes:
        """The request body, read only as far as the caller is entitled to."""
        stream = environ["wsgi.input"]
        raw_length = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        if not chunked and not raw_length:
            return b""
        try:
            length = int(raw_length) if raw_length else None
        except ValueError:
            raise _bad(400, "bad Content-Length") from None
        if length is not None and length <= UNAUTHENTICATED_BODY_BYTES:
            return _read(stream, length)
        if length is not None and length > MAX_BODY_BYTES:
            raise _bad(413, "request body too large")
        if length is None:  # chunked: whatever fits the small cap is anyone's
            head = _read(stream, UNAUTHENTICATED_BODY_BYTES + 1)
            if len(head) <= UNAUTHENTICATED_BODY_BYTES:
                return head
        if kind not in _LARGE_BODY_KINDS:
            raise _bad(413, f"request body too large (at most {UNAUTHENTICATED_BODY_BYTES} bytes here)")
        limit = MAX_BODY_BYTES + 1 if length is None else length
        token: str | None
        if kind == "rest":  # the session is in a header: checked before any of the body is read
            scheme, _, value = headers.get("authorization", "").partition(" ")
            token = value.strip() if scheme.lower() in ("bearer", "oauth") else None
            if length is not None:
                head = b""
        else:  # SOAP: the SessionHeader comes first; read until it is seen, at most SESSION_PEEK_BYTES
            if length is not None:
                head = _peek_session(stream, min(length, SESSION_PEEK_BYTES))
            found = _SESSION_ID.search(head)
            token = found.group(1).decode("ascii", "replace") if found else None
        if not self._live_session(token):
            fault = InvalidSessionId()
            raise BadRequest(render_fault(fault, kind))
        rest = _read(stream, limit - len(head))
        body = head + rest
        if len(body) > MAX_BODY_BYTES:
            raise _bad(413, "request body too large")
        return body

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self._lock:
            self.active += 1
            self.last_request = time.monotonic()
        try:
            resp, close = self._respond(environ)
        finally:
            with self._lock:
                self.active -= 1
                self.last_request = time.monotonic()
        headers = [("Content-Type", resp.content_type), ("Content-Length", str(len(resp.body)))]
        headers += list(resp.headers.items())
        if close:
            headers.append(("Connection", "close"))
        start_response(f"{resp.status} {_reason(resp.status)}", headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [resp.body]

    def _respond(self, environ: dict[str, Any]) -> tuple[Response, bool]:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = request_path(str(environ.get("REQUEST_URI") or environ.get("PATH_INFO") or "/"))
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        if environ.get("CONTENT_LENGTH"):
            headers["content-length"] = str(environ["CONTENT_LENGTH"])
        found = match(self.routes, method, path)
        kind = found[0].kind if found else "rest"
        try:
            body = self._body(environ, kind, headers)
        except BadRequest as exc:
            log.debug("%s %s refused: %d", method, path, exc.response.status)
            return exc.response, True
        req = Request(
            method=method,
            path=path,
            query=parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True),
            headers=headers,
            body=body,
            base_url=self.base_url,
            client_ip=str(environ.get("REMOTE_ADDR", "127.0.0.1")),
        )
        resp = dispatch(self.org, self.routes, req)
        # Query strings can carry tokens (revoke?token=, ?oauth_token=, authorization codes): never logged.
        log.debug("%s %s %s", req.client_ip, method, path)
        return resp, False


_SLASHES = re.compile(r"/{2,}")


def request_path(target: str) -> str:
    """The path of a request target, as routes match it: the query dropped, runs of slashes made one (the sf
    CLI's ``//services/data``), and the path of an absolute-form target (``https://host/services/...``)."""
    if "://" in target.split("?", 1)[0]:
        target = urlsplit(target).path
    path = target.split("?", 1)[0].split("#", 1)[0]
    return _SLASHES.sub("/", path) or "/"


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class _LazyTlsAdapter(BuiltinSSLAdapter):
    """TLS whose handshake happens in a worker thread (under the connection timeout), not in the accept
    loop, so one client that connects and stays silent cannot stall every other client."""

    def wrap(self, sock: socket.socket) -> tuple[ssl.SSLSocket, dict[str, str]]:
        wrapped = self.context.wrap_socket(sock, do_handshake_on_connect=False, server_side=True)
        return wrapped, {"wsgi.url_scheme": "https", "HTTPS": "on"}


class _Request(cheroot_server.HTTPRequest):
    """Lets through the request targets cheroot takes for a proxy's: ``//services/data/v60.0/query``, which the
    sf CLI sends (it stores the instance URL as ``https://host/``, then appends ``/services/...``) and which
    Salesforce serves, and the absolute form ``https://host/services/...``, which RFC 9112 section 3.2.2 requires
    every server to accept. cheroot parses the first as an authority (``services``) and refuses both outside its
    proxy mode; `request_path` reads the path from the raw target instead. Proxy mode also lets CONNECT
    through; no route matches it, so it gets a 404."""

    def __init__(self, server: Any, conn: Any, proxy_mode: bool = True, strict_mode: bool = True) -> None:
        super().__init__(server, conn, proxy_mode=proxy_mode, strict_mode=strict_mode)


class _Connection(cheroot_server.HTTPConnection):
    """Completes the TLS handshake before the first request; a failed handshake just closes."""

    RequestHandlerClass = _Request
    _handshaken = False
    _parked = False

    def communicate(self) -> bool:
        if not self._handshaken and isinstance(self.socket, ssl.SSLSocket):
            try:
                self.socket.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                log.debug("TLS handshake failed: %s", exc)
                return False
            self._handshaken = True
        result: bool = super().communicate()  # type: ignore[no-untyped-call]
        return result


class _Gateway(wsgi.Gateway_10):
    """An app's ``Connection: close`` really closes: cheroot would otherwise read the rest of a refused
    body (up to 64 MiB) to keep the connection alive."""

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if any(k.lower() == "connection" and v.lower() == "close" for k, v in headers):
            self.req.close_connection = True
        return super().start_response(status, headers, exc_info)


class _Server(wsgi.Server):
    """A new connection waits in the selector (costing no worker) until its first bytes arrive."""

    def process_conn(self, conn: Any) -> None:
        if isinstance(conn, _Connection) and not conn._handshaken and not conn._parked:
            conn._parked = True
            self._connections.put(conn)  # type: ignore[attr-defined]
            return
        super().process_conn(conn)


def _error_log(msg: str = "", level: int = 20, traceback: bool = False) -> None:
    log.debug("cheroot: %s", msg, exc_info=traceback)


class LocalOrgServer:
    """Serves one `LocalOrg` over HTTPS (or plain HTTP when no TLS files are given, for unit tests only).

    Args:
        org: the org to serve.
        host: the address to bind; non-loopback addresses need `allow_remote=True`.
        port: 0 picks a free port.
        tls: (certificate, key) paths; None serves plain HTTP.
        routes: the routing table (default `urls.ROUTES`).
        threads: worker threads.
        timeout: seconds a connection may stay silent.
    """

    def __init__(
        self,
        org: LocalOrg,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tls: tuple[Path, Path] | None = None,
        routes: tuple[Route, ...] = ROUTES,
        allow_remote: bool = False,
        threads: int = THREADS,
        timeout: float = CONNECTION_TIMEOUT_SECONDS,
    ) -> None:
        if not allow_remote and not _is_loopback(host):
            raise ValueError(f"refusing to serve the local org on non-loopback address {host!r}")
        self.org = org
        self.scheme = "https" if tls is not None else "http"
        self.app = LocalOrgApp(org, routes=routes)
        server = _Server(
            (host, port),
            self.app,
            numthreads=threads,
            max=threads,
            request_queue_size=ACCEPT_QUEUE,
            timeout=timeout,  # type: ignore[arg-type]  # seconds, fractions allowed
            shutdown_timeout=1,
            server_name="sfconnect-localorg",
        )
        server.ConnectionClass = _Connection
        server.gateway = _Gateway
        server.max_request_body_size = MAX_BODY_BYTES
        server.max_request_header_size = MAX_HEADER_BYTES
        server.keep_alive_conn_limit = KEEP_ALIVE_CONNECTIONS
        server.error_log = _error_log  # type: ignore[method-assign]
        if tls is not None:
            adapter = _LazyTlsAdapter(str(tls[0]), str(tls[1]))
            adapter.context.minimum_version = ssl.TLSVersion.TLSv1_2
            server.ssl_adapter = adapter
        server.prepare()  # binds now, so the port is known
        self._server = server
        self.host_for_urls = "127.0.0.1" if host in ("localhost", "127.0.0.1") else host
        if ":" in self.host_for_urls:
            self.host_for_urls = f"[{self.host_for_urls}]"
        self.server_port = int(server.bind_addr[1])
        self.app.base_url = self.base_url
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """`https://127.0.0.1:PORT` (the certificate names 127.0.0.1, ::1 and localhost)."""
        return f"{self.scheme}://{self.host_for_urls}:{self.server_port}"

    def idle_seconds(self) -> float:
        """Seconds since the last request ended (0 while one is being answered)."""
        if self.app.active:
            return 0.0
        return time.monotonic() - self.app.last_request

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve, name="localorg-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

"""The HTTPS server: threads, keep-alive, chunked request bodies, size limits, one dispatch function.

Every request goes through `LocalOrgHandler.handle_one_request` -> `dispatch`: match a route, call its
handler, render any `LocalOrgFault` for that route's kind. Malformed HTTP gets a 4xx; an unexpected error
becomes a 500 `UNKNOWN_EXCEPTION` fault and is logged; the server never dies of a request.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import re
import socket
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sfconnect.localorg.behaviour import apply_profile
from sfconnect.localorg.exceptions import LocalOrgFault
from sfconnect.localorg.models import LocalOrg
from sfconnect.localorg.responses import Request, Response, json_response, render_fault
from sfconnect.localorg.urls import ROUTES, Route, match

__all__ = ["MAX_BODY_BYTES", "LocalOrgServer", "dispatch"]

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024 * 1024
"""Largest request body accepted (Salesforce: 50 MB of base64 deploy zip, plus the envelope)."""
IDLE_TIMEOUT_SECONDS = 30.0


class BadRequest(Exception):
    """Malformed HTTP: answered with this status and closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


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


_QUERY = re.compile(r"\?[^\s\"]*(?=[\s\"])")


class LocalOrgHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; TLS is negotiated in the connection's own thread."""

    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.1"  # answer even an unparsable request line with a status line
    wbufsize = 64 * 1024  # headers and body leave in one write (no Nagle / delayed-ACK stall)
    server_version = "sfconnect-localorg"
    sys_version = ""
    server: LocalOrgServer

    def log_message(self, format: str, *args: Any) -> None:
        # Query strings can carry tokens (revoke?token=, ?oauth_token=, authorization codes): never logged.
        text = _QUERY.sub(" ", format % args)
        log.debug("%s - %s", self.address_string(), text)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests that http.server rejects itself: a JSON error, then close."""
        self.close_connection = True
        text = message or self.responses.get(code, ("Error",))[0]
        body = json.dumps([{"errorCode": "BAD_REQUEST" if code < 500 else "SERVER_ERROR", "message": text}])
        self.send_response(code)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body.encode("utf-8"))

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            line = self.rfile.readline(1026)
            if not line.endswith(b"\n"):
                raise BadRequest(400, "malformed chunk size line")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadRequest(400, "malformed chunk size") from None
            if size < 0 or len(body) + size > MAX_BODY_BYTES:
                raise BadRequest(413, "request body too large")
            if size == 0:
                while True:  # trailers until the empty line
                    trailer = self.rfile.readline(8194)
                    if trailer in (b"\r\n", b"\n", b""):
                        return bytes(body)
            chunk = self.rfile.read(size)
            if len(chunk) != size:
                raise BadRequest(400, "truncated chunk")
            body += chunk
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise BadRequest(400, "missing CRLF after chunk")

    def _read_body(self) -> bytes:
        encoding = (self.headers.get("Transfer-Encoding") or "").lower()
        if encoding:
            if encoding.replace(" ", "") != "chunked":
                raise BadRequest(501, f"unsupported Transfer-Encoding: {encoding}")
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
        except ValueError:
            raise BadRequest(400, "bad Content-Length") from None
        if length < 0:
            raise BadRequest(400, "bad Content-Length")
        if length > MAX_BODY_BYTES:
            raise BadRequest(413, "request body too large")
        body = self.rfile.read(length)
        if len(body) != length:
            raise BadRequest(400, "truncated body")
        return body

    def _send(self, resp: Response, head_only: bool = False) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head_only:
            self.wfile.write(resp.body)

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except BadRequest as exc:
            self.close_connection = True
            self._send(json_response([{"errorCode": "BAD_REQUEST", "message": str(exc)}], exc.status))
            return
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or f"{self.server.host_for_urls}:{self.server.server_port}"
        req = Request(
            method=self.command,
            path=parts.path or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"{self.server.scheme}://{host}",
            client_ip=str(self.client_address[0]),
        )
        before = self.server.before_request
        if before is not None:
            before(req)
        self._send(dispatch(self.server.org, self.server.routes, req), head_only=self.command == "HEAD")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def do_HEAD(self) -> None:
        self._handle()

    def handle(self) -> None:
        try:
            super().handle()
        except (ssl.SSLError, ConnectionError, TimeoutError):
            self.close_connection = True


class LocalOrgServer(ThreadingHTTPServer):
    """Serves one `LocalOrg` over HTTPS (or plain HTTP when no TLS files are given, for unit tests only).

    Args:
        org: the org to serve.
        host: the address to bind; non-loopback addresses need `allow_remote=True`.
        port: 0 picks a free port.
        tls: (certificate, key) paths; None serves plain HTTP.
        routes: the routing table (default `urls.ROUTES`).
    """

    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(
        self,
        org: LocalOrg,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tls: tuple[Path, Path] | None = None,
        routes: tuple[Route, ...] = ROUTES,
        allow_remote: bool = False,
    ) -> None:
        if not allow_remote and not _is_loopback(host):
            raise ValueError(f"refusing to serve the local org on non-loopback address {host!r}")
        self.org = org
        self.routes = routes
        self.before_request: Callable[[Request], None] | None = None
        self.ssl_context: ssl.SSLContext | None = None
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            self.ssl_context = ctx
        self.scheme = "https" if tls is not None else "http"
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.host_for_urls = "127.0.0.1" if host in ("localhost", "127.0.0.1") else host
        if ":" in self.host_for_urls:
            self.host_for_urls = f"[{self.host_for_urls}]"
        super().__init__((host, port), LocalOrgHandler)
        self._thread: threading.Thread | None = None

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Negotiate TLS in the connection's thread, serve it, and always close it."""
        request.settimeout(IDLE_TIMEOUT_SECONDS)
        with contextlib.suppress(OSError):
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = request
        try:
            if self.ssl_context is not None:
                conn = self.ssl_context.wrap_socket(request, server_side=True)
            LocalOrgHandler(conn, client_address, self)
        except (ssl.SSLError, ConnectionError, TimeoutError, OSError) as exc:
            log.debug("connection from %s dropped: %s", client_address, exc)
        except Exception:
            log.exception("unexpected error serving %s", client_address)
        finally:
            if conn is not request:
                conn.close()

    @property
    def base_url(self) -> str:
        """`https://127.0.0.1:PORT` (the certificate names 127.0.0.1, ::1 and localhost)."""
        return f"{self.scheme}://{self.host_for_urls}:{self.server_port}"

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="localorg-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

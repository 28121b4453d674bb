"""An authenticated session with an org: where it is, who we are, and how TLS is trusted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

__all__ = ["OrgSession", "Timeouts", "trusting_session"]


@dataclass(frozen=True)
class Timeouts:
    """How long sfconnect waits for an org, in seconds (a target's ``timeouts:`` in sfconnect.yaml).

    `connect` bounds opening a connection, `read` each wait for bytes of an answer (a stalled org raises a
    timeout instead of hanging), and `deploy` the whole of following a deploy to its end.
    """

    connect: float = 10.0
    read: float = 120.0
    deploy: float = 3600.0

    @property
    def http(self) -> tuple[float, float]:
        """The ``(connect, read)`` pair requests takes."""
        return (self.connect, self.read)


class _TimeoutSession(requests.Session):
    """A session that never waits forever: requests sent without a timeout get the configured one.

    The Metadata API calls pass none, and simple-salesforce's login passes none either; both get `timeouts`
    here.
    """

    def __init__(self, timeouts: Timeouts) -> None:
        super().__init__()
        self.timeouts = timeouts

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeouts.http
        return super().request(method, url, *args, **kwargs)


@dataclass(frozen=True)
class OrgSession:
    """What every API call needs: the instance URL, a session id (access token) and TLS trust.

    `verify` is passed explicitly to every HTTP session sfconnect builds: a CA bundle path for a local org,
    ``True`` (the system trust store) for Salesforce. Nothing sets ``REQUESTS_CA_BUNDLE`` for the process.
    The session id never appears in `repr`.
    """

    instance_url: str
    session_id: str = field(repr=False)
    api_version: str = "63.0"
    verify: str | bool = True
    user_id: str = ""
    org_id: str = ""
    username: str = ""

    @property
    def host(self) -> str:
        """``host[:port]`` of the instance, as simple-salesforce wants it."""
        return urlsplit(self.instance_url).netloc

    @property
    def metadata_url(self) -> str:
        """The Metadata API SOAP endpoint for this session's API version."""
        return f"{self.instance_url.rstrip('/')}/services/Soap/m/{self.api_version}"


def trusting_session(verify: str | bool, timeouts: Timeouts | None = None) -> requests.Session:
    """An HTTP session whose TLS trust is exactly `verify`, and whose requests time out (`timeouts`).

    With a CA bundle (a local org), the process environment is ignored: requests would otherwise let
    ``REQUESTS_CA_BUNDLE`` override the session's bundle. With the system store, the environment (proxies,
    a corporate CA bundle) applies as usual.
    """
    http = _TimeoutSession(timeouts or Timeouts())
    http.verify = verify
    if isinstance(verify, str):
        http.trust_env = False
    return http

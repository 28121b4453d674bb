"""REST calls the conformance kit and the safety checks need: the version list and SOQL queries.

Answers are data: `RestAnswer` carries the HTTP status, the JSON body and, for a REST error, its
``errorCode`` and ``message``. Only a failure to reach the org raises `OrgError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from sfconnect.org._errors import translate
from sfconnect.org.session import OrgSession, trusting_session

__all__ = ["RestAnswer", "RestClient"]


@dataclass(frozen=True)
class RestAnswer:
    """What a REST resource answered."""

    status: int
    body: Any = field(default=None, repr=False)
    error_code: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        """HTTP 2xx."""
        return 200 <= self.status < 300

    @property
    def records(self) -> list[dict[str, Any]]:
        """The records of a query answer (empty for anything else)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("records"), list):
            return [r for r in self.body["records"] if isinstance(r, dict)]
        return []


class RestClient:
    """REST resources of one session's org."""

    def __init__(
        self, session: OrgSession, *, target: str = "", http: requests.Session | None = None
    ) -> None:
        self.session = session
        self.target = target
        self._http = http or trusting_session(session.verify)
        self._own_http = http is None
        self.calls = 0

    def close(self) -> None:
        """Release the HTTP connections this client opened."""
        if self._own_http:
            self._http.close()

    def get(self, path: str, *, params: dict[str, str] | None = None, auth: bool = True) -> RestAnswer:
        """GET a path of the instance (``/services/data/...``)."""
        url = self.session.instance_url.rstrip("/") + path
        headers = {"Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.session.session_id}"
        self.calls += 1
        try:
            response = self._http.get(url, params=params, headers=headers, timeout=60)
        except requests.RequestException as exc:
            raise translate(exc, target=self.target, operation=f"GET {path}") from exc
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        code = message = ""
        if not (200 <= response.status_code < 300):
            first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else body
            if isinstance(first, dict):
                code = str(first.get("errorCode") or first.get("error") or "")
                message = str(first.get("message") or first.get("error_description") or "")
        return RestAnswer(response.status_code, body, code, message)

    def versions(self) -> list[str]:
        """The API versions ``/services/data`` lists."""
        answer = self.get("/services/data", auth=False)
        if not isinstance(answer.body, list):
            return []
        return [str(v.get("version")) for v in answer.body if isinstance(v, dict) and v.get("version")]

    def query(self, soql: str, *, api_version: str | None = None) -> RestAnswer:
        """``GET /services/data/vXX.X/query?q=...``."""
        version = api_version or self.session.api_version
        return self.get(f"/services/data/v{version}/query", params={"q": soql})

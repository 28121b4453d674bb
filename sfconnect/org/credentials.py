"""A client of the Connect REST credentials resources: apps, consumers, keys, secrets, staged credentials.

Sources: Connect REST API Developer Guide, "OAuth Credentials Resources" (and the pages it links: "OAuth
Usage", "OAuth Credentials by App ID", "OAuth Credentials by Consumer ID", "OAuth Staged Credentials", "OAuth
Staged Credentials ID"); Salesforce Help "Stage, Rotate, and Delete OAuth Credentials for an External Client
App". Every request uses API version 65.0 (the first with staged credentials) whatever the project's version,
because these resources live in the REST API, not in the Metadata API the project's version governs.

A refusal raises `CredentialsApiError` with Salesforce's `errorCode`; secrets never appear in messages or reprs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import requests

from sfconnect.errors import CredentialsApiError, OrgError
from sfconnect.org._errors import translate
from sfconnect.org.session import OrgSession, trusting_session

__all__ = [
    "CREDENTIALS_API_VERSION",
    "AppCredentials",
    "CredentialsClient",
    "OAuthAppRef",
    "Part",
    "StagedCredentials",
]

CREDENTIALS_API_VERSION = "65.0"
Part = Literal["key", "secret", "keyandsecret"]


@dataclass(frozen=True)
class OAuthAppRef:
    """An app with OAuth consumers, as the usage resource lists it."""

    id: str
    name: str
    label: str = ""
    type: str = ""
    distribution_state: str = ""


@dataclass(frozen=True)
class AppCredentials:
    """An app's consumer: its id, its key (an identifier, printable) and, when asked for, its secret."""

    app: OAuthAppRef
    consumer_id: str
    key: str | None
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class StagedCredentials:
    """A staged credentials record: `Active` (accepted beside the primary ones), `Expired` or `Rotated`."""

    id: str
    state: str
    key: str | None
    secret: str | None = field(default=None, repr=False)
    expiration_date: str = ""
    created_date: str = ""


def _staged(item: dict[str, Any]) -> StagedCredentials:
    return StagedCredentials(
        id=str(item.get("id") or ""),
        state=str(item.get("state") or ""),
        key=item.get("key"),
        secret=item.get("secret"),
        expiration_date=str(item.get("expirationDate") or ""),
        created_date=str(item.get("createdDate") or ""),
    )


class CredentialsClient:
    """Talks to one org's credentials resources over its authenticated session.

    Args:
        session: the logged-in session (its user needs "External Client App Developer", and "View Client
            Secret" for secrets; the org needs "Allow access to External Client App consumer secrets via REST
            API" for secrets and staging).
        target: the target's name, for error messages.
    """

    def __init__(self, session: OrgSession, *, target: str = "", timeout: float = 60.0) -> None:
        self.session = session
        self.target = target
        self.timeout = timeout
        self.http = trusting_session(session.verify)
        self.calls = 0
        """How many requests were made (shown with -v)."""
        self._apps: list[OAuthAppRef] | None = None

    def close(self) -> None:
        """Release network resources."""
        self.http.close()

    def __enter__(self) -> CredentialsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # transport ----------------------------------------------------------------------------------------
    def _base(self) -> str:
        return f"{self.session.instance_url.rstrip('/')}/services/data/v{CREDENTIALS_API_VERSION}/apps/oauth"

    def _call(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
    ) -> Any:
        self.calls += 1
        url = path if path.startswith("https://") else self._base() + path
        headers = {"Authorization": f"Bearer {self.session.session_id}", "Accept": "application/json"}
        try:
            response = self.http.request(
                method,
                url,
                params=params,
                json=body if body is not None or method in ("POST", "PATCH") else None,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise translate(exc, target=self.target, operation=operation) from exc
        if response.status_code == 204:
            return None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            first = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
            code = str(first.get("errorCode") or f"HTTP_{response.status_code}")
            message = str(first.get("message") or response.reason or "")
            raise CredentialsApiError(
                f"{operation}: {code}: {message}",
                error_code=code,
                status=response.status_code,
                target=self.target,
                operation=operation,
            )
        if data is None:
            raise OrgError(
                f"{operation}: the org answered HTTP {response.status_code} without JSON",
                target=self.target,
                operation=operation,
            )
        return data

    # resources ----------------------------------------------------------------------------------------
    def usage(self) -> list[OAuthAppRef]:
        """Every app with OAuth consumers (`GET /apps/oauth/usage`, all pages; cached per client)."""
        if self._apps is not None:
            return self._apps
        apps: list[OAuthAppRef] = []
        page = 0
        while True:
            data = self._call("GET", "/usage", "list apps", params={"page": str(page), "pageSize": "100"})
            items = data.get("apps") if isinstance(data, dict) else None
            for item in items or []:
                apps.append(
                    OAuthAppRef(
                        id=str(item.get("identifier") or item.get("id") or ""),
                        name=str(item.get("developerName") or item.get("name") or ""),
                        label=str(item.get("label") or ""),
                        type=str(item.get("type") or ""),
                        distribution_state=str(item.get("distributionState") or ""),
                    )
                )
            if not items or not (isinstance(data, dict) and data.get("nextPageUrl")) or page > 100:
                break
            page += 1
        self._apps = apps
        return apps

    def find_app(self, name: str) -> OAuthAppRef:
        """The app with this developer name (case-insensitive).

        Raises:
            CredentialsApiError: `NOT_FOUND` when the org lists no such app.
        """
        for app in self.usage():
            if app.name.lower() == name.lower():
                return app
        raise CredentialsApiError(
            f"the org has no app named {name} with OAuth credentials (is it applied, with OAuth enabled?)",
            error_code="NOT_FOUND",
            status=404,
            target=self.target,
            operation="find app",
        )

    def consumer_ids(self, app: OAuthAppRef) -> list[str]:
        """The ids of the app's OAuth consumers (`GET /apps/oauth/credentials/{app}`)."""
        data = self._call("GET", f"/credentials/{app.id}", f"list consumers of {app.name}")
        consumers = data.get("consumers") if isinstance(data, dict) else None
        return [str(c.get("id")) for c in consumers or [] if isinstance(c, dict) and c.get("id")]

    def _consumer(self, app: OAuthAppRef) -> str:
        ids = self.consumer_ids(app)
        if not ids:
            raise CredentialsApiError(
                f"the app {app.name} has no OAuth consumer",
                error_code="NOT_FOUND",
                status=404,
                target=self.target,
                operation="list consumers",
            )
        return ids[0]

    def read(self, name: str, part: Part = "key") -> AppCredentials:
        """An app's primary credentials: the key, the secret or both (`…/{app}/{consumer}?part=`)."""
        app = self.find_app(name)
        consumer = self._consumer(app)
        data = self._call(
            "GET", f"/credentials/{app.id}/{consumer}", f"read credentials of {name}", params={"part": part}
        )
        return AppCredentials(app, consumer, data.get("key"), data.get("secret"))

    def staged(self, name: str) -> tuple[AppCredentials, list[StagedCredentials]]:
        """The app's consumer (key only) and its staged credentials (`GET …/staged`)."""
        app = self.find_app(name)
        consumer = self._consumer(app)
        data = self._call(
            "GET", f"/credentials/{app.id}/{consumer}/staged", f"list staged credentials of {name}"
        )
        items = data.get("stagedCredentials") if isinstance(data, dict) else None
        return AppCredentials(app, consumer, None), [_staged(i) for i in items or [] if isinstance(i, dict)]

    def stage(self, creds: AppCredentials) -> StagedCredentials:
        """Create staged credentials, a new key and secret (`POST …/staged`, no body)."""
        data = self._call(
            "POST",
            f"/credentials/{creds.app.id}/{creds.consumer_id}/staged",
            f"stage credentials of {creds.app.name}",
            body={},
        )
        items = data.get("stagedCredentials") if isinstance(data, dict) else None
        if not items:
            raise OrgError(
                f"stage credentials of {creds.app.name}: the org returned no staged credentials",
                target=self.target,
                operation="stage",
            )
        return _staged(items[0])

    def promote(self, creds: AppCredentials, staged_id: str) -> StagedCredentials:
        """Replace the primary credentials with the staged ones (`PATCH …/staged/{id}`, command rotate)."""
        data = self._call(
            "PATCH",
            f"/credentials/{creds.app.id}/{creds.consumer_id}/staged/{staged_id}",
            f"promote staged credentials of {creds.app.name}",
            body={"command": "rotate"},
        )
        return _staged(data)

    def delete_staged(self, creds: AppCredentials, staged_id: str) -> None:
        """Delete staged credentials (`DELETE …/staged/{id}`)."""
        self._call(
            "DELETE",
            f"/credentials/{creds.app.id}/{creds.consumer_id}/staged/{staged_id}",
            f"delete staged credentials of {creds.app.name}",
        )

"""Metadata API calls with hand-written records: create, update, delete, read and retrieve, at any API version.

`MetadataApi` sends typed values checked against the WSDL table; the conformance kit must also send what a
typed client never would (an unknown enumeration value, a field newer than the call's API version, eleven
records in one call), so this client takes each record as an XML fragment. The envelope around it is the
one `MetadataApi` sends (`_envelope`), and so are the other calls' parameters.
Responses are parsed by `_soap` like every other Metadata API answer: per-record errors are data
(`SaveOutcome`), a SOAP fault raises `MetadataFault`.
"""

from __future__ import annotations

import base64
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import requests

from sfconnect.errors import OrgError
from sfconnect.org import _envelope, _soap
from sfconnect.org._errors import translate
from sfconnect.org.session import OrgSession, trusting_session

__all__ = ["RawMetadataClient", "RecordError", "RetrieveOutcome", "SaveOutcome"]


@dataclass(frozen=True)
class RecordError:
    """One error of a per-record result."""

    status_code: str
    message: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class SaveOutcome:
    """A `SaveResult` or `DeleteResult`."""

    full_name: str
    success: bool
    created: bool | None = None
    errors: tuple[RecordError, ...] = ()


@dataclass(frozen=True)
class RetrieveOutcome:
    """A finished retrieve: its status and the zip."""

    status: str
    success: bool
    zip_file: bytes = field(default=b"", repr=False)
    messages: tuple[str, ...] = ()


def _save_outcome(el: ET.Element) -> SaveOutcome:
    t = _soap.child_text
    created = t(el, "created")
    return SaveOutcome(
        full_name=t(el, "fullName"),
        success=t(el, "success") == "true",
        created=None if not created else created == "true",
        errors=tuple(
            RecordError(
                t(e, "statusCode"),
                t(e, "message"),
                tuple((f.text or "") for f in _soap.children(e, "fields")),
            )
            for e in _soap.children(el, "errors")
        ),
    )


class RawMetadataClient:
    """Metadata API calls built from XML fragments, for one session.

    Args:
        session: the authenticated session (its instance URL and TLS trust).
        target: the target's name, for error messages.
        http: an HTTP session to reuse (one trusting `session.verify` is made when absent).
        sleep: injected for tests (retrieve polling).
    """

    def __init__(
        self,
        session: OrgSession,
        *,
        target: str = "",
        http: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session
        self.target = target
        self._http = http or trusting_session(session.verify)
        self._own_http = http is None
        self._sleep = sleep
        self.calls = 0

    def close(self) -> None:
        """Release the HTTP connections this client opened."""
        if self._own_http:
            self._http.close()

    def call(self, operation: str, body: str, *, api_version: str | None = None) -> ET.Element:
        """Send one operation whose body (inside ``<operation>``) is `body`; returns its response element.

        Raises:
            MetadataFault: the org answered with a SOAP fault. OrgError: the org could not be reached.
        """
        version = api_version or self.session.api_version
        url = f"{self.session.instance_url.rstrip('/')}/services/Soap/m/{version}"
        self.calls += 1
        try:
            response = self._http.post(
                url,
                data=_envelope.envelope(self.session.session_id, operation, body),
                headers={"Content-Type": _envelope.CONTENT_TYPE, "SOAPAction": _envelope.SOAP_ACTION},
                timeout=120,
            )
        except requests.RequestException as exc:
            raise translate(exc, target=self.target, operation=operation) from exc
        return _soap.parse_response(
            response.content, status=response.status_code, operation=operation, target=self.target
        )

    @staticmethod
    def record(type_name: str, fields: str) -> str:
        """One ``<metadata xsi:type=...>`` element around the record's field elements."""
        return f'<metadata xsi:type="{escape(type_name)}">{fields}</metadata>'

    def create(
        self, records: Sequence[tuple[str, str]], *, api_version: str | None = None
    ) -> list[SaveOutcome]:
        """`createMetadata` of (type, field XML) records."""
        body = "".join(self.record(t, f) for t, f in records)
        response = self.call("createMetadata", body, api_version=api_version)
        return [_save_outcome(r) for r in _soap.children(response, "result")]

    def update(
        self, records: Sequence[tuple[str, str]], *, api_version: str | None = None
    ) -> list[SaveOutcome]:
        """`updateMetadata` of (type, field XML) records (each replaces the whole component)."""
        body = "".join(self.record(t, f) for t, f in records)
        response = self.call("updateMetadata", body, api_version=api_version)
        return [_save_outcome(r) for r in _soap.children(response, "result")]

    def delete(self, type_name: str, names: Sequence[str]) -> list[SaveOutcome]:
        """`deleteMetadata` of components of one type."""
        body = _envelope.body("deleteMetadata", {"type": type_name, "fullNames": list(names)})
        response = self.call("deleteMetadata", body)
        return [_save_outcome(r) for r in _soap.children(response, "result")]

    def read(self, type_name: str, names: Sequence[str]) -> list[ET.Element | None]:
        """`readMetadata`: one entry per returned record (None for an empty or nil record)."""
        body = _envelope.body("readMetadata", {"type": type_name, "fullNames": list(names)})
        response = self.call("readMetadata", body)
        out: list[ET.Element | None] = []
        for result in _soap.children(response, "result"):
            for record in _soap.children(result, "records"):
                out.append(record if _soap.child_text(record, "fullName") else None)
        return out

    def list_names(self, types: Sequence[str]) -> list[tuple[str, str, str]]:
        """`listMetadata` (three types per call): (type, full name, last modified date) of each component."""
        found: list[tuple[str, str, str]] = []
        for start in range(0, len(types), 3):
            queries: list[_envelope.Value] = [{"type": t} for t in types[start : start + 3]]
            body = _envelope.body(
                "listMetadata", {"queries": queries, "asOfVersion": float(self.session.api_version)}
            )
            response = self.call("listMetadata", body)
            t = _soap.child_text
            for r in _soap.children(response, "result"):
                found.append((t(r, "type"), t(r, "fullName"), t(r, "lastModifiedDate")))
        return sorted(found)

    def retrieve(
        self, members: Mapping[str, Sequence[str]], *, api_version: str | None = None, timeout: float = 300
    ) -> RetrieveOutcome:
        """Retrieve the named components (unpackaged) and wait for the zip.

        Raises:
            OrgError: the retrieve did not finish within `timeout` seconds.
        """
        version = api_version or self.session.api_version
        types: list[_envelope.Value] = [{"members": list(names), "name": t} for t, names in members.items()]
        request: dict[str, _envelope.Value] = {
            "apiVersion": float(version),
            "singlePackage": True,
            "unpackaged": {"types": types, "version": version},
        }
        response = self.call(
            "retrieve", _envelope.body("retrieve", {"retrieveRequest": request}), api_version=version
        )
        results = _soap.children(response, "result")
        job = _soap.child_text(results[0], "id") if results else ""
        deadline = time.monotonic() + timeout
        delay = 0.2
        while True:
            status = self.call(
                "checkRetrieveStatus",
                _envelope.body("checkRetrieveStatus", {"asyncProcessId": job, "includeZip": True}),
                api_version=version,
            )
            r = _soap.children(status, "result")
            if r and _soap.child_text(r[0], "done") == "true":
                zip_text = _soap.child_text(r[0], "zipFile")
                messages = tuple(_soap.child_text(m, "problem") for m in _soap.children(r[0], "messages"))
                return RetrieveOutcome(
                    _soap.child_text(r[0], "status"),
                    _soap.child_text(r[0], "success") == "true",
                    base64.b64decode(zip_text) if zip_text else b"",
                    messages,
                )
            if time.monotonic() > deadline:
                raise OrgError(
                    f"retrieve {job} did not finish in {timeout:.0f} s",
                    target=self.target,
                    operation="retrieve",
                )
            self._sleep(delay)
            delay = min(delay * 2, 5.0)

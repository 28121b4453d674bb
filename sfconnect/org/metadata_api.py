"""The Metadata API client: list, read, deploy and deploy status, with retries and session renewal.

Requests are SOAP envelopes built from the generated WSDL table (`_envelope`: parameters in the WSDL's order,
checked against its occurrence bounds; no WSDL is read at run time) and posted over this client's HTTP session;
responses are parsed in `_soap`, so that records reach `metadata` as ordinary component documents. Every
HTTP request counts as an API call (orgs have daily limits) and is tallied in `calls`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sfconnect.errors import MetadataFault, OrgError
from sfconnect.org import _envelope, _soap
from sfconnect.org._errors import AnswerTimedOut, TransientError, is_transient, translate
from sfconnect.org.session import OrgSession, Timeouts, trusting_session

__all__ = [
    "MAX_LIST_QUERIES",
    "MAX_READ_NAMES",
    "DeployMessage",
    "DeployOptions",
    "DeployStatus",
    "FileProperties",
    "MetadataApi",
    "RawRecord",
    "RetryPolicy",
]

log = logging.getLogger(__name__)

MAX_LIST_QUERIES = 3
"""listMetadata takes at most three queries per call."""
MAX_READ_NAMES = 10
"""readMetadata takes at most ten names per call."""
UNSAFE_TO_REPEAT = frozenset({"deploy"})
"""Operations that may have changed the org when their answer timed out: never sent twice."""

T = TypeVar("T")


@dataclass(frozen=True)
class FileProperties:
    """One component as `listMetadata` describes it."""

    type: str
    full_name: str
    file_name: str = ""
    id: str = ""
    namespace_prefix: str = ""
    manageable_state: str = ""
    last_modified_date: str = ""
    last_modified_by_name: str = ""

    @property
    def is_managed(self) -> bool:
        """Installed from a managed package (namespaced, not ours to change)."""
        return bool(self.namespace_prefix) or self.manageable_state in {"installed", "released", "beta"}


@dataclass(frozen=True)
class RawRecord:
    """One record from `readMetadata`, as a standalone component XML document."""

    type: str
    full_name: str
    xml: bytes = field(repr=False)


@dataclass(frozen=True)
class DeployOptions:
    """The DeployOptions sfconnect sets (the rest keep Salesforce's defaults)."""

    check_only: bool = False
    rollback_on_error: bool = True
    ignore_warnings: bool = False
    single_package: bool = True


@dataclass(frozen=True)
class DeployMessage:
    """One component's outcome in a deploy."""

    component_type: str
    full_name: str
    file_name: str
    success: bool
    problem: str = ""
    problem_type: str = ""
    created: bool = False
    changed: bool = False
    deleted: bool = False
    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class DeployStatus:
    """A deploy's state as `checkDeployStatus` reports it."""

    id: str
    done: bool
    status: str
    success: bool
    check_only: bool = False
    state_detail: str = ""
    error_message: str = ""
    error_status_code: str = ""
    number_components_total: int = 0
    number_components_deployed: int = 0
    number_component_errors: int = 0
    component_failures: tuple[DeployMessage, ...] = ()
    component_successes: tuple[DeployMessage, ...] = ()


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of transient failures: exponential backoff with full jitter."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


def _to_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def _to_bool(text: str) -> bool:
    return text.strip().lower() == "true"


def _deploy_message(el: ET.Element) -> DeployMessage:
    t = _soap.child_text
    return DeployMessage(
        component_type=t(el, "componentType"),
        full_name=t(el, "fullName"),
        file_name=t(el, "fileName"),
        success=_to_bool(t(el, "success")),
        problem=t(el, "problem"),
        problem_type=t(el, "problemType"),
        created=_to_bool(t(el, "created")),
        changed=_to_bool(t(el, "changed")),
        deleted=_to_bool(t(el, "deleted")),
        line=_to_int(t(el, "lineNumber")),
        column=_to_int(t(el, "columnNumber")),
    )


class MetadataApi:
    """Metadata API calls for one org session.

    Args:
        session: the authenticated session.
        target: the target's name, for error messages.
        renew: called once when the org answers ``INVALID_SESSION_ID``; returns a fresh session.
        retry: how transient failures are retried.
        sleep: injected for tests.
        seed: seeds the jitter, for reproducible tests.
        timeouts: connect and read timeouts of every request, and the deadline of following a deploy.
    """

    def __init__(
        self,
        session: OrgSession,
        *,
        target: str = "",
        renew: Callable[[], OrgSession] | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        self._session = session
        self.timeouts = timeouts or Timeouts()
        self.target = target
        self._renew = renew
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = random.Random(seed)  # noqa: S311 - jitter, not security
        self._lock = threading.Lock()
        self._http = trusting_session(session.verify, self.timeouts)
        self.calls: Counter[str] = Counter()
        self.seconds: dict[str, float] = {}
        """Wall time spent per operation (shown with ``-v``)."""

    @property
    def session(self) -> OrgSession:
        """The current session (renewed sessions replace it)."""
        return self._session

    # -- plumbing ---------------------------------------------------------------------------------------

    def _call(
        self, operation: str, params: Mapping[str, _envelope.Value], *, deadline: float | None = None
    ) -> ET.Element:
        """Send one SOAP operation, retrying transient failures and renewing an expired session once.

        Raises:
            ValueError, TypeError: `params` do not fit the operation's request in the WSDL (a bug).
        """
        inner = _envelope.body(operation, params)

        def send() -> ET.Element:
            response = self._http.post(
                self._session.metadata_url,
                data=_envelope.envelope(self._session.session_id, operation, inner),
                headers={"Content-Type": _envelope.CONTENT_TYPE, "SOAPAction": _envelope.SOAP_ACTION},
            )
            if response.status_code >= 500 and b"Fault" not in response.content:
                raise TransientError(
                    f"{operation}: HTTP {response.status_code} from {self._session.host}",
                    target=self.target,
                    operation=operation,
                )
            return _soap.parse_response(
                response.content, status=response.status_code, operation=operation, target=self.target
            )

        return self._with_retries(operation, send, deadline=deadline)

    def _with_retries(self, operation: str, send: Callable[[], T], *, deadline: float | None = None) -> T:
        """Run `send`, retrying transient failures (until `deadline`, a `time.monotonic()` value, if given)
        and renewing an expired session once. A request that may have changed the org (``deploy``) is not
        sent again after it timed out waiting for the answer."""
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            with self._lock:
                self.calls[operation] += 1
            started = time.monotonic()
            try:
                try:
                    return send()
                finally:
                    with self._lock:
                        self.seconds[operation] = (
                            self.seconds.get(operation, 0.0) + time.monotonic() - started
                        )
            except MetadataFault as fault:
                if fault.fault_code == "INVALID_SESSION_ID" and self._renew is not None and not renewed:
                    log.info("session expired during %s; renewing it once", operation)
                    self._session = self._renew()
                    renewed = True
                    attempt -= 1
                    continue
                error: OrgError = fault
            except OrgError as exc:
                error = exc
            except Exception as exc:  # third-party exceptions: translated here, at the boundary
                try:
                    error = translate(exc, target=self.target, operation=operation)
                except TypeError:
                    raise exc from None
            retry = is_transient(error) and attempt < self._retry.attempts
            if retry and operation in UNSAFE_TO_REPEAT and isinstance(error, AnswerTimedOut):
                retry = False
            delay = self._retry.delay(attempt, self._rng) if retry else 0.0
            if retry and deadline is not None and time.monotonic() + delay >= deadline:
                retry = False
            if retry:
                log.info("%s failed (%s); retry %d in %.1fs", operation, error, attempt, delay)
                self._sleep(delay)
                continue
            raise error

    # -- operations -------------------------------------------------------------------------------------

    def list_metadata(self, types: Sequence[str], *, concurrency: int = 4) -> list[FileProperties]:
        """Every component of `types`: one call per three types, the calls sent `concurrency` at a time."""
        chunks = [list(types[i : i + MAX_LIST_QUERIES]) for i in range(0, len(types), MAX_LIST_QUERIES)]
        if len(chunks) > 1 and concurrency > 1:
            with ThreadPoolExecutor(max_workers=min(concurrency, len(chunks))) as pool:
                listed = list(pool.map(self._list_chunk, chunks))
        else:
            listed = [self._list_chunk(chunk) for chunk in chunks]
        found = [props for chunk in listed for props in chunk]
        return sorted(found, key=lambda f: (f.type, f.full_name))

    def _list_chunk(self, types: Sequence[str]) -> list[FileProperties]:
        """One ``listMetadata`` call (at most three types)."""
        queries: list[_envelope.Value] = [{"type": t} for t in types]
        response = self._call(
            "listMetadata", {"queries": queries, "asOfVersion": float(self._session.api_version)}
        )
        t = _soap.child_text
        return [
            FileProperties(
                type=t(r, "type"),
                full_name=t(r, "fullName"),
                file_name=t(r, "fileName"),
                id=t(r, "id"),
                namespace_prefix=t(r, "namespacePrefix"),
                manageable_state=t(r, "manageableState"),
                last_modified_date=t(r, "lastModifiedDate"),
                last_modified_by_name=t(r, "lastModifiedByName"),
            )
            for r in _soap.children(response, "result")
        ]

    def query(self, soql: str) -> list[dict[str, Any]]:
        """Run a SOQL query through the REST ``query`` resource, following ``nextRecordsUrl``; returns the records.

        It goes through this client's session (renewed once when expired) and counts as ``query`` calls.

        Raises:
            OrgError: the org refused the query or could not be reached.
        """
        base = self._session.instance_url.rstrip("/")
        url = f"{base}/services/data/v{self._session.api_version}/query"
        params: dict[str, str] | None = {"q": soql}
        records: list[dict[str, Any]] = []
        renewed = False
        while True:
            with self._lock:
                self.calls["query"] += 1
            headers = {"Authorization": f"Bearer {self._session.session_id}", "Accept": "application/json"}
            started = time.monotonic()
            try:
                response = self._http.get(url, params=params, headers=headers, timeout=120)
            except Exception as exc:  # third-party exceptions: translated here, at the boundary
                raise translate(exc, target=self.target, operation="query") from exc
            finally:
                with self._lock:
                    self.seconds["query"] = self.seconds.get("query", 0.0) + time.monotonic() - started
            if response.status_code == 401 and self._renew is not None and not renewed:
                self._session = self._renew()
                renewed = True
                continue
            try:
                body = response.json()
            except ValueError:
                body = None
            if response.status_code != 200 or not isinstance(body, dict):
                detail = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
                message = detail.get("message") or response.text[:300]
                code = detail.get("errorCode") or f"HTTP {response.status_code}"
                raise OrgError(f"query refused: {code}: {message}", target=self.target, operation="query")
            records += [r for r in body.get("records", []) if isinstance(r, dict)]
            following = body.get("nextRecordsUrl")
            if body.get("done", True) or not isinstance(following, str):
                return records
            url, params = base + following, None

    def read_metadata(self, type_name: str, names: Sequence[str]) -> list[RawRecord]:
        """Read up to ten components of one type in one call; unknown names are left out."""
        if len(names) > MAX_READ_NAMES:
            raise ValueError(f"readMetadata takes at most {MAX_READ_NAMES} names, got {len(names)}")
        if not names:
            return []
        response = self._call("readMetadata", {"type": type_name, "fullNames": list(names)})
        records: list[RawRecord] = []
        for result in _soap.children(response, "result"):
            for record in _soap.children(result, "records"):
                doc = _soap.record_document(record)
                if doc is not None:
                    records.append(RawRecord(doc[0], _soap.child_text(record, "fullName"), doc[1]))
        return records

    def deploy(self, zip_bytes: bytes, options: DeployOptions) -> str:
        """Start a deploy of an mdapi zip; returns the deploy id."""
        deploy_options: dict[str, _envelope.Value] = {  # every DeployOptions element is required by the WSDL
            "allowMissingFiles": False,
            "autoUpdatePackage": False,
            "checkOnly": options.check_only,
            "ignoreWarnings": options.ignore_warnings,
            "performRetrieve": False,
            "purgeOnDelete": False,
            "rollbackOnError": options.rollback_on_error,
            "runTests": [],
            "singlePackage": options.single_package,
            "testLevel": "NoTestRun",
        }
        response = self._call("deploy", {"ZipFile": zip_bytes, "DeployOptions": deploy_options})
        result = _soap.children(response, "result")
        deploy_id = _soap.child_text(result[0], "id") if result else ""
        if not deploy_id:
            raise OrgError("deploy: the org returned no deploy id", target=self.target, operation="deploy")
        return deploy_id

    def check_deploy_status(
        self, deploy_id: str, *, include_details: bool = True, deadline: float | None = None
    ) -> DeployStatus:
        """The current state of a deploy (retries stop at `deadline`, a `time.monotonic()` value)."""
        response = self._call(
            "checkDeployStatus",
            {"asyncProcessId": deploy_id, "includeDetails": include_details},
            deadline=deadline,
        )
        results = _soap.children(response, "result")
        if not results:
            raise OrgError(
                "checkDeployStatus: empty result", target=self.target, operation="checkDeployStatus"
            )
        r = results[0]
        t = _soap.child_text
        details = _soap.children(r, "details")
        failures: list[DeployMessage] = []
        successes: list[DeployMessage] = []
        for d in details:
            failures += [_deploy_message(m) for m in _soap.children(d, "componentFailures")]
            successes += [_deploy_message(m) for m in _soap.children(d, "componentSuccesses")]
        return DeployStatus(
            id=t(r, "id"),
            done=_to_bool(t(r, "done")),
            status=t(r, "status"),
            success=_to_bool(t(r, "success")),
            check_only=_to_bool(t(r, "checkOnly")),
            state_detail=t(r, "stateDetail"),
            error_message=t(r, "errorMessage"),
            error_status_code=t(r, "errorStatusCode"),
            number_components_total=_to_int(t(r, "numberComponentsTotal")),
            number_components_deployed=_to_int(t(r, "numberComponentsDeployed")),
            number_component_errors=_to_int(t(r, "numberComponentErrors")),
            component_failures=tuple(failures),
            component_successes=tuple(successes),
        )

    def tooling_query(self, soql: str, *, operation: str = "tooling query") -> list[dict[str, Any]]:
        """Run a SOQL query on the Tooling API (``GET /services/data/vXX.X/tooling/query``); its records."""
        url = f"{self._session.instance_url.rstrip('/')}/services/data/v{self._session.api_version}/tooling/query/"

        def send() -> list[dict[str, Any]]:
            response = self._http.get(
                url,
                params={"q": soql},
                headers={"Authorization": f"Bearer {self._session.session_id}", "Accept": "application/json"},
            )
            try:
                body = response.json()
            except ValueError:
                body = None
            if response.status_code == 200 and isinstance(body, dict):
                records = body.get("records")
                return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
            if response.status_code >= 500 or response.status_code == 429:
                raise TransientError(
                    f"{operation}: HTTP {response.status_code} from {self._session.host}",
                    target=self.target,
                    operation=operation,
                )
            first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
            code = str(first.get("errorCode") or f"HTTP_{response.status_code}")
            raise MetadataFault(
                f"{operation}: {code}: {first.get('message', '')}".rstrip(": "),
                fault_code=code,
                target=self.target,
                operation=operation,
            )

        return self._with_retries(operation, send)

    def cancel_deploy(self, deploy_id: str) -> None:
        """Ask the org to cancel a deploy (it may finish anyway)."""
        self._call("cancelDeploy", {"String": deploy_id})

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()

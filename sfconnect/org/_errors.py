"""The one boundary where simple-salesforce, zeep and requests exceptions become sfconnect errors.

Nothing else in sfconnect catches third-party exceptions. `translate` picks the most specific mapping and the
caller chains with ``raise translate(exc, ...) from exc``.

simple-salesforce (whose package import also loads zeep) and zeep are not imported here: an exception of
theirs can only exist once their modules are loaded, so `translate` looks at them only then, and a command
that never logs in through simple-salesforce never pays for importing it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from sfconnect.errors import AuthError, MetadataFault, OrgError

if TYPE_CHECKING:
    import simple_salesforce.exceptions as sf_exc

__all__ = [
    "AnswerTimedOut",
    "TransientError",
    "is_transient",
    "simple_salesforce_mapping",
    "translate",
]


class TransientError(OrgError):
    """A failure worth retrying: a 5xx without a fault, a timeout, a dropped connection, a busy org."""


class AnswerTimedOut(TransientError):
    """The request was sent but its answer did not come in time: the org may have acted on it."""


def simple_salesforce_mapping() -> dict[type[BaseException], type[OrgError]]:
    """simple-salesforce's exceptions and the sfconnect error each becomes (imports simple-salesforce).

    Most specific first: `translate` walks the exception's MRO.
    """
    import simple_salesforce.exceptions as sf_exc

    return {
        sf_exc.SalesforceAuthenticationFailed: AuthError,
        sf_exc.SalesforceExpiredSession: AuthError,
        sf_exc.SalesforceRefusedRequest: OrgError,
        sf_exc.SalesforceResourceNotFound: OrgError,
        sf_exc.SalesforceMalformedRequest: OrgError,
        sf_exc.SalesforceMoreThanOneRecord: OrgError,
        sf_exc.SalesforceGeneralError: OrgError,
        sf_exc.SalesforceError: OrgError,
        sf_exc.SalesforceOperationError: OrgError,
        sf_exc.SalesforceBulkV2LoadError: OrgError,
        sf_exc.SalesforceBulkV2ExtractError: OrgError,
    }


def __getattr__(name: str) -> Any:
    """``SIMPLE_SALESFORCE_MAPPING``, built (and simple-salesforce imported) on first use."""
    if name == "SIMPLE_SALESFORCE_MAPPING":
        mapping = simple_salesforce_mapping()
        globals()[name] = mapping
        return mapping
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Fault codes after which the same request may succeed later.
TRANSIENT_FAULT_CODES = frozenset(
    {"ALREADY_IN_PROCESS", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION", "INTERNAL_ERROR", "ORG_LOCKED"}
)


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the request that raised `exc` may help."""
    if isinstance(exc, TransientError):
        return True
    if isinstance(exc, MetadataFault):
        return exc.fault_code in TRANSIENT_FAULT_CODES
    return False


def _describe_sf_error(exc: sf_exc.SalesforceError) -> str:
    content = exc.content
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
    return f"HTTP {exc.status} from {exc.resource_name or exc.url}: {text[:300]}"


def _network_message(exc: requests.exceptions.RequestException) -> str:
    """A one-line reason for a network failure, naming the host and what to check."""
    url = getattr(exc.request, "url", "") or ""
    host = urlsplit(url).netloc or "the org"
    text = str(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        reason = "the connection was not accepted in time"
    elif isinstance(exc, requests.exceptions.Timeout):
        reason = "it did not answer in time (the org may be stalled or overloaded)"
    elif (
        "NameResolutionError" in text
        or "Name or service not known" in text
        or "nodename nor servname" in text
    ):
        reason = "its host name does not resolve; check the target's URL"
    elif "Connection refused" in text:
        reason = (
            "the connection was refused; is the server running (for a local org, `sfconnect localorg info`)?"
        )
    else:
        reason = text[:200]
    return f"cannot reach {host}: {reason}"


def translate(exc: BaseException, *, target: str = "", operation: str = "") -> OrgError:
    """Turn a third-party exception into the most specific sfconnect error (never with secrets in it)."""
    if isinstance(exc, OrgError):
        return exc
    if "simple_salesforce.exceptions" in sys.modules:
        found = _translate_simple_salesforce(exc, target=target, operation=operation)
        if found is not None:
            return found
    if "zeep.exceptions" in sys.modules:
        found = _translate_zeep(exc, target=target, operation=operation)
        if found is not None:
            return found
    if isinstance(exc, requests.exceptions.SSLError):
        return OrgError(
            f"TLS verification failed: {exc}. For a local org, pass its CA bundle; for Salesforce, check "
            "the system trust store.",
            target=target,
            operation=operation,
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return AnswerTimedOut(_network_message(exc), target=target, operation=operation)
    if isinstance(exc, requests.exceptions.Timeout | requests.exceptions.ConnectionError):
        return TransientError(_network_message(exc), target=target, operation=operation)
    if "simple_salesforce.exceptions" in sys.modules:
        mapping = simple_salesforce_mapping()
        for cls in type(exc).__mro__:
            mapped = mapping.get(cls)
            if mapped is not None:
                return mapped(str(exc), target=target, operation=operation)
    if "zeep.exceptions" in sys.modules:
        import zeep.exceptions as zeep_exc

        if isinstance(exc, zeep_exc.Error):
            return OrgError(f"SOAP error: {exc}", target=target, operation=operation)
    if isinstance(exc, requests.exceptions.RequestException):
        return OrgError(f"HTTP error: {exc}", target=target, operation=operation)
    raise TypeError(f"no translation for {type(exc).__name__}") from exc


def _translate_simple_salesforce(exc: BaseException, *, target: str, operation: str) -> OrgError | None:
    """simple-salesforce's login failure and its HTTP errors (only called once it is loaded)."""
    import simple_salesforce.exceptions as sf_exc

    if isinstance(exc, sf_exc.SalesforceAuthenticationFailed):
        # `exc.message` is simple-salesforce's template ("... {content}"); the org's words are auth_message.
        code = exc.code
        text = " ".join(str(getattr(exc, "auth_message", "") or "").split())[:300]
        message = f"login failed: {code}: {text}" if text else f"login failed: {code}"
        if (isinstance(code, int) and code >= 500) or str(code).removeprefix("sf:") in TRANSIENT_FAULT_CODES:
            return TransientError(message, target=target, operation=operation)
        return AuthError(message, target=target, operation=operation)
    if isinstance(exc, sf_exc.SalesforceError):
        mapping = simple_salesforce_mapping()
        for cls in type(exc).__mro__:
            mapped = mapping.get(cls)
            if mapped is not None:
                if exc.status >= 500:
                    return TransientError(_describe_sf_error(exc), target=target, operation=operation)
                return mapped(_describe_sf_error(exc), target=target, operation=operation)
    return None


def _translate_zeep(exc: BaseException, *, target: str, operation: str) -> OrgError | None:
    """A zeep SOAP fault (only called once zeep is loaded, e.g. by a caller's own simple-salesforce use)."""
    import zeep.exceptions as zeep_exc

    if isinstance(exc, zeep_exc.Fault):
        code = str(exc.code or "").removeprefix("sf:") or "UNKNOWN_EXCEPTION"
        return MetadataFault(str(exc.message), fault_code=code, target=target, operation=operation)
    return None

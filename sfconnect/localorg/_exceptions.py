"""Faults the local org raises; the server renders each one once, in `responses.render_fault`.

```
LocalOrgFault(fault_code, message, http_status=500)
├─ SoapClientFault          malformed SOAP / schema violations (faultcode soapenv:Client)
├─ InvalidSessionId         INVALID_SESSION_ID
├─ InvalidLogin             INVALID_LOGIN (a LoginFault)
├─ InvalidType              INVALID_TYPE
├─ LimitExceeded            EXCEEDED_ID_LIMIT and other per-call limits
├─ RequestLimitExceeded     REQUEST_LIMIT_EXCEEDED
├─ InvalidId                INVALID_ID_FIELD (unknown deploy or retrieve id)
├─ UnsupportedApiVersion    UNSUPPORTED_API_VERSION
├─ RestError                REST answers: a JSON list of {errorCode, message}
└─ NotFound                 no route (HTTP 404)
```
"""

from __future__ import annotations

__all__ = [
    "InvalidId",
    "InvalidLogin",
    "InvalidSessionId",
    "InvalidType",
    "LimitExceeded",
    "LocalOrgFault",
    "NotFound",
    "RequestLimitExceeded",
    "RestError",
    "SoapClientFault",
    "UnsupportedApiVersion",
]


class LocalOrgFault(Exception):
    """A whole-request failure: Salesforce's exception code, its message, and the HTTP status."""

    def __init__(self, fault_code: str, message: str, http_status: int = 500) -> None:
        super().__init__(f"{fault_code}: {message}")
        self.fault_code = fault_code
        self.message = message
        self.http_status = http_status

    @property
    def faultstring(self) -> str:
        """The SOAP faultstring: `CODE: message` (Salesforce's form)."""
        return f"{self.fault_code}: {self.message}"


class _CodedFault(LocalOrgFault):
    """A fault whose code is fixed by its class (`CODE`)."""

    CODE = "UNKNOWN_EXCEPTION"
    STATUS = 500
    DEFAULT_MESSAGE = "An unexpected error occurred."

    def __init__(self, message: str | None = None, http_status: int | None = None) -> None:
        super().__init__(
            self.CODE,
            self.DEFAULT_MESSAGE if message is None else message,
            self.STATUS if http_status is None else http_status,
        )


class SoapClientFault(_CodedFault):
    """The request is not a SOAP message the API understands (rendered as `soapenv:Client`)."""

    CODE = "soapenv:Client"
    DEFAULT_MESSAGE = "The request is not a valid SOAP message"

    @property
    def faultstring(self) -> str:
        return self.message


class InvalidSessionId(_CodedFault):
    """The session id is missing, malformed, expired, of another org, or without API access."""

    CODE = "INVALID_SESSION_ID"
    DEFAULT_MESSAGE = "Invalid Session ID found in SessionHeader: Illegal Session"


class InvalidLogin(_CodedFault):
    """Bad username or password on `login()`."""

    CODE = "INVALID_LOGIN"
    DEFAULT_MESSAGE = "Invalid username, password, security token; or user locked out."


class InvalidType(_CodedFault):
    """An unknown or unsupported metadata type."""

    CODE = "INVALID_TYPE"


class LimitExceeded(_CodedFault):
    """A per-call limit (components per CRUD call, queries per listMetadata) was exceeded."""

    CODE = "EXCEEDED_ID_LIMIT"


class RequestLimitExceeded(_CodedFault):
    """The org's request limit was exceeded (fault injection)."""

    CODE = "REQUEST_LIMIT_EXCEEDED"
    DEFAULT_MESSAGE = "TotalRequests Limit exceeded."


class UnsupportedApiVersion(_CodedFault):
    """The API version in the URL is not served."""

    CODE = "UNSUPPORTED_API_VERSION"


class InvalidId(_CodedFault):
    """An async process id that names no deploy or retrieve of this org."""

    CODE = "INVALID_ID_FIELD"


class RestError(LocalOrgFault):
    """A REST API error: rendered as `[{"errorCode": ..., "message": ...}]` (default HTTP 400)."""

    def __init__(self, fault_code: str, message: str, http_status: int = 400) -> None:
        super().__init__(fault_code, message, http_status)


class NotFound(_CodedFault):
    """No resource at this path."""

    CODE = "NOT_FOUND"
    STATUS = 404
    DEFAULT_MESSAGE = "The requested resource does not exist"

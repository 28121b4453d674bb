"""Faults the local org raises; the server renders each one once, in `responses.render_fault`.

```
LocalOrgFault(fault_code, message, http_status)
├─ SoapClientFault          malformed SOAP / schema violations (faultcode soapenv:Client)
├─ InvalidSessionId         INVALID_SESSION_ID
├─ InvalidLogin             INVALID_LOGIN (a LoginFault)
├─ InvalidType              INVALID_TYPE
├─ LimitExceeded            EXCEEDED_ID_LIMIT and other per-call limits
├─ RequestLimitExceeded     REQUEST_LIMIT_EXCEEDED
├─ UnsupportedApiVersion    UNSUPPORTED_API_VERSION
├─ RestError                REST answers: a JSON list of {errorCode, message}
└─ NotFound                 no route (HTTP 404)
```
"""

from __future__ import annotations

__all__ = [
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
    """A whole-request failure with Salesforce's exception code, message and HTTP status."""

    fault_code: str = "UNKNOWN_EXCEPTION"
    http_status: int = 500

    def __init__(
        self, message: str, *, fault_code: str | None = None, http_status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if fault_code is not None:
            self.fault_code = fault_code
        if http_status is not None:
            self.http_status = http_status

    @property
    def faultstring(self) -> str:
        """The SOAP faultstring: `CODE: message` (Salesforce's form)."""
        return f"{self.fault_code}: {self.message}"


class SoapClientFault(LocalOrgFault):
    """The request is not a SOAP message the API understands (rendered as `soapenv:Client`)."""

    fault_code = "soapenv:Client"

    @property
    def faultstring(self) -> str:
        return self.message


class InvalidSessionId(LocalOrgFault):
    """The session id is missing, malformed, expired or of another org."""

    fault_code = "INVALID_SESSION_ID"

    def __init__(self, message: str = "Invalid Session ID found in SessionHeader: Illegal Session") -> None:
        super().__init__(message)


class InvalidLogin(LocalOrgFault):
    """Bad username or password on `login()`."""

    fault_code = "INVALID_LOGIN"

    def __init__(
        self, message: str = "Invalid username, password, security token; or user locked out."
    ) -> None:
        super().__init__(message)


class InvalidType(LocalOrgFault):
    """An unknown or unsupported metadata type."""

    fault_code = "INVALID_TYPE"


class LimitExceeded(LocalOrgFault):
    """A per-call limit (components per CRUD call, queries per listMetadata) was exceeded."""

    fault_code = "EXCEEDED_ID_LIMIT"


class RequestLimitExceeded(LocalOrgFault):
    """The org's request limit was exceeded (fault injection)."""

    fault_code = "REQUEST_LIMIT_EXCEEDED"


class UnsupportedApiVersion(LocalOrgFault):
    """The API version in the URL is not served."""

    fault_code = "UNSUPPORTED_API_VERSION"


class RestError(LocalOrgFault):
    """A REST API error: rendered as `[{"errorCode": ..., "message": ...}]`."""

    def __init__(self, fault_code: str, message: str, http_status: int = 400) -> None:
        super().__init__(message, fault_code=fault_code, http_status=http_status)


class NotFound(LocalOrgFault):
    """No resource at this path."""

    fault_code = "NOT_FOUND"
    http_status = 404

    def __init__(self, message: str = "The requested resource does not exist") -> None:
        super().__init__(message)

"""The exception boundary: every simple-salesforce exception class has a translation."""

from __future__ import annotations

import inspect

import pytest
import requests
import simple_salesforce.exceptions as sf_exc
import zeep.exceptions as zeep_exc

from sfconnect.errors import AuthError, MetadataFault, OrgError
from sfconnect.org._errors import SIMPLE_SALESFORCE_MAPPING, TransientError, is_transient, translate


def _exception_classes() -> list[type[BaseException]]:
    return [
        obj
        for _, obj in inspect.getmembers(sf_exc, inspect.isclass)
        if issubclass(obj, BaseException) and obj.__module__ == sf_exc.__name__
    ]


@pytest.mark.parametrize("cls", _exception_classes(), ids=lambda c: c.__name__)
def test_every_simple_salesforce_exception_is_mapped(cls: type[BaseException]) -> None:
    assert cls in SIMPLE_SALESFORCE_MAPPING


def test_authentication_failure_becomes_auth_error() -> None:
    exc = sf_exc.SalesforceAuthenticationFailed("INVALID_LOGIN", "Invalid username, password")
    err = translate(exc, target="prod", operation="login")
    assert isinstance(err, AuthError)
    assert "INVALID_LOGIN" in str(err)
    assert err.target == "prod"


def test_zeep_fault_becomes_metadata_fault_without_prefix() -> None:
    err = translate(zeep_exc.Fault("INVALID_SESSION_ID: expired", code="sf:INVALID_SESSION_ID"))
    assert isinstance(err, MetadataFault)
    assert err.fault_code == "INVALID_SESSION_ID"


def test_server_errors_and_timeouts_are_transient() -> None:
    five_hundred = sf_exc.SalesforceGeneralError("https://x", 503, "deploy", b"busy")
    assert is_transient(translate(five_hundred))
    assert is_transient(translate(requests.exceptions.ConnectTimeout("slow")))
    assert is_transient(MetadataFault("busy", fault_code="ALREADY_IN_PROCESS"))
    assert not is_transient(MetadataFault("bad", fault_code="INVALID_TYPE"))
    assert not is_transient(translate(sf_exc.SalesforceMalformedRequest("https://x", 400, "r", b"no")))


def test_tls_failure_says_how_to_fix() -> None:
    err = translate(requests.exceptions.SSLError("certificate verify failed"))
    assert "CA bundle" in str(err)
    assert not isinstance(err, TransientError)


def test_unknown_exceptions_are_not_swallowed() -> None:
    with pytest.raises(TypeError):
        translate(KeyError("x"))


def test_org_errors_pass_through() -> None:
    original = OrgError("x")
    assert translate(original) is original


def test_network_failures_name_the_host_and_what_to_check() -> None:
    request = requests.Request("POST", "https://acme.my.salesforce.com/services/oauth2/token").prepare()
    unresolved = requests.exceptions.ConnectionError("NameResolutionError(...)", request=request)
    err = translate(unresolved)
    assert (
        str(err)
        == "cannot reach acme.my.salesforce.com: its host name does not resolve; check the target's URL"
    )
    refused = requests.exceptions.ConnectionError("[Errno 111] Connection refused", request=request)
    assert "connection was refused" in str(translate(refused))

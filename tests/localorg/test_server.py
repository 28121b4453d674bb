"""Unmodified simple-salesforce against a served local org over HTTPS."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from sfconnect.localorg import LocalOrgHandle
from tests.localorg.conftest import trusting_session


def test_soap_login_and_rest_identity(served: LocalOrgHandle, sf: Any) -> None:
    resources = sf.restful("")
    assert resources["identity"].endswith(f"/id/{served.org_id}/{served.org.admin_user().id}")


def test_soap_login_refuses_a_wrong_password(served: LocalOrgHandle) -> None:
    from simple_salesforce import SalesforceLogin

    with trusting_session(served.ca_bundle) as session, pytest.raises(SalesforceAuthenticationFailed) as info:
        SalesforceLogin(
            username=served.admin_username,
            password="wrong",
            security_token="",
            sf_version="60.0",
            session=session,
            scratch_url=served.instance_url,
        )
    assert info.value.code == "INVALID_LOGIN"


def test_connected_app_create_read_round_trip(served: LocalOrgHandle, sf: Any) -> None:
    served.org.set_setting("connected_app_creation_allowed", True)
    try:
        ca = sf.mdapi.ConnectedApp
        ca.create(
            [
                ca(
                    fullName="Round_Trip",
                    label="Round Trip",
                    contactEmail="ops@example.com",
                    oauthConfig={
                        "callbackUrl": "https://app.example.com/cb",
                        "scopes": ["Api", "RefreshToken"],
                    },
                )
            ]
        )
        record = ca.read("Round_Trip")
    finally:
        served.org.set_setting("connected_app_creation_allowed", False)
    assert record.fullName == "Round_Trip"
    assert record.label == "Round Trip"
    assert record.oauthConfig.scopes == ["Api", "RefreshToken"]
    assert record.oauthConfig.consumerKey.startswith("3MVG9")
    assert record.oauthConfig.consumerSecret is None

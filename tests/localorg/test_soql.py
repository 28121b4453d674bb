# ruff: noqa: S608  (SOQL text built from constant test usernames)
"""The query endpoint: the SOQL subset the sf CLI, jsforce and sfconnect send, over the org's objects.

Sources: SOQL and SOSL Reference, "Comparison Operators" (=, !=, IN, NOT IN, LIKE with % and _, case-insensitive
string comparison; semi-joins with IN), "Logical Operators" (AND, OR, NOT), "ORDER BY" (ASC default, NULLS FIRST
for ASC), "LIMIT", "COUNT() and COUNT(fieldName)", "Relationship Queries" (child-to-parent dot notation);
https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-comparisonoperators.html
REST API Developer Guide, "Query" (`/services/data/vXX.X/query/?q=SOQL`; `totalSize`, `done`, `records`),
"Status Codes and Error Responses" (400 with `MALFORMED_QUERY`, `INVALID_FIELD`).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from sfconnect.localorg import LocalOrg
from sfconnect.localorg._models import Session
from sfconnect.localorg._responses import Request
from sfconnect.localorg._server import dispatch
from sfconnect.localorg._urls import ROUTES

ADMIN = "admin@localorg.sfconnect.test"
INTEGRATION = "integration@localorg.sfconnect.test"


@pytest.fixture
def session(local_org: LocalOrg) -> Session:
    admin = local_org.admin_user()
    return local_org.login(admin.username, local_org.password_of(admin.username))


def query(
    org: LocalOrg, session: Session, soql: str, *, columns: bool = False, tooling: bool = False
) -> tuple[int, Any]:
    params = {"q": soql, **({"columns": "true"} if columns else {})}
    path = f"/services/data/v66.0/{'tooling/' if tooling else ''}query"
    req = Request(
        "GET",
        path,
        {k: [v] for k, v in params.items()},
        {"authorization": f"Bearer {session.session_id}"},
        b"",
        "https://127.0.0.1:6101",
    )
    assert urlencode(params)  # the same parameters a client would encode
    resp = dispatch(org, ROUTES, req)
    return resp.status, json.loads(resp.body)


def usernames(body: Any) -> list[str]:
    return [r["Username"] for r in body["records"]]


def test_select_list_is_honoured(local_org: LocalOrg, session: Session) -> None:
    status, body = query(local_org, session, "SELECT Id, Username FROM User")
    assert status == 200 and body["done"] is True and body["totalSize"] == 2
    for record in body["records"]:
        assert set(record) == {"attributes", "Id", "Username"}
        assert record["attributes"] == {
            "type": "User",
            "url": f"/services/data/v66.0/sobjects/User/{record['Id']}",
        }


def test_equals_ignores_case(local_org: LocalOrg, session: Session) -> None:
    _, body = query(local_org, session, f"SELECT Username FROM User WHERE Username = '{ADMIN.upper()}'")
    assert usernames(body) == [ADMIN]


def test_not_equals(local_org: LocalOrg, session: Session) -> None:
    _, body = query(local_org, session, f"SELECT Username FROM User WHERE Username != '{ADMIN}'")
    assert usernames(body) == [INTEGRATION]
    _, body = query(local_org, session, f"SELECT Username FROM User WHERE Username <> '{ADMIN}'")
    assert usernames(body) == [INTEGRATION]


def test_in_and_not_in(local_org: LocalOrg, session: Session) -> None:
    _, body = query(
        local_org, session, f"SELECT Username FROM User WHERE Username IN ('nobody', '{INTEGRATION}')"
    )
    assert usernames(body) == [INTEGRATION]
    _, body = query(local_org, session, f"SELECT Username FROM User WHERE Username NOT IN ('{INTEGRATION}')")
    assert usernames(body) == [ADMIN]


def test_in_with_a_semi_join_as_sf_org_display_user_sends(local_org: LocalOrg, session: Session) -> None:
    # plugin-user `org display user`: SELECT name FROM Profile WHERE Id IN (SELECT ProfileId FROM User ...)
    soql = f"SELECT name FROM Profile WHERE Id IN (SELECT ProfileId FROM User WHERE username='{ADMIN}')"
    _, body = query(local_org, session, soql)
    assert [r["Name"] for r in body["records"]] == ["System Administrator"]


def test_like_wildcards(local_org: LocalOrg, session: Session) -> None:
    _, body = query(local_org, session, "SELECT Username FROM User WHERE Username LIKE 'ADMIN@%'")
    assert usernames(body) == [ADMIN]
    _, body = query(local_org, session, "SELECT Username FROM User WHERE Username LIKE '_ntegration%'")
    assert usernames(body) == [INTEGRATION]
    _, body = query(local_org, session, "SELECT Username FROM User WHERE Username LIKE 'admin'")
    assert usernames(body) == []
    status, body = query(local_org, session, "SELECT Id FROM User WHERE IsActive LIKE 'true'")
    assert status == 400 and body[0]["errorCode"] == "INVALID_FIELD"  # LIKE is for string fields only


def test_and_or_not_and_parentheses(local_org: LocalOrg, session: Session) -> None:
    soql = f"SELECT Username FROM User WHERE IsActive = true AND (Username = '{ADMIN}' OR Username = 'x')"
    assert usernames(query(local_org, session, soql)[1]) == [ADMIN]
    soql = f"SELECT Username FROM User WHERE Username = '{ADMIN}' OR Username = '{INTEGRATION}'"
    assert sorted(usernames(query(local_org, session, soql)[1])) == [ADMIN, INTEGRATION]
    soql = f"SELECT Username FROM User WHERE IsActive = false AND Username = '{ADMIN}'"
    assert usernames(query(local_org, session, soql)[1]) == []
    soql = f"SELECT Username FROM User WHERE NOT Username = '{ADMIN}'"
    assert usernames(query(local_org, session, soql)[1]) == [INTEGRATION]


def test_limit(local_org: LocalOrg, session: Session) -> None:
    _, body = query(local_org, session, "SELECT Name FROM Profile LIMIT 2")
    assert body["totalSize"] == 2 and len(body["records"]) == 2
    _, body = query(local_org, session, "SELECT Name FROM Profile LIMIT 0")
    assert body["totalSize"] == 0 and body["records"] == []


def test_order_by(local_org: LocalOrg, session: Session) -> None:
    names = sorted(local_org.profiles(), key=str.lower)
    _, body = query(local_org, session, "SELECT Name FROM Profile ORDER BY Name")
    assert [r["Name"] for r in body["records"]] == names
    _, body = query(local_org, session, "SELECT Name FROM Profile ORDER BY Name DESC LIMIT 1")
    assert [r["Name"] for r in body["records"]] == [names[-1]]
    # nulls first by default, last with NULLS LAST (FirstName is empty for no seeded user: use ProfileId)
    _, body = query(
        local_org, session, "SELECT Name FROM PermissionSet ORDER BY ProfileId NULLS LAST, Name DESC"
    )
    assert [r["Name"] for r in body["records"]] == sorted(local_org.permission_sets(), reverse=True)


def test_count(local_org: LocalOrg, session: Session) -> None:
    status, body = query(local_org, session, "SELECT COUNT() FROM User")
    assert status == 200 and body == {"totalSize": 2, "done": True, "records": []}
    _, body = query(local_org, session, f"SELECT COUNT() FROM User WHERE Username = '{ADMIN}'")
    assert body["totalSize"] == 1
    _, body = query(local_org, session, "SELECT COUNT(Id) FROM User")
    assert body["records"] == [{"attributes": {"type": "AggregateResult"}, "expr0": 2}]


def test_relationship_fields(local_org: LocalOrg, session: Session) -> None:
    _, body = query(local_org, session, f"SELECT Id, Profile.Name FROM User WHERE Username = '{ADMIN}'")
    (record,) = body["records"]
    profile_id = local_org.profiles()["System Administrator"]
    assert record["Profile"] == {
        "attributes": {"type": "Profile", "url": f"/services/data/v66.0/sobjects/Profile/{profile_id}"},
        "Name": "System Administrator",
    }
    # a relationship in WHERE, and two levels of it
    soql = (
        "SELECT Assignee.Username, Assignee.Profile.Name, PermissionSet.Name FROM PermissionSetAssignment "
        "WHERE PermissionSet.Name = 'Integration_API_Access'"
    )
    _, body = query(local_org, session, soql)
    (record,) = body["records"]
    assert record["Assignee"]["Username"] == INTEGRATION
    assert record["Assignee"]["Profile"]["Name"] == "Minimum Access - API Only Integrations"
    assert record["PermissionSet"]["Name"] == "Integration_API_Access"
    # a null reference is a null relationship
    _, body = query(local_org, session, "SELECT Name, Profile.Name FROM PermissionSet LIMIT 1")
    assert body["records"][0]["Profile"] is None


def test_columns_true(local_org: LocalOrg, session: Session) -> None:
    # the sf CLI's `data query` reads `columnMetadata` (plugin-data retrieveColumns): nested joinColumns
    status, body = query(local_org, session, "SELECT Id, Profile.Name FROM User", columns=True)
    assert status == 200
    assert body["entityName"] == "User" and body["keyPrefix"] == "005" and body["idSelected"] is True
    first, second = body["columnMetadata"]
    assert first["columnName"] == "Id" and first["joinColumns"] == [] and first["aggregate"] is False
    assert second["columnName"] == "Profile"
    assert [c["columnName"] for c in second["joinColumns"]] == ["Name"]
    _, body = query(local_org, session, "SELECT COUNT(Id) FROM User", columns=True)
    assert body["columnMetadata"][0]["aggregate"] is True
    assert body["columnMetadata"][0]["columnName"] == "expr0"


def test_organization_says_it_is_not_production(local_org: LocalOrg, session: Session) -> None:
    _, body = query(local_org, session, "SELECT IsSandbox, OrganizationType FROM Organization")
    (org,) = body["records"]
    assert org["IsSandbox"] is False and org["OrganizationType"] == "Developer Edition"
    local_org.set_setting("is_sandbox", True)
    local_org.set_setting("organization_type", "Enterprise Edition")
    _, body = query(local_org, session, "SELECT IsSandbox, OrganizationType FROM Organization")
    assert body["records"][0] == {
        **body["records"][0],
        "IsSandbox": True,
        "OrganizationType": "Enterprise Edition",
    }


@pytest.mark.parametrize(
    ("soql", "column"),
    [
        ("SELECT Foo FROM User", 8),
        ("SELECT Id FROM User WHERE Nope = 'x'", 27),
        ("SELECT Id FROM User ORDER BY Nope", 30),
        ("SELECT Nope.Name FROM User", 8),
        ("SELECT Profile.Nope FROM User", 8),
    ],
)
def test_unknown_field_is_invalid_field(
    local_org: LocalOrg, session: Session, soql: str, column: int
) -> None:
    status, body = query(local_org, session, soql)
    assert status == 400
    assert body[0]["errorCode"] == "INVALID_FIELD"
    assert f"ERROR at Row:1:Column:{column}" in body[0]["message"]


@pytest.mark.parametrize(
    "soql",
    [
        "SELEC Id FROM User",
        "SELECT Id FROM",
        "SELECT Id FROM User WHERE",
        "SELECT Id FROM User WHERE Username = ",
        "SELECT Id FROM User LIMIT x",
        "SELECT Id, FROM User",
        "SELECT Id FROM User WHERE Username = 'unterminated",
        "SELECT Id, Id FROM User",
        "",
    ],
)
def test_bad_syntax_is_malformed_query(local_org: LocalOrg, session: Session, soql: str) -> None:
    status, body = query(local_org, session, soql)
    assert status == 400
    assert body[0]["errorCode"] == "MALFORMED_QUERY"


def test_unknown_object_is_invalid_type(local_org: LocalOrg, session: Session) -> None:
    # the sf CLI's Dev Hub probe: a 400 INVALID_TYPE means "not a Dev Hub" (clients.md, sf login)
    status, body = query(local_org, session, "SELECT Id FROM ScratchOrgInfo limit 1")
    assert status == 400 and body[0]["errorCode"] == "INVALID_TYPE"


def test_tooling_query_uses_its_own_registry(local_org: LocalOrg, session: Session) -> None:
    status, body = query(local_org, session, "SELECT Id FROM User", tooling=True)
    assert status == 400 and body[0]["errorCode"] == "INVALID_TYPE"


def test_a_registered_object_is_served(local_org: LocalOrg, session: Session) -> None:
    from sfconnect.localorg import _sobjects as sobjects
    from sfconnect.localorg._soql import SField, SObjectRegistry, SObjectType, run

    registry: SObjectRegistry[LocalOrg] = SObjectRegistry()
    registry.register(
        SObjectType(
            "DeployRequest",
            "0Af",
            (SField("Id", "id"), SField("Status", "picklist")),
            lambda org: [
                {"Id": "0Af000000000001AAA", "Status": "Pending"},
                {"Id": "0Af2", "Status": "Succeeded"},
            ],
        )
    )
    body = run(
        registry, local_org, "SELECT Id FROM DeployRequest WHERE Status IN ('Pending', 'InProgress')", "66.0"
    )
    assert [r["Id"] for r in body["records"]] == ["0Af000000000001AAA"]
    assert "User" in sobjects.DATA.names() and "PermissionSetAssignment" in sobjects.DATA.names()

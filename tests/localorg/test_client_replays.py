"""Replays of the sf CLI (2.146) and jsforce (jsforce-node 3.12) requests for the paths added in issue 15.

Recorded from the unmodified clients run against a served embedded org; each test checks what the client
reads from the answer (the sf CLI sources named in each test), as `test_responses.py` does for older paths.
"""

from __future__ import annotations

import json

from sfconnect.localorg import LocalOrg
from sfconnect.localorg.models import Session
from tests.localorg.test_responses import replay, session  # noqa: F401  (fixture)

ADMIN = "admin@localorg.sfconnect.test"


def _json(org: LocalOrg, name: str, sess: Session) -> tuple[int, object]:
    resp = replay(org, name, sess)
    assert resp.content_type.startswith("application/json")
    return resp.status, json.loads(resp.body)


# sf data query (plugin-data: jsforce `query`, then `?columns=true` read by `retrieveColumns`) --------------------
def test_sf_data_query_where_order_limit(local_org: LocalOrg, session: Session) -> None:  # noqa: F811
    status, body = _json(local_org, "sf-data-query", session)
    assert status == 200 and isinstance(body, dict)
    (record,) = body["records"]
    assert record["Username"] == ADMIN and record["Profile"]["Name"] == "System Administrator"
    assert body["totalSize"] == 1 and body["done"] is True


def test_sf_data_query_columns_are_a_json_array(local_org: LocalOrg, session: Session) -> None:  # noqa: F811
    # plugin-data `ensureJsonArray(results.columnMetadata)`: the old answer failed "Value is not a JsonArray"
    status, body = _json(local_org, "sf-data-query-columns", session)
    assert status == 200 and isinstance(body, dict)
    columns = body["columnMetadata"]
    assert [c["columnName"] for c in columns] == ["Id", "Username", "Profile"]
    assert [j["columnName"] for j in columns[2]["joinColumns"]] == ["Name"]


def test_sf_data_query_count(local_org: LocalOrg, session: Session) -> None:  # noqa: F811
    status, body = _json(local_org, "sf-data-query-count", session)
    assert status == 200 and body == {"totalSize": 2, "done": True, "records": []}
    status, body = _json(local_org, "sf-data-query-count-columns", session)
    assert status == 200 and isinstance(body, dict) and body["columnMetadata"] == []


def test_sf_data_query_in_or_not_equals(local_org: LocalOrg, session: Session) -> None:  # noqa: F811
    status, body = _json(local_org, "sf-data-query-in-or-not-equals", session)
    assert status == 200 and isinstance(body, dict)
    assert body["totalSize"] == 2 and len(body["records"]) == 2


# sf org display user (plugin-user: two `singleRecordQuery` calls) ------------------------------------------------
def test_sf_org_display_user_queries(local_org: LocalOrg, session: Session) -> None:  # noqa: F811
    _, body = _json(local_org, "sf-org-display-user-profile", session)
    assert isinstance(body, dict)
    assert [r["Name"] for r in body["records"]] == ["System Administrator"]  # was `profileName: unknown`
    _, body = _json(local_org, "sf-org-display-user-id", session)
    assert isinstance(body, dict)
    assert [r["Id"] for r in body["records"]] == [session.user.id]  # was `id: unknown`


# jsforce `Connection.query` -------------------------------------------------------------------------------------
def test_jsforce_query_in_and_limit(local_org: LocalOrg, session: Session) -> None:  # noqa: F811
    _, body = _json(local_org, "jsforce-query-in-limit", session)
    assert isinstance(body, dict)
    assert [r["Username"] for r in body["records"]] == [ADMIN]


def test_jsforce_query_count(local_org: LocalOrg, session: Session) -> None:  # noqa: F811
    _, body = _json(local_org, "jsforce-query-count", session)
    assert body == {"totalSize": 1, "done": True, "records": []}  # the integration user's one assignment

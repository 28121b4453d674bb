"""Replays of the sf CLI (2.146) and jsforce (jsforce-node 3.12) requests for the paths added in issue 15.

Recorded from the unmodified clients run against a served embedded org; each test checks what the client
reads from the answer (the sf CLI sources named in each test), as `test_responses.py` does for older paths.
"""

from __future__ import annotations

import json
import re

import pytest

from sfconnect.localorg import LocalOrg
from sfconnect.localorg._deploys import DeployOptions
from sfconnect.localorg._models import Session
from tests.localorg.test_responses import REPLAYS, assert_jsforce_can_read, replay
from tests.localorg.zips import eca_zip

ADMIN = "admin@localorg.sfconnect.test"


@pytest.fixture
def session(local_org: LocalOrg) -> Session:
    admin = local_org.admin_user()
    return local_org.login(admin.username, local_org.password_of(admin.username))


def _json(org: LocalOrg, name: str, sess: Session) -> tuple[int, object]:
    resp = replay(org, name, sess)
    assert resp.content_type.startswith("application/json")
    return resp.status, json.loads(resp.body)


# sf data query (plugin-data: jsforce `query`, then `?columns=true` read by `retrieveColumns`) --------------------
def test_sf_data_query_where_order_limit(local_org: LocalOrg, session: Session) -> None:
    status, body = _json(local_org, "sf-data-query", session)
    assert status == 200 and isinstance(body, dict)
    (record,) = body["records"]
    assert record["Username"] == ADMIN and record["Profile"]["Name"] == "System Administrator"
    assert body["totalSize"] == 1 and body["done"] is True


def test_sf_data_query_columns_are_a_json_array(local_org: LocalOrg, session: Session) -> None:
    # plugin-data `ensureJsonArray(results.columnMetadata)`: the old answer failed "Value is not a JsonArray"
    status, body = _json(local_org, "sf-data-query-columns", session)
    assert status == 200 and isinstance(body, dict)
    columns = body["columnMetadata"]
    assert [c["columnName"] for c in columns] == ["Id", "Username", "Profile"]
    assert [j["columnName"] for j in columns[2]["joinColumns"]] == ["Name"]


def test_sf_data_query_count(local_org: LocalOrg, session: Session) -> None:
    status, body = _json(local_org, "sf-data-query-count", session)
    assert status == 200 and body == {"totalSize": 2, "done": True, "records": []}
    status, body = _json(local_org, "sf-data-query-count-columns", session)
    assert status == 200 and isinstance(body, dict) and body["columnMetadata"] == []


def test_sf_data_query_in_or_not_equals(local_org: LocalOrg, session: Session) -> None:
    status, body = _json(local_org, "sf-data-query-in-or-not-equals", session)
    assert status == 200 and isinstance(body, dict)
    assert body["totalSize"] == 2 and len(body["records"]) == 2


# sf org display user (plugin-user: two `singleRecordQuery` calls) ------------------------------------------------
def test_sf_org_display_user_queries(local_org: LocalOrg, session: Session) -> None:
    _, body = _json(local_org, "sf-org-display-user-profile", session)
    assert isinstance(body, dict)
    assert [r["Name"] for r in body["records"]] == ["System Administrator"]  # was `profileName: unknown`
    _, body = _json(local_org, "sf-org-display-user-id", session)
    assert isinstance(body, dict)
    assert [r["Id"] for r in body["records"]] == [session.user.id]  # was `id: unknown`


# jsforce `Connection.query` -------------------------------------------------------------------------------------
def test_jsforce_query_in_and_limit(local_org: LocalOrg, session: Session) -> None:
    _, body = _json(local_org, "jsforce-query-in-limit", session)
    assert isinstance(body, dict)
    assert [r["Username"] for r in body["records"]] == [ADMIN]


def test_jsforce_query_count(local_org: LocalOrg, session: Session) -> None:
    _, body = _json(local_org, "jsforce-query-count", session)
    assert body == {"totalSize": 1, "done": True, "records": []}  # the integration user's one assignment


# sf project deploy cancel / quick (jsforce-node metadata API) ---------------------------------------------------
def _with_id(name: str, recorded: str, live: str) -> bytes:
    (path,) = REPLAYS.glob(f"*-{name}.http")
    body = path.read_text(encoding="utf-8").split("\n\n", 1)[1].rstrip("\n")
    assert recorded in body
    return body.replace(recorded, live).encode("utf-8")


def test_sf_deploy_cancel_sends_id_and_gets_done_false(local_org: LocalOrg, session: Session) -> None:
    # Metadata API Developer Guide, CancelDeployResult: "done ... returns false when the cancellation is in
    # progress"; a deploy still in the queue is canceled at once (true).
    job = local_org.deployments.start_deploy(eca_zip(), DeployOptions(single_package=True), session.user, 60)
    body = _with_id("sf-cancelDeploy", "0AfJY42XT5BE4YA0M1", job.id)
    assert b"<cancelDeploy><id>" in body  # jsforce's element, not the WSDL's <String>
    text = assert_jsforce_can_read(replay(local_org, "sf-cancelDeploy", session, body=body))
    assert f"<done>false</done><id>{job.id}</id>" in text
    assert local_org.deployments.current_result(job.id)["status"] == "Canceling"
    assert local_org.deployments.deploy_result(job.id, True)["status"] == "Canceled"
    # a second deploy waiting behind a running one is canceled at once
    first = local_org.deployments.start_deploy(
        eca_zip(), DeployOptions(single_package=True), session.user, 60
    )
    queued = local_org.deployments.start_deploy(
        eca_zip(), DeployOptions(single_package=True), session.user, 60
    )
    local_org.deployments.advance()
    assert local_org.deployments.current_result(first.id)["status"] == "InProgress"
    text = assert_jsforce_can_read(
        replay(
            local_org,
            "sf-cancelDeploy",
            session,
            body=_with_id("sf-cancelDeploy", "0AfJY42XT5BE4YA0M1", queued.id),
        )
    )
    assert f"<done>true</done><id>{queued.id}</id>" in text


def _validation(org: LocalOrg, sess: Session) -> str:
    job = org.deployments.start_deploy(
        eca_zip(), DeployOptions(single_package=True, check_only=True), sess.user
    )
    assert org.deployments.deploy_result(job.id, False)["status"] == "Succeeded"
    assert org.read_metadata("ExternalClientApplication", ["Deployed_Eca"]) == [None]
    return job.id


def test_sf_deploy_quick_over_soap(local_org: LocalOrg, session: Session) -> None:
    # Metadata API Developer Guide, deployRecentValidation(): deploys a validation that succeeded (within 10 days)
    validation = _validation(local_org, session)
    body = _with_id("sf-deployRecentValidation", "0Af4M9O7E6QZC9KSKX", validation)
    text = assert_jsforce_can_read(replay(local_org, "sf-deployRecentValidation", session, body=body))
    match = re.search(r"<deployRecentValidationResponse><result>(\w+)</result>", text)
    assert match and match.group(1) != validation
    assert local_org.deployments.deploy_result(match.group(1), True)["status"] == "Succeeded"
    assert local_org.read_metadata("ExternalClientApplication", ["Deployed_Eca"])[0] is not None
    again = replay(local_org, "sf-deployRecentValidation", session, body=body)  # a validation deploys once
    assert again.status == 500 and b"INVALID_ID_FIELD" in again.body


def test_sf_deploy_quick_over_rest(local_org: LocalOrg, session: Session) -> None:
    # Metadata API Developer Guide, "Deploy a Recently Validated Component Set Using REST"
    validation = _validation(local_org, session)
    body = _with_id("sf-rest-deployRecentValidation", "0AfYI3JTRL7U2X404K", validation)
    resp = replay(local_org, "sf-rest-deployRecentValidation", session, body=body)
    assert resp.status == 201
    answer = json.loads(resp.body)
    assert answer["validatedDeployRequestId"] == validation and answer["id"] != validation
    assert local_org.deployments.deploy_result(answer["id"], True)["status"] == "Succeeded"


def test_quick_deploy_refuses_what_is_not_a_validation(local_org: LocalOrg, session: Session) -> None:
    job = local_org.deployments.start_deploy(eca_zip(), DeployOptions(single_package=True), session.user)
    assert local_org.deployments.deploy_result(job.id, False)["status"] == "Succeeded"
    body = _with_id("sf-rest-deployRecentValidation", "0AfYI3JTRL7U2X404K", job.id)
    resp = replay(local_org, "sf-rest-deployRecentValidation", session, body=body)
    assert resp.status == 400 and json.loads(resp.body)[0]["errorCode"] == "INVALID_ID_FIELD"

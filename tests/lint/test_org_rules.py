"""Org-scope rules on org-wide settings components (as the audit reads them)."""

from __future__ import annotations

import pytest

from sfconnect.lint.model import OrgView
from sfconnect.lint.registry import RULES, find_rule
from sfconnect.metadata.component import Component

CASES = {
    "SFC-ORG-001": ("OauthOidcSettings", "blockOAuthUsrAgtFlow", False),
    "SFC-ORG-002": ("OauthOidcSettings", "blockOAuthUnPwFlow", False),
    "SFC-SECRET-003": ("ExternalClientAppSettings", "enableConsumerSecretApiAccess", True),
}


def _org(type_name: str, field: str, value: bool) -> OrgView:
    return OrgView(
        "prod", {type_name: Component(type_name, "x", Component.build(type_name, "x", {field: value}).fields)}
    )


def test_every_org_rule_has_a_case() -> None:
    assert {r.id for r in RULES if r.scope == "org"} == set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_org_rule_triggers_and_is_quiet(rule_id: str) -> None:
    rule = find_rule(rule_id)
    type_name, field, bad = CASES[rule_id]
    [hit] = list(rule.check(_org(type_name, field, bad)))
    assert hit.field == f"{type_name}.{field}" and "'prod'" in hit.message
    assert list(rule.check(_org(type_name, field, not bad))) == []
    assert list(rule.check(OrgView("prod", {}))) == []  # settings the org did not return: no finding


def test_client_secret_in_rest_api_is_reported_too() -> None:
    org = _org("ExternalClientAppSettings", "enableClientSecretInRestApiAccess", True)
    [hit] = list(find_rule("secret-api-access-enabled").check(org))
    assert hit.field.endswith("enableClientSecretInRestApiAccess")
    # REST access is the prerequisite of `credentials` and `rotate`: medium, below the default gate (high);
    # Metadata API access stays high (Metadata API Developer Guide, ExternalClientAppSettings, API 66.0).
    assert hit.severity == "medium" and "View Client Secret" in hit.message
    [metadata] = list(find_rule("secret-api-access-enabled").check(_org(*CASES["SFC-SECRET-003"])))
    assert metadata.severity is None and find_rule("secret-api-access-enabled").severity == "high"

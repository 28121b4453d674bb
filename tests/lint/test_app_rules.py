"""Every app rule: a triggering and a clean input, as YAML and as read from an org, for each kind."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from sfconnect.lint.registry import RULES, find_rule
from tests.lint.helpers import findings, views

CA, ECA = "ConnectedApp", "ExternalClientApp"
BOTH = (CA, ECA)

# rule id -> (kinds where metadata carries the setting, kinds where only YAML intent does, bad settings)
CASES: dict[str, tuple[tuple[str, ...], tuple[str, ...], dict[str, Any]]] = {
    "SFC-OAUTH-001": (BOTH, (), {"oauth": {"callback_urls": ["https://*.example.com/cb"]}}),
    "SFC-OAUTH-002": (BOTH, (), {"oauth": {"callback_urls": ["http://app.example.com/cb"]}}),
    "SFC-OAUTH-003": (BOTH, (), {"oauth": {"callback_urls": ["http://localhost:8080/cb"]}}),
    "SFC-OAUTH-004": (BOTH, (), {"oauth": {"callback_urls": ["https://app.example.com/login?next=/home"]}}),
    "SFC-OAUTH-005": (BOTH, (), {"oauth": {"callback_urls": ["myapp://callback"]}}),
    "SFC-OAUTH-006": (BOTH, (), {"oauth": {"scopes": ["full"]}}),
    "SFC-OAUTH-007": (
        BOTH,
        (),
        {
            "oauth": {
                "callback_urls": [],
                "flows": {
                    "authorization_code": {"enabled": False},
                    "jwt_bearer": {"enabled": True, "certificate": "file:certs/app.crt"},
                },
            }
        },
    ),
    "SFC-FLOW-001": (BOTH, (), {"oauth": {"flows": {"authorization_code": {"require_pkce": False}}}}),
    "SFC-FLOW-002": (
        BOTH,
        (),
        {"oauth": {"flows": {"authorization_code": {"require_pkce": False, "require_secret": False}}}},
    ),
    "SFC-FLOW-003": (BOTH, (), {"oauth": {"refresh_token": {"require_secret": False}}}),
    "SFC-FLOW-004": ((), BOTH, {"oauth": {"flows": {"user_agent": {"enabled": True}}}}),
    "SFC-FLOW-005": ((), (CA,), {"oauth": {"flows": {"username_password": {"enabled": True}}}}),
    "SFC-FLOW-006": ((ECA,), (CA,), {"oauth": {"flows": {"device": {"enabled": True}}}}),
    "SFC-FLOW-007": (
        BOTH,
        (),
        {"oauth": {"flows": {"client_credentials": {"enabled": True, "run_as": "svc@example.com"}}}},
    ),
    "SFC-FLOW-008": (
        BOTH,
        (),
        {"oauth": {"flows": {"token_exchange": {"enabled": True, "require_secret": False}}}},
    ),
    "SFC-TOKEN-001": (
        BOTH,
        (),
        {"oauth": {"refresh_token": {"policy": "until_revoked", "period": None, "unit": None}}},
    ),
    "SFC-TOKEN-002": (BOTH, (), {"oauth": {"refresh_token": {"period": 3, "unit": "months"}}}),
    "SFC-TOKEN-003": (BOTH, (), {"oauth": {"refresh_token": {"rotation": False}}}),
    "SFC-TOKEN-004": (BOTH, (), {"oauth": {"introspect_all_tokens": True}}),
    "SFC-TOKEN-005": (
        (ECA,),
        (CA,),
        {"oauth": {"jwt_access_tokens": {"enabled": True, "timeout_minutes": 120}}},
    ),
    "SFC-SESSION-001": (BOTH, (), {"oauth": {"scopes": ["full"]}}),
    "SFC-SESSION-002": (BOTH, (), {"access": {"session_timeout_minutes": 480}}),
    "SFC-NETWORK-001": (BOTH, (), {"access": {"ip_relaxation": "relax"}}),
    "SFC-NETWORK-002": (BOTH, (), {"access": {"ip_relaxation": "enforce_relax_refresh"}}),
    "SFC-NETWORK-004": (
        BOTH,
        (),
        {
            "oauth": {
                "callback_urls": [],
                "flows": {
                    "authorization_code": {"enabled": False},
                    "client_credentials": {"enabled": True, "run_as": "svc@example.com"},
                },
            },
            "access": {"trusted_ip_ranges": [{"start": "203.0.113.1", "end": "203.0.113.9"}]},
        },
    ),
    "SFC-NETWORK-003": (
        BOTH,
        (),
        {"access": {"trusted_ip_ranges": [{"start": "10.0.0.0", "end": "10.255.255.255"}]}},
    ),
    "SFC-ACCESS-001": (BOTH, (), {"access": {"permitted_users": "all_users", "permission_sets": []}}),
    "SFC-ACCESS-002": (BOTH, (), {"access": {"profiles": ["System Administrator"]}}),
    "SFC-ACCESS-003": (BOTH, (), {"oauth": {"flows": {"client_credentials": {"enabled": True}}}}),
}


def test_every_app_rule_has_a_case_or_a_dedicated_test() -> None:
    dedicated = {"SFC-CERT-001", "SFC-CERT-002"}  # tests/lint/test_cert_rules.py
    dedicated.add("SFC-MIGRATE-001")  # live audits only: tests/lint/test_migration_rule.py
    app_rules = {r.id for r in RULES if r.scope == "app"}
    assert app_rules == set(CASES) | dedicated


@pytest.mark.parametrize("kind", BOTH)
def test_the_base_app_is_clean_as_yaml_and_as_read_from_an_org(kind: str) -> None:
    for view in views(kind):
        assert findings(view) == []


CASE_PARAMS = [
    pytest.param(rule_id, kind, id=f"{rule_id}-{kind}")
    for rule_id, (meta_kinds, intent_kinds, _) in CASES.items()
    for kind in BOTH
    if kind in meta_kinds or kind in intent_kinds
]


@pytest.mark.parametrize(("rule_id", "kind"), CASE_PARAMS)
def test_rule_triggers_on_its_bad_input(rule_id: str, kind: str) -> None:
    meta_kinds, _, bad = CASES[rule_id]
    yaml_view, org_view = views(kind, bad)
    found = findings(yaml_view, rule_id)
    assert len(found) == 1, found
    finding = found[0]
    assert finding.app == "Test_App" and finding.message.startswith(f"{kind} 'Test_App'")
    assert finding.field.split(".")[0] in ("oauth", "access")  # a YAML key
    org_found = findings(org_view, rule_id)
    if kind in meta_kinds:
        assert len(org_found) == 1, "the setting is in metadata: the audit must see it too"
        assert org_found[0].field.split(".")[0] in (
            "ConnectedApp",
            "ExtlClntAppGlobalOauthSettings",
            "ExtlClntAppOauthConfigurablePolicies",
            "ExtlClntAppOauthSettings",
        )
    else:
        assert org_found == [], "intent-only settings cannot be seen in an org"


@pytest.mark.parametrize(("rule_id", "kind"), CASE_PARAMS)
def test_rule_is_quiet_on_the_clean_input(rule_id: str, kind: str) -> None:
    for view in views(kind):
        assert findings(view, rule_id) == []


@pytest.mark.parametrize("kind", BOTH)
def test_public_client_pattern_is_info_and_open_client_critical(kind: str) -> None:
    public, _ = views(kind, {"oauth": {"flows": {"authorization_code": {"require_secret": False}}}})
    assert [f.severity for f in findings(public, "SFC-FLOW-002")] == ["info"]
    open_, _ = views(kind, CASES["SFC-FLOW-002"][2])
    assert [f.severity for f in findings(open_, "SFC-FLOW-002")] == ["critical"]


def test_public_client_with_rotation_may_refresh_without_secret() -> None:
    extra = {
        "oauth": {
            "flows": {"authorization_code": {"require_secret": False}},
            "refresh_token": {"require_secret": False, "rotation": True},
        }
    }
    for view in views(ECA, extra):
        assert findings(view, "SFC-FLOW-003") == []
        assert findings(view, "SFC-TOKEN-003") == []


def test_rotation_off_is_critical_for_public_clients() -> None:
    extra = {
        "oauth": {
            "flows": {"authorization_code": {"require_secret": False}},
            "refresh_token": {"rotation": False},
        }
    }
    yaml_view, _ = views(ECA, extra)
    assert [f.severity for f in findings(yaml_view, "SFC-TOKEN-003")] == ["critical"]


@pytest.mark.parametrize("kind", BOTH)
def test_production_context_and_profiles_regrade(kind: str) -> None:
    loopback = CASES["SFC-OAUTH-003"][2]
    assert [f.severity for f in findings(views(kind, loopback)[0], "SFC-OAUTH-003")] == ["low"]
    assert [f.severity for f in findings(views(kind, loopback, production=True)[0], "SFC-OAUTH-003")] == [
        "medium"
    ]
    prod = views(kind, loopback, production=True, profile="production")[0]
    assert [f.severity for f in findings(prod, "SFC-OAUTH-003")] == ["high"]
    http = CASES["SFC-OAUTH-002"][2]
    assert findings(views(kind, http, production=True, profile="production")[0], "SFC-OAUTH-002")[
        0
    ].severity == ("critical")
    self_auth = CASES["SFC-ACCESS-001"][2]
    assert findings(views(kind, self_auth)[0], "SFC-ACCESS-001")[0].severity == "medium"
    assert (
        findings(views(kind, self_auth, production=True, profile="production")[0], "SFC-ACCESS-001")[
            0
        ].severity
        == "high"
    )
    no_pkce = CASES["SFC-FLOW-001"][2]
    assert findings(views(kind, no_pkce, profile="partner")[0], "SFC-FLOW-001")[0].severity == "critical"
    assert (
        findings(views(kind, no_pkce)[0], "SFC-FLOW-001")[0].severity
        == find_rule("pkce-not-required").severity
    )


def test_client_credentials_with_relaxed_ips_is_high() -> None:
    extra = {
        "oauth": {"flows": {"client_credentials": {"enabled": True, "run_as": "svc@example.com"}}},
        "access": {"ip_relaxation": "relax"},
    }
    for view in views(ECA, extra):
        assert [f.severity for f in findings(view, "SFC-FLOW-007")] == ["high"]


def test_high_assurance_on_a_headless_app_is_info() -> None:
    extra = {
        "oauth": {
            "scopes": ["api"],
            "callback_urls": [],
            "flows": {
                "authorization_code": {"enabled": False},
                "jwt_bearer": {"enabled": True, "certificate": "file:certs/app.crt"},
            },
        },
        "access": {"high_assurance": {"required": True}},
    }
    for view in views(ECA, extra):
        assert [f.severity for f in findings(view, "SFC-SESSION-001")] == ["info"]


def test_unset_session_timeout_is_low() -> None:
    extra = {"access": {"session_timeout_minutes": None}}
    for view in views(CA, extra):
        assert [f.severity for f in findings(view, "SFC-SESSION-002")] == ["low"]


def test_trusted_range_between_24_and_16_is_low_and_ipv6_is_measured_too() -> None:
    v4 = {"access": {"trusted_ip_ranges": [{"start": "203.0.113.0", "end": "203.0.115.255"}]}}
    assert [f.severity for f in findings(views(ECA, v4)[0], "SFC-NETWORK-003")] == ["low"]
    v6 = {
        "access": {
            "trusted_ip_ranges": [{"start": "2001:db8::", "end": "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"}]
        }
    }
    assert [f.severity for f in findings(views(ECA, v6)[0], "SFC-NETWORK-003")] == ["high"]
    exact = {"access": {"trusted_ip_ranges": [{"start": "203.0.113.10", "end": "203.0.113.12"}]}}
    assert findings(views(ECA, exact)[0], "SFC-NETWORK-003") == []


def test_duplicate_and_padded_callbacks_are_unsafe() -> None:
    extra = {
        "oauth": {
            "callback_urls": [
                "https://a.example.com/cb",
                "https://a.example.com/cb",
                " https://b.example.com/cb",
            ]
        }
    }
    found = findings(views(ECA, extra)[0], "SFC-OAUTH-004")
    assert [f.field for f in found] == ["oauth.callback_urls[1]", "oauth.callback_urls[2]"]


def test_installed_apps_are_named_with_their_package() -> None:
    _, org_view = views(CA, CASES["SFC-OAUTH-006"][2])
    installed = dataclasses.replace(org_view, namespace="acme")
    [finding] = findings(installed, "SFC-OAUTH-006")
    assert finding.message.startswith("ConnectedApp 'Test_App' (installed from package 'acme')")

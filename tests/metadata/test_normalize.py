"""Normalisation: components Salesforce treats as the same compare equal (docs/metadata.md)."""

from __future__ import annotations

import secrets

import pytest

from sfconnect.metadata import Component, ComponentType, normalize
from sfconnect.metadata._normalize import (
    canonical_scope,
    join_callback_urls,
    normalize_refresh_token_policy,
    split_callback_urls,
)


def _ca(oauth: dict[str, object] | None = None, **top: object) -> Component:
    fields: dict[str, object] = {"label": "A", "contactEmail": "a@example.com", **top}
    if oauth is not None:
        fields["oauthConfig"] = {"callbackUrl": "https://a.example.com/cb", **oauth}
    return Component.build(ComponentType.CONNECTED_APP, "A", fields)


def test_scope_synonyms_case_duplicates_and_order() -> None:
    left = normalize(_ca({"scopes": ["Profile", "Email", "api", "OfflineAccess", "Api"]}))
    right = normalize(_ca({"scopes": ["RefreshToken", "Basic", "Api"]}))
    assert left == right
    assert left.get("oauthConfig.scopes") == ("Api", "Basic", "RefreshToken")
    assert canonical_scope(" phone ") == "Basic"
    assert canonical_scope("NotAScope") == "NotAScope"


def test_eca_comma_lists_are_sets() -> None:
    def settings(scopes: str) -> Component:
        return normalize(
            Component.build(
                ComponentType.ECA_OAUTH_SETTINGS,
                "X_oauth",
                {"externalClientApplication": "X", "commaSeparatedOauthScopes": scopes},
            )
        )

    assert settings("RefreshToken, Api,  OfflineAccess,") == settings("Api,RefreshToken")
    assert settings("Api,RefreshToken").get("commaSeparatedOauthScopes") == "Api, RefreshToken"
    assert settings("mcp, Api").get("commaSeparatedOauthScopes") == "Api, MCP"

    def policies(perm_sets: str) -> Component:
        return normalize(
            Component.build(
                ComponentType.ECA_OAUTH_POLICIES,
                "X_plcy",
                {"externalClientApplication": "X", "commaSeparatedPermissionSet": perm_sets},
            )
        )

    assert policies("B, A ,B") == policies("A,B")
    assert policies("B, A ,B").get("commaSeparatedPermissionSet") == "A, B"


def test_profile_and_permission_set_lists_are_sets_and_empty_means_none() -> None:
    assert normalize(_ca(profileName=["B", "A", "B"])) == normalize(_ca(profileName=["A", "B"]))
    assert normalize(_ca(permissionSetName=[""])) == normalize(_ca())


def test_callback_urls_split_on_any_line_break() -> None:
    crlf = normalize(_ca({"callbackUrl": " https://a/cb\r\nhttps://b/cb\r\rhttps://c/cb \n"}))
    lf = normalize(_ca({"callbackUrl": "https://a/cb\nhttps://b/cb\nhttps://c/cb"}))
    assert crlf == lf
    assert split_callback_urls("https://a\r\nhttps://b\rhttps://c\n") == [
        "https://a",
        "https://b",
        "https://c",
    ]
    assert join_callback_urls(["https://a", " ", "https://b "]) == "https://a\nhttps://b"
    assert normalize(_ca({"callbackUrl": "https://b/cb\nhttps://a/cb"})) != lf  # order is kept


def test_absent_booleans_equal_their_documented_defaults() -> None:
    explicit = _ca(
        {"isAdminApproved": False, "isPkceRequired": False, "isSecretRequiredForRefreshToken": True}
    )
    assert normalize(explicit) == normalize(_ca({}))
    assert normalize(_ca({"isSecretRequiredForRefreshToken": False})) != normalize(_ca({}))
    assert normalize(_ca({"isPkceRequired": True})) != normalize(_ca({}))

    def glob(**values: object) -> Component:
        fields = {"externalClientApplication": "X", **values}
        return normalize(Component.build(ComponentType.ECA_GLOBAL_OAUTH_SETTINGS, "X_glbl", fields))

    assert glob(isPkceRequired=True) == glob()  # an ECA requires PKCE unless told otherwise
    assert glob(isPkceRequired=False) != glob()


def test_required_booleans_are_kept() -> None:
    policies = Component.build(
        ComponentType.ECA_POLICIES, "X_plcy", {"externalClientApplication": "X", "isEnabled": False}
    )
    assert normalize(policies).get("isEnabled") is False


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("infinite", "infinite"),
        ("ZERO", "zero"),
        ("SPECIFIC_LIFETIME:3:hours", "specific_lifetime:3:HOURS"),
        (" specific_inactivity : 07 : Days ", "specific_inactivity:7:DAYS"),
        ("SPECIFIC_LIFETIME", None),
        ("specific_lifetime:0:DAYS", None),
        ("specific_lifetime:3:WEEKS", None),
        ("infinite:3:DAYS", None),
    ],
)
def test_refresh_token_policy_spellings(raw: str, canonical: str | None) -> None:
    assert normalize_refresh_token_policy(raw) == canonical


def test_value_casing_per_kind() -> None:
    policy = {"ipRelaxation": "bypass_2factor", "refreshTokenPolicy": "Specific_Lifetime:1:days"}
    app = normalize(_ca(oauthPolicy=policy))
    assert app.get("oauthPolicy.ipRelaxation") == "BYPASS_2FACTOR"
    assert app.get("oauthPolicy.refreshTokenPolicy") == "specific_lifetime:1:DAYS"
    eca = normalize(
        Component.build(
            ComponentType.ECA_OAUTH_POLICIES,
            "X_plcy",
            {
                "externalClientApplication": "X",
                "ipRelaxationPolicyType": "ENFORCE_RELAXREFRESH",
                "refreshTokenValidityUnit": "DAYS",
                "permittedUsersPolicyType": "adminapprovedpreauthorized",
            },
        )
    )
    assert eca.get("ipRelaxationPolicyType") == "Enforce_RelaxRefresh"
    assert eca.get("refreshTokenValidityUnit") == "Days"
    assert eca.get("permittedUsersPolicyType") == "AdminApprovedPreAuthorized"


def test_documented_enumeration_defaults_mean_absent() -> None:
    fields = {
        "externalClientApplication": "X",
        "requiredSessionLevel": "standard",
        "ipRelaxationPolicyType": "Enforce",
    }
    eca = normalize(Component.build(ComponentType.ECA_OAUTH_POLICIES, "X_oauthPlcy", fields))
    bare = normalize(
        Component.build(ComponentType.ECA_OAUTH_POLICIES, "X_oauthPlcy", {"externalClientApplication": "X"})
    )
    assert eca == bare


def test_strings_are_trimmed_and_empty_optionals_dropped() -> None:
    assert normalize(_ca(description="  ", label=" A ")) == normalize(_ca())


def test_keys_and_secrets_are_stripped_with_notes() -> None:
    secret = secrets.token_hex(16)
    app = _ca({"consumerKey": "3MVG9" + secrets.token_hex(20), "consumerSecret": secret})
    stripped = normalize(app)
    assert stripped == normalize(_ca({}))
    assert [n.code for n in stripped.notes] == ["org-generated-dropped", "write-only-dropped"]
    assert all(secret not in str(n) for n in stripped.notes)
    kept = normalize(app, strip=False)
    assert kept.get("oauthConfig.consumerSecret") == secret


def test_org_generated_eca_fields_are_stripped() -> None:
    header = Component.build(
        ComponentType.EXTERNAL_CLIENT_APP, "X", {"label": "X", "orgScopedExternalApp": "00D0000:X"}
    )
    assert normalize(header).fields == {"label": "X"}


def test_unknown_elements_are_left_alone() -> None:
    app = _ca(oauthPolicy={"ipRelaxation": "ENFORCE", "refreshTokenPolicy": "zero", "extra": " kept "})
    assert normalize(app).get("oauthPolicy.extra") == " kept "


def test_dependent_setting_of_a_disabled_flow_is_dropped() -> None:
    on = {"isTokenExchangeEnabled": True, "isSecretRequiredForTokenExchange": True}
    off = {"isTokenExchangeEnabled": False, "isSecretRequiredForTokenExchange": True}
    assert normalize(_ca(oauthConfig={"callbackUrl": "https://x", **on})).get(
        "oauthConfig.isSecretRequiredForTokenExchange"
    )
    dropped = normalize(_ca(oauthConfig={"callbackUrl": "https://x", **off}))
    assert dropped.get("oauthConfig.isSecretRequiredForTokenExchange") is None
    glb = Component.build(
        ComponentType.ECA_GLOBAL_OAUTH_SETTINGS, "X_glbloauth", {"externalClientApplication": "X", **off}
    )
    assert normalize(glb).get("isSecretRequiredForTokenExchange") is None

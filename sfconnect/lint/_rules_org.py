"""Org-scope rules: org-wide settings only a live org can tell (``sfconnect lint -t TARGET --live``)."""

from __future__ import annotations

from collections.abc import Iterator

from sfconnect.lint.model import Hit, OrgView, define

ORG_SETTINGS: tuple[tuple[str, str], ...] = (
    ("OauthOidcSettings", "OauthOidc"),
    ("ExternalClientAppSettings", "ExternalClientApp"),
)
"""The settings components the org rules read: ``(type, full name)``."""


@define(
    "SFC-ORG-001",
    "org-user-agent-flow-allowed",
    "high",
    "org",
    title="User-agent flow allowed org-wide",
    what="The org does not block the OAuth user-agent flow (`OauthOidcSettings.blockOAuthUsrAgtFlow` is "
    "false). Split from SFC-FLOW-004, which checks an app's declared intent.",
    why="Tokens in URLs leak through history and referrers; Salesforce recommends blocking the flow.",
    fix="Setup > OAuth and OpenID Connect Settings: block the user-agent flow.",
    bad="<blockOAuthUsrAgtFlow>false</blockOAuthUsrAgtFlow>",
    good="<blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow>",
    tags=("oauth", "flow"),
)
def org_user_agent(org: OrgView) -> Iterator[Hit]:
    if org.get("OauthOidcSettings.blockOAuthUsrAgtFlow") is False:
        yield Hit(
            f"org {org.target!r} allows the user-agent flow", field="OauthOidcSettings.blockOAuthUsrAgtFlow"
        )


@define(
    "SFC-ORG-002",
    "org-username-password-flow-allowed",
    "high",
    "org",
    title="Username-password flow allowed org-wide",
    what="The org does not block the OAuth username-password flow (`OauthOidcSettings.blockOAuthUnPwFlow` "
    "is false). Split from SFC-FLOW-005, which checks an app's declared intent.",
    why="The password grant MUST NOT be used (RFC 9700 §2.4); orgs created since Summer '23 block it.",
    fix="Setup > OAuth and OpenID Connect Settings: block the username-password flow.",
    bad="<blockOAuthUnPwFlow>false</blockOAuthUnPwFlow>",
    good="<blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>",
    tags=("oauth", "flow"),
)
def org_username_password(org: OrgView) -> Iterator[Hit]:
    if org.get("OauthOidcSettings.blockOAuthUnPwFlow") is False:
        yield Hit(
            f"org {org.target!r} allows the username-password flow",
            field="OauthOidcSettings.blockOAuthUnPwFlow",
        )


@define(
    "SFC-SECRET-003",
    "secret-api-access-enabled",
    "high",
    "org",
    title="Consumer secrets readable through APIs",
    what="`ExternalClientAppSettings.enableConsumerSecretApiAccess` (Metadata API access to secrets: high) or "
    "`enableClientSecretInRestApiAccess` (REST access to secrets: medium) is on.",
    why="Both expose plaintext consumer secrets to API users. Metadata API access puts secrets in retrieved "
    "files and is deprecated (API 66.0); deploying an ECA's global OAuth settings needs it, so turn it on only "
    "for the apply window. REST access is the prerequisite of `sfconnect credentials` and `rotate` and is "
    'gated by the "View Client Secret" permission, so it is reported at medium.',
    fix='Turn Metadata API access off after applying. Keep REST access only with "View Client Secret" given '
    "to one integration user (a permission set), or manage secrets out of band.",
    bad="<enableConsumerSecretApiAccess>true</enableConsumerSecretApiAccess>",
    good="<enableConsumerSecretApiAccess>false</enableConsumerSecretApiAccess>",
    tags=("secret",),
)
def secret_api_access(org: OrgView) -> Iterator[Hit]:
    path = "ExternalClientAppSettings.enableConsumerSecretApiAccess"
    if org.get(path) is True:
        yield Hit(f"org {org.target!r} has enableConsumerSecretApiAccess on", field=path)
    path = "ExternalClientAppSettings.enableClientSecretInRestApiAccess"
    if org.get(path) is True:
        yield Hit(
            f'org {org.target!r} has enableClientSecretInRestApiAccess on: give "View Client Secret" to one '
            "integration user only",
            field=path,
            severity="medium",
        )

"""Semantic rules: each with a triggering and a clean input."""

from __future__ import annotations

import pytest

from sfconnect.errors import format_loc
from tests.spec.conftest import ECA, WriteProject, errors_of, load

BASE = "apps:\n" + ECA.format(name="Alpha")


def _codes(write_project: WriteProject, extra: str, config: str | None = None) -> dict[str, str]:
    issues = errors_of(write_project(BASE + extra, config))
    return {format_loc(i.loc): i.code for i in issues}


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://a.example.com/cb", True),
        ("http://localhost:8080/cb", True),
        ("http://127.0.0.1/cb", True),
        ("http://[::1]:9000/cb", True),
        ("com.example.app://oauth", True),
        ("http://a.example.com/cb", False),
        ("https:///nohost", False),
        ("not a url", False),
    ],
)
def test_callback_urls(write_project: WriteProject, url: str, ok: bool) -> None:
    app = BASE.replace("[https://Alpha.example.com/cb]", f'["{url}"]')
    if ok:
        load(write_project(app))
    else:
        [issue] = errors_of(write_project(app))
        assert format_loc(issue.loc) == "apps[0].oauth.callback_urls[0]"


def test_connected_app_needs_email_and_callback(write_project: WriteProject) -> None:
    app = "apps:\n  - kind: ConnectedApp\n    name: Legacy\n    label: Legacy\n    oauth: {scopes: [api]}\n"
    issues = errors_of(write_project(app))
    assert {format_loc(i.loc) for i in issues} == {"apps[0].contact", "apps[0].oauth.callback_urls"}
    fixed = app.replace(
        "    oauth: {scopes: [api]}",
        "    contact: {email: a@example.com}\n    oauth: {callback_urls: [https://x.example.com/cb]}",
    )
    load(write_project(fixed))


def test_profiles_need_admin_approved(write_project: WriteProject) -> None:
    codes = _codes(write_project, "    access: {profiles: [Admin]}\n")
    assert codes == {"apps[0].access.profiles": "admin_approved_required"}
    load(write_project(BASE + "    access: {permitted_users: admin_approved, profiles: [Admin]}\n"))


def test_duplicate_profiles(write_project: WriteProject) -> None:
    codes = _codes(write_project, "    access: {permitted_users: admin_approved, permission_sets: [A, A]}\n")
    assert codes == {"apps[0].access.permission_sets[1]": "duplicate_value"}


def test_refresh_token_policy(write_project: WriteProject) -> None:
    extra = "      refresh_token: {policy: after_lifetime}\n"
    assert _codes(write_project, extra) == {"apps[0].oauth.refresh_token": "refresh_policy"}
    extra = "      refresh_token: {policy: until_revoked, period: 3}\n"
    assert _codes(write_project, extra) == {"apps[0].oauth.refresh_token.period": "refresh_policy"}
    load(write_project(BASE + "      refresh_token: {policy: after_lifetime, period: 3, unit: hours}\n"))


def test_jwt_bearer_needs_a_certificate_reference(write_project: WriteProject) -> None:
    assert _codes(write_project, "      flows: {jwt_bearer: {enabled: true}}\n") == {
        "apps[0].oauth.flows.jwt_bearer": "certificate_required"
    }
    assert _codes(
        write_project, "      flows: {jwt_bearer: {enabled: true, certificate: certs/a.crt}}\n"
    ) == {"apps[0].oauth.flows.jwt_bearer.certificate": "file_ref"}
    load(write_project(BASE + "      flows: {jwt_bearer: {enabled: true, certificate: file:certs/a.crt}}\n"))


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ("10.0.0.1", "10.0.0.9", None),
        ("2001:db8::1", "2001:db8::ff", None),
        ("10.0.0.9", "10.0.0.1", "ip_range_reversed"),
        ("10.0.0.1", "2001:db8::1", "ip_range_family"),
        ("10.0.0.300", "10.0.0.1", "ip_invalid"),
        ("::1", "::ffff:1.2.3.4", "ip_range_mapped"),
    ],
)
def test_trusted_ip_ranges(write_project: WriteProject, start: str, end: str, code: str | None) -> None:
    extra = f'    access:\n      trusted_ip_ranges: [{{start: "{start}", end: "{end}"}}]\n'
    if code is None:
        load(write_project(BASE + extra))
    else:
        assert code in _codes(write_project, extra).values()


def test_kind_unsupported_settings(write_project: WriteProject) -> None:
    assert _codes(write_project, "      flows: {username_password: {enabled: true}}\n") == {
        "apps[0].oauth.flows.username_password.enabled": "kind_unsupported"
    }
    load(write_project(BASE + "      flows: {username_password: {enabled: false}}\n"))
    ca = (
        "apps:\n  - kind: ConnectedApp\n    name: L\n    label: L\n    contact: {email: a@example.com}\n"
        "    oauth:\n      callback_urls: [https://x.example.com/cb]\n"
    )
    issues = errors_of(
        write_project(
            ca + "      flows: {code_credential: {guest_enabled: true}}\n      custom_scopes: [X]\n"
        )
    )
    assert {format_loc(i.loc) for i in issues} == {
        "apps[0].oauth.flows.code_credential.guest_enabled",
        "apps[0].oauth.custom_scopes",
    }
    # username-password and the device flow are fine on a ConnectedApp (org-wide / intent only)
    load(write_project(ca + "      flows: {username_password: {enabled: true}, device: {enabled: true}}\n"))


def test_api_version_gating(write_project: WriteProject) -> None:
    config = 'api_version: "60.0"\n'
    extra = (
        "      flows: {code_credential: {post_only: true}}\n      jwt_access_tokens: {timeout_minutes: 60}\n"
    )
    codes = _codes(write_project, extra, config)
    assert codes == {
        "apps[0].oauth.flows.code_credential.post_only": "api_version",
        "apps[0].oauth.jwt_access_tokens.timeout_minutes": "api_version",
    }
    load(write_project(BASE + extra, 'api_version: "65.0"\n'))
    assert _codes(write_project, "", 'api_version: "58.0"\n') == {"apps[0].kind": "api_version"}


def test_api_names(write_project: WriteProject) -> None:
    for bad in ("1App", "Bad__Name", "Trailing_", "has space"):
        app = BASE.replace("name: Alpha", f"name: {bad!r}")
        [issue] = errors_of(write_project(app))
        assert (issue.code, format_loc(issue.loc)) == ("api_name", "apps[0].name")


def test_duplicate_scopes_after_normalisation_warn(write_project: WriteProject) -> None:
    project = load(write_project(BASE.replace("[api]", "[api, Api, offline_access, refresh_token]")))
    assert [(w.code, format_loc(w.loc)) for w in project.warnings] == [
        ("duplicate_value", "apps[0].oauth.scopes[1]"),
        ("duplicate_value", "apps[0].oauth.scopes[3]"),
    ]


def test_session_timeout_outside_setup_values_warns(write_project: WriteProject) -> None:
    project = load(write_project(BASE + "    access: {session_timeout_minutes: 45}\n"))
    assert [w.code for w in project.warnings] == ["session_timeout"]


class TestMetadataEscapeHatch:
    def test_valid_blocks(self, write_project: WriteProject) -> None:
        eca = """\
    metadata:
      ExtlClntAppOauthSettings: {isFirstPartyAppEnabled: false}
      ExtlClntAppConfigurablePolicies: {isEnabled: true, startPage: OAuth}
      ExtlClntAppSamlConfigurablePolicies:
        acsUrl: https://sp.example.com/acs
        entityUrl: https://sp.example.com
        subjectType: Username
        customAttributes: [{key: dept, formula: $User.Department}]
"""
        project = load(write_project(BASE + eca))
        assert project.app("Alpha").metadata["ExtlClntAppConfigurablePolicies"]["startPage"] == "OAuth"

    def test_connected_app_saml_and_canvas(self, write_project: WriteProject) -> None:
        ca = """\
apps:
  - kind: ConnectedApp
    name: Legacy
    label: Legacy
    contact: {email: a@example.com}
    metadata:
      ConnectedApp:
        samlConfig:
          acsUrl: https://sp.example.com/acs
          entityUrl: https://sp.example.com
          samlSubjectType: Username
        canvasConfig:
          accessMethod: Post
          canvasUrl: https://canvas.example.com
          locations: [Visualforce, Aura]
"""
        load(write_project(ca))
        bad = ca.replace("samlSubjectType: Username", "samlSubjectType: Email").replace(
            "[Visualforce, Aura]", "Aura"
        )
        issues = errors_of(write_project(bad))
        assert {(format_loc(i.loc), i.code) for i in issues} == {
            ("apps[0].metadata.ConnectedApp.samlConfig.samlSubjectType", "metadata_enum"),
            ("apps[0].metadata.ConnectedApp.canvasConfig.locations", "metadata_type"),
        }

    def test_refusals(self, write_project: WriteProject) -> None:
        eca = """\
    metadata:
      ExtlClntAppOauthSettings: {isFirstPartyAppEnabled: "no", oauthLink: x, isFirstPartyAppEnable: true}
      ExtlClntAppGlobalOauthSettings: {consumerSecret: abc}
      ExtlClntAppSamlConfigurablePolicies: {acsUrl: https://sp.example.com/acs}
      ExtlClntAppOauthPolices: {}
"""
        issues = errors_of(write_project(BASE + eca))
        found = {(format_loc(i.loc), i.code): i.message for i in issues}
        assert set(found) == {
            ("apps[0].metadata.ExtlClntAppOauthSettings.isFirstPartyAppEnabled", "metadata_type"),
            ("apps[0].metadata.ExtlClntAppOauthSettings.oauthLink", "metadata_field"),
            ("apps[0].metadata.ExtlClntAppOauthSettings.isFirstPartyAppEnable", "metadata_field"),
            ("apps[0].metadata.ExtlClntAppGlobalOauthSettings.consumerSecret", "metadata_field"),
            ("apps[0].metadata.ExtlClntAppSamlConfigurablePolicies", "missing"),
            ("apps[0].metadata.ExtlClntAppOauthPolices", "metadata_type"),
        }
        assert (
            "did you mean 'isFirstPartyAppEnabled'"
            in found[("apps[0].metadata.ExtlClntAppOauthSettings.isFirstPartyAppEnable", "metadata_field")]
        )
        assert "abc" not in " ".join(found.values())

"""Username-password flow (Connected Apps only; allowed or blocked org-wide with ``blockOAuthUnPwFlow``).

Declared: the test user's password gives a token. Not declared: the org must refuse the grant for the same
(valid) credentials. External Client Apps cannot use the flow at all, so they get no check.
"""

from __future__ import annotations

from sfconnect.org.oauth_client import Tokens
from sfconnect.smoke._core import AppRun, Check, Verdict, enforced, fail, high_assurance, ok, supported
from sfconnect.smoke.environment import SmokeEnvironment
from sfconnect.spec.models import AppSpec

__all__ = ["checks"]

_SWITCH = "oauth.flows.username_password.enabled"

_ORG_SETTING = (
    "Setup > OAuth and OpenID Connect Settings: 'Allow OAuth Username-Password Flows' "
    "(OauthOidcSettings.blockOAuthUnPwFlow)"
)


def _grant(run: AppRun, purpose: str, *, optional: bool = False) -> Tokens | Verdict:
    user = run.user(purpose=purpose, optional=optional)
    outcome = run.client.password(
        run.consumer_key(), run.creds.client_secret.value, user.username, user.password
    )
    run.known(outcome)
    if isinstance(outcome, Tokens):
        run.keep(outcome)
        return outcome
    return fail(f"refused for {user.username} ({outcome})", "")


def _works(run: AppRun) -> Verdict:
    outcome = _grant(run, "the username-password flow")
    if isinstance(outcome, Verdict):
        return fail(
            outcome.message,
            f"the YAML declares the flow: allow it in {_ORG_SETTING}, and check the test user's password",
        )
    who = run.username_of(outcome)
    return who if isinstance(who, Verdict) else ok(f"a token for {who}")


def _blocked(run: AppRun) -> Verdict:
    outcome = _grant(run, "checking that the username-password flow is refused", optional=True)
    if isinstance(outcome, Tokens):
        return fail(
            "the org issued a token through the username-password flow, which the YAML does not declare",
            f"block the flow org-wide in {_ORG_SETTING}, or declare oauth.flows.username_password.enabled",
        )
    return ok(outcome.message.replace("refused for", "refused for the valid credentials of"))


def checks(app: AppSpec, env: SmokeEnvironment) -> list[Check]:
    """The username-password checks of `app`."""
    if app.oauth is None or not supported(app, _SWITCH):
        return []
    if app.oauth.flows.username_password.enabled:
        if high_assurance(app):
            return []
        return [
            Check("username_password.token", "username_password", "the password grant gives a token", _works)
        ]
    if not enforced(app, _SWITCH):
        return []
    return [
        Check(
            "username_password.blocked",
            "username_password",
            "the password grant is refused (not declared)",
            _blocked,
        )
    ]

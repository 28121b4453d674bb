"""User-agent (implicit) flow: allowed or blocked org-wide (``blockOAuthUsrAgtFlow``).

Declared: a token arrives in the redirect fragment for a registered callback (against a local org the login
and consent run; against Salesforce the authorize request must reach the login page). Not declared: the
org must refuse ``response_type=token`` (an org setting sfconnect knows, so the check applies).
"""

from __future__ import annotations

import secrets

from sfconnect.org.oauth_client import Tokens
from sfconnect.smoke._core import AppRun, Check, CheckError, Verdict, enforced, fail, ok
from sfconnect.smoke.environment import SmokeEnvironment
from sfconnect.spec.models import AppSpec

__all__ = ["checks"]

_ORG_SETTING = (
    "Setup > OAuth and OpenID Connect Settings: 'Allow OAuth User-Agent Flows' "
    "(OauthOidcSettings.blockOAuthUsrAgtFlow)"
)


def _params(run: AppRun) -> dict[str, str]:
    assert run.app.oauth is not None
    return {
        "response_type": "token",
        "client_id": run.consumer_key(),
        "redirect_uri": run.app.oauth.callback_urls[0],
        "state": secrets.token_urlsafe(12),
    }


def _works(run: AppRun) -> Verdict:
    page = run.client.authorize(_params(run))
    run.known(page)
    if page.kind != "page":
        if page.error == "oauth_flow_disabled":
            return fail(
                f"the org blocks the user-agent flow ({page.error}: {page.description})",
                f"the YAML declares the flow: allow it in {_ORG_SETTING}",
            )
        return fail(
            f"the authorize request was refused ({page.error}: {page.description})", "see the message"
        )
    if not run.env.local:
        return ok("the authorize request reaches the login page")
    user = run.user(purpose="the user-agent flow")
    answer = run.client.login_and_consent(page, user.username, user.password)
    if answer.kind == "page":
        raise CheckError(f"the login of {user.username} did not complete (HTTP {answer.status})")
    if answer.error or "access_token" not in answer.params:
        return fail(
            f"no token in the redirect fragment ({answer.error}: {answer.description})", "see the message"
        )
    tokens = Tokens.from_fields(dict(answer.params))
    run.keep(tokens)
    who = run.username_of(tokens)
    if isinstance(who, Verdict):
        return who
    return ok(f"a token for {who} arrived in the redirect fragment")


def _blocked(run: AppRun) -> Verdict:
    answer = run.client.authorize(_params(run))
    run.known(answer)
    if answer.kind == "page":
        return fail(
            "the org lets the app start the user-agent flow, which its YAML does not declare",
            f"block the flow org-wide in {_ORG_SETTING}, or declare oauth.flows.user_agent.enabled: true",
        )
    return ok(f"refused ({answer.error}: {answer.description})")


def checks(app: AppSpec, env: SmokeEnvironment) -> list[Check]:
    """The user-agent checks of `app`."""
    if app.oauth is None or not app.oauth.callback_urls:
        return []
    if app.oauth.flows.user_agent.enabled:
        return [Check("user_agent.token", "user_agent", "a token arrives in the redirect fragment", _works)]
    if not enforced(app, "oauth.flows.user_agent.enabled"):
        return []
    return [
        Check("user_agent.blocked", "user_agent", "the user-agent flow is refused (not declared)", _blocked)
    ]

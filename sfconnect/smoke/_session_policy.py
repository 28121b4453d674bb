"""Session policy: with a high-assurance session required, flows with no user approval step are refused.

One check per such flow the app enables (client credentials, JWT bearer, username-password): the org must
refuse it for the session level. Salesforce documents the block (only the web-server, user-agent and
refresh-token flows can raise the session level) but not its error code; the embedded org answers
``invalid_grant`` with a description naming the high-assurance session, which is what this check looks for.
"""

from __future__ import annotations

from collections.abc import Callable

from sfconnect.org.oauth_client import Refusal, Tokens
from sfconnect.smoke._core import APPLY_FIX, AppRun, Check, Verdict, fail, high_assurance, ok, supported
from sfconnect.smoke._jwt_bearer import _private_key, assertion_for
from sfconnect.smoke.environment import SmokeEnvironment
from sfconnect.spec.models import AppSpec

__all__ = ["checks"]


def _client_credentials(run: AppRun) -> Tokens | Refusal:
    return run.client.client_credentials(
        run.consumer_key(), run.secret(purpose="the session policy check of the client credentials flow")
    )


def _jwt_bearer(run: AppRun) -> Tokens | Refusal:
    assertion, _ = assertion_for(run, _private_key(run))
    return run.client.jwt_bearer(assertion)


def _username_password(run: AppRun) -> Tokens | Refusal:
    user = run.user(purpose="the session policy check of the username-password flow")
    secret = run.creds.client_secret.value
    return run.client.password(run.consumer_key(), secret, user.username, user.password)


def _session_level_refusal(outcome: Refusal) -> bool:
    text = f"{outcome.error} {outcome.description}".lower()
    return outcome.error == "invalid_grant" and ("high assurance" in text or "session level" in text)


def _refused(name: str, attempt: Callable[[AppRun], Tokens | Refusal]) -> Callable[[AppRun], Verdict]:
    def run_check(run: AppRun) -> Verdict:
        outcome = attempt(run)
        run.known(outcome)
        if isinstance(outcome, Tokens):
            run.keep(outcome)
            return fail(
                f"the org issued a token through the {name} flow although the app requires a high-assurance "
                "session",
                "the app's session policy in the org does not require high assurance: " + APPLY_FIX,
            )
        if not _session_level_refusal(outcome):
            return fail(
                f"the {name} flow was refused with {outcome}, not for the session level",
                "fix that refusal first (see the flow's own check), then run smoke again",
            )
        return ok(f"refused ({outcome})")

    return run_check


def checks(app: AppSpec, env: SmokeEnvironment) -> list[Check]:
    """The session policy checks of `app`."""
    if app.oauth is None or not high_assurance(app):
        return []
    flows = app.oauth.flows
    found: list[Check] = []
    if flows.client_credentials.enabled:
        found.append(
            Check(
                "session_policy.client_credentials",
                "session_policy",
                "high assurance required: the client credentials flow is refused",
                _refused("client credentials", _client_credentials),
            )
        )
    if flows.jwt_bearer.enabled and flows.jwt_bearer.certificate is not None:
        found.append(
            Check(
                "session_policy.jwt_bearer",
                "session_policy",
                "high assurance required: the JWT bearer flow is refused",
                _refused("JWT bearer", _jwt_bearer),
            )
        )
    if supported(app, "oauth.flows.username_password.enabled") and flows.username_password.enabled:
        found.append(
            Check(
                "session_policy.username_password",
                "session_policy",
                "high assurance required: the username-password flow is refused",
                _refused("username-password", _username_password),
            )
        )
    return found

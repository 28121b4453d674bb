"""Client credentials flow: a token for the declared run-as user, with the declared scopes.

Enabled: a token is issued, its scopes are the app's minus those this flow never grants, and userinfo names
the run-as user. Disabled (a metadata switch): the org refuses the grant. With a high-assurance session
required, the grant must be refused instead (see `session_policy`).
"""

from __future__ import annotations

from sfconnect.org.oauth_client import Tokens
from sfconnect.smoke._core import (
    APPLY_FIX,
    AppRun,
    Check,
    Verdict,
    declared_scopes,
    enforced,
    fail,
    high_assurance,
    ok,
)
from sfconnect.smoke.environment import SmokeEnvironment
from sfconnect.spec.models import AppSpec

__all__ = ["NEVER_GRANTED", "checks"]

NEVER_GRANTED = frozenset({"full", "web", "refresh_token", "offline_access"})
"""Scopes the client credentials flow never grants."""


def _token(run: AppRun) -> Verdict:
    assert run.app.oauth is not None
    run_as = run.app.oauth.flows.client_credentials.run_as or ""
    tokens = run.client.client_credentials(
        run.consumer_key(), run.secret(purpose="the client credentials flow")
    )
    run.known(tokens)
    if not isinstance(tokens, Tokens):
        if "no client credentials user" in tokens.description:
            return fail(
                f"the org has no usable run-as user for the app ({tokens}); the YAML declares {run_as}",
                f"create or activate the user {run_as} in the org (an API-only user), or change "
                "oauth.flows.client_credentials.run_as and apply",
            )
        if tokens.error == "invalid_client":
            return fail(
                f"the consumer secret is refused ({tokens})",
                f"the secret from {run.creds.client_secret.source} is not the app's: correct the reference",
            )
        if "not enabled" in tokens.description:
            return fail(f"the client credentials flow is off in the org ({tokens})", APPLY_FIX)
        return fail(f"the client credentials grant was refused: {tokens}", APPLY_FIX)
    run.keep(tokens)
    expected = declared_scopes(run.app) - NEVER_GRANTED
    granted = set(tokens.scopes)
    if tokens.scopes and granted != expected:
        return fail(
            f"granted scopes {sorted(granted)} differ from the declared {sorted(expected)}",
            "the app's scopes in the org differ from oauth.scopes: " + APPLY_FIX,
        )
    who = run.username_of(tokens)
    if isinstance(who, Verdict):
        return who
    if who.lower() != run_as.lower():
        return fail(
            f"the token runs as {who}, not as the declared run-as user {run_as}",
            "the org's run-as user differs from oauth.flows.client_credentials.run_as: " + APPLY_FIX,
        )
    return ok(f"a token runs as {who} with scopes {' '.join(sorted(granted)) or '(none)'}")


def _refused(run: AppRun) -> Verdict:
    tokens = run.client.client_credentials(
        run.consumer_key(),
        run.secret(purpose="checking that the client credentials flow is off", optional=True),
    )
    run.known(tokens)
    if isinstance(tokens, Tokens):
        run.keep(tokens)
        return fail(
            "the org issued a client credentials token, although the YAML does not enable the flow",
            "the flow is on in the org (isClientCredentialsFlowEnabled / isClientCredentialEnabled): "
            + APPLY_FIX,
        )
    if tokens.error == "invalid_client":
        return fail(
            f"the consumer secret is refused ({tokens}), so the check proves nothing",
            f"the secret from {run.creds.client_secret.source} is not the app's: correct the reference",
        )
    return ok(f"refused ({tokens})")


def checks(app: AppSpec, env: SmokeEnvironment) -> list[Check]:
    """The client credentials checks of `app`."""
    if app.oauth is None:
        return []
    if not app.oauth.flows.client_credentials.enabled:
        if not enforced(app, "oauth.flows.client_credentials.enabled"):
            return []
        return [
            Check(
                "client_credentials.disabled",
                "client_credentials",
                "the client credentials flow is refused (the YAML does not enable it)",
                _refused,
            )
        ]
    if high_assurance(app):
        return []  # session_policy checks that the grant is refused
    return [
        Check(
            "client_credentials.token",
            "client_credentials",
            "a token is issued for the run-as user with the declared scopes",
            _token,
        )
    ]

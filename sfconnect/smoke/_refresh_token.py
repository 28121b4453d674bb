"""Refresh token: a refresh token yields a new access token; with rotation on, a new refresh token is
returned and the old one is then refused; with rotation off, no new refresh token is returned.

The refresh token comes from ``smoke.credentials`` (``refresh_token``), else from this run's authorization
code or device flow (local orgs). With the ``immediately`` policy every refresh must be refused.
Beware: against a real org, a rotated stored refresh token is replaced (the old one stops working).
"""

from __future__ import annotations

from sfconnect.org.oauth_client import Tokens
from sfconnect.smoke._core import APPLY_FIX, AppRun, Check, CheckError, Verdict, declared_scopes, fail, ok
from sfconnect.smoke.environment import SmokeEnvironment
from sfconnect.spec.models import AppSpec

__all__ = ["checks"]


def _token(run: AppRun) -> tuple[str, str] | Verdict:
    if run.creds.refresh_token.value:
        return run.creds.refresh_token.value, run.creds.refresh_token.source
    if run.refresh_token:
        return run.refresh_token, run.refresh_source
    if run.env.local:
        return fail(
            "no flow of this run issued a refresh token, although the app declares the refresh_token scope",
            "fix the failing authorization code or device check above; if they passed, the app's scopes in "
            "the org lack refresh_token: " + APPLY_FIX,
        )
    raise CheckError(
        f"no refresh token to exercise: {run.creds.refresh_token.source}, and no flow of this run issued one",
        f"add `refresh_token: env:NAME` for app {run.app.name} under smoke.credentials, or fix the flow "
        "checks above",
    )


def _refresh(run: AppRun) -> Verdict:
    assert run.app.oauth is not None
    policy = run.app.oauth.refresh_token
    found = _token(run)
    if isinstance(found, Verdict):
        return found
    old, source = found
    secret = run.secret(purpose="refreshing a token") if policy.require_secret else None
    tokens = run.client.refresh(run.consumer_key(), secret, old)
    run.known(tokens)
    if policy.policy == "immediately":
        if isinstance(tokens, Tokens):
            run.keep(tokens)
            return fail(
                "the refresh succeeded, although the YAML's policy expires refresh tokens immediately",
                APPLY_FIX,
            )
        return ok(f"refused as the 'immediately' policy requires ({tokens})")
    if not isinstance(tokens, Tokens):
        if tokens.error == "invalid_client":
            hint = (
                "the org requires the consumer secret, but the YAML says require_secret: false: " + APPLY_FIX
                if not policy.require_secret
                else f"the secret from {run.creds.client_secret.source} is not the app's"
            )
        else:
            hint = (
                f"the refresh token from {source} is expired or revoked, or the org's policy differs: "
                + APPLY_FIX
            )
        return fail(f"the refresh was refused ({tokens})", hint)
    run.keep(tokens)
    who = run.username_of(tokens)
    if isinstance(who, Verdict):
        return who
    if policy.rotation and not tokens.refresh_token:
        return fail(
            "the refresh returned no new refresh token: refresh token rotation is off in the org",
            "the YAML turns rotation on (oauth.refresh_token.rotation, isRefreshTokenRotationEnabled): "
            + APPLY_FIX,
        )
    if not policy.rotation and tokens.refresh_token and tokens.refresh_token != old:
        return fail(
            "the refresh returned a new refresh token: rotation is on in the org, off in the YAML", APPLY_FIX
        )
    if policy.rotation and tokens.refresh_token:
        replay = run.client.refresh(run.consumer_key(), secret, old)
        if isinstance(replay, Tokens):
            run.keep(replay)
            return fail("the rotated-out refresh token still works", APPLY_FIX)
        return ok(f"a new access token for {who} and a new refresh token; the old one is refused ({replay})")
    return ok(f"a new access token for {who}")


def checks(app: AppSpec, env: SmokeEnvironment) -> list[Check]:
    """The refresh token check of `app`."""
    if app.oauth is None or not declared_scopes(app) & {"refresh_token", "offline_access"}:
        return []
    flows = app.oauth.flows
    issued_here = env.local and (
        (flows.authorization_code.enabled and bool(app.oauth.callback_urls)) or flows.device.enabled
    )
    if not issued_here:
        return []  # without a stored token (smoke.credentials refresh_token) the runner adds it on demand
    rotation = " (rotated)" if app.oauth.refresh_token.rotation else ""
    return [
        Check(
            "refresh_token.refresh",
            "refresh_token",
            f"a refresh token gives a new access token{rotation}",
            _refresh,
        )
    ]


def stored_token_check(app: AppSpec) -> list[Check]:
    """The check for a refresh token given in ``smoke.credentials`` (when no flow of the run issues one)."""
    if app.oauth is None:
        return []
    rotation = " (rotated)" if app.oauth.refresh_token.rotation else ""
    return [
        Check(
            "refresh_token.refresh",
            "refresh_token",
            f"a refresh token gives a new access token{rotation}",
            _refresh,
        )
    ]

"""Authorization code (web server) flow, with PKCE.

Against a local org the whole flow runs: the login and consent pages are submitted for the test user, the
code is exchanged (with the verifier, and the secret when required) and the token is checked. Against
Salesforce it is a preflight of the authorize endpoint: each registered callback is accepted, an unregistered
one is refused, and a request without a code challenge is refused when PKCE is required.
"""

from __future__ import annotations

import secrets

from sfconnect.org.oauth_client import AuthorizeAnswer, Tokens, pkce_pair
from sfconnect.smoke._core import APPLY_FIX, AppRun, Check, CheckError, Verdict, fail, ok
from sfconnect.smoke.environment import SmokeEnvironment
from sfconnect.spec.models import AppSpec

__all__ = ["UNREGISTERED_CALLBACK", "checks", "run_code_flow"]

UNREGISTERED_CALLBACK = "https://sfconnect-smoke.invalid/not-a-registered-callback"
"""A callback URL no app registers (``.invalid`` never resolves)."""


def _params(run: AppRun, redirect_uri: str, challenge: str | None) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": run.consumer_key(),
        "redirect_uri": redirect_uri,
        "state": secrets.token_urlsafe(12),
    }
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return params


def _page_refusal(answer: AuthorizeAnswer) -> str:
    if answer.kind == "page":
        return f"HTTP {answer.status} page"
    return f"{answer.error}: {answer.description}" if answer.error else "a redirect without error"


def _callbacks_accepted(run: AppRun) -> Verdict:
    assert run.app.oauth is not None
    _, challenge = pkce_pair()
    refused: list[str] = []
    for url in run.app.oauth.callback_urls:
        answer = run.client.authorize(_params(run, url, challenge))
        run.known(answer)
        if answer.kind != "page" or answer.status != 200:
            refused.append(f"{url} ({_page_refusal(answer)})")
    if refused:
        return fail(
            "the authorize endpoint refuses registered callback URL(s): " + "; ".join(refused),
            "the app in the org does not list these callbacks (or is blocked): " + APPLY_FIX,
        )
    return ok(f"all {len(run.app.oauth.callback_urls)} callback URL(s) reach the login page")


def _unregistered_refused(run: AppRun) -> Verdict:
    _, challenge = pkce_pair()
    answer = run.client.authorize(_params(run, UNREGISTERED_CALLBACK, challenge))
    run.known(answer)
    if answer.kind == "error_page" and answer.error == "redirect_uri_mismatch":
        return ok("an unregistered callback URL is refused (redirect_uri_mismatch)")
    if answer.kind == "page":
        return fail(
            f"the authorize endpoint accepted the unregistered callback {UNREGISTERED_CALLBACK}",
            "the app's callback URLs in the org must match exactly (no wildcards): " + APPLY_FIX,
        )
    return fail(
        f"an unregistered callback was refused with {_page_refusal(answer)}, not redirect_uri_mismatch",
        "check the app's callback URLs in the org: " + APPLY_FIX,
    )


def _pkce_required(run: AppRun) -> Verdict:
    assert run.app.oauth is not None
    answer = run.client.authorize(_params(run, run.app.oauth.callback_urls[0], None))
    run.known(answer)
    if answer.kind == "callback" and answer.error == "invalid_request":
        return ok("a request without a code challenge is refused (PKCE required)")
    if answer.kind == "page":
        return fail(
            "the org accepted an authorization request without a code challenge: PKCE is not required "
            "for this app in the org",
            "the YAML requires PKCE (oauth.flows.authorization_code.require_pkce: true, isPkceRequired): "
            + APPLY_FIX,
        )
    return fail(
        f"a request without a code challenge was refused with {_page_refusal(answer)}, not invalid_request",
        APPLY_FIX,
    )


def _authorized_code(run: AppRun, *, purpose: str) -> tuple[str, str, str] | Verdict:
    """Log in and consent as the test user; the code, its PKCE verifier and the callback (or a verdict)."""
    assert run.app.oauth is not None
    callback = run.app.oauth.callback_urls[0]
    user = run.user(purpose=purpose)
    verifier, challenge = pkce_pair()
    params = _params(run, callback, challenge)
    page = run.client.authorize(params)
    run.known(page)
    if page.kind != "page" or not page.has_login:
        return fail(
            f"the authorize endpoint did not show the login page ({_page_refusal(page)})",
            "check the app's callback URLs and status in the org: " + APPLY_FIX,
        )
    answer = run.client.login_and_consent(page, user.username, user.password)
    if answer.kind == "page":
        if answer.status == 401:
            raise CheckError(
                f"the org refused the test user {user.username}'s password",
                "check smoke.credentials username and password for this app",
            )
        return fail(f"the login did not complete (HTTP {answer.status} page)", APPLY_FIX)
    if answer.error:
        hint = {
            "invalid_app_access": (
                f"the test user {user.username} is not admin approved for the app: give the user one of "
                "the app's access.profiles or access.permission_sets, or name another user in "
                "smoke.credentials; on a local org, seed a user holding them (`users:` in the target's seed "
                "file, then `sfconnect localorg reset`)"
            ),
            "invalid_grant": "the user's login IP ranges or the app's IP relaxation refuse this client",
        }.get(answer.error, APPLY_FIX)
        return fail(
            f"the authorization was refused for {user.username}: {answer.error}: {answer.description}", hint
        )
    code = answer.params.get("code")
    if not code or answer.params.get("state") != params["state"]:
        return fail("the callback carried no code, or a different state", APPLY_FIX)
    return code, verifier, callback


def run_code_flow(run: AppRun, *, purpose: str) -> Tokens | Verdict:
    """Log in and consent as the test user, exchange the code, and return the tokens (or a failed verdict)."""
    assert run.app.oauth is not None
    flow = run.app.oauth.flows.authorization_code
    secret = run.secret(purpose=purpose) if flow.require_secret else None
    authorized = _authorized_code(run, purpose=purpose)
    if isinstance(authorized, Verdict):
        return authorized
    code, verifier, callback = authorized
    tokens = run.client.authorization_code(run.consumer_key(), secret, code, callback, verifier)
    run.known(tokens)
    if not isinstance(tokens, Tokens):
        hint = (
            "the consumer secret is refused: check smoke.credentials client_secret"
            if tokens.error == "invalid_client"
            else APPLY_FIX
        )
        if tokens.error == "invalid_client" and not flow.require_secret:
            hint = (
                "the YAML makes the secret optional (require_secret: false) but the org requires it: "
                + APPLY_FIX
            )
        return fail(f"the code exchange was refused: {tokens}", hint)
    run.keep(tokens)
    if tokens.refresh_token:
        run.refresh_token = tokens.refresh_token
        run.refresh_source = "the authorization code flow"
    return tokens


def _secret_required(run: AppRun) -> Verdict:
    purpose = "checking that the code exchange needs the secret"
    run.secret(purpose=purpose)  # the positive check needs it too: report a missing one here as well
    authorized = _authorized_code(run, purpose=purpose)
    if isinstance(authorized, Verdict):
        return authorized
    code, verifier, callback = authorized
    tokens = run.client.authorization_code(run.consumer_key(), None, code, callback, verifier)
    run.known(tokens)
    if isinstance(tokens, Tokens):
        run.keep(tokens)
        return fail(
            "the org exchanged a code without the consumer secret: the secret is optional for this app in "
            "the org",
            "the YAML requires it (oauth.flows.authorization_code.require_secret: true, "
            "isConsumerSecretOptional: false): " + APPLY_FIX,
        )
    if tokens.error != "invalid_client":
        return fail(
            f"the exchange without the secret was refused with {tokens}, not invalid_client", APPLY_FIX
        )
    # redeem the code properly, so that no usable code outlives the run (its tokens are revoked at the end)
    redeemed = run.client.authorization_code(
        run.consumer_key(), run.secret(purpose=purpose), code, callback, verifier
    )
    if isinstance(redeemed, Tokens):
        run.keep(redeemed)
    return ok(f"a code exchange without the consumer secret is refused ({tokens})")


def _full_flow(run: AppRun) -> Verdict:
    result = run_code_flow(run, purpose="the authorization code flow")
    if isinstance(result, Verdict):
        return result
    user = run.user(purpose="the authorization code flow")
    who = run.username_of(result)
    if isinstance(who, Verdict):
        return who
    if who.lower() != user.username.lower():
        return fail(f"the token belongs to {who}, not to the user who logged in ({user.username})", APPLY_FIX)
    return ok(f"{user.username} logged in and consented; the code exchange gave a working token")


def checks(app: AppSpec, env: SmokeEnvironment) -> list[Check]:
    """The authorization code checks of `app`."""
    if app.oauth is None or not app.oauth.flows.authorization_code.enabled or not app.oauth.callback_urls:
        return []
    found = [
        Check(
            "authorization_code.callbacks",
            "authorization_code",
            "the authorize endpoint accepts each registered callback URL",
            _callbacks_accepted,
        ),
        Check(
            "authorization_code.unregistered_callback",
            "authorization_code",
            "the authorize endpoint refuses an unregistered callback URL",
            _unregistered_refused,
        ),
    ]
    if app.oauth.flows.authorization_code.require_pkce:
        found.append(
            Check(
                "authorization_code.pkce_required",
                "authorization_code",
                "a request without a code challenge is refused (PKCE required)",
                _pkce_required,
            )
        )
    if env.local:
        found.insert(
            0,
            Check(
                "authorization_code.token",
                "authorization_code",
                "login, consent and code exchange (PKCE) give a working token",
                _full_flow,
            ),
        )
        if app.oauth.flows.authorization_code.require_secret:
            found.append(
                Check(
                    "authorization_code.secret_required",
                    "authorization_code",
                    "a code exchange without the consumer secret is refused",
                    _secret_required,
                )
            )
    return found

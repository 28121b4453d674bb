"""JWT bearer flow: an assertion signed with the referenced key yields a token for the declared user.

No refresh token may be issued, and an assertion signed with another key must be refused. The flow's
``enabled`` switch is intent only (the flow works whenever a certificate is set), so a disabled flow gets no
negative check.
"""

from __future__ import annotations

from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sfconnect.org.oauth_client import Tokens, jwt_assertion
from sfconnect.smoke._core import (
    APPLY_FIX,
    AppRun,
    Check,
    CheckError,
    Verdict,
    fail,
    high_assurance,
    ok,
)
from sfconnect.smoke.environment import SmokeEnvironment
from sfconnect.spec.models import AppSpec

__all__ = ["assertion_for", "checks", "former_key_check", "stranger_key"]


@cache
def stranger_key() -> str:
    """A private key (PEM) generated for this process: no certificate anywhere matches it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _private_key(run: AppRun) -> str:
    key = run.creds.private_key
    if key.value:
        return key.value
    raise CheckError(
        f"the JWT bearer flow needs the private key of {run.app.name}'s certificate: {key.source}",
        f"add `private_key: file:PATH` (or env:NAME) for app {run.app.name} under smoke.credentials",
    )


def assertion_for(run: AppRun, private_key: str) -> tuple[str, str]:
    """An assertion for the test user signed with `private_key`, and the user's name."""
    user = run.user(purpose="the JWT bearer flow", interactive=False)
    try:
        assertion = jwt_assertion(
            private_key,
            issuer=run.consumer_key(),
            subject=user.username,
            audience=run.env.jwt_audience or run.env.base_url,
        )
    except ValueError as exc:
        raise CheckError(
            f"{run.creds.private_key.source}: {exc}", "point the reference at the PEM private key"
        ) from None
    return assertion, user.username


_HINTS = {
    "invalid assertion": (
        "the assertion's signature does not verify against the app's certificate in the org: the private key "
        "({source}) does not belong to it. Deploy the certificate of this key (oauth.flows.jwt_bearer."
        "certificate) with `sfconnect apply`, or point smoke.credentials private_key at the matching key"
    ),
    "user hasn't approved this consumer": (
        "{user} is not pre-authorized for the app: give the user one of access.profiles or "
        "access.permission_sets (admin_approved), or name a pre-authorized user in smoke.credentials; on a "
        "local org, seed a user holding them (`users:` in the target's seed file, then `sfconnect localorg reset`)"
    ),
    "audience is invalid": "the org refuses the audience {audience}: check the target's URL and environment",
}


def _token(run: AppRun) -> Verdict:
    assertion, username = assertion_for(run, _private_key(run))
    tokens = run.client.jwt_bearer(assertion)
    run.known(tokens)
    if not isinstance(tokens, Tokens):
        hint = _HINTS.get(tokens.description, APPLY_FIX).format(
            source=run.creds.private_key.source,
            user=username,
            audience=run.env.jwt_audience or run.env.base_url,
        )
        return fail(f"the JWT bearer grant for {username} was refused: {tokens}", hint)
    run.keep(tokens)
    if tokens.refresh_token:
        return fail(
            "the JWT bearer grant returned a refresh token (it must not)",
            "this is the org's behaviour, not the app's: report it",
        )
    who = run.username_of(tokens)
    if isinstance(who, Verdict):
        return who
    if who.lower() != username.lower():
        return fail(f"the token belongs to {who}, not to {username}", APPLY_FIX)
    return ok(f"a token for {username}, without a refresh token")


def _stranger_refused(run: AppRun) -> Verdict:
    assertion, username = assertion_for(run, stranger_key())
    tokens = run.client.jwt_bearer(assertion)
    run.known(tokens)
    if isinstance(tokens, Tokens):
        run.keep(tokens)
        return fail(
            f"the org issued a token for {username} on an assertion signed with a key it has never seen",
            "the app's certificate in the org does not protect the flow: " + APPLY_FIX,
        )
    return ok(f"refused ({tokens})")


def _former_refused(run: AppRun) -> Verdict:
    former = run.creds.former_private_key
    if not former.value:
        raise CheckError("no rotated-out key to check", "run `sfconnect keygen --rotate APP` first")
    assertion, username = assertion_for(run, former.value)
    tokens = run.client.jwt_bearer(assertion)
    run.known(tokens)
    if isinstance(tokens, Tokens):
        run.keep(tokens)
        return fail(
            f"the org still accepts assertions signed with {former.source} for {username}",
            "deploy the new certificate with `sfconnect plan` and `sfconnect apply`, then run smoke again",
        )
    return ok(f"refused ({tokens})")


def former_key_check(app: AppSpec) -> list[Check]:
    """The check of a certificate rotation (`keygen --rotate`): the rotated-out key is refused."""
    if app.oauth is None or not app.oauth.flows.jwt_bearer.enabled:
        return []
    return [
        Check(
            "jwt_bearer.former_key_refused",
            "jwt_bearer",
            "an assertion signed with the rotated-out key is refused (certificate rotation)",
            _former_refused,
        )
    ]


def checks(app: AppSpec, env: SmokeEnvironment) -> list[Check]:
    """The JWT bearer checks of `app`."""
    if app.oauth is None:
        return []
    flow = app.oauth.flows.jwt_bearer
    if not flow.enabled or flow.certificate is None:
        return []
    found = [
        Check(
            "jwt_bearer.wrong_key",
            "jwt_bearer",
            "an assertion signed with another key is refused",
            _stranger_refused,
        )
    ]
    if not high_assurance(app):
        found.insert(
            0,
            Check(
                "jwt_bearer.token",
                "jwt_bearer",
                "an assertion signed with the referenced key gives a token for the user, no refresh token",
                _token,
            ),
        )
    return found

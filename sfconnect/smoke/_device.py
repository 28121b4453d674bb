"""Device flow: initiation returns a user code when enabled, and is refused when disabled.

Against a local org the flow runs to the end (the verification page is submitted for the test user and the
device polls once), so that the token is checked and its refresh token can be exercised. A Connected App's
switch ("Enable for Device Flow") is a Setup checkbox with no metadata field, so only External Client Apps
get the negative check, and a refused Connected App is told where the checkbox is.
"""

from __future__ import annotations

from sfconnect.org.oauth_client import DeviceCode, Tokens
from sfconnect.smoke._core import APPLY_FIX, AppRun, Check, CheckError, Verdict, enforced, fail, ok
from sfconnect.smoke.environment import SmokeEnvironment
from sfconnect.spec.models import AppSpec

__all__ = ["checks"]


def _works(run: AppRun) -> Verdict:
    started = run.client.device_start(run.consumer_key())
    run.known(started)
    if not isinstance(started, DeviceCode):
        if run.app.kind == "ConnectedApp":
            return fail(
                f"device flow initiation was refused ({started})",
                'check "Enable for Device Flow" on the Connected App in Setup (no metadata field holds it; '
                "in the local org: `sfconnect localorg device-flow APP_NAME`)",
            )
        return fail(
            f"device flow initiation was refused ({started})", "the flow is off in the org: " + APPLY_FIX
        )
    if not started.user_code:
        return fail("device flow initiation returned no user code", APPLY_FIX)
    if not run.env.local:
        return ok("initiation returns a user code and a verification URI")
    user = run.user(purpose="the device flow")
    page = run.client.open_page(started.verification_uri)
    answer = run.client.submit(
        page, {"user_code": started.user_code, "username": user.username, "password": user.password}
    )
    if answer.kind == "page" and answer.has_consent:
        answer = run.client.submit(answer, {"decision": "allow"})
    if answer.status != 200:
        raise CheckError(
            f"the device verification page did not accept {user.username} (HTTP {answer.status})"
        )
    tokens = run.client.device_poll(run.consumer_key(), run.creds.client_secret.value, started.device_code)
    if not isinstance(tokens, Tokens):
        return fail(f"the approved device got no token ({tokens})", APPLY_FIX)
    run.keep(tokens)
    if tokens.refresh_token and run.refresh_token is None:
        run.refresh_token = tokens.refresh_token
        run.refresh_source = "the device flow"
    who = run.username_of(tokens)
    if isinstance(who, Verdict):
        return who
    return ok(f"a user code was approved by {who} and the device got a working token")


def _refused(run: AppRun) -> Verdict:
    started = run.client.device_start(run.consumer_key())
    run.known(started)
    if isinstance(started, DeviceCode):
        return fail(
            "device flow initiation returned a user code, although the YAML does not enable the flow",
            "the flow is on in the org (isDeviceFlowEnabled): " + APPLY_FIX,
        )
    return ok(f"refused ({started})")


def checks(app: AppSpec, env: SmokeEnvironment) -> list[Check]:
    """The device flow checks of `app`."""
    if app.oauth is None:
        return []
    if app.oauth.flows.device.enabled:
        return [
            Check("device.token", "device", "initiation returns a user code; approval gives a token", _works)
        ]
    if enforced(app, "oauth.flows.device.enabled"):
        return [
            Check("device.disabled", "device", "device flow initiation is refused (not enabled)", _refused)
        ]
    return []

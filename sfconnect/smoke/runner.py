"""The runner: derive each app's checks from its YAML, run them, wait while new apps propagate, revoke.

Checks run in a fixed order per app (interactive flows first, so that their refresh token can be
exercised), and every token obtained is revoked before the run ends (a last check per app proves it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from sfconnect.errors import OrgError
from sfconnect.org.oauth_client import OAuthClient, Refusal
from sfconnect.smoke import _authorization_code as authorization_code
from sfconnect.smoke import _client_credentials as client_credentials
from sfconnect.smoke import _device as device
from sfconnect.smoke import _jwt_bearer as jwt_bearer
from sfconnect.smoke import _refresh_token as refresh_token
from sfconnect.smoke import _session_policy as session_policy
from sfconnect.smoke import _user_agent as user_agent
from sfconnect.smoke import _username_password as username_password
from sfconnect.smoke._core import AppRun, Check, CheckError, NotPropagated, SkipCheck, Verdict, fail, ok
from sfconnect.smoke.environment import AppCredentialSet, SmokeEnvironment, app_credentials
from sfconnect.smoke.model import CheckResult, SmokeReport
from sfconnect.spec.models import AppSpec
from sfconnect.spec.project import Smoke

__all__ = ["plan_checks", "run_smoke"]

_MODULES = (
    authorization_code,
    device,
    user_agent,
    client_credentials,
    jwt_bearer,
    username_password,
    session_policy,
    refresh_token,
)


def plan_checks(app: AppSpec, env: SmokeEnvironment, creds: AppCredentialSet | None = None) -> list[Check]:
    """The checks `app` gets on `env`'s target, in the order they run."""
    found: list[Check] = []
    for module in _MODULES:
        found.extend(module.checks(app, env))
    if (
        creds is not None
        and creds.refresh_token.present
        and not any(c.id == "refresh_token.refresh" for c in found)
    ):
        found.extend(refresh_token.stored_token_check(app))
    if (
        creds is not None
        and creds.former_private_key.present
        and any(c.id.startswith("jwt_bearer.") for c in found)
    ):
        found.extend(jwt_bearer.former_key_check(app))
    return found


class _Clock:
    def __init__(self, wait_seconds: float, now: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self.now = now
        self.sleep = sleep
        self.deadline = now() + wait_seconds
        self.wait_seconds = wait_seconds
        self.waited = 0.0


def _propagation_failure(app: AppSpec, exc: NotPropagated, clock: _Clock) -> Verdict:
    waited = f" after waiting {clock.waited:.0f}s" if clock.waited else ""
    return fail(
        f"the org does not know the app's consumer key{waited} ({exc})",
        f"make sure {app.name} is applied to this target (`sfconnect apply`); a new app can take minutes to "
        "become usable: raise smoke.wait_minutes",
    )


def _run_check(run: AppRun, check: Check, clock: _Clock, progress: Callable[[str], None]) -> CheckResult:
    started = clock.now()
    delay = 2.0
    while True:
        try:
            verdict = check.run(run)
            status = "passed" if verdict.passed else "failed"
            message, fix = verdict.message, verdict.fix
            break
        except NotPropagated as exc:
            remaining = clock.deadline - clock.now()
            if remaining <= 0:
                verdict = _propagation_failure(run.app, exc, clock)
                status, message, fix = "failed", verdict.message, verdict.fix
                break
            pause = min(delay, remaining)
            progress(
                f"{run.app.name}: not usable yet ({exc}); new apps can take minutes to propagate. "
                f"Retrying in {pause:.0f}s (waiting up to {clock.wait_seconds / 60:.0f} min in all)"
            )
            clock.sleep(pause)
            clock.waited += pause
            delay = min(delay * 2, 60.0)
        except SkipCheck as exc:
            status, message, fix = "skipped", str(exc), exc.fix
            break
        except CheckError as exc:
            status, message, fix = "error", str(exc), exc.fix
            break
    return CheckResult(
        app=run.app.name,
        check=check.id,
        flow=check.flow,
        title=check.title,
        status=status,  # type: ignore[arg-type]
        message=message,
        fix=fix,
        seconds=round(clock.now() - started, 3),
    )


def _revoke_all(run: AppRun, clock: _Clock) -> CheckResult:
    started = clock.now()
    problems: list[str] = []
    try:
        for kind, token in run.tokens:
            refused = run.client.revoke(token)
            if refused is not None and refused.error != "invalid_token":
                problems.append(
                    f"revoking a{'n' if kind == 'access' else ''} {kind} token was refused ({refused})"
                )
        for kind, token in run.tokens:
            if kind == "access" and not isinstance(run.client.userinfo(token), Refusal):
                problems.append("an access token still works after its revocation")
        verdict = (
            fail("; ".join(problems), "revoke the app's tokens in Setup (Connected Apps OAuth Usage)")
            if problems
            else ok(f"{len(run.tokens)} token(s) obtained by the checks are revoked")
        )
        status = "passed" if verdict.passed else "failed"
        message, fix = verdict.message, verdict.fix
    except OrgError as exc:
        status, message, fix = "error", f"the tokens could not be revoked: {exc}", "revoke them in Setup"
    return CheckResult(
        run.app.name,
        "tokens.revoked",
        "revocation",
        "every token obtained is revoked before the run ends",
        status,  # type: ignore[arg-type]
        message,
        fix,
        round(clock.now() - started, 3),
    )


def _org_wide_flows_in_use(apps: Sequence[AppSpec]) -> set[str]:
    """Org-wide flows (user-agent, username-password) some app of the target declares: the org must allow
    them, so the other apps get no "refused" check for them."""
    used: set[str] = set()
    for app in apps:
        if app.state == "present" and app.oauth is not None:
            if app.oauth.flows.user_agent.enabled:
                used.add("user_agent")
            if app.oauth.flows.username_password.enabled:
                used.add("username_password")
    return used


def run_smoke(
    apps: Sequence[AppSpec],
    env: SmokeEnvironment,
    settings: Smoke,
    *,
    environ: Mapping[str, str],
    base_dir: Path,
    progress: Callable[[str], None] = lambda _msg: None,
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    client: OAuthClient | None = None,
) -> SmokeReport:
    """Run the checks of `apps` (present apps with OAuth) against `env`'s target.

    Never raises for what the org answers: failures and errors are results in the report. `client` replaces
    the HTTP client (tests pass a stand-in org).
    """
    report = SmokeReport(target=env.target, local=env.local)
    clock = _Clock(env.wait_seconds, now, sleep)
    allowed_org_wide = _org_wide_flows_in_use(apps)
    owned = client is None
    if client is None:
        client = OAuthClient(env.base_url, env.verify, target=env.target)
    try:
        for app in apps:
            if app.state != "present" or app.oauth is None:
                continue
            jwt = app.oauth.flows.jwt_bearer if app.oauth is not None else None
            creds = app_credentials(
                settings,
                env,
                app.name,
                environ=environ,
                base_dir=base_dir,
                certificate=jwt.certificate if jwt is not None and jwt.enabled else None,
            )
            run = AppRun(app=app, env=env, client=client, creds=creds)
            try:
                run.consumer_key()
            except CheckError as exc:  # nothing of this app can be checked: one error, not one per check
                report.results.append(
                    CheckResult(
                        app.name,
                        "app.consumer_key",
                        "setup",
                        "the app's consumer key is known",
                        "error",
                        str(exc),
                        exc.fix,
                    )
                )
                continue
            try:
                for check in plan_checks(app, env, creds):
                    if check.id.endswith(".blocked") and check.flow in allowed_org_wide:
                        continue  # another app of the target needs the org-wide switch on
                    result = _run_check(run, check, clock, progress)
                    progress(f"{result.status:6} {app.name} {result.check}")
                    report.results.append(result)
            except OrgError as exc:  # the org cannot be reached: stop rather than fail every check alike
                report.errors.append(
                    f"{app.name} {check.id}: {exc}; check that the org is reachable, then run smoke again"
                )
                unreachable = True
            else:
                unreachable = False
            if run.tokens:
                report.results.append(_revoke_all(run, clock))
            if unreachable:
                break
    finally:
        if owned:
            client.close()
    report.waited_seconds = clock.waited
    return report

"""Zero-downtime rotation of an External Client App's consumer credentials through staged credentials.

The steps: 1. stage new credentials; 2. run the app's smoke checks with them; 3. hand them to the sink;
4. promote them to primary; 5. show that the former key and secret are refused; 6. delete what remains staged.
While staged, old and new credentials both work, so clients move at their own pace until step 4.

The state lives in the org, so an interrupted rotation finishes when run again: an `Active` staged record is
reused (steps 1 skipped), a `Rotated` one means the promotion happened (steps 1-4 done; the current primary
credentials are handed to the sink again, as that step may not have finished). If the smoke checks fail,
nothing is promoted and the staged credentials are deleted (a second valid secret is not left behind).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sfconnect.credentials._sinks import Sink
from sfconnect.credentials.service import Published, entries_for
from sfconnect.org.credentials import AppCredentials, CredentialsClient, StagedCredentials
from sfconnect.org.oauth_client import OAuthClient, Refusal
from sfconnect.smoke.environment import (
    AppKeys,
    SmokeEnvironment,
    consumer_key_variable,
    consumer_secret_variable,
)
from sfconnect.smoke.model import SmokeReport
from sfconnect.smoke.runner import run_smoke
from sfconnect.spec.models import AppSpec
from sfconnect.spec.project import Smoke

__all__ = ["RotationResult", "RotationStep", "rotate_app"]

StepStatus = Literal["done", "skipped", "would", "failed"]
STEP_NAMES = (
    "stage new credentials",
    "smoke checks with the staged credentials",
    "hand them to the sink",
    "promote them to primary",
    "the former credentials are refused",
    "delete what remains staged",
)
_REFUSED = frozenset({"invalid_client_id", "invalid_client"})


@dataclass(frozen=True)
class RotationStep:
    """One step: its number (1-6), what it does, how it ended, and a detail without secrets."""

    number: int
    name: str
    status: StepStatus
    detail: str = ""


@dataclass
class RotationResult:
    """The steps taken; `ok` when the rotation finished (or, for a dry run, could start)."""

    app: str
    steps: list[RotationStep] = field(default_factory=list)
    ok: bool = True
    smoke: SmokeReport | None = None

    def add(self, number: int, status: StepStatus, detail: str = "") -> None:
        """Record step `number`."""
        self.steps.append(RotationStep(number, STEP_NAMES[number - 1], status, detail))


def _names(app: str) -> str:
    return f"{consumer_key_variable(app)} and {consumer_secret_variable(app)}"


def _dry_run(
    result: RotationResult, app: AppSpec, staged: list[StagedCredentials], sink: Sink | None
) -> None:
    active = next((s for s in staged if s.state == "Active"), None)
    rotated = next((s for s in staged if s.state == "Rotated"), None)
    where = sink.describe() if sink else "nowhere (no --to)"
    if rotated is not None and active is None:
        for n in (1, 2):
            result.add(n, "skipped", f"already done: staged credentials {rotated.id} were promoted")
        result.add(3, "would", f"write the current {_names(app.name)} to {where} again")
        result.add(4, "skipped", "already done")
    else:
        result.add(
            1,
            "would",
            f"reuse the active staged credentials {active.id}"
            if active
            else "POST …/staged: a new consumer key and secret, valid beside the current ones",
        )
        result.add(2, "would", f"run the smoke checks of {app.name} with the staged key and secret")
        result.add(3, "would", f"write {_names(app.name)} to {where}")
        result.add(4, "would", 'PATCH …/staged/{id} {"command": "rotate"}')
    result.add(5, "would", "request a token with the former key and secret and expect invalid_client(_id)")
    result.add(6, "would", "DELETE …/staged/{id}")


def _refused(
    env: SmokeEnvironment, key: str, secret: str | None, oauth: OAuthClient | None
) -> Refusal | None:
    owned = oauth is None
    client = oauth or OAuthClient(env.base_url, env.verify, target=env.target)
    try:
        answer = client.client_credentials(key, secret or "former-secret-not-shown-again")
    finally:
        if owned:
            client.close()
    return answer if isinstance(answer, Refusal) else None


def rotate_app(
    client: CredentialsClient,
    app: AppSpec,
    env: SmokeEnvironment,
    smoke: Smoke,
    sink: Sink | None,
    *,
    environ: Mapping[str, str],
    base_dir: Path,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
    oauth: OAuthClient | None = None,
) -> RotationResult:
    """Rotate `app`'s consumer credentials (see the module docstring for the steps and re-runs).

    Raises:
        CredentialsApiError: the org refused a credentials request (setting off, permission, packaged app).
        ConfigError: the sink refused.
    """
    result = RotationResult(app.name)
    creds, staged = client.staged(app.name)
    if dry_run:
        _dry_run(result, app, staged, sink)
        return result
    for old in (s for s in staged if s.state == "Expired"):
        client.delete_staged(creds, old.id)
        progress(f"deleted expired staged credentials {old.id}")
    active = next((s for s in staged if s.state == "Active"), None)
    rotated = next((s for s in staged if s.state == "Rotated"), None)
    if rotated is not None and active is None:
        current = client.read(app.name, "keyandsecret")
        for n in (1, 2):
            result.add(n, "skipped", f"already done: staged credentials {rotated.id} were promoted")
        _to_sink(result, app, sink, Published(app.name, current.key, current.secret))
        result.add(4, "skipped", "already done")
        _finish(result, client, creds, rotated, rotated.key, None, env, oauth)
        return result
    primary = client.read(app.name, "keyandsecret")
    if rotated is not None:  # an old rotated record beside an active one: clear it first
        client.delete_staged(creds, rotated.id)
    if active is None:
        active = client.stage(creds)
        result.add(1, "done", f"staged credentials {active.id} (valid until {active.expiration_date or '?'})")
    else:
        result.add(1, "skipped", f"reusing the active staged credentials {active.id} from an earlier run")
    progress(result.steps[-1].detail)
    if not active.key or not active.secret:
        raise RuntimeError("the org returned staged credentials without a key or secret")
    staged_env = dataclasses.replace(
        env,
        app_keys={
            **env.app_keys,
            app.name: AppKeys(active.key, active.secret, "the staged credentials", authoritative=True),
        },
    )
    report = run_smoke([app], staged_env, smoke, environ=environ, base_dir=base_dir, progress=progress)
    result.smoke = report
    counts = (
        f"{report.count('passed')} passed, {report.count('failed')} failed, {report.count('error')} errors"
    )
    if report.status != "passed" or not report.results:
        client.delete_staged(creds, active.id)
        result.add(2, "failed", f"{counts}: nothing promoted; the staged credentials were deleted")
        result.ok = False
        return result
    result.add(2, "done", counts)
    _to_sink(result, app, sink, Published(app.name, active.key, active.secret))
    done = client.promote(creds, active.id)
    result.add(4, "done", f"the staged credentials are primary; {done.id} now holds the former ones")
    _finish(result, client, creds, done, primary.key, primary.secret, env, oauth)
    return result


def _to_sink(result: RotationResult, app: AppSpec, sink: Sink | None, published: Published) -> None:
    if sink is None:
        result.add(
            3,
            "skipped",
            "no --to: the new key and secret are published nowhere; read them with `sfconnect credentials`",
        )
        return
    sink.write(entries_for([published]))
    result.add(3, "done", f"wrote {_names(app.name)} to {sink.describe()}")


def _finish(
    result: RotationResult,
    client: CredentialsClient,
    creds: AppCredentials,
    rotated: StagedCredentials,
    old_key: str | None,
    old_secret: str | None,
    env: SmokeEnvironment,
    oauth: OAuthClient | None,
) -> None:
    if old_key:
        refusal = _refused(env, old_key, old_secret, oauth)
        if refusal is not None and refusal.error in _REFUSED:
            result.add(5, "done", f"a token request with the former credentials is refused ({refusal.error})")
        else:
            detail = f"answered {refusal.error}" if refusal else "issued a token"
            result.add(5, "failed", f"the org still accepts the former credentials ({detail})")
            result.ok = False
    else:
        result.add(5, "skipped", "the former key is not known")
    client.delete_staged(creds, rotated.id)
    result.add(6, "done", f"deleted {rotated.id}")

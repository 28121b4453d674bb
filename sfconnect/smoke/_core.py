"""What every flow module shares: the `Check` definition, the per-app `AppRun`, verdicts and helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sfconnect.metadata import fieldmap
from sfconnect.org.oauth_client import AuthorizeAnswer, OAuthClient, Refusal, Tokens
from sfconnect.smoke.environment import AppCredentialSet, SmokeEnvironment, SmokeUser
from sfconnect.spec.models import AppSpec
from sfconnect.spec.scopes import token_name

__all__ = [
    "APPLY_FIX",
    "NO_APPROVAL_FLOWS",
    "AppRun",
    "Check",
    "CheckError",
    "NotPropagated",
    "SkipCheck",
    "Verdict",
    "declared_scopes",
    "enforced",
    "fail",
    "high_assurance",
    "ok",
    "supported",
]


def enforced(app: AppSpec, yaml_key: str) -> bool:
    """Whether the org enforces a switch of `app`: the field map places it in the app's metadata or in an org-wide
    setting for the app's kind. A disabled switch gets a negative check only then (an intent-only switch has
    nothing in the org to refuse with)."""
    return fieldmap.row(yaml_key).place(app.kind).where in ("metadata", "org")


def supported(app: AppSpec, yaml_key: str) -> bool:
    """Whether the app's kind can have the switch at all (the field map does not say ``unsupported``)."""
    return fieldmap.row(yaml_key).place(app.kind).where != "unsupported"


NO_APPROVAL_FLOWS = ("client_credentials", "jwt_bearer", "username_password")
"""Flows with no user approval step (refused when a high-assurance session is required)."""


@dataclass(frozen=True)
class Verdict:
    """How a check ended: passed or failed, what happened, and how to fix a failure."""

    passed: bool
    message: str
    fix: str = ""


def ok(message: str) -> Verdict:
    """A passed check."""
    return Verdict(True, message)


def fail(message: str, fix: str) -> Verdict:
    """A failed check: what is wrong, and how to fix it."""
    return Verdict(False, message, fix)


class CheckError(Exception):
    """A check could not run (a credential is missing, the org answered something unexpected)."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.fix = fix


class SkipCheck(CheckError):
    """A negative check cannot run because an optional credential is not given (reported, not an error)."""


class NotPropagated(Exception):
    """The org does not know the app's consumer key (yet): new apps take minutes to propagate."""


@dataclass(frozen=True)
class Check:
    """One check of one app: an id (``flow.what``), what it proves, and how to run it."""

    id: str
    flow: str
    title: str
    run: Callable[[AppRun], Verdict]


def high_assurance(app: AppSpec) -> bool:
    """Whether the app requires a high-assurance session (and raises the session level rather than blocking)."""
    ha = app.access.high_assurance
    return ha is not None and ha.required and ha.action == "raise_session_level"


def declared_scopes(app: AppSpec) -> set[str]:
    """The app's scopes as OAuth ``scope=`` tokens."""
    return {token_name(s) for s in (app.oauth.scopes if app.oauth else ())}


@dataclass
class AppRun:
    """The state of one app's checks: the client, credentials, tokens to revoke, values passed along."""

    app: AppSpec
    env: SmokeEnvironment
    client: OAuthClient
    creds: AppCredentialSet
    tokens: list[tuple[str, str]] = field(default_factory=list, repr=False)
    """(``access`` or ``refresh``, token) pairs obtained by this run, revoked before it ends."""
    refresh_token: str | None = field(default=None, repr=False)
    refresh_source: str = ""

    # credentials --------------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        """``ConnectedApp`` or ``ExternalClientApp``."""
        return self.app.kind

    def consumer_key(self) -> str:
        """The app's consumer key.

        Raises:
            CheckError: unknown (not in the local org, or not given for a Salesforce target).
        """
        key = self.creds.consumer_key
        if key.value:
            return key.value
        if self.env.local:
            raise CheckError(
                f"the local org has no OAuth app named {self.app.name}",
                "run `sfconnect apply` for this target first",
            )
        raise CheckError(
            f"the consumer key of {self.app.name} is not known: {key.source} is not set",
            f"publish it with `sfconnect credentials {self.app.name} --to ...` (the org must allow REST "
            f"access to consumer secrets), or copy it from Setup (App Manager > {self.app.label} > View) "
            f"into {key.source}",
        )

    def secret(self, *, purpose: str, optional: bool = False) -> str:
        """The app's consumer secret.

        Raises:
            CheckError: not available (`SkipCheck` when `optional`: a negative check can do without).
        """
        secret = self.creds.client_secret
        if secret.value:
            return secret.value
        raise (SkipCheck if optional else CheckError)(
            f"{purpose} needs the consumer secret of {self.app.name}, and {secret.source} gives none",
            f"add `client_secret: env:NAME` (or file:PATH) for app {self.app.name} under smoke.credentials",
        )

    def user(self, *, purpose: str, interactive: bool = True, optional: bool = False) -> SmokeUser:
        """The test user: ``smoke.credentials`` username, else a seeded user the app admits.

        Raises:
            CheckError: no user, or no password for an interactive flow (`SkipCheck` when `optional`).
        """
        error = SkipCheck if optional else CheckError
        if self.creds.username:
            if interactive and not self.creds.password.present:
                raise error(
                    f"{purpose} needs the password of {self.creds.username}: {self.creds.password.source}",
                    f"add `password: env:NAME` next to `username` under smoke.credentials for {self.app.name}",
                )
            return SmokeUser(self.creds.username, self.creds.password.value or "")
        # Prefer users the app admits, then (for interactive flows) users who may log in interactively.
        access = self.app.access
        users = list(self.env.users)
        if access.permitted_users == "admin_approved":
            admitted = [
                u
                for u in users
                if u.profile in access.profiles or set(u.permission_sets) & set(access.permission_sets)
            ]
            users = admitted or users
        if interactive:
            users.sort(key=lambda u: u.api_only)
        if users:
            return users[0]
        raise error(
            f"{purpose} needs a test user, and smoke.credentials names none for {self.app.name}",
            f"add `username:` and `password: env:NAME` for app {self.app.name} under smoke.credentials",
        )

    # token handling -----------------------------------------------------------------------------------
    def keep(self, tokens: Tokens) -> None:
        """Remember a response's tokens so that they are revoked before the run ends."""
        self.tokens.append(("access", tokens.access_token))
        if tokens.refresh_token:
            self.tokens.append(("refresh", tokens.refresh_token))

    def known(self, outcome: Tokens | Refusal | AuthorizeAnswer | object) -> None:
        """Raise `NotPropagated` when the org does not know the app's consumer key."""
        if isinstance(outcome, Refusal) and outcome.error in ("invalid_client_id", "app_not_found"):
            raise NotPropagated(str(outcome))
        if isinstance(outcome, AuthorizeAnswer) and outcome.error in ("invalid_client_id", "app_not_found"):
            raise NotPropagated(f"{outcome.error}: {outcome.description}")

    def username_of(self, tokens: Tokens) -> str | Verdict:
        """The username behind a token (userinfo), or a failed verdict when the token does not work."""
        info = self.client.userinfo(tokens.access_token)
        if isinstance(info, Refusal):
            return fail(
                f"the org issued a token, but userinfo refuses it ({info})",
                "check the app's session timeout and that the user is active",
            )
        return str(info.get("preferred_username") or info.get("username") or "")


APPLY_FIX = "run `sfconnect plan` to see how the org differs from the YAML, then `sfconnect apply`"
"""The fix when the org's app does not match its YAML."""

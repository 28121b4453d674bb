"""The project file, ``sfconnect.yaml``: app files, targets, overrides, smoke, lint and unmanaged policy.

Every key the later commands read is defined here (they add behaviour, not keys). A project without
``sfconnect.yaml`` gets `ProjectConfig()` defaults: app files under ``apps/`` and one target, ``local``, the
project's embedded local org ``default``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from sfconnect.spec.models import SecretRef, SpecModel

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_APP_GLOBS",
    "LOCAL_TARGET",
    "AccessTokenAuth",
    "ApiVersion",
    "Auth",
    "ClientCredentialsAuth",
    "JwtBearerAuth",
    "Lint",
    "LocalOrg",
    "ProjectConfig",
    "SalesforceOrg",
    "SfdxAuthUrlAuth",
    "Smoke",
    "SmokeCredentials",
    "Suppression",
    "Target",
    "Timeouts",
    "Unmanaged",
    "UsernamePasswordAuth",
]

DEFAULT_API_VERSION = "63.0"
"""The Metadata API version of the WSDL bundled in simple-salesforce."""

DEFAULT_APP_GLOBS: tuple[str, ...] = ("apps/**/*.yaml", "apps/**/*.yml")
"""Where app files are looked for when ``sfconnect.yaml`` does not say."""

LOCAL_TARGET = "local"
"""Name of the target a project gets when it configures none."""

ApiVersion: TypeAlias = Annotated[str, Field(pattern=r"^[1-9][0-9]\.0$")]
"""A Salesforce API version, e.g. ``"63.0"`` (quote it in YAML)."""

TargetName: TypeAlias = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=40)]
OrgName: TypeAlias = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=40)]
Severity: TypeAlias = Literal["critical", "high", "medium", "low", "info"]


class LocalOrg(SpecModel):
    """An embedded local org of the project, kept in ``.sfconnect/localorg/<org>/``."""

    org: OrgName = Field(default="default", description="Name of the local org.")
    seed: str | None = Field(
        default=None,
        description=(
            "Seed file (relative to the project) for the org's users, settings and pre-existing apps, used "
            "when the org is created; `sfconnect localorg reset` applies it again."
        ),
    )


class JwtBearerAuth(SpecModel):
    """OAuth JWT bearer: a connected app's consumer key, a username and the private key that signs."""

    consumer_key: str | None = Field(
        default=None,
        description="Consumer key of the app used to log in (or SFCONNECT_<TARGET>_CONSUMER_KEY).",
    )
    username: str | None = Field(default=None, description="Username to log in as.")
    private_key: SecretRef | None = Field(
        default=None, description="Private key (PEM) by reference (or SFCONNECT_<TARGET>_PRIVATE_KEY)."
    )


class ClientCredentialsAuth(SpecModel):
    """OAuth client credentials against the org's My Domain."""

    consumer_key: str | None = Field(default=None, description="Consumer key of the app used to log in.")
    consumer_secret: SecretRef | None = Field(default=None, description="Consumer secret by reference.")


class AccessTokenAuth(SpecModel):
    """A ready access token for the target's URL (instance URL)."""

    token: SecretRef | None = Field(default=None, description="Access token by reference.")


class SfdxAuthUrlAuth(SpecModel):
    """An SFDX auth URL (``force://...``), as ``sf org display --verbose`` prints it."""

    auth_url: SecretRef | None = Field(default=None, description="SFDX auth URL by reference.")


class UsernamePasswordAuth(SpecModel):
    """Username, password and security token (legacy; prefer JWT bearer)."""

    username: str | None = Field(default=None, description="Username to log in as.")
    password: SecretRef | None = Field(default=None, description="Password by reference.")
    security_token: SecretRef | None = Field(default=None, description="Security token by reference.")


_AUTH_METHODS = ("jwt_bearer", "client_credentials", "access_token", "sfdx_auth_url", "username_password")


class Auth(SpecModel):
    """How sfconnect logs in to a Salesforce org: exactly one method.

    A secret left out is looked up by the org layer in ``SFCONNECT_<TARGET>_<FIELD>`` (upper case), so CI can
    supply every secret through the environment.
    """

    jwt_bearer: JwtBearerAuth | None = Field(default=None, description="OAuth JWT bearer flow.")
    client_credentials: ClientCredentialsAuth | None = Field(
        default=None, description="OAuth client credentials flow."
    )
    access_token: AccessTokenAuth | None = Field(default=None, description="An existing access token.")
    sfdx_auth_url: SfdxAuthUrlAuth | None = Field(default=None, description="An SFDX auth URL.")
    username_password: UsernamePasswordAuth | None = Field(
        default=None, description="Username and password (legacy)."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Auth:
        chosen = [m for m in _AUTH_METHODS if getattr(self, m) is not None]
        if len(chosen) != 1:
            raise PydanticCustomError(
                "auth_method",
                "choose exactly one auth method ({methods}); found {count}",
                {"methods": ", ".join(_AUTH_METHODS), "count": len(chosen)},
            )
        return self

    @property
    def method(self) -> str:
        """The name of the chosen method (e.g. ``jwt_bearer``)."""
        return next(m for m in _AUTH_METHODS if getattr(self, m) is not None)


class SalesforceOrg(SpecModel):
    """A Salesforce org: its login or My Domain URL, what kind of org it is, and how to log in."""

    url: str = Field(
        pattern=r"^https://[^\s/]+(/.*)?$",
        description="Login URL or My Domain URL (https), e.g. https://acme.my.salesforce.com.",
    )
    environment: Literal["production", "sandbox", "developer", "scratch"] = Field(
        default="production", description="What kind of org this is (lint and plan take it into account)."
    )
    auth: Auth = Field(description="How to log in: exactly one method.")


class Timeouts(SpecModel):
    """How long sfconnect waits for the target's org before it gives up with an error naming the host."""

    connect: float = Field(default=10.0, gt=0, le=300, description="Seconds to open a connection to the org.")
    read: float = Field(
        default=120.0,
        gt=0,
        le=3600,
        description="Seconds to wait for each answer of the org (login, reads, each deploy status check).",
    )
    deploy: float = Field(
        default=3600.0,
        gt=0,
        le=86400,
        description="Seconds apply and status follow a deploy before they stop (the deploy goes on in the org).",
    )


class Target(SpecModel):
    """Where apps are deployed: an embedded local org or a Salesforce org, and what goes there."""

    local: LocalOrg | None = Field(default=None, description="An embedded local org of this project.")
    salesforce: SalesforceOrg | None = Field(default=None, description="A Salesforce org.")
    apps: tuple[Annotated[str, Field(min_length=1)], ...] = Field(
        default=("*",), description="Which apps go to this target: app names or globs (default: all)."
    )
    timeouts: Timeouts = Field(
        default_factory=Timeouts, description="Network timeouts for this target's org (seconds)."
    )
    overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description=(
            "Per-app values for this target, keyed by app name: mappings merge key by key, lists and "
            "scalars replace (name and kind cannot be overridden)."
        ),
    )

    @model_validator(mode="after")
    def _one_org(self) -> Target:
        if (self.local is None) == (self.salesforce is None):
            raise PydanticCustomError(
                "target_org", "a target names exactly one org: either 'local: {org: NAME}' or 'salesforce:'"
            )
        return self


class SmokeCredentials(SpecModel):
    """Credentials smoke checks use for some apps on some targets, by reference."""

    target: str = Field(default="*", description="Target name or glob these credentials apply to.")
    app: str = Field(default="*", description="App name or glob these credentials apply to.")
    username: str | None = Field(default=None, description="Test user for user flows.")
    password: SecretRef | None = Field(default=None, description="The test user's password.")
    private_key: SecretRef | None = Field(default=None, description="Private key that signs JWT assertions.")
    client_secret: SecretRef | None = Field(default=None, description="The app's consumer secret.")
    refresh_token: SecretRef | None = Field(default=None, description="A stored refresh token to exercise.")


class Smoke(SpecModel):
    """Settings of ``sfconnect smoke``."""

    wait_minutes: int = Field(
        default=10,
        ge=0,
        le=120,
        description="How long to retry while new apps propagate (Salesforce targets).",
    )
    credentials: tuple[SmokeCredentials, ...] = Field(
        default=(), description="Credentials by target and app; the first match wins."
    )


class Suppression(SpecModel):
    """A lint finding the team accepts, with its reason and optional expiry."""

    rule: str = Field(
        pattern=r"^(SFC-[A-Z]+-[0-9]{3}|[a-z0-9]+(-[a-z0-9]+)*)$",
        description="Rule ID (SFC-OAUTH-001) or slug (callback-wildcard).",
    )
    app: str = Field(default="*", description="App name or glob.")
    reason: str = Field(min_length=1, description="Why the finding is accepted (required).")
    expires: dt.date | None = Field(
        default=None, description="Date after which the suppression stops applying."
    )


class Lint(SpecModel):
    """Settings of ``sfconnect lint``."""

    fail_on: Severity | None = Field(
        default=None,
        description="Gate: findings at or above it fail lint (default high) and, when set, block apply.",
    )
    profile: Literal["default", "production", "partner"] = Field(
        default="default", description="Severity profile."
    )
    suppressions: tuple[Suppression, ...] = Field(default=(), description="Accepted findings.")


class Unmanaged(SpecModel):
    """What to do about apps in an org that the YAML does not name."""

    policy: Literal["report", "drift"] = Field(
        default="report", description="report: list them only; drift: count them as drift."
    )
    ignore: tuple[str, ...] = Field(default=(), description="App names or globs never listed or counted.")


class ProjectConfig(SpecModel):
    """The project file, ``sfconnect.yaml``."""

    schema_: str | None = Field(default=None, alias="$schema", description="JSON Schema of this file.")
    api_version: ApiVersion = Field(default=DEFAULT_API_VERSION, description="Salesforce API version.")
    apps: tuple[Annotated[str, Field(min_length=1)], ...] = Field(
        default=DEFAULT_APP_GLOBS, description="App files: paths or globs relative to this file."
    )
    targets: dict[TargetName, Target] = Field(
        default_factory=lambda: {LOCAL_TARGET: Target(local=LocalOrg())},
        description="The orgs apps go to, by name (default: one embedded local org).",
    )
    default_target: TargetName | None = Field(
        default=None, description="Target used without -t (required when there are several)."
    )
    smoke: Smoke = Field(default_factory=Smoke, description="Smoke test settings.")
    lint: Lint = Field(default_factory=Lint, description="Lint settings.")
    unmanaged: Unmanaged = Field(default_factory=Unmanaged, description="Unmanaged app policy.")

    @field_validator("apps")
    @classmethod
    def _relative_app_paths(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            if Path(pattern).is_absolute() or pattern.startswith("~"):
                raise ValueError(
                    f"'{pattern[:80]}' is an absolute path: app files are given relative to sfconnect.yaml "
                    "(for example apps/*.yaml)"
                )
        return patterns

    @property
    def default_target_name(self) -> str | None:
        """The target used without ``-t``: `default_target`, else the only target, else None."""
        if self.default_target is not None:
            return self.default_target
        if len(self.targets) == 1:
            return next(iter(self.targets))
        return None

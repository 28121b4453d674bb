"""What a new local org contains: the default seed, and seed YAML files that extend it.

A seed file (YAML) looks like::

    org: {name: Acme Dev}
    settings: {connected_app_creation_allowed: false, consumer_secret_api_access: true,
               client_secret_rest_api_access: true}
    profiles: [Billing Integration]
    permission_sets: [Billing_Sync_Integration]
    users:
      - {username: billing.integration@acme.example, profile: Minimum Access - API Only Integrations,
         api_only: true, permission_sets: [Billing_Sync_Integration], modify_metadata: false}
    apps:
      - type: ConnectedApp
        fullName: Legacy_Billing_Sync
        consumerKey: 3MVG9LegacyBillingSyncKey0001     # optional: generated when absent
        consumerSecret: ...                           # optional: generated when absent
        deviceFlow: true                              # optional: "Enable for Device Flow" (Connected Apps)
        record: {label: Legacy Billing Sync, contactEmail: ops@acme.example, oauthConfig: {...}}
        # Setup-only facts (no metadata field), for `localorg migrate`'s eligibility checks:
        push: {apple: {certificate_expires: 2025-01-31}, android: {server_key: true}}
        uses_username_password: false

Everything in a file is added to the default seed; `settings` override the defaults.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_SEED_BYTES = 5 * 1024 * 1024
"""Largest seed file read (seeds are a few KB)."""

__all__ = [
    "DEFAULT_PERMISSION_SETS",
    "DEFAULT_PROFILES",
    "DEFAULT_SETTINGS",
    "Seed",
    "SeedApp",
    "SeedError",
    "SeedUser",
    "default_seed",
    "load_seed_file",
]

DEFAULT_SETTINGS: dict[str, Any] = {
    # Salesforce blocks creating new Connected Apps (Spring '26); only Support can lift the block.
    "connected_app_creation_allowed": False,
    # Orgs from Summer '23 on block the OAuth username-password flow; the user-agent flow is allowed
    # (`blockOAuthUsrAgtFlow` defaults to false: Metadata API Developer Guide, OauthOidcSettings).
    "username_password_flows_blocked": True,
    "user_agent_flows_blocked": False,
    # Org-wide "Require PKCE for supported authorization flows".
    "pkce_required_org_wide": False,
    # "Allow access to External Client App consumer secrets via Metadata API": ON in the embedded org
    # (off in a new real org), so that sfconnect can create External Client Apps with secrets.
    "consumer_secret_api_access": True,
    # "Allow access to External Client App consumer secrets via REST API" (ExternalClientAppSettings.
    # enableClientSecretInRestApiAccess, API 62.0): ON in the embedded org, so that `sfconnect credentials`,
    # `rotate` and smoke can read secrets through the Connect REST credentials resources.
    "client_secret_rest_api_access": True,
    # Session timeout (minutes of inactivity), as Setup > Session Settings (default 2 hours).
    "session_timeout_minutes": 120,
    # Connected Apps with "Enable for Device Flow" checked (a Setup checkbox with no metadata field; off by
    # default): names of apps. `sfconnect localorg device-flow APP --enable` or a seed app's `deviceFlow: true`.
    "connected_app_device_flow": [],
    # SOAP login() (disabled by default in new real orgs since API 64): enabled here.
    "soap_login_enabled": True,
    # What `Organization` says of the org: not a sandbox, a Developer Edition (so not production). A sandbox
    # (`is_sandbox: true`) takes JWT assertions addressed to test.salesforce.com instead of login.salesforce.com.
    "is_sandbox": False,
    "organization_type": "Developer Edition",
    # OAuth (issue 6): login IP ranges per profile name, e.g. {"Standard User": [["10.0.0.0", "10.0.0.255"]]}.
    "profile_login_ip_ranges": {},
    # OAuth (issue 6): seconds a new or changed app stays unknown to OAuth (Salesforce: up to ~10 minutes).
    "oauth_propagation_delay_seconds": 0,
    # Deliberate differences from Salesforce, to check the conformance kit (`behaviour.FLAGS`); none by default.
    "behaviour_profile": [],
}

DEFAULT_PROFILES = (
    "System Administrator",
    "Standard User",
    "Minimum Access - Salesforce",
    "Minimum Access - API Only Integrations",
)
DEFAULT_PERMISSION_SETS = ("Connected_App_Users", "Integration_API_Access")


class SeedError(ValueError):
    """A seed file that cannot be used (message names the file and the key)."""


@dataclass
class SeedUser:
    """A user to create. A missing password is generated."""

    username: str
    profile: str
    password: str | None = None
    api_only: bool = False
    permission_sets: list[str] = field(default_factory=list)
    first_name: str = ""
    last_name: str = "User"
    email: str = ""
    role: str = "user"
    """`admin` for the seeded administrator, `integration` for the API-only integration user."""
    modify_metadata: bool | None = None
    """May use the Metadata API; default: only System Administrators."""
    eca_developer: bool | None = None
    """Holds "External Client App Developer"; default: only System Administrators."""
    view_client_secret: bool | None = None
    """Holds "View Client Secret"; default: only System Administrators."""


@dataclass
class SeedApp:
    """A pre-existing app component (created before the Connected App creation block)."""

    type: str
    full_name: str
    record: dict[str, Any]
    consumer_key: str | None = None
    consumer_secret: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    """Setup-only facts no metadata field holds: ``push`` settings, ``uses_username_password``."""
    device_flow: bool = False
    """A Connected App with "Enable for Device Flow" checked (no metadata field holds it)."""


@dataclass
class Seed:
    """Everything a new org starts with."""

    org_name: str = "Local Org"
    settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    profiles: list[str] = field(default_factory=lambda: list(DEFAULT_PROFILES))
    permission_sets: list[str] = field(default_factory=lambda: list(DEFAULT_PERMISSION_SETS))
    users: list[SeedUser] = field(default_factory=list)
    apps: list[SeedApp] = field(default_factory=list)
    username_domain: str = "localorg.sfconnect.test"


def default_seed(org_name: str = "Local Org", username_domain: str = "localorg.sfconnect.test") -> Seed:
    """The default org: an admin, an API-only integration user, standard profiles and permission sets."""
    return Seed(
        org_name=org_name,
        username_domain=username_domain,
        users=[
            SeedUser(
                username=f"admin@{username_domain}",
                profile="System Administrator",
                first_name="Local",
                last_name="Admin",
                email=f"admin@{username_domain}",
                role="admin",
            ),
            SeedUser(
                username=f"integration@{username_domain}",
                profile="Minimum Access - API Only Integrations",
                api_only=True,
                permission_sets=["Integration_API_Access"],
                first_name="Integration",
                last_name="User",
                email=f"integration@{username_domain}",
                role="integration",
            ),
        ],
    )


_APP_EXTRAS = ("push", "uses_username_password")
"""Seed keys of an app for Setup-only facts (migration eligibility, `localorg migrate`)."""


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SeedError(f"{where}: expected a list of strings")
    return list(value)


def _user(raw: Any, where: str) -> SeedUser:
    if not isinstance(raw, Mapping):
        raise SeedError(f"{where}: expected a mapping")
    known = {
        "username",
        "profile",
        "password",
        "api_only",
        "permission_sets",
        "first_name",
        "last_name",
        "email",
        "modify_metadata",
        "eca_developer",
        "view_client_secret",
    }
    unknown = set(raw) - known
    if unknown:
        raise SeedError(f"{where}: unknown keys {sorted(unknown)}")
    if not isinstance(raw.get("username"), str) or not isinstance(raw.get("profile"), str):
        raise SeedError(f"{where}: `username` and `profile` are required strings")
    return SeedUser(
        username=raw["username"],
        profile=raw["profile"],
        password=raw.get("password"),
        api_only=bool(raw.get("api_only", False)),
        permission_sets=_str_list(raw.get("permission_sets"), f"{where}.permission_sets"),
        first_name=str(raw.get("first_name", "")),
        last_name=str(raw.get("last_name", "User")),
        email=str(raw.get("email", raw["username"])),
        modify_metadata=None if raw.get("modify_metadata") is None else bool(raw["modify_metadata"]),
        eca_developer=None if raw.get("eca_developer") is None else bool(raw["eca_developer"]),
        view_client_secret=None if raw.get("view_client_secret") is None else bool(raw["view_client_secret"]),
    )


def _app(raw: Any, where: str) -> SeedApp:
    if not isinstance(raw, Mapping):
        raise SeedError(f"{where}: expected a mapping")
    unknown = set(raw) - {
        "type",
        "fullName",
        "record",
        "consumerKey",
        "consumerSecret",
        "deviceFlow",
        *_APP_EXTRAS,
    }
    if unknown:
        raise SeedError(f"{where}: unknown keys {sorted(unknown)}")
    extras = {k: raw[k] for k in _APP_EXTRAS if k in raw}
    push = extras.get("push")
    if push is not None and (
        not isinstance(push, Mapping)
        or set(push) - {"apple", "android"}
        or not all(isinstance(v, Mapping) for v in push.values())
    ):
        raise SeedError(
            f"{where}.push: expected {{apple: {{certificate_expires: YYYY-MM-DD}}, android: {{server_key: true}} "
            "or {service_account: true}}"
        )
    if not isinstance(raw.get("type"), str) or not isinstance(raw.get("fullName"), str):
        raise SeedError(f"{where}: `type` and `fullName` are required strings")
    record = raw.get("record") or {}
    if not isinstance(record, Mapping):
        raise SeedError(f"{where}.record: expected a mapping of metadata fields")
    return SeedApp(
        type=raw["type"],
        full_name=raw["fullName"],
        record=dict(record),
        consumer_key=raw.get("consumerKey"),
        consumer_secret=raw.get("consumerSecret"),
        extras={k: _plain(v) for k, v in extras.items()},
        device_flow=bool(raw.get("deviceFlow", False)),
    )


def _plain(value: Any) -> Any:
    """YAML values as JSON-ready data (dates as ISO text)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def load_seed_file(path: Path, base: Seed | None = None) -> Seed:
    """Read a seed YAML file and add it to `base` (the default seed when not given).

    Raises:
        SeedError: unreadable file, bad YAML, unknown keys or wrong value types.
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise SeedError(f"{path}: not a regular file; give the path of a seed YAML file")
        if info.st_size > MAX_SEED_BYTES:
            raise SeedError(
                f"{path}: {info.st_size:,} bytes, over the {MAX_SEED_BYTES:,}-byte limit for seeds"
            )
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SeedError(f"{path}: {exc}") from exc
    if not isinstance(data, Mapping):
        raise SeedError(f"{path}: the seed must be a mapping")
    unknown = set(data) - {"org", "settings", "profiles", "permission_sets", "users", "apps"}
    if unknown:
        raise SeedError(f"{path}: unknown keys {sorted(unknown)}")
    org = data.get("org") or {}
    if not isinstance(org, Mapping) or set(org) - {"name", "username_domain"}:
        raise SeedError(f"{path}: org: expected a mapping with `name` and/or `username_domain`")
    seed = base or default_seed(
        org_name=str(org.get("name", "Local Org")),
        username_domain=str(org.get("username_domain", "localorg.sfconnect.test")),
    )
    settings = data.get("settings") or {}
    if not isinstance(settings, Mapping):
        raise SeedError(f"{path}: settings: expected a mapping")
    unknown = set(settings) - set(DEFAULT_SETTINGS)
    if unknown:
        raise SeedError(f"{path}: settings: unknown keys {sorted(unknown)}")
    seed.settings.update(settings)
    seed.profiles += [
        p for p in _str_list(data.get("profiles"), f"{path}: profiles") if p not in seed.profiles
    ]
    seed.permission_sets += [
        p
        for p in _str_list(data.get("permission_sets"), f"{path}: permission_sets")
        if p not in seed.permission_sets
    ]
    users = data.get("users") or []
    apps = data.get("apps") or []
    if not isinstance(users, list) or not isinstance(apps, list):
        raise SeedError(f"{path}: `users` and `apps` must be lists")
    seed.users += [_user(u, f"{path}: users[{i}]") for i, u in enumerate(users)]
    seed.apps += [_app(a, f"{path}: apps[{i}]") for i, a in enumerate(apps)]
    return seed

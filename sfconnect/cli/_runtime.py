"""What org commands share: loading the project, and connecting to a target (serving a local org if needed).

This is the only place that starts an embedded local org for a command: when the target is local and no
server runs for it, a detached server is started that this and later commands share, and that stops
after an idle time. Either way `org` receives an
ordinary endpoint (instance URL, CA bundle, credentials) and talks HTTPS to it as to Salesforce.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sfconnect.cli.context import AppContext
from sfconnect.errors import ConfigError

if TYPE_CHECKING:
    from sfconnect.org.targets import Connection, LocalEndpoint
    from sfconnect.spec.load import Project
    from sfconnect.spec.project import Target

__all__ = [
    "TargetConnection",
    "connect_target",
    "load",
    "reload",
    "require_target_values",
    "resolve_target",
    "secret_resolver",
]


def load(app: AppContext) -> Project:
    """The project of `app.project_dir`, loaded once per command (kept in `app.project`); its warnings go to
    stderr.

    An unset ``${env:VAR}`` is only a warning here: it becomes an error when the command connects to a target
    that uses it (`connect_target`), so a plan of one target does not need another target's credentials.

    Raises:
        SpecValidationError: the YAML is invalid (every issue is reported).
    """
    import click

    from sfconnect.spec.load import load_project

    if app.project is not None:
        return app.project
    project = load_project(app.project_dir, environ=app.environ, require_values=False)
    app.project = project
    for issue in project.warnings:
        if issue.code != UNSET_VARIABLE:
            click.echo(str(issue), err=True)
    if project.config_file is None and not project.apps:
        click.echo(
            f"warning: {app.project_dir} has no sfconnect.yaml and no app files: is it the project "
            "directory? Use -C DIR, or create a project with `sfconnect init`.",
            err=True,
        )
    return project


def reload(app: AppContext) -> Project:
    """The project loaded again, after the command changed its files."""
    app.project = None
    return load(app)


UNSET_VARIABLE = "unset_variable"


def require_target_values(project: Project, target: str) -> None:
    """Refuse unset ``${env:VAR}`` variables that matter to `target`: its own settings, and the apps.

    Raises:
        SpecValidationError: those variables, each with its file:line:column.
    """
    import dataclasses

    from sfconnect.errors import SpecValidationError

    def concerns(loc: tuple[str | int, ...]) -> bool:
        return loc[:1] != ("targets",) or loc[1:2] == (target,)

    unset = [i for i in project.warnings if i.code == UNSET_VARIABLE and concerns(i.loc)]
    if unset:
        raise SpecValidationError([dataclasses.replace(i, severity="error") for i in unset])


def resolve_target(app: AppContext, project: Project, name: str | None = None) -> tuple[str, Target]:
    """The target chosen with ``-t`` (or the default one).

    Raises:
        ConfigError: unknown target, or several targets and no default.
    """
    wanted = name if name is not None else app.target
    try:
        return project.target(wanted)
    except KeyError:
        names = ", ".join(sorted(project.config.targets))
        if wanted is None:
            raise ConfigError(
                f"the project has several targets ({names}) and no default_target: choose one with -t"
            ) from None
        raise ConfigError(f"no target named {wanted!r}; the project's targets are: {names}") from None


IDLE_SECONDS_VARIABLE = "SFCONNECT_LOCALORG_IDLE_SECONDS"
"""How long a local org server started by a command waits without requests before it stops."""


@contextmanager
def _local_endpoint(app: AppContext, project: Project, target: Target) -> Iterator[LocalEndpoint]:
    """The target's local org, served by the one detached server every command shares (started if none)."""
    from sfconnect.localorg import local_org_dir, open_local_org
    from sfconnect.localorg.daemon import DEFAULT_IDLE_SECONDS, CannotStart, attach
    from sfconnect.org.targets import LocalEndpoint

    assert target.local is not None
    data_dir = local_org_dir(project.directory, target.local.org)
    seed_ref = getattr(target.local, "seed", None)
    seed_file = project.directory / seed_ref if seed_ref else None
    raw_idle = app.environ.get(IDLE_SECONDS_VARIABLE, "")
    try:
        idle = float(raw_idle) if raw_idle else DEFAULT_IDLE_SECONDS
    except ValueError:
        raise ConfigError(f"{IDLE_SECONDS_VARIABLE} must be a number of seconds, not {raw_idle!r}") from None
    try:
        with attach(data_dir, seed_file=seed_file, idle_seconds=idle) as running:
            org = open_local_org(data_dir)
            try:
                admin = org.admin_user()
                username, password = admin.username, org.password_of(admin.username)
            finally:
                org.close()
            yield LocalEndpoint(running.instance_url, running.ca_bundle, username, password)
    except CannotStart as exc:
        raise ConfigError(f"cannot start the local org {target.local.org!r}: {exc}") from None


@dataclass
class TargetConnection:
    """A connected target with its name and kind."""

    name: str
    target: Target
    connection: Connection
    endpoint: LocalEndpoint | None


@contextmanager
def connect_target(
    app: AppContext, project: Project, name: str | None = None, *, require_values: bool = True
) -> Iterator[TargetConnection]:
    """Log in to a target for the duration of the block.

    With `require_values` (the default), an unset ``${env:VAR}`` that the target uses is an error
    (`require_target_values`); commands that only read the org through the login's own settings pass False.

    Raises:
        ConfigError: unknown target or missing credentials. AuthError: the org refused the login.
        SpecValidationError: `require_values` and a variable the target uses is unset.
    """
    from sfconnect.org.session import Timeouts
    from sfconnect.org.targets import authenticator_for, connect

    target_name, target = resolve_target(app, project, name)
    if require_values:
        require_target_values(project, target_name)
    with ExitStack() as stack:
        endpoint = (
            stack.enter_context(_local_endpoint(app, project, target)) if target.local is not None else None
        )
        authenticator, verify = authenticator_for(
            target_name, target, environ=app.environ, base_dir=project.directory, local=endpoint
        )
        limits = target.timeouts
        connection = connect(
            target_name,
            authenticator,
            verify,
            api_version=project.config.api_version,
            timeouts=Timeouts(limits.connect, limits.read, limits.deploy),
        )
        stack.callback(connection.close)
        yield TargetConnection(target_name, target, connection, endpoint)


def secret_resolver(app: AppContext, project: Project) -> Callable[[str], str]:
    """Resolves a secret reference to its value at the moment it is needed (never stored or shown)."""
    from sfconnect.spec.refs import parse_ref, resolve_ref

    def resolve(ref: str) -> str:
        value = resolve_ref(parse_ref(ref), environ=app.environ, base_dir=project.directory)
        if value is None:
            raise ConfigError(
                f"the secret {ref} is not set; set it (it is only read, never stored) and run again"
            )
        return value.strip()

    return resolve


# --- smoke (issue 9) ----------------------------------------------------------------------------------

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sfconnect.smoke import AppKeys, SmokeEnvironment, SmokeUser
    from sfconnect.spec.models import AppSpec


def _local_smoke_users(project: Project, target: Target) -> list[SmokeUser]:
    """A local org's seeded users with their passwords (read in memory; nothing is printed or written)."""
    from sfconnect.localorg import local_org_dir, open_local_org
    from sfconnect.smoke import SmokeUser

    assert target.local is not None
    org = open_local_org(local_org_dir(project.directory, target.local.org))
    try:
        admin = org.admin_user().username
        users = sorted(org.users(), key=lambda u: (u.username != admin, u.username))
        return [
            SmokeUser(u.username, org.password_of(u.username), u.profile, u.permission_sets, u.api_only)
            for u in users
            if u.is_active
        ]
    finally:
        org.close()


def _local_db_keys(
    project: Project, target: Target, apps: Sequence[AppSpec], environ: Mapping[str, str]
) -> dict[str, AppKeys]:
    """The fallback for a local org whose REST access to secrets is off: each app's key and secret read from
    the org's database, for the apps the environment does not name (``SFCONNECT_<APP>_CONSUMER_KEY``)."""
    from sfconnect.localorg import local_org_dir, open_local_org
    from sfconnect.smoke import AppKeys, consumer_key_variable
    from sfconnect.smoke.environment import legacy_consumer_key_variable

    assert target.local is not None
    org = open_local_org(local_org_dir(project.directory, target.local.org))
    try:
        keys: dict[str, AppKeys] = {}
        for spec in apps:
            if environ.get(consumer_key_variable(spec.name)) or environ.get(
                legacy_consumer_key_variable(spec.name)
            ):
                continue
            kind = "ConnectedApp" if spec.kind == "ConnectedApp" else "ExternalClientApplication"
            found = org.credentials_of(kind, spec.name)
            if found is not None:
                keys[spec.name] = AppKeys(
                    found.consumer_key, found.consumer_secret, "the local org's database (fallback)"
                )
        return keys
    finally:
        org.close()


API_SOURCE = "the org's credentials API"


def _keys_through_api(
    app: AppContext,
    project: Project,
    target_name: str,
    target: Target,
    endpoint: LocalEndpoint | None,
    apps: Sequence[AppSpec],
) -> tuple[dict[str, AppKeys] | None, str]:
    """Each app's key and secret through the Connect REST credentials resources, and a sentence saying so.

    Returns ``(None, why)`` when the org does not allow it (setting off, permission missing) or cannot be
    logged in to, so that the caller falls back to the references smoke took before.
    """
    from sfconnect.credentials.service import read_credentials, smoke_keys
    from sfconnect.errors import CredentialsApiError, OrgError
    from sfconnect.org.credentials import CredentialsClient
    from sfconnect.org.targets import authenticator_for, connect

    wanted = [a.name for a in apps if a.state == "present" and a.oauth is not None]
    if not wanted:
        return {}, "no app with OAuth to read credentials for"
    try:
        authenticator, verify = authenticator_for(
            target_name, target, environ=app.environ, base_dir=project.directory, local=endpoint
        )
        connection = connect(target_name, authenticator, verify, api_version=project.config.api_version)
    except (ConfigError, OrgError) as exc:
        return None, f"could not log in to read them through the org's credentials API ({exc})"
    published = []
    try:
        with CredentialsClient(connection.session, target=target_name) as client:
            for name in wanted:
                try:
                    published += read_credentials(client, [name], "both")
                except CredentialsApiError as exc:
                    if exc.error_code != "NOT_FOUND":
                        raise
    except CredentialsApiError as exc:
        return None, f"the org refused to read them through its credentials API ({exc.error_code}: {exc})"
    finally:
        connection.close()
    return smoke_keys(published, API_SOURCE), (
        f"read the consumer keys and secrets of {len(published)} app(s) through {API_SOURCE}"
    )


@contextmanager
def smoke_environment(
    app: AppContext, project: Project, name: str | None, *, wait_minutes: float | None = None
) -> Iterator[tuple[SmokeEnvironment, list[AppSpec]]]:
    """The `SmokeEnvironment` of a target (serving its local org for the block when needed), and its apps.

    Waiting for propagation: `wait_minutes` when given, else ``smoke.wait_minutes``; a local target waits only
    when the project sets ``smoke.wait_minutes`` explicitly (a local org propagates at once by default).

    Raises:
        ConfigError: unknown target.
    """
    from sfconnect.smoke import SmokeEnvironment

    target_name, target = resolve_target(app, project, name)
    apps = project.apps_for_target(target_name)
    smoke = project.config.smoke
    if wait_minutes is None:
        explicit = "wait_minutes" in smoke.model_fields_set
        wait_minutes = smoke.wait_minutes if (explicit or target.local is None) else 0
    fallback = "falling back to SFCONNECT_<APP>_CONSUMER_KEY / _CONSUMER_SECRET and smoke.credentials"
    if target.local is None:
        assert target.salesforce is not None
        url = target.salesforce.url.rstrip("/")
        audience = (
            url
            if "login.salesforce.com" in url or "test.salesforce.com" in url
            else "https://test.salesforce.com"
            if target.salesforce.environment in ("sandbox", "scratch")
            else "https://login.salesforce.com"
        )
        keys, note = _keys_through_api(app, project, target_name, target, None, apps)
        yield (
            SmokeEnvironment(
                target_name,
                url,
                True,
                False,
                audience,
                app_keys=keys or {},
                wait_seconds=wait_minutes * 60,
                credentials_note=note if keys is not None else f"{note}; {fallback}",
            ),
            apps,
        )
        return
    with _local_endpoint(app, project, target) as endpoint:
        users = _local_smoke_users(project, target)
        keys, note = _keys_through_api(app, project, target_name, target, endpoint, apps)
        if keys is None:
            note = f"{note}; {fallback} (else the local org's database)"
            keys = _local_db_keys(project, target, apps, app.environ)
        yield (
            SmokeEnvironment(
                target_name,
                endpoint.instance_url,
                endpoint.ca_bundle,
                True,
                endpoint.instance_url,
                tuple(users),
                keys,
                wait_minutes * 60,
                credentials_note=note,
            ),
            apps,
        )


# --- conformance (issue 22) ---------------------------------------------------------------------------

if TYPE_CHECKING:
    from sfconnect.conformance import BrowserUser


def conformance_users(
    app: AppContext, project: Project, target: Target, endpoint: LocalEndpoint | None
) -> tuple[BrowserUser | None, BrowserUser | None]:
    """The users the conformance kit may log in as: (browser user, IP-restricted user).

    From ``SFCONNECT_CONFORMANCE_[RESTRICTED_]USERNAME`` / ``..._PASSWORD`` when set; for a local org, its
    admin, and a seeded user whose profile's login IP ranges exclude this machine (read from the org's
    database, in memory only; nothing is printed or written).
    """
    import ipaddress

    from sfconnect.conformance import BrowserUser

    def from_env(prefix: str) -> BrowserUser | None:
        username = app.environ.get(f"{prefix}USERNAME")
        password = app.environ.get(f"{prefix}PASSWORD")
        return BrowserUser(username, password) if username and password else None

    browser = from_env("SFCONNECT_CONFORMANCE_")
    restricted = from_env("SFCONNECT_CONFORMANCE_RESTRICTED_")
    if target.local is None or endpoint is None:
        return browser, restricted
    browser = browser or BrowserUser(endpoint.username, endpoint.password)
    if restricted is None:
        from sfconnect.localorg import local_org_dir, open_local_org

        org = open_local_org(local_org_dir(project.directory, target.local.org))
        try:
            table = org.setting("profile_login_ip_ranges") or {}
            here = ipaddress.ip_address("127.0.0.1")

            def excluded(profile: str) -> bool:
                ranges = table.get(profile) or []
                return bool(ranges) and not any(
                    int(ipaddress.ip_address(str(r[0]))) <= int(here) <= int(ipaddress.ip_address(str(r[1])))
                    for r in ranges
                )

            for user in org.users():
                if user.is_active and not user.api_only and excluded(user.profile):
                    restricted = BrowserUser(user.username, org.password_of(user.username))
                    break
        finally:
            org.close()
    return browser, restricted

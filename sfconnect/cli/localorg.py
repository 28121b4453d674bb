"""`sfconnect localorg serve|info|reset|migrate`: the project's embedded local org."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sfconnect.cli._options import project_dir_option, target_option
from sfconnect.cli.context import AppContext, Outcome, pass_app
from sfconnect.errors import ConfigError

__all__ = ["localorg"]


def _data_dir(app: AppContext, org: str | None, data_dir: Path | None) -> Path:
    from sfconnect.localorg import local_org_dir

    return data_dir if data_dir is not None else local_org_dir(app.project_dir, _org_and_seed(app, org)[0])


def _org_and_seed(app: AppContext, org: str | None) -> tuple[str, Path | None]:
    """The org to act on (``--org``, else the one the project's target names) and the seed its target gives.

    The target is ``-t``, else the project's default target; with no project (or a Salesforce target), the
    org is ``default`` with no seed.
    """
    from sfconnect.errors import SfconnectError
    from sfconnect.spec.load import PROJECT_FILE

    if not (app.project_dir / PROJECT_FILE).is_file():
        return org or "default", None
    from sfconnect.cli._runtime import load

    try:
        project = load(app)
        targets = [project.target(app.target)] if org is None else list(project.config.targets.items())
    except (SfconnectError, KeyError):
        return org or "default", None
    for _name, target in targets:
        if target.local is not None and (org is None or target.local.org == org):
            seed = project.directory / target.local.seed if target.local.seed else None
            return target.local.org, seed
    return org or "default", None


F = TypeVar("F", bound=Callable[..., Any])


def _org_options(f: F) -> F:
    f = click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Directory of the org (default: .sfconnect/localorg/NAME in the project).",
    )(f)
    f = click.option(
        "--org",
        "org_name",
        default=None,
        help="Name of the local org (a project can have several; default: the one the target names, "
        "else `default`).",
    )(f)
    return target_option(project_dir_option(f))


@click.group("localorg")
def localorg() -> None:
    """The embedded local org: a Salesforce-compatible server on this machine."""


@localorg.command("serve")
@_org_options
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0 picks a free port."
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback unless --allow-remote)."
)
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback address.")
@click.option(
    "--seed",
    "seed_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Seed YAML file used when the org is created (default: the target's `seed:`).",
)
@click.option(
    "--fault",
    "fault_values",
    multiple=True,
    metavar="KEY=JSON",
    help="Inject a fault from the start (repeatable), e.g. latency_seconds=0.2, setup_locked=true, "
    "deploy_seconds=5, error_rate='{\"readMetadata\": 0.1}'.",
)
@click.option(
    "--profile",
    "profile_flags",
    multiple=True,
    metavar="FLAG",
    help="Differ from Salesforce on purpose in this named way (repeatable; checks the conformance kit). "
    "Flags are listed in docs/conformance.md.",
)
@pass_app
def serve(
    app: AppContext,
    org_name: str | None,
    data_dir: Path | None,
    port: int,
    host: str,
    allow_remote: bool,
    seed_file: Path | None,
    fault_values: tuple[str, ...],
    profile_flags: tuple[str, ...],
) -> Outcome:
    """Serve the local org over HTTPS until interrupted (Ctrl-C)."""
    from sfconnect.localorg import AlreadyServed, SeedError, serve_local_org

    directory = _data_dir(app, org_name, data_dir)
    if seed_file is None:
        seed_file = _org_and_seed(app, org_name)[1]
    faults = _parse_faults(fault_values)
    try:
        with (
            serve_local_org(
                directory,
                port=port,
                host=host,
                seed_file=seed_file,
                allow_remote=allow_remote,
                faults=faults,
                profile=profile_flags or None,
            ) as h,
            contextlib.suppress(KeyboardInterrupt),
        ):  # Ctrl-C as soon as it serves stops it cleanly too
            click.echo(f"Serving local org {h.org_id} at {h.instance_url}")
            click.echo(f"CA bundle: {h.ca_bundle}")
            click.echo(f"Admin user: {h.admin_username} (password: sfconnect localorg info --json)")
            click.echo("Press Ctrl-C to stop.")
            _wait_for_interrupt()
    except (AlreadyServed, SeedError, ValueError) as exc:
        raise ConfigError(str(exc)) from exc
    click.echo("Stopped.")
    return Outcome.OK


def _parse_faults(values: tuple[str, ...]) -> dict[str, Any]:
    faults: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--fault")
        try:
            faults[key.strip()] = json.loads(raw)
        except ValueError:
            faults[key.strip()] = raw
    return faults


def _wait_for_interrupt() -> None:
    """Block until Ctrl-C or SIGTERM (both end the serve cleanly)."""

    def _stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()


@localorg.command("info")
@_org_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON (includes the admin password).")
@pass_app
def info(app: AppContext, org_name: str | None, data_dir: Path | None, as_json: bool) -> Outcome:
    """Show the org's instance URL (when served), CA bundle and admin user."""
    from sfconnect.localorg import find_running, open_local_org

    directory = _data_dir(app, org_name, data_dir)
    if not (directory / "org.db").exists():
        raise ConfigError(f"no local org in {directory}; start one with `sfconnect localorg serve`")
    running = find_running(directory)
    org = open_local_org(directory)
    try:
        admin = org.admin_user()
        data = {
            "org_id": org.org_id,
            "name": org_name or _org_and_seed(app, None)[0],
            "data_dir": str(directory),
            "running": running is not None,
            "instance_url": running.instance_url if running else None,
            "pid": running.pid if running else None,
            "ca_bundle": str(directory / "ca.pem") if (directory / "ca.pem").exists() else None,
            "admin_username": admin.username,
            "admin_password": org.password_of(admin.username),
            "settings": org.settings(),
        }
    finally:
        org.close()
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        status = f"served at {data['instance_url']} (pid {data['pid']})" if running else "not running"
        click.echo(f"Local org {data['org_id']} ({data['name']}): {status}")
        click.echo(f"Data directory: {directory}")
        click.echo(f"CA bundle: {data['ca_bundle']}")
        click.echo(f"Admin user: {data['admin_username']} (password: --json)")
    return Outcome.OK


@localorg.command("reset")
@_org_options
@click.option(
    "--seed",
    "seed_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Seed YAML file for the new state (default: the target's `seed:`).",
)
@pass_app
def reset(app: AppContext, org_name: str | None, data_dir: Path | None, seed_file: Path | None) -> Outcome:
    """Throw away the org's state and seed it again (refused while it is served)."""
    from sfconnect.localorg import AlreadyServed, SeedError, reset_local_org

    directory = _data_dir(app, org_name, data_dir)
    if seed_file is None:
        seed_file = _org_and_seed(app, org_name)[1]
    try:
        org = reset_local_org(directory, seed_file=seed_file)
    except (AlreadyServed, SeedError, ValueError) as exc:
        raise ConfigError(str(exc)) from exc
    click.echo(f"Local org {org.org_id} reset in {directory}")
    org.close()
    return Outcome.OK


@localorg.command("migrate")
@_org_options
@click.argument("app_name", metavar="APP")
@click.option(
    "--new-key",
    is_flag=True,
    help="Give the External Client App a new consumer key and secret (default: it keeps the Connected App's).",
)
@pass_app
def migrate(app: AppContext, org_name: str, data_dir: Path | None, app_name: str, new_key: bool) -> Outcome:
    """Press Setup's "Migrate to External Client App" button for the Connected App APP.

    The org creates a local External Client App of the same name from the Connected App, which stays as a
    read-only version (updates and deploys to it are refused). Deleting the External Client App makes the
    Connected App active again. Refused for an app that is not local, uses the username-password flow, or
    has invalid push settings. Then run `sfconnect migrate APP --adopt` to bring the project's YAML along.
    """
    from sfconnect.localorg import open_local_org
    from sfconnect.localorg.migration import MigrationRefused, migrate_connected_app

    directory = _data_dir(app, org_name, data_dir)
    if not (directory / "org.db").exists():
        raise ConfigError(f"no local org in {directory}; start one with `sfconnect localorg serve`")
    org = open_local_org(directory)
    try:
        done = migrate_connected_app(org, app_name, keep_consumer_key=not new_key)
    except MigrationRefused as exc:
        raise ConfigError(f"cannot migrate {app_name}: {exc}") from exc
    finally:
        org.close()
    click.echo(
        f"Migrated Connected App {done.connected_app} to the External Client App {done.external_client_app}; "
        "the Connected App is now read-only."
    )
    click.echo(
        "The External Client App keeps the Connected App's consumer key and secret."
        if done.consumer_key_kept
        else "The External Client App has a new consumer key and secret; the old key no longer works."
    )
    click.echo(f"Next: sfconnect migrate {done.connected_app} --adopt")
    return Outcome.OK


@localorg.command("device-flow")
@_org_options
@click.argument("app_name")
@click.option(
    "--enable/--disable",
    default=True,
    show_default=True,
    help='Check or uncheck the Connected App\'s "Enable for Device Flow".',
)
@pass_app
def device_flow(
    app: AppContext, org_name: str, data_dir: Path | None, app_name: str, enable: bool
) -> Outcome:
    """Turn the device flow on or off for a Connected App (Setup's "Enable for Device Flow", which has no
    metadata field; External Client Apps use `isDeviceFlowEnabled` in their YAML instead)."""
    from sfconnect.localorg import open_local_org

    directory = _data_dir(app, org_name, data_dir)
    if not (directory / "org.db").exists():
        raise ConfigError(f"no local org in {directory}; start one with `sfconnect localorg serve`")
    org = open_local_org(directory)
    try:
        name = org.set_device_flow(app_name, enable)
    except KeyError:
        raise ConfigError(
            f"no Connected App named {app_name!r} in the local org in {directory}: check the app's API name "
            "(its fullName), or seed the app first"
        ) from None
    finally:
        org.close()
    click.echo(f"Device flow {'enabled' if enable else 'disabled'} for Connected App {name}")
    return Outcome.OK

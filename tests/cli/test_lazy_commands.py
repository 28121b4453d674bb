"""Each command imports only what it uses: commands load lazily, and heavy libraries only where needed.

The registry in `sfconnect.cli.main` lists every command with the summary ``sfconnect --help`` shows, so
that listing the commands imports none of them; these tests keep the registry true to the commands and
check, in fresh interpreters, which modules a command loads.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

import sfconnect.cli
from sfconnect.cli.main import COMMANDS, LazyGroup, cli, run

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart"
HEAVY = ("simple_salesforce", "zeep", "deepdiff", "jsonschema", "cryptography", "requests")


def _loaded_after(args: list[str], *, env: dict[str, str] | None = None) -> tuple[int, list[str], str]:
    """Run the CLI with `args` in a fresh interpreter; its exit code, every module it loaded, its output."""
    script = (
        "import json, sys\n"
        "from sfconnect.cli.main import run\n"
        f"code = run({args!r})\n"
        "print('MODULES ' + json.dumps(sorted(sys.modules)))\n"
        "print('CODE', code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, check=False
    )
    lines = done.stdout.splitlines()
    modules = next((json.loads(line[8:]) for line in lines if line.startswith("MODULES ")), None)
    assert modules is not None, done.stdout + done.stderr
    code = int(next(line.split()[1] for line in lines if line.startswith("CODE ")))
    output = "\n".join(line for line in lines if not line.startswith("MODULES ")) + done.stderr
    return code, modules, output


def _heavy(modules: list[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules if m.split(".")[0] in HEAVY})


def _commands_of(module: str) -> list[click.Command]:
    return [v for v in vars(importlib.import_module(module)).values() if isinstance(v, click.Command)]


def test_every_entry_names_its_command_and_summarises_it_as_click_would() -> None:
    for name, entry in COMMANDS.items():
        command = getattr(importlib.import_module(f"sfconnect.cli.{entry.module}"), entry.attribute)
        assert isinstance(command, click.Command), name
        assert command.name == name
        stand_in = LazyGroup()._listed(name)  # a fresh group: nothing loaded
        assert stand_in is not None and stand_in is not command
        for limit in (20, 45, 70, 200):
            assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit), (name, limit)


def test_every_command_of_the_cli_package_is_registered() -> None:
    modules = [f"sfconnect.cli.{m.name}" for m in pkgutil.iter_modules(sfconnect.cli.__path__)]
    found = [
        c for m in modules if not m.rsplit(".", 1)[1].startswith("_") for c in _commands_of(m) if c is not cli
    ]
    subcommands = {id(s) for c in found if isinstance(c, click.Group) for s in c.commands.values()}
    top_level = {c.name for c in found if id(c) not in subcommands}
    assert top_level == set(COMMANDS)


def test_help_lists_every_command_as_the_loaded_commands_describe_themselves(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["--help"]) == 0
    listed = capsys.readouterr().out
    loaded = LazyGroup(name="sfconnect")
    for name in COMMANDS:
        loaded.get_command(click.Context(loaded), name)
    with click.Context(loaded, info_name="sfconnect") as ctx:
        formatter = ctx.make_formatter()
        loaded.format_commands(ctx, formatter)
    expected = formatter.getvalue()
    assert expected.strip() and expected in listed


def test_help_imports_no_command_and_nothing_heavy() -> None:
    code, modules, output = _loaded_after(["--help"])
    assert code == 0, output
    commands = sorted(m for m in modules if m.startswith("sfconnect.cli.") and m != "sfconnect.cli.main")
    assert not [m for m in commands if m.rsplit(".", 1)[1] in {e.module for e in COMMANDS.values()}], commands
    assert _heavy(modules) == []


def test_a_command_help_imports_that_command_only() -> None:
    code, modules, output = _loaded_after(["plan", "--help"])
    assert code == 0, output
    assert "sfconnect.cli.plan" in modules
    others = {f"sfconnect.cli.{e.module}" for e in COMMANDS.values()} - {"sfconnect.cli.plan"}
    assert not others & set(modules)
    assert _heavy(modules) == []


def test_validate_imports_nothing_heavy() -> None:
    code, modules, output = _loaded_after(["validate", str(QUICKSTART)])
    assert code == 0, output
    assert _heavy(modules) == []


@pytest.fixture(scope="module")
def served_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A served local org: (instance URL, CA bundle, an access token of its admin)."""
    from sfconnect.localorg import serve_local_org
    from sfconnect.org.auth import UsernamePasswordAuth
    from sfconnect.org.session import trusting_session

    with serve_local_org(tmp_path_factory.mktemp("lazy-plan-org")) as handle:
        auth = UsernamePasswordAuth(handle.login_url, handle.admin_username, handle.admin_password)
        with trusting_session(str(handle.ca_bundle)) as http:
            session = auth.login(http, "63.0", target="org")
        yield handle.instance_url, str(handle.ca_bundle), session.session_id


def test_plan_against_an_org_imports_no_zeep(served_token: tuple[str, str, str], tmp_path: Path) -> None:
    """A plan builds its Metadata API requests from the WSDL table: zeep is never imported, and neither is
    simple-salesforce when the target logs in without it (here with an access token)."""
    instance_url, ca_bundle, token = served_token
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "app.yaml").write_text(
        "apps:\n  - kind: ExternalClientApp\n    name: Lazy_App\n    label: Lazy App\n"
        "    contact: {email: ops@example.com}\n"
        "    oauth: {callback_urls: ['https://app.example.com/cb'], scopes: [api]}\n",
        encoding="utf-8",
    )
    (tmp_path / "sfconnect.yaml").write_text(
        f'api_version: "63.0"\napps: [apps/*.yaml]\ntargets:\n  org:\n    salesforce:\n'
        f"      url: {instance_url}\n      auth: {{access_token: {{}}}}\ndefault_target: org\n",
        encoding="utf-8",
    )
    env = {**os.environ, "SFCONNECT_ORG_ACCESS_TOKEN": token, "REQUESTS_CA_BUNDLE": ca_bundle}
    code, modules, output = _loaded_after(["plan", "-C", str(tmp_path)], env=env)
    assert code == 0, output
    assert "sfconnect.org.metadata_api" in modules  # it did read the org
    assert "zeep" not in _heavy(modules)
    assert "simple_salesforce" not in _heavy(modules)


def test_attaching_to_a_local_org_does_not_import_its_server() -> None:
    """What a command uses to reach a served embedded org (`cli._runtime`) loads no HTTP server, TLS or OAuth."""
    script = (
        "import sys\n"
        "from sfconnect.localorg import local_org_dir, open_local_org\n"
        "from sfconnect.localorg.daemon import attach\n"
        "print(sorted(m for m in sys.modules if m.startswith(('sfconnect.localorg._server', 'cheroot', 'jwt', "
        "'cryptography'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr

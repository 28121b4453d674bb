"""`sfconnect conformance` against a project's embedded org: the listed probes, a run with each format,
`--cleanup`, and Ctrl-C in a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from sfconnect.cli.context import AppContext
from sfconnect.cli.main import run
from sfconnect.conformance import ALL_PROBES, PREFIX
from sfconnect.localorg import local_org_dir, open_local_org
from tests.conftest import REPO_ROOT

LEFTOVER = f"{PREFIX}old00001_Left"
KEEP = "Partner_Eca"


def _eca(name: str) -> dict[str, object]:
    return {
        "type": "ExternalClientApplication",
        "fullName": name,
        "record": {"label": name, "contactEmail": "ops@example.com", "distributionState": "Local"},
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose embedded org holds another app and what an interrupted run left."""
    (tmp_path / "sfconnect.yaml").write_text(
        yaml.safe_dump(
            {
                "api_version": "63.0",
                "apps": [],
                "targets": {"local": {"local": {"org": "default", "seed": "seed.yaml"}}},
                "default_target": "local",
            }
        ),
        encoding="utf-8",
    )
    (tmp_path / "seed.yaml").write_text(
        yaml.safe_dump({"apps": [_eca(KEEP), _eca(LEFTOVER)]}), encoding="utf-8"
    )
    return tmp_path


Invoke = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Invoke:
    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = run(list(args), obj=AppContext(environ={}))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def _names(project: Path) -> set[str]:
    org = open_local_org(local_org_dir(project, "default"))
    try:
        return {c.full_name for c in org.components()}
    finally:
        org.close()


def test_list_shows_every_probe_with_its_source(cli: Invoke) -> None:
    code, out, _err = cli("conformance", "--list")
    assert code == 0
    for probe in ALL_PROBES:
        assert probe.id in out
    assert out.count("source (documentation)") + out.count("source (real-org)") == len(ALL_PROBES)


def test_cleanup_removes_leftovers_and_nothing_else(cli: Invoke, project: Path) -> None:
    code, out, err = cli("conformance", "--cleanup", "-C", str(project))
    assert code == 0, err
    assert f"removed ExternalClientApplication/{LEFTOVER}" in out
    assert _names(project) == {KEEP}


def test_a_run_says_what_it_creates_and_writes_each_format(cli: Invoke, project: Path) -> None:
    out_json = project / "report.json"
    code, _out, err = cli(
        "conformance",
        "-C",
        str(project),
        "--only",
        "metadata.update_replaces_whole",
        "--format",
        "json",
        "--out",
        str(out_json),
    )
    assert code == 0, err
    assert "it creates only components named SfcConf_" in err
    assert "metadata.update_replaces_whole: one External Client App header" in err
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert [(r["id"], r["status"]) for r in data["results"]] == [
        ("metadata.update_replaces_whole", "matches")
    ]
    assert data["untouched_verified"] is True
    code, out, _err = cli(
        "conformance", "-C", str(project), "--only", "rest.organization_query", "--format", "markdown"
    )
    assert code == 0 and "### sfconnect conformance" in out
    assert LEFTOVER in _names(project)  # a run removes only its own components


def test_unknown_area_is_a_clear_error(cli: Invoke, project: Path) -> None:
    code, _out, err = cli("conformance", "-C", str(project), "--only", "nonsense")
    assert code == 1
    assert "unknown area or probe: nonsense" in err


def test_ctrl_c_cleans_up(project: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "sfconnect", "conformance", "-v", "-C", str(project), "--skip", "metadata"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if "running oauth.callback_mismatch" in line:  # deploy probes and one OAuth app are in the org by now
            break
    else:
        pytest.fail("the run never reached the OAuth probes:\n" + "".join(lines))
    process.send_signal(signal.SIGINT)
    out, rest = process.communicate(timeout=120)
    assert process.returncode == 1, rest
    assert "interrupted" in rest
    assert "(interrupted)" in out
    assert _names(project) == {KEEP, LEFTOVER}  # the run's own components are gone; nothing else changed


def test_production_target_refused_without_allow_production(cli: Invoke, project: Path) -> None:
    seed = yaml.safe_load((project / "seed.yaml").read_text(encoding="utf-8"))
    seed["settings"] = {"is_sandbox": False, "organization_type": "Unlimited Edition"}
    (project / "seed.yaml").write_text(yaml.safe_dump(seed), encoding="utf-8")
    code, out, err = cli("conformance", "-C", str(project), "--only", "metadata.update_replaces_whole")
    assert code == 1
    assert "is a production org" in err and "--allow-production" in err
    assert "it creates only" not in err and out == ""
    assert _names(project) == {KEEP, LEFTOVER}
    code, _out, err = cli(
        "conformance", "-C", str(project), "--only", "metadata.update_replaces_whole", "--allow-production"
    )
    assert code == 0, err

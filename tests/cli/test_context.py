"""The typed `AppContext`: the project is a field loaded once, and whether a target's ``${env:VAR}`` values must
be set is an argument of `connect_target`, not state an earlier call left behind."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from sfconnect.cli._runtime import connect_target, load, reload
from sfconnect.cli.context import AppContext
from sfconnect.errors import ConfigError, SpecValidationError
from tests.conftest import REPO_ROOT


@pytest.fixture
def multi_env(tmp_path: Path) -> Path:
    root = tmp_path / "multi-env"
    shutil.copytree(REPO_ROOT / "examples" / "multi-env", root, ignore=shutil.ignore_patterns(".sfconnect"))
    return root


def test_the_context_has_typed_fields_and_no_bag() -> None:
    names = [f.name for f in dataclasses.fields(AppContext)]
    assert names == ["project_dir", "target", "color", "verbose", "environ", "project"]
    assert not hasattr(AppContext(), "cache")


def test_the_project_is_loaded_once_and_again_on_reload(multi_env: Path) -> None:
    app = AppContext(project_dir=multi_env, environ={})
    assert app.project is None
    project = load(app)
    assert app.project is project and load(app) is project
    (multi_env / "sfconnect.yaml").write_text(
        (multi_env / "sfconnect.yaml").read_text().replace("default_target: local", "default_target: uat")
    )
    assert load(app).config.default_target == "local"  # cached: the file is read once per command
    again = reload(app)
    assert again is not project and again.config.default_target == "uat" and app.project is again


def test_unset_values_of_the_target_are_refused_when_asked_whatever_was_loaded_before(
    multi_env: Path,
) -> None:
    app = AppContext(project_dir=multi_env, environ={})
    project = load(app)  # loading alone never refuses an unset variable
    with pytest.raises(SpecValidationError) as raised, connect_target(app, project, "uat"):
        pass
    assert any("UAT_DEPLOY_CONSUMER_KEY" in issue.message for issue in raised.value.issues)
    assert not any("PROD_DEPLOY" in issue.message for issue in raised.value.issues)  # another target's values


def test_a_command_that_does_not_require_values_reaches_the_login(multi_env: Path) -> None:
    app = AppContext(project_dir=multi_env, environ={})
    refused = pytest.raises(ConfigError, match="UAT_DEPLOY_PRIVATE_KEY, which is not set")
    with refused as raised, connect_target(app, load(app), "uat", require_values=False):
        pass
    assert not isinstance(raised.value, SpecValidationError)

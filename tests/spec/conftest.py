"""Fixtures for spec tests: small projects written into tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from sfconnect.errors import Issue, SpecValidationError
from sfconnect.spec.load import Project, load_project

ECA = """\
  - kind: ExternalClientApp
    name: {name}
    label: {name}
    oauth:
      callback_urls: [https://{name}.example.com/cb]
      scopes: [api]
"""

WriteProject = Callable[..., Path]


@pytest.fixture
def write_project(tmp_path: Path) -> WriteProject:
    """Write ``apps/app.yaml`` (and ``sfconnect.yaml`` when given) and return the project directory."""

    def write(apps: str, config: str | None = None, name: str = "app.yaml") -> Path:
        (tmp_path / "apps").mkdir(exist_ok=True)
        (tmp_path / "apps" / name).write_text(textwrap.dedent(apps), encoding="utf-8")
        if config is not None:
            (tmp_path / "sfconnect.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
        return tmp_path

    return write


def load(project: Path, **kwargs: object) -> Project:
    return load_project(project, environ=kwargs.pop("environ", {}), **kwargs)  # type: ignore[arg-type]


def errors_of(project: Path, **kwargs: object) -> list[Issue]:
    with pytest.raises(SpecValidationError) as info:
        load(project, **kwargs)
    return [i for i in info.value.issues if i.severity == "error"]

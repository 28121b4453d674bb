"""Lint test fixtures: the end-to-end `project` and `cli` fixtures."""

from __future__ import annotations

from tests.e2e.conftest import cli, project

__all__ = ["cli", "project"]

"""Security tests reuse the end-to-end fixtures (example projects in tmp_path, the CLI run in-process)."""

from tests.e2e.conftest import cli, project

__all__ = ["cli", "project"]

"""Shared fixtures for the metadata tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    """The folder of this package's own small metadata files."""
    return FIXTURES

"""The endpoint tables of docs/localorg.md and docs/localorg-oauth.md match the routing table: every documented
endpoint is served (by a route other than the catch-all 404), with each documented method."""

from __future__ import annotations

import re

import pytest

from sfconnect.localorg import _responses as responses
from sfconnect.localorg._urls import ROUTES, match
from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs"
_SAMPLES = {
    "{v}": "66.0",
    "{version}": "66.0",
    "{id}": "005000000000001AAA",
    "{orgId}": "00D000000000001AAA",
    "{userId}": "005000000000001AAA",
    "{app}": "0xI000000000001AAA",
    "{consumer}": "0xJ000000000001AAA",
    "{staged}": "0xK000000000001AAA",
}
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _concrete(path: str) -> str:
    path = path.split("?", 1)[0].replace("[/anything]", "/x")
    for placeholder, sample in _SAMPLES.items():
        path = path.replace(placeholder, sample)
    assert "{" not in path, f"no sample value for a placeholder in {path}"
    return path


def _localorg_endpoints() -> list[tuple[str, str]]:
    """(method, path) of each row of the endpoint table in docs/localorg.md."""
    text = (DOCS / "localorg.md").read_text(encoding="utf-8")
    table = text.split("| endpoint | |", 1)[1].split("\n\n", 1)[0]
    found: list[tuple[str, str]] = []
    for row in table.splitlines()[2:]:
        cell = row.split("|")[1]
        if "any other" in cell:
            continue
        chunks = re.findall(r"`([^`]+)`", cell)
        methods = [w for c in chunks for w in c.split()[:1] if w in _METHODS] or ["GET"]
        paths = [w for c in chunks for w in c.split() if w.startswith("/")]
        found.extend((m, p) for m in methods for p in paths)
    return found


def _oauth_endpoints() -> list[tuple[str, str]]:
    """(method, path) of each row of the endpoint table in docs/localorg-oauth.md."""
    text = (DOCS / "localorg-oauth.md").read_text(encoding="utf-8")
    table = text.split("| Path | Method | What it does |", 1)[1].split("\n\n", 1)[0]
    found: list[tuple[str, str]] = []
    for row in table.splitlines()[2:]:
        cells = row.split("|")
        path = re.search(r"`(/[^`]+)`", cells[1])
        assert path is not None, row
        methods = [m for m in re.findall(r"\b[A-Z]+\b", cells[2].split("(")[0]) if m in _METHODS]
        found.extend((m, path.group(1)) for m in methods)
    return found


ENDPOINTS = sorted(set(_localorg_endpoints() + _oauth_endpoints()))


def test_the_tables_were_read() -> None:
    paths = {p for _, p in ENDPOINTS}
    assert "/services/data/v{v}/query?q=" in paths and "/services/oauth2/token" in paths
    assert len(ENDPOINTS) >= 15


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_documented_endpoint_is_served(method: str, path: str) -> None:
    found = match(ROUTES, method, _concrete(path))
    assert found is not None, f"{method} {path} is documented but not served"
    route, _ = found
    assert route.handler is not responses.rest_not_found, f"{method} {path} is documented but answers 404"


def test_docs_list_every_served_api_version() -> None:
    text = (DOCS / "localorg.md").read_text(encoding="utf-8")
    assert "versions (31.0 to 66.0)" in text

"""Sinks: their written forms, files (JSON / dotenv, 0600, merged), and refusals that never repeat a value."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sfconnect.credentials._sinks import Entry, FileSink, GithubSink, parse_sink
from sfconnect.errors import ConfigError

VALUE = 's3cr3t value with spaces & "quotes"'


def test_parse_sink_forms() -> None:
    assert parse_sink("file:out/creds.env") == FileSink(Path("out/creds.env"))
    assert parse_sink("github").describe() == "github"
    assert parse_sink("github:acme/sf").describe() == "github:acme/sf"
    for bad, message in (
        ("file:", "needs a path"),
        ("github:acme", "OWNER/REPO"),
        ("vault:x", "unknown sink"),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_sink(bad)


def test_dotenv_round_trips_values_that_need_quoting(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "a.env")
    sink.write([Entry("A_SECRET", VALUE, secret=True), Entry("A_KEY", "3MVG9abc")])
    sink.write([Entry("B_KEY", "k2")])
    assert sink._existing() == {"A_SECRET": VALUE, "A_KEY": "3MVG9abc", "B_KEY": "k2"}
    assert stat.S_IMODE(sink.path.stat().st_mode) == 0o600


def test_a_file_that_is_not_json_is_refused_without_being_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a JSON object"):
        FileSink(path).write([Entry("X", VALUE, secret=True)])
    assert path.read_text(encoding="utf-8") == "not json"


def test_github_sink_without_gh_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cli\.github\.com") as refused:
        GithubSink(environ={"PATH": str(tmp_path)}).write([Entry("X", VALUE, secret=True)])
    assert VALUE not in str(refused.value) and VALUE not in repr(Entry("X", VALUE))

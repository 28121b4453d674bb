"""The safe YAML loader: positions, duplicate keys, limits, encodings."""

from __future__ import annotations

import datetime as dt

import pytest

from sfconnect.errors import YamlSyntaxError
from sfconnect.spec._yaml import MAX_BYTES, load_document


def _error(text: str | bytes) -> YamlSyntaxError:
    raw = text.encode() if isinstance(text, str) else text
    with pytest.raises(YamlSyntaxError) as info:
        load_document(raw, "f.yaml")
    return info.value


def test_values_and_positions() -> None:
    doc = load_document(b"a: 1\nb:\n  - x\n  - {c: 2026-01-31}\n", "f.yaml")
    assert doc.data == {"a": 1, "b": ["x", {"c": dt.date(2026, 1, 31)}]}
    assert doc.position(("b", 1, "c")) == (4, 9)
    assert doc.position(("b", 1, "c"), key=True) == (4, 6)
    assert doc.position(("b", 0)) == (3, 5)
    # unknown paths fall back to their nearest known ancestor
    assert doc.position(("b", 1, "missing")) == (4, 5)


def test_duplicate_key_names_both_lines() -> None:
    issue = _error("a: 1\nb: 2\na: 3\n").issue
    assert (issue.line, issue.column, issue.code) == (3, 1, "yaml_duplicate_key")
    assert "first written at line 1" in issue.message


def test_merge_keys_are_not_duplicates() -> None:
    doc = load_document(b"base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert doc.data == {"base": {"x": 1, "y": 2}, "d": {"x": 1, "y": 3}}
    assert doc.position(("d", "y")) == (4, 6)


def test_alias_bomb() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    assert _error("\n".join(lines)).issue.code == "yaml_alias_bomb"


def test_small_aliases_are_fine() -> None:
    doc = load_document(b"a: &a [1, 2]\nb: *a\n", "f.yaml")
    assert doc.data == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("a:\n\tb: 1\n", "yaml_tab", 2),
        ("a:\n  b: 1\n\tc: 2\n", "yaml_tab", 3),
        ("", "empty_file", 1),
        ("# only a comment\n", "empty_file", 1),
        ("a: [1\n", "yaml_syntax", 2),
        ("a: 1\n---\nb: 2\n", "yaml_syntax", 2),
        ("? [a]\n: 1\n", "yaml_syntax", 1),
        ("a: !!binary aGk=\n", "yaml_syntax", 1),
    ],
)
def test_refused_documents(text: str, code: str, line: int) -> None:
    issue = _error(text).issue
    assert (issue.code, issue.line) == (code, line), issue


def test_non_utf8_position() -> None:
    issue = _error(b"a: 1\nb: caf\xe9\n").issue
    assert (issue.code, issue.line, issue.column) == ("encoding", 2, 7)


def test_bom_is_accepted() -> None:
    assert load_document(b"\xef\xbb\xbfa: 1\n", "f.yaml").data == {"a": 1}


def test_size_limit_is_checked_before_parsing() -> None:
    issue = _error(b"#" * (MAX_BYTES + 1)).issue
    assert issue.code == "file_too_large"

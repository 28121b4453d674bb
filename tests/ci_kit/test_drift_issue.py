"""The nightly drift issue: opened on drift, updated when the drift changes, closed when back in sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ci_kit.conftest import BOT, FakeGitHub

MARKER = "<!-- sfconnect:drift:production -->"


def _report(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drift.md"
    path.write_text(text, encoding="utf-8")
    return path


def _issue(
    number: int, body: str, *, login: str = BOT, labels: tuple[str, ...] = ("sfconnect-drift",)
) -> dict[str, Any]:
    return {
        "number": number,
        "title": "sfconnect drift: production",
        "body": body,
        "state": "open",
        "labels": [{"name": name} for name in labels],
        "user": {"login": login},
    }


def _drift(github: FakeGitHub, tmp_path: Path, exitcode: int, text: str = "") -> str:
    args = ["--target", "production", "--exitcode", str(exitcode)]
    if text:
        args += ["--report", str(_report(tmp_path, text))]
    done = github.run("drift_issue.py", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_drift_opens_an_issue_and_creates_the_missing_label(github: FakeGitHub, tmp_path: Path) -> None:
    outcome = _drift(github, tmp_path, 2, "## Drift: production\n\nbilling-sync: scopes drifted\n")

    assert outcome == "opened issue #1"
    state = github.state()
    assert state["labels"] == ["sfconnect-drift"]
    (issue,) = state["issues"]
    assert issue["title"] == "sfconnect drift: production"
    assert issue["body"].startswith(MARKER + "\n\n## Drift: production")
    assert issue["labels"] == [{"name": "sfconnect-drift"}]
    assert github.writes() == [
        ("POST", "repos/acme/salesforce-apps/labels"),
        ("POST", "repos/acme/salesforce-apps/issues"),
    ]


def test_an_existing_label_is_reused(github: FakeGitHub, tmp_path: Path) -> None:
    github.seed(labels=["sfconnect-drift"])

    assert _drift(github, tmp_path, 2, "drifted\n") == "opened issue #1"
    assert github.writes() == [("POST", "repos/acme/salesforce-apps/issues")]


def test_changed_drift_updates_the_open_issue_and_comments_once(github: FakeGitHub, tmp_path: Path) -> None:
    github.seed(labels=["sfconnect-drift"], issues=[_issue(3, f"{MARKER}\n\nbilling-sync: scopes drifted")])

    outcome = _drift(github, tmp_path, 2, "billing-sync: scopes drifted\npartner-portal: callback drifted\n")

    assert outcome == "updated issue #3"
    (issue,) = github.state()["issues"]
    assert issue["body"] == f"{MARKER}\n\nbilling-sync: scopes drifted\npartner-portal: callback drifted"
    assert issue["state"] == "open"
    assert github.writes() == [
        ("PATCH", "repos/acme/salesforce-apps/issues/3"),
        ("POST", "repos/acme/salesforce-apps/issues/3/comments"),
    ]
    assert "changed" in github.state()["comments"]["3"][0]["body"]


def test_unchanged_drift_writes_nothing(github: FakeGitHub, tmp_path: Path) -> None:
    github.seed(labels=["sfconnect-drift"], issues=[_issue(3, f"{MARKER}\n\nbilling-sync: scopes drifted")])

    assert (
        _drift(github, tmp_path, 2, "billing-sync: scopes drifted\n")
        == "issue #3 already describes this drift"
    )
    assert github.writes() == []


def test_back_in_sync_closes_the_issue_with_a_comment(github: FakeGitHub, tmp_path: Path) -> None:
    github.seed(labels=["sfconnect-drift"], issues=[_issue(3, f"{MARKER}\n\nbilling-sync: scopes drifted")])

    assert _drift(github, tmp_path, 0, "No drift.\n") == "closed issue #3"
    (issue,) = github.state()["issues"]
    assert issue["state"] == "closed"
    assert issue["state_reason"] == "completed"
    assert "back in sync" in github.state()["comments"]["3"][0]["body"]
    assert "actions/runs/4242" in github.state()["comments"]["3"][0]["body"]


def test_in_sync_without_an_issue_writes_nothing(github: FakeGitHub, tmp_path: Path) -> None:
    assert _drift(github, tmp_path, 0) == "production is in sync; no open drift issue"
    assert github.writes() == []


def test_a_failed_drift_check_leaves_the_issue_alone(github: FakeGitHub, tmp_path: Path) -> None:
    github.seed(labels=["sfconnect-drift"], issues=[_issue(3, f"{MARKER}\n\nold")])

    outcome = _drift(github, tmp_path, 1)

    assert "failed (exit code 1)" in outcome
    assert github.calls() == []
    assert github.state()["issues"][0]["state"] == "open"


def test_issues_of_people_pull_requests_and_other_targets_are_not_reused(
    github: FakeGitHub, tmp_path: Path
) -> None:
    by_a_person = _issue(1, f"{MARKER}\n\ncopied by hand", login="alice")
    a_pull_request = {**_issue(2, f"{MARKER}\n\nnot an issue"), "pull_request": {"url": "x"}}
    other_target = _issue(3, "<!-- sfconnect:drift:staging -->\n\nstaging drift")
    github.seed(labels=["sfconnect-drift"], issues=[by_a_person, a_pull_request, other_target])

    assert _drift(github, tmp_path, 2, "production drift\n") == "opened issue #4"
    issues = {i["number"]: i for i in github.state()["issues"]}
    assert issues[1] == by_a_person
    assert issues[3] == other_target
    assert issues[4]["body"] == f"{MARKER}\n\nproduction drift"


def test_back_in_sync_leaves_other_targets_open(github: FakeGitHub, tmp_path: Path) -> None:
    other_target = _issue(3, "<!-- sfconnect:drift:staging -->\n\nstaging drift")
    github.seed(labels=["sfconnect-drift"], issues=[other_target])

    assert _drift(github, tmp_path, 0) == "production is in sync; no open drift issue"
    assert github.state()["issues"] == [other_target]

"""The sticky plan comment: created once, updated in place, humans left alone, cut below GitHub's limit."""

from __future__ import annotations

from pathlib import Path

from tests.ci_kit.conftest import BOT, FakeGitHub

MARKER = "<!-- sfconnect:plan:production -->"
RUN_URL = "https://github.com/acme/salesforce-apps/actions/runs/4242"


def _report(tmp_path: Path, text: str, name: str = "plan.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _comment(cid: int, login: str, body: str) -> dict[str, object]:
    return {"id": cid, "user": {"login": login}, "body": body}


def test_first_run_creates_one_comment_that_starts_with_the_marker(
    github: FakeGitHub, tmp_path: Path
) -> None:
    report = _report(
        tmp_path, "## sfconnect plan: production\n\nPlan: 1 to add, 0 to change, 0 to destroy.\n"
    )

    done = github.run("sticky_comment.py", "--pr", "12", "--target", "production", "--report", str(report))

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("created comment")
    comments = github.state()["comments"]["12"]
    assert len(comments) == 1
    body = comments[0]["body"]
    assert body.splitlines()[0] == MARKER
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in body
    assert comments[0]["user"]["login"] == BOT
    assert github.writes() == [("POST", "repos/acme/salesforce-apps/issues/12/comments")]


def test_second_run_updates_the_bots_comment_in_place_found_on_a_later_page(
    github: FakeGitHub, tmp_path: Path
) -> None:
    others = [_comment(i, "alice", f"looks good {i}") for i in range(1, 5)]
    own = _comment(7, BOT, f"{MARKER}\n\nPlan: 1 to add, 0 to change, 0 to destroy.")
    github.seed(comments={"12": [*others, own, _comment(9, "bob", "ship it")]}, page_size=2)
    report = _report(tmp_path, "Plan: 0 to add, 2 to change, 0 to destroy.\n")

    done = github.run("sticky_comment.py", "--pr", "12", "--target", "production", "--report", str(report))

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "updated comment 7"
    comments = {c["id"]: c for c in github.state()["comments"]["12"]}
    assert len(comments) == 6
    assert comments[7]["body"] == f"{MARKER}\n\nPlan: 0 to add, 2 to change, 0 to destroy."
    assert github.writes() == [("PATCH", "repos/acme/salesforce-apps/issues/comments/7")]
    listing = github.calls()[0]["argv"]
    assert "--paginate" in listing


def test_an_unchanged_report_is_not_sent_again(github: FakeGitHub, tmp_path: Path) -> None:
    report = _report(tmp_path, "Plan: 0 to add, 2 to change, 0 to destroy.\n")
    assert (
        github.run(
            "sticky_comment.py", "--pr", "3", "--target", "production", "--report", str(report)
        ).returncode
        == 0
    )

    again = github.run("sticky_comment.py", "--pr", "3", "--target", "production", "--report", str(report))

    assert again.returncode == 0, again.stderr
    assert "already current" in again.stdout
    assert len(github.writes()) == 1
    assert len(github.state()["comments"]["3"]) == 1


def test_human_comments_quoting_the_marker_are_left_alone(github: FakeGitHub, tmp_path: Path) -> None:
    human_first_line = _comment(1, "alice", f"{MARKER}\nI pasted the old plan here, see above")
    human_quote = _comment(2, "bob", f"> {MARKER}\n> Plan: 1 to add\nwhy is this adding an app?")
    bot_quote = _comment(3, BOT, f"Unrelated bot note that mentions {MARKER} in passing")
    github.seed(comments={"5": [human_first_line, human_quote, bot_quote]})
    report = _report(tmp_path, "Plan: 1 to add, 0 to change, 0 to destroy.\n")

    done = github.run("sticky_comment.py", "--pr", "5", "--target", "production", "--report", str(report))

    assert done.returncode == 0, done.stderr
    comments = {c["id"]: c for c in github.state()["comments"]["5"]}
    assert comments[1] == human_first_line
    assert comments[2] == human_quote
    assert comments[3] == bot_quote
    created = [c for cid, c in comments.items() if cid not in (1, 2, 3)]
    assert len(created) == 1 and created[0]["body"].startswith(MARKER)
    assert github.writes() == [("POST", "repos/acme/salesforce-apps/issues/5/comments")]


def test_each_target_has_its_own_comment(github: FakeGitHub, tmp_path: Path) -> None:
    staging = _comment(
        4, BOT, "<!-- sfconnect:plan:staging -->\n\nPlan: 0 to add, 1 to change, 0 to destroy."
    )
    github.seed(comments={"8": [staging]})
    report = _report(tmp_path, "Plan: 2 to add, 0 to change, 0 to destroy.\n")

    done = github.run("sticky_comment.py", "--pr", "8", "--target", "production", "--report", str(report))

    assert done.returncode == 0, done.stderr
    comments = github.state()["comments"]["8"]
    assert comments[0] == staging
    assert [c["body"].splitlines()[0] for c in comments] == ["<!-- sfconnect:plan:staging -->", MARKER]


def test_a_custom_bot_login_is_how_an_app_token_finds_its_comment(github: FakeGitHub, tmp_path: Path) -> None:
    github.seed(
        login="sfconnect-ci[bot]", comments={"8": [_comment(4, "sfconnect-ci[bot]", f"{MARKER}\n\nold")]}
    )
    report = _report(tmp_path, "new\n")

    done = github.run(
        "sticky_comment.py",
        "--pr",
        "8",
        "--target",
        "production",
        "--report",
        str(report),
        "--author",
        "sfconnect-ci[bot]",
    )

    assert done.returncode == 0, done.stderr
    assert github.state()["comments"]["8"] == [_comment(4, "sfconnect-ci[bot]", f"{MARKER}\n\nnew")]


def test_a_long_report_is_cut_below_the_limit_and_links_to_the_summary(
    github: FakeGitHub, tmp_path: Path
) -> None:
    apps = "".join(
        f"<details><summary>app-{i:04d}: update</summary>\n\n```diff\n"
        + "~ scopes: api -> api refresh_token\n" * 12
        + "```\n\n</details>\n\n"
        for i in range(400)
    )
    text = "## sfconnect plan: production\n\nPlan: 0 to add, 400 to change, 0 to destroy.\n\n" + apps
    assert len(text) > 100_000
    report = _report(tmp_path, text)

    done = github.run("sticky_comment.py", "--pr", "12", "--target", "production", "--report", str(report))

    assert done.returncode == 0, done.stderr
    body = github.state()["comments"]["12"][0]["body"]
    assert len(body) < 65_536
    assert body.startswith(MARKER + "\n\n## sfconnect plan: production\n\nPlan: 0 to add, 400 to change")
    assert "**Truncated**" in body
    assert f"[job summary]({RUN_URL})" in body
    shown = body.split("\n\n---\n")[0]
    assert sum(1 for line in shown.splitlines() if line.startswith("```")) % 2 == 0
    assert shown.count("<details>") == shown.count("</details>")


def test_without_a_report_the_comment_says_the_command_failed(github: FakeGitHub, tmp_path: Path) -> None:
    done = github.run(
        "sticky_comment.py",
        "--pr",
        "12",
        "--target",
        "production",
        "--report",
        str(tmp_path / "none.md"),
        "--exitcode",
        "1",
    )

    assert done.returncode == 0, done.stderr
    body = github.state()["comments"]["12"][0]["body"]
    assert body.startswith(MARKER)
    assert "exit code 1" in body
    assert RUN_URL in body


def test_a_failing_gh_call_fails_the_script_with_ghs_message(github: FakeGitHub, tmp_path: Path) -> None:
    report = _report(tmp_path, "Plan: 0 to add, 0 to change, 0 to destroy.\n")

    done = github.run(
        "sticky_comment.py",
        "--pr",
        "12",
        "--target",
        "production",
        "--report",
        str(report),
        env={"GITHUB_REPOSITORY": "acme/other"},
    )

    assert done.returncode == 1
    assert "HTTP 404" in done.stderr
    assert github.state()["comments"] == {}

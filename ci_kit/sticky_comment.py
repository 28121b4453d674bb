#!/usr/bin/env python3
"""Post a report as one sticky pull-request comment per target, updated in place on every run.

The comment's first line is a hidden marker, ``<!-- sfconnect:plan:<target> -->``. On each run the script
lists the pull request's comments (every page) and updates the newest one that was written by the bot
account (``--author``) *and* whose body starts with the marker; a human comment that quotes the marker is
never touched. With no such comment it creates one. An unchanged body is not re-sent, so an identical
plan causes no edit and no notification. A report longer than GitHub accepts is cut at a line boundary
and ends with a link to the run's job summary, where the whole report is.

Standard library and the ``gh`` CLI only; ``gh`` authenticates with ``GH_TOKEN``.

Usage:
    sticky_comment.py --pr 12 --target production --report plan.md [--exitcode 2] [--command plan]

Exit status: 0 comment created, updated or already current; 1 the comment could not be written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _github import BODY_LIMIT, GhError, fit_body, gh_api, gh_api_list, marker, run_url

DEFAULT_AUTHOR = "github-actions[bot]"
"""The login of the account behind ``GITHUB_TOKEN``; a GitHub App token writes as ``<app-slug>[bot]``."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=os.environ.get("GITHUB_REPOSITORY", ""), help="owner/name")
    parser.add_argument("--pr", required=True, type=int, help="pull request number")
    parser.add_argument("--target", required=True, help="the sfconnect target the report is about")
    parser.add_argument("--report", type=Path, help="the Markdown report (missing or empty: a failure note)")
    parser.add_argument("--command", default="plan", help="the sfconnect command that wrote the report")
    parser.add_argument("--exitcode", type=int, default=0, help="the command's exit code")
    parser.add_argument("--author", default=DEFAULT_AUTHOR, help="login of the bot account that comments")
    parser.add_argument("--summary-url", default=None, help="link to the full report (default: this run)")
    return parser


def _read_report(path: Path | None) -> str:
    if path is None or not path.is_file():  # the action passes "" when the command wrote no report
        return ""
    return path.read_text(encoding="utf-8").strip()


def compose(
    *, command: str, target: str, report: str, exitcode: int, link: str, limit: int = BODY_LIMIT
) -> str:
    """The full comment body: marker, then the report (or a note when the command wrote none)."""
    head = marker(command, target)
    where = f" ([run]({link}))" if link else ""
    if not report:
        report = (
            f"**sfconnect {command}** for target `{target}` did not produce a report "
            f"(exit code {exitcode}); see the job log{where}."
        )
    elif exitcode not in (0, 2):
        report = (
            f"> :x: **sfconnect {command} failed** (exit code {exitcode}): the report below may be incomplete; "
            f"see the job log{where}.\n\n{report}"
        )
    return fit_body(head, report, link=link, limit=limit)


def find_own_comment(comments: Sequence[dict[str, Any]], *, head: str, author: str) -> dict[str, Any] | None:
    """The newest comment by `author` whose body starts with the marker `head`, if any."""
    own = [
        c
        for c in comments
        if (c.get("user") or {}).get("login") == author and str(c.get("body") or "").startswith(head)
    ]
    return max(own, key=lambda c: int(c["id"])) if own else None


def upsert(*, repo: str, pr: int, head: str, body: str, author: str) -> str:
    """Create or update the sticky comment and say which; raises `GhError` when gh fails."""
    comments = gh_api_list(f"repos/{repo}/issues/{pr}/comments?per_page=100")
    existing = find_own_comment(comments, head=head, author=author)
    if existing is None:
        created = gh_api(f"repos/{repo}/issues/{pr}/comments", method="POST", payload={"body": body})
        return f"created comment {created.get('html_url', '') if isinstance(created, dict) else ''}".strip()
    if existing.get("body") == body:
        return f"comment {existing['id']} is already current"
    gh_api(f"repos/{repo}/issues/comments/{existing['id']}", method="PATCH", payload={"body": body})
    return f"updated comment {existing['id']}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script; returns the exit status."""
    args = _parser().parse_args(argv)
    if not args.repo:
        print("error: --repo (or GITHUB_REPOSITORY) is required", file=sys.stderr)
        return 1
    link = args.summary_url if args.summary_url is not None else run_url(os.environ)
    body = compose(
        command=args.command,
        target=args.target,
        report=_read_report(args.report),
        exitcode=args.exitcode,
        link=link,
    )
    try:
        outcome = upsert(
            repo=args.repo, pr=args.pr, head=marker(args.command, args.target), body=body, author=args.author
        )
    except GhError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())

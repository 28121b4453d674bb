#!/usr/bin/env python3
"""Keep one GitHub issue per target in step with ``sfconnect drift``: open, update, close.

The issue's body starts with a hidden marker, ``<!-- sfconnect:drift:<target> -->``, and carries a label
(``sfconnect-drift`` by default). From the drift command's exit code:

- 2 (drift found): no open issue of the bot with that marker -> create one (creating the label first if the
  repository lacks it); an open one -> replace its body with the new report and add a short comment, but
  only when the report changed, so an unchanged drift does not notify anyone every night.
- 0 (in sync): an open issue -> comment that the org is back in sync and close it as completed.
- 1 or anything else (the check could not run): leave the issue as it is; the failing job says why.

Standard library and the ``gh`` CLI only; ``gh`` authenticates with ``GH_TOKEN``.

Usage:
    drift_issue.py --target production --exitcode 2 --report drift.md [--label sfconnect-drift]

Exit status: 0 the issue reflects the result (or nothing was to be done); 1 a GitHub call failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from _github import GhError, fit_body, gh_api, gh_api_list, marker, run_url

DEFAULT_AUTHOR = "github-actions[bot]"
"""The login of the account behind ``GITHUB_TOKEN``; a GitHub App token writes as ``<app-slug>[bot]``."""

DEFAULT_LABEL = "sfconnect-drift"
LABEL_COLOR = "d93f0b"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=os.environ.get("GITHUB_REPOSITORY", ""), help="owner/name")
    parser.add_argument("--target", required=True, help="the sfconnect target that was checked")
    parser.add_argument("--exitcode", required=True, type=int, help="exit code of sfconnect drift")
    parser.add_argument("--report", type=Path, help="the Markdown drift report")
    parser.add_argument("--label", default=DEFAULT_LABEL, help="label of drift issues")
    parser.add_argument(
        "--author", default=DEFAULT_AUTHOR, help="login of the bot account that writes issues"
    )
    parser.add_argument("--run-url", default=None, help="link to the run (default: this run)")
    return parser


def find_open_issue(issues: Sequence[dict[str, Any]], *, head: str, author: str) -> dict[str, Any] | None:
    """The oldest open issue (not pull request) by `author` whose body starts with the marker `head`."""
    own = [
        i
        for i in issues
        if "pull_request" not in i
        and i.get("state", "open") == "open"
        and (i.get("user") or {}).get("login") == author
        and str(i.get("body") or "").startswith(head)
    ]
    return min(own, key=lambda i: int(i["number"])) if own else None


def _ensure_label(repo: str, label: str) -> None:
    try:
        gh_api(f"repos/{repo}/labels/{quote(label, safe='')}")
    except GhError:
        gh_api(
            f"repos/{repo}/labels",
            method="POST",
            payload={
                "name": label,
                "color": LABEL_COLOR,
                "description": "sfconnect: the org differs from main",
            },
        )


def sync_issue(
    *, repo: str, target: str, exitcode: int, report: str, label: str, author: str, link: str
) -> str:
    """Open, update or close the drift issue of `target`; returns what was done. Raises `GhError`."""
    if exitcode not in (0, 2):
        return f"drift check for {target} failed (exit code {exitcode}); issue left as it is"
    head = marker("drift", target)
    issues = gh_api_list(f"repos/{repo}/issues?state=open&labels={quote(label, safe='')}&per_page=100")
    issue = find_open_issue(issues, head=head, author=author)
    run = f" in [this run]({link})" if link else ""
    if exitcode == 0:
        if issue is None:
            return f"{target} is in sync; no open drift issue"
        number = issue["number"]
        gh_api(
            f"repos/{repo}/issues/{number}/comments",
            method="POST",
            payload={"body": f"The org of target `{target}` is back in sync with the YAML{run}. Closing."},
        )
        gh_api(
            f"repos/{repo}/issues/{number}",
            method="PATCH",
            payload={"state": "closed", "state_reason": "completed"},
        )
        return f"closed issue #{number}"
    body = fit_body(head, report or f"`sfconnect drift` found drift on target `{target}`.", link=link)
    if issue is None:
        _ensure_label(repo, label)
        created = gh_api(
            f"repos/{repo}/issues",
            method="POST",
            payload={"title": f"sfconnect drift: {target}", "body": body, "labels": [label]},
        )
        number = created.get("number", "?") if isinstance(created, dict) else "?"
        return f"opened issue #{number}"
    number = issue["number"]
    if issue.get("body") == body:
        return f"issue #{number} already describes this drift"
    gh_api(f"repos/{repo}/issues/{number}", method="PATCH", payload={"body": body})
    gh_api(
        f"repos/{repo}/issues/{number}/comments",
        method="POST",
        payload={"body": f"The drift of target `{target}` changed{run}; the description above is current."},
    )
    return f"updated issue #{number}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script; returns the exit status."""
    args = _parser().parse_args(argv)
    if not args.repo:
        print("error: --repo (or GITHUB_REPOSITORY) is required", file=sys.stderr)
        return 1
    report = ""
    if args.report is not None and args.report.is_file():
        report = args.report.read_text(encoding="utf-8").strip()
    try:
        outcome = sync_issue(
            repo=args.repo,
            target=args.target,
            exitcode=args.exitcode,
            report=report,
            label=args.label,
            author=args.author,
            link=args.run_url if args.run_url is not None else run_url(os.environ),
        )
    except GhError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())

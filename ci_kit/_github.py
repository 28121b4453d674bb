"""What the CI kit's scripts share: calling the GitHub REST API through `gh`, and fitting a report into a body.

Standard library only (Python 3.11+). Authentication is `gh`'s own business: it reads ``GH_TOKEN`` from the
environment, which the composite action sets from its ``github-token`` input.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "BODY_LIMIT",
    "GhError",
    "fit_body",
    "gh_api",
    "gh_api_list",
    "gh_environment",
    "marker",
    "run_url",
]

BODY_LIMIT = 65_536
"""GitHub refuses issue and comment bodies longer than this many characters."""

_MARGIN = 536
"""Kept free below `BODY_LIMIT`, so that the cut never lands exactly on the limit."""


class GhError(RuntimeError):
    """A `gh` call failed; the message carries gh's own explanation (never a token)."""


def marker(kind: str, target: str) -> str:
    """The hidden first line that identifies the kit's comment or issue for one kind of report and target."""
    return f"<!-- sfconnect:{kind}:{target} -->"


def run_url(environ: Mapping[str, str]) -> str:
    """The URL of the current workflow run (its page shows the job summaries), or "" outside Actions."""
    server = environ.get("GITHUB_SERVER_URL", "https://github.com")
    repo = environ.get("GITHUB_REPOSITORY", "")
    run_id = environ.get("GITHUB_RUN_ID", "")
    if not repo or not run_id:
        return ""
    url = f"{server}/{repo}/actions/runs/{run_id}"
    attempt = environ.get("GITHUB_RUN_ATTEMPT", "")
    if attempt and attempt != "1":
        url += f"/attempts/{attempt}"
    return url


def gh_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment for `gh`: on GitHub Enterprise Server, point it at the run's own host."""
    env = dict(environ)
    host = urlsplit(environ.get("GITHUB_SERVER_URL", "")).hostname
    if host and host != "github.com" and "GH_HOST" not in env:
        env["GH_HOST"] = host
    return env


def _gh() -> str:
    found = shutil.which("gh")
    if found is None:
        raise GhError("the GitHub CLI `gh` is not on PATH (GitHub-hosted runners have it preinstalled)")
    return found


def gh_api(path: str, *, method: str = "GET", payload: Mapping[str, Any] | None = None) -> Any:
    """Call one REST endpoint and return its decoded JSON answer (None for an empty answer).

    Raises:
        GhError: gh exited non-zero (HTTP error, no network, bad token).
    """
    argv = [_gh(), "api", "--method", method, path]
    stdin = None
    if payload is not None:
        argv += ["--input", "-"]
        stdin = json.dumps(payload)
    done = subprocess.run(
        argv, input=stdin, capture_output=True, text=True, check=False, env=gh_environment(os.environ)
    )
    if done.returncode != 0:
        raise GhError(f"gh api {method} {path} failed: {(done.stderr or done.stdout).strip()}")
    text = done.stdout.strip()
    return json.loads(text) if text else None


def gh_api_list(path: str) -> list[dict[str, Any]]:
    """GET every page of a list endpoint (``gh api --paginate``) and return the items of all pages.

    gh prints one JSON array per page, back to back; each is decoded in turn.
    """
    argv = [_gh(), "api", "--paginate", path]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=gh_environment(os.environ))
    if done.returncode != 0:
        raise GhError(f"gh api {path} failed: {(done.stderr or done.stdout).strip()}")
    decoder = json.JSONDecoder()
    text = done.stdout
    items: list[dict[str, Any]] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return items
        page, position = decoder.raw_decode(text, position)
        if not isinstance(page, list):
            raise GhError(f"gh api {path}: expected a JSON array per page, got {type(page).__name__}")
        items.extend(item for item in page if isinstance(item, dict))


def _close_open_blocks(text: str) -> str:
    """Close a code fence or ``<details>`` blocks that a cut left open, so the rest renders as Markdown."""
    closing = ""
    fences = sum(1 for line in text.splitlines() if line.lstrip().startswith("```"))
    if fences % 2:
        closing += "\n```"
    open_details = text.count("<details") - text.count("</details>")
    closing += "\n</details>" * max(open_details, 0)
    return closing


def fit_body(head: str, report: str, *, link: str, limit: int = BODY_LIMIT) -> str:
    """``head`` + blank line + ``report``, cut at a line boundary when longer than GitHub accepts.

    A cut report ends with a note saying how much is shown and where the whole report is (``link``, the run
    page with its job summary).
    """
    body = f"{head}\n\n{report}" if report else head
    budget = limit - _MARGIN
    if len(body) <= budget:
        return body
    where = f"the [job summary]({link})" if link else "the job summary of this run"
    note_template = "\n\n---\n:warning: **Truncated**: {shown:,} of {total:,} characters shown. The full report is in {where}.\n"
    # Reserve room for the note with the largest numbers it can hold, and for closing open blocks.
    reserve = len(note_template.format(shown=len(report), total=len(report), where=where)) + 200
    room = budget - len(head) - 2 - reserve
    if room <= 0:
        raise ValueError("the head alone does not fit in a GitHub body")
    while True:
        kept = report[:room]
        newline = kept.rfind("\n")
        if newline > 0:
            kept = kept[:newline]
        kept += _close_open_blocks(kept)
        note = note_template.format(shown=len(kept), total=len(report), where=where)
        result = f"{head}\n\n{kept}{note}"
        if len(result) <= budget:
            return result
        room -= len(result) - budget

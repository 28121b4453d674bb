"""A stand-in for the ``gh`` CLI: ``gh api`` against a small in-memory GitHub kept in a JSON file.

The tests copy this file to ``<tmp>/bin/gh`` (with the running interpreter as its shebang) and put that
directory first on PATH. State lives in ``$FAKE_GH_STATE``; every call is appended to ``$FAKE_GH_LOG`` as
one JSON line (argv and stdin), so tests can assert both the outcome and the calls. Anything this fake does
not understand exits 64, which makes the script under test fail loudly.

State keys: ``login`` (who the token belongs to), ``page_size`` (items per page for ``--paginate``),
``comments`` (issue/PR number -> list of comments), ``issues`` (list), ``labels`` (names), ``next_id``,
``secrets`` (repository -> name -> value, set by ``gh secret set``), ``other_repos`` (more writable repos).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


def _fail(message: str, code: int = 1) -> None:
    print(message, file=sys.stderr)
    sys.exit(code)


def _pages(items: list[dict[str, Any]], size: int) -> str:
    if not items:
        return "[]"
    return "".join(json.dumps(items[i : i + size]) for i in range(0, len(items), size))


def _secret_set(state_path: Path, args: list[str], stdin: str) -> None:
    """``gh secret set NAME [--repo OWNER/REPO]`` with the value on standard input (``--body`` refused)."""
    state = json.loads(state_path.read_text(encoding="utf-8"))
    repo = state["repo"]
    name = None
    while args:
        arg = args.pop(0)
        if arg in ("--repo", "-R"):
            repo = args.pop(0)
        elif arg.startswith("-"):
            _fail(f"fake gh: unsupported secret option {arg}", 64)
        else:
            name = arg
    if not name or not stdin:
        _fail("fake gh: secret set needs a name and a value on stdin", 64)
    if repo != state["repo"] and repo not in state.get("other_repos", []):
        _fail(f"gh: HTTP 404: Not Found (https://api.github.com/repos/{repo}/actions/secrets/public-key)")
    state.setdefault("secrets", {}).setdefault(repo, {})[name] = stdin
    state_path.write_text(json.dumps(state), encoding="utf-8")
    sys.stderr.write(f"✓ Set Actions secret {name} for {repo}\n")


def main() -> None:
    state_path = Path(os.environ["FAKE_GH_STATE"])
    log_path = Path(os.environ["FAKE_GH_LOG"])
    argv = sys.argv[1:]
    stdin = sys.stdin.read() if "--input" in argv or argv[:2] == ["secret", "set"] else ""
    with log_path.open("a", encoding="utf-8") as log:
        log.write(json.dumps({"argv": argv, "stdin": stdin}) + "\n")
    if "GH_TOKEN" not in os.environ:
        _fail("gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable.", 4)
    if argv[:2] == ["secret", "set"]:
        _secret_set(state_path, argv[2:], stdin)
        return
    if not argv or argv[0] != "api":
        _fail(f"fake gh: unsupported command {argv!r}", 64)
    method, paginate, path = "GET", False, None
    payload: Any = None
    rest = argv[1:]
    while rest:
        arg = rest.pop(0)
        if arg in ("--method", "-X"):
            method = rest.pop(0)
        elif arg == "--paginate":
            paginate = True
        elif arg == "--input":
            if rest.pop(0) != "-":
                _fail("fake gh: only --input - is supported", 64)
            payload = json.loads(stdin)
        elif arg.startswith("-"):
            _fail(f"fake gh: unsupported option {arg}", 64)
        elif path is None:
            path = arg
        else:
            _fail(f"fake gh: unexpected argument {arg}", 64)
    if path is None:
        _fail("fake gh: no endpoint", 64)
    assert path is not None
    state = json.loads(state_path.read_text(encoding="utf-8"))
    url = urlsplit(path)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    parts = [unquote(p) for p in url.path.strip("/").split("/")]
    if parts[:1] != ["repos"] or len(parts) < 4 or parts[1:3] != state["repo"].split("/"):
        _fail(f"gh: Not Found (HTTP 404) {path}")
    parts = parts[3:]
    out: Any = None
    size = int(state.get("page_size", 30))

    def new_id() -> int:
        state["next_id"] = int(state.get("next_id", 1000)) + 1
        return int(state["next_id"])

    if parts[0] == "issues" and len(parts) == 3 and parts[2] == "comments":
        number = parts[1]
        comments = state.setdefault("comments", {}).setdefault(number, [])
        if method == "GET":
            if not paginate:
                comments = comments[:size]
            sys.stdout.write(_pages(comments, size))
            state_path.write_text(json.dumps(state), encoding="utf-8")
            return
        if method == "POST":
            out = {
                "id": new_id(),
                "body": payload["body"],
                "user": {"login": state["login"]},
                "html_url": f"https://github.com/{state['repo']}/issues/{number}#issuecomment",
            }
            comments.append(out)
    elif parts[:2] == ["issues", "comments"] and len(parts) == 3 and method == "PATCH":
        for comments in state.get("comments", {}).values():
            for comment in comments:
                if str(comment["id"]) == parts[2]:
                    if comment["user"]["login"] != state["login"]:
                        _fail("gh: Resource not accessible by integration (HTTP 403)")
                    comment["body"] = payload["body"]
                    out = comment
        if out is None:
            _fail("gh: Not Found (HTTP 404)")
    elif parts == ["issues"] and method == "GET":
        issues = [i for i in state.get("issues", []) if i["state"] == query.get("state", "open")]
        if "labels" in query:
            wanted = set(query["labels"].split(","))
            issues = [i for i in issues if wanted <= {label["name"] for label in i["labels"]}]
        sys.stdout.write(_pages(issues, size) if paginate else json.dumps(issues[:size]))
        return
    elif parts == ["issues"] and method == "POST":
        missing = [name for name in payload.get("labels", []) if name not in state.get("labels", [])]
        if missing:
            _fail(f"gh: Validation Failed: label {missing[0]} does not exist (HTTP 422)")
        number = max([i["number"] for i in state.get("issues", [])] + [0]) + 1
        out = {
            "number": number,
            "title": payload["title"],
            "body": payload["body"],
            "state": "open",
            "labels": [{"name": name} for name in payload.get("labels", [])],
            "user": {"login": state["login"]},
        }
        state.setdefault("issues", []).append(out)
    elif parts[0] == "issues" and len(parts) == 2 and method == "PATCH":
        for issue in state.get("issues", []):
            if str(issue["number"]) == parts[1]:
                issue.update(payload)
                out = issue
        if out is None:
            _fail("gh: Not Found (HTTP 404)")
    elif parts[0] == "labels" and len(parts) == 2 and method == "GET":
        if parts[1] not in state.get("labels", []):
            _fail("gh: Not Found (HTTP 404)")
        out = {"name": parts[1]}
    elif parts == ["labels"] and method == "POST":
        state.setdefault("labels", []).append(payload["name"])
        out = {"name": payload["name"]}
    else:
        _fail(f"fake gh: no route for {method} {path}", 64)
    state_path.write_text(json.dumps(state), encoding="utf-8")
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()

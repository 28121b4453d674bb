"""Unit tests of the shared helpers: body fitting and run links."""

from __future__ import annotations

import pytest

from ci_kit._github import BODY_LIMIT, fit_body, gh_environment, marker, run_url


def test_a_short_report_is_kept_whole() -> None:
    assert fit_body("<!-- m -->", "line 1\nline 2", link="L") == "<!-- m -->\n\nline 1\nline 2"


@pytest.mark.parametrize("limit", [2_000, 10_000, BODY_LIMIT])
def test_a_long_report_is_cut_at_a_line_boundary_within_the_limit(limit: int) -> None:
    report = "\n".join(f"line {i:06d} " + "x" * 40 for i in range(5_000))

    body = fit_body("<!-- m -->", report, link="https://example.test/run", limit=limit)

    assert len(body) < limit
    kept = body.split("\n\n---\n")[0].split("\n\n", 1)[1]
    assert report.startswith(kept)
    assert report[len(kept)] == "\n"
    assert f"of {len(report):,} characters shown" in body
    assert "[job summary](https://example.test/run)" in body


def test_a_cut_inside_a_code_fence_and_details_closes_them() -> None:
    report = "<details><summary>app</summary>\n\n```diff\n" + "+ line\n" * 2_000 + "```\n</details>\n"

    body = fit_body("<!-- m -->", report, link="", limit=3_000)

    shown = body.split("\n\n---\n")[0]
    assert shown.endswith("```\n</details>")
    assert "the job summary of this run" in body


def test_marker_and_run_url() -> None:
    assert marker("plan", "production") == "<!-- sfconnect:plan:production -->"
    env = {"GITHUB_SERVER_URL": "https://ghe.example", "GITHUB_REPOSITORY": "a/b", "GITHUB_RUN_ID": "7"}
    assert run_url(env) == "https://ghe.example/a/b/actions/runs/7"
    assert run_url({**env, "GITHUB_RUN_ATTEMPT": "2"}) == "https://ghe.example/a/b/actions/runs/7/attempts/2"
    assert run_url({}) == ""


def test_gh_is_pointed_at_an_enterprise_server_but_not_at_github_com() -> None:
    assert gh_environment({"GITHUB_SERVER_URL": "https://ghe.example"})["GH_HOST"] == "ghe.example"
    assert "GH_HOST" not in gh_environment({"GITHUB_SERVER_URL": "https://github.com"})
    assert gh_environment({"GITHUB_SERVER_URL": "https://ghe.example", "GH_HOST": "x"})["GH_HOST"] == "x"

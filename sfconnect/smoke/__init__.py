"""Token-flow smoke tests: one private module per OAuth flow, the runner, reports.

`run_smoke` (in `runner`) derives each app's checks from its YAML (after the target's overrides) and runs them
against an org through `sfconnect.org.oauth_client`; the renderers (``_report``, re-exported here) turn the
`SmokeReport` (`model`) into text, Markdown, JSON or JUnit XML. `environment` says where an app's credentials and
the test users come from. Public modules: `environment`, `model`, `runner`; the flow modules are private.
"""

from __future__ import annotations

from sfconnect.smoke._report import render_json, render_junit, render_markdown, render_text
from sfconnect.smoke.environment import (
    AppKeys,
    SmokeEnvironment,
    SmokeUser,
    consumer_key_variable,
    consumer_secret_variable,
    deprecated_variables,
    env_app_name,
)
from sfconnect.smoke.model import CheckResult, SmokeReport
from sfconnect.smoke.runner import plan_checks, run_smoke

__all__ = [
    "AppKeys",
    "CheckResult",
    "SmokeEnvironment",
    "SmokeReport",
    "SmokeUser",
    "consumer_key_variable",
    "consumer_secret_variable",
    "deprecated_variables",
    "env_app_name",
    "environment",
    "model",
    "plan_checks",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_text",
    "run_smoke",
    "runner",
]

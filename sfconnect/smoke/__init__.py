"""Token-flow smoke tests: one module per OAuth flow, the runner, reports.

`run_smoke` derives each app's checks from its YAML (after the target's overrides) and runs them against an
org through `sfconnect.org.oauth_client`; the renderers in `report` turn the `SmokeReport` into text,
Markdown, JSON or JUnit XML.
"""

from __future__ import annotations

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
from sfconnect.smoke.report import render_json, render_junit, render_markdown, render_text
from sfconnect.smoke.runner import plan_checks, run_smoke

__all__ = [
    "AppKeys",
    "CheckResult",
    "SmokeEnvironment",
    "SmokeReport",
    "SmokeUser",
    "authorization_code",
    "client_credentials",
    "consumer_key_variable",
    "consumer_secret_variable",
    "deprecated_variables",
    "device",
    "env_app_name",
    "environment",
    "jwt_bearer",
    "model",
    "plan_checks",
    "refresh_token",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_text",
    "report",
    "run_smoke",
    "runner",
    "session_policy",
    "user_agent",
    "username_password",
]

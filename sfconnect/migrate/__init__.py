"""``sfconnect migrate``: Connected App -> External Client App (check, adopt after Setup's button, side by side).

The mapping itself (where each Connected App field goes, what cannot carry over, eligibility) is
`sfconnect.metadata.migration`; this package reads the org, writes the YAML and renders the report.
"""

from __future__ import annotations

from sfconnect.migrate._report import MigrationReport, SettingRow, render_json, render_text
from sfconnect.migrate._service import (
    AdoptResult,
    SideBySideResult,
    adopt,
    check,
    side_by_side,
    side_by_side_warnings,
)

__all__ = [
    "AdoptResult",
    "MigrationReport",
    "SettingRow",
    "SideBySideResult",
    "adopt",
    "check",
    "render_json",
    "render_text",
    "side_by_side",
    "side_by_side_warnings",
]

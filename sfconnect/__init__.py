"""sfconnect: Salesforce Connected Apps and External Client Apps as code.

The public API is what this module exports; modules with a leading underscore are private.
"""

from __future__ import annotations

from sfconnect.errors import (
    AuthError,
    ConfigError,
    DeployFailed,
    Issue,
    MetadataError,
    MetadataFault,
    OrgError,
    PlanError,
    SfconnectError,
    SpecValidationError,
    StalePlanError,
    TamperedPlanError,
    UnsupportedFormatVersion,
    YamlSyntaxError,
)

__all__ = [
    "AuthError",
    "ConfigError",
    "DeployFailed",
    "Issue",
    "MetadataError",
    "MetadataFault",
    "OrgError",
    "PlanError",
    "SfconnectError",
    "SpecValidationError",
    "StalePlanError",
    "TamperedPlanError",
    "UnsupportedFormatVersion",
    "YamlSyntaxError",
]

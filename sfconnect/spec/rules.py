"""Semantic rules: checks across fields that the models' shapes cannot express.

Each rule returns a list of `Issue` (never raises half-way). Positions come from each app's `AppSource`, so an
issue points at the key it is about. Checks that need an org (creation blocked, unknown permission set) belong
to `plan/`, not here.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from typing import Any, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel

from sfconnect._types import Loc, Severity
from sfconnect.errors import Issue
from sfconnect.spec._wsdl import API_VERSION, ENUMS, TYPES
from sfconnect.spec.models import (
    NAMESPACE_PREFIX,
    AppSpec,
    ConnectedAppSpec,
    EcaChildType,
    ExternalClientAppSpec,
)
from sfconnect.spec.project import ProjectConfig
from sfconnect.spec.scopes import ECA_ONLY_SCOPES, UnknownScopeError, canonical_scope
from sfconnect.spec.switches import SWITCHES

__all__ = [
    "COMPILER_FIELDS",
    "ESCAPE_HATCH",
    "STANDARD_SESSION_TIMEOUTS",
    "app_rules",
    "check_metadata_block",
    "project_rules",
    "unique_names",
]

Locator = Callable[[Loc], tuple[str, int, int]]

_ECA_TYPES = ("ExternalClientApplication", *get_args(EcaChildType))
"""The escape hatch's component types of an External Client App: its header and the child types of
`models.EcaChildType` (one list of them, there)."""
COMPILER_FIELDS = frozenset(
    {"externalClientApplication", "consumerKey", "consumerSecret", "oauthLink", "orgScopedExternalApp"}
)
_BUILT_BY_THE_COMPILER = frozenset(_ECA_TYPES[:5]) | {
    "ConnectedApp"
}  # the header and the 4 children of every app

ESCAPE_HATCH: dict[str, dict[str, frozenset[str]]] = {
    "ConnectedApp": {"ConnectedApp": frozenset(TYPES["ConnectedApp"]) - COMPILER_FIELDS},
    "ExternalClientApp": {t: frozenset(TYPES.get(t, {})) - COMPILER_FIELDS for t in _ECA_TYPES},
}
"""Per kind, the component types of the ``metadata:`` escape hatch and the v63 WSDL fields of each.

Any field may be written there (it wins over what the YAML words write; null leaves a field out); fields the
v63 WSDL does not know (newer fields, unknown elements) are sent as written, with a warning. The references
between components and the consumer key and secret have one place and are refused.
"""

NIL = {"xsi:nil": True}
"""How the escape hatch marks an element nil (``xsi:nil="true"``, which the WSDL allows where it is nillable)."""

_ECA_OAUTH_POLICY_KEYS = (
    "urls.start",
    "access.permitted_users",
    "access.profiles",
    "access.permission_sets",
    "access.ip_relaxation",
    "access.trusted_ip_ranges",
    "access.session_timeout_minutes",
    "access.high_assurance",
    "handler",
)
"""YAML keys an External Client App keeps in its OAuth components (so they need ``oauth:``)."""

STANDARD_SESSION_TIMEOUTS = frozenset({15, 30, 60, 90, 120, 240, 480, 720, 1440})
"""Session timeouts (minutes) Setup offers."""

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
_IPV4_MAPPED = (ipaddress.IPv6Address("::ffff:0:0"), ipaddress.IPv6Address("::ffff:ffff:ffff"))


def _version(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


def _explicit(model: BaseModel, path: str) -> bool:
    """Whether every key of the dotted `path` was written (not defaulted) under `model`."""
    obj: Any = model
    for part in path.split("."):
        if not isinstance(obj, BaseModel) or part not in obj.model_fields_set:
            return False
        obj = getattr(obj, part)
    return True


class _Collector:
    def __init__(self, prefix: Loc, locate: Locator) -> None:
        self.prefix = prefix
        self.locate = locate
        self.issues: list[Issue] = []

    def add(self, severity: Severity, code: str, loc: Loc, message: str, hint: str = "") -> None:
        file, line, column = self.locate(loc)
        self.issues.append(Issue(severity, code, message, file, line, column, (*self.prefix, *loc), hint))


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


DANGEROUS_SCHEMES = frozenset({"javascript", "data", "file", "vbscript"})
"""URL schemes refused everywhere: a browser runs them as code or reads local data with them."""

MAX_URL_LENGTH = 2400
"""Salesforce's length of URL fields (StartUrl, MobileStartUrl: url(2400) in the ConnectedApplication object)."""

MAX_LENGTHS: dict[tuple[str, ...], int] = {
    ("label",): 80,
    ("contact", "email"): 80,
    ("contact", "phone"): 40,
    ("description",): 32_000,
}
"""String lengths: the Connected App Name is string(80) (Salesforce Field Reference, ConnectedApplication);
emails take 80 and phones 40 characters, as Salesforce's Email and Phone field types do; the description has
no documented length, so sfconnect caps it at 32,000 characters (a long text area's size) to refuse nonsense."""


def _shorten(text: str, limit: int = 60) -> str:
    """`text` quoted for a message, cut to `limit` characters (a value may be megabytes long)."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _check_lengths(out: _Collector, app: Any) -> None:
    for path, limit in MAX_LENGTHS.items():
        value: Any = app
        for key in path:
            value = getattr(value, key, None)
        if isinstance(value, str) and len(value) > limit:
            out.add(
                "error",
                "too_long",
                path,
                f"{'.'.join(path)} is {len(value)} characters; Salesforce takes at most {limit}",
                hint=f"shorten it to {limit} characters",
            )


def _check_url(
    out: _Collector,
    loc: Loc,
    url: str,
    *,
    allow_custom_scheme: bool,
    what: str,
    start_url: bool = False,
) -> None:
    """Check a URL. A start URL may also be a path in the org (``/lightning/n/X``), as Setup allows, and
    plain http there is a warning (real apps have such start URLs; tokens never travel to them)."""
    shown = _shorten(url)
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        out.add(
            "error",
            "url_invalid",
            loc,
            f"{what} {shown} holds a line break, a space or a control character; a URL is one line",
            hint="list each URL as its own item; percent-encode spaces (%20)",
        )
        return
    if len(url) > MAX_URL_LENGTH:
        out.add(
            "error", "too_long", loc, f"{what} is {len(url)} characters, over Salesforce's {MAX_URL_LENGTH}"
        )
        return
    if "${env:" in url:
        return  # an unset variable, already reported
    if start_url and url.startswith("/") and not url.startswith("//"):
        return
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        out.add("error", "url_invalid", loc, f"{what} {shown} is not a valid URL")
        return
    scheme = parts.scheme.lower()
    if scheme in DANGEROUS_SCHEMES:
        out.add(
            "error",
            "url_scheme",
            loc,
            f"{what} {shown} uses the {scheme}: scheme, which runs code or reads local data in a browser",
            hint="use an https URL, a loopback http URL, or your app's own scheme (myapp://callback)",
        )
    elif not scheme or (scheme in ("http", "https") and not host):
        out.add("error", "url_invalid", loc, f"{what} {shown} is not an absolute URL")
    elif scheme == "https":
        return
    elif scheme == "http":
        if _is_loopback(host):
            return
        out.add(
            "warning" if start_url else "error",
            "url_insecure",
            loc,
            f"{what} {shown} uses http; only https is allowed (http only for loopback addresses)",
            hint=f"use https://{url[len('http://') :]}",
        )
    elif not allow_custom_scheme:
        out.add("error", "url_scheme", loc, f"{what} {shown} must be an https URL")


def _check_ip_ranges(out: _Collector, ranges: Sequence[Any], base: Loc) -> None:
    for i, item in enumerate(ranges):
        addresses = []
        for end in ("start", "end"):
            try:
                addresses.append(ipaddress.ip_address(getattr(item, end)))
            except ValueError:
                out.add(
                    "error", "ip_invalid", (*base, i, end), f"'{getattr(item, end)}' is not an IP address"
                )
        if len(addresses) != 2:
            continue
        start, stop = addresses
        if isinstance(start, ipaddress.IPv4Address) != isinstance(stop, ipaddress.IPv4Address):
            out.add(
                "error", "ip_range_family", (*base, i), "start and end of a range must both be IPv4 or IPv6"
            )
        elif start > stop:  # type: ignore[operator]  # same family, checked above
            out.add(
                "error",
                "ip_range_reversed",
                (*base, i, "end"),
                f"range end {stop} is below its start {start}",
                hint="swap start and end",
            )
        elif (
            isinstance(start, ipaddress.IPv6Address)
            and isinstance(stop, ipaddress.IPv6Address)
            and (start < _IPV4_MAPPED[0] <= stop or start <= _IPV4_MAPPED[1] < stop)
        ):
            out.add(
                "error", "ip_range_mapped", (*base, i), "an IPv6 range may not straddle the IPv4-mapped space"
            )


def _duplicates(out: _Collector, values: Sequence[str], base: Loc, what: str, severity: Severity) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            out.add(severity, "duplicate_value", (*base, i), f"{what} '{value}' is listed twice")
        seen.add(value)


def app_rules(app: AppSpec, *, api_version: str, prefix: Loc, locate: Locator) -> list[Issue]:
    """Check one app.

    Args:
        app: the validated app.
        api_version: the project's API version (``"63.0"``).
        prefix: the app's key path in its file (``("apps", 0)``), prepended to every issue's `loc`.
        locate: maps a key path relative to the app to ``(file, line, column)``.
    """
    out = _Collector(prefix, locate)
    kind = app.kind
    version = _version(api_version)
    _check_lengths(out, app)
    if isinstance(app, ExternalClientAppSpec) and version < (60, 0):
        # every External Client App compiles to its plugin policies (ExtlClntAppConfigurablePolicies), API 60.0
        out.add(
            "error",
            "api_version",
            ("kind",),
            f"External Client Apps need API 60.0 (their plugin policies, ExtlClntAppConfigurablePolicies, "
            f"arrived in 60.0); the project uses {api_version}",
            hint="set api_version: '60.0' or later in sfconnect.yaml",
        )
    if isinstance(app, ExternalClientAppSpec):
        _check_installed(out, app)
    if isinstance(app, ExternalClientAppSpec) and app.migrated_from and app.migrated_from.name != app.name:
        out.add(
            "error",
            "migrated_from",
            ("migrated_from", "name"),
            f"migrated_from names the Connected App '{app.migrated_from.name}', but Setup's migration keeps the "
            f"app's name: the original of '{app.name}' is the Connected App '{app.name}'",
            hint=f"write 'migrated_from: {{name: {app.name}}}', or remove migrated_from for an app created "
            "side by side",
        )
    if (
        isinstance(app, ConnectedAppSpec)
        and not app.contact.email
        and app.metadata.get("ConnectedApp", {}).get("contactEmail") != NIL
    ):
        out.add(
            "error",
            "missing",
            ("contact",),
            "a ConnectedApp needs a contact email (contact.email)",
            hint="add 'contact: {email: team@example.com}'",
        )
    for key in ("logo", "icon", "info", "start", "mobile_start"):
        value = getattr(app.urls, key)
        if value:
            _check_url(
                out,
                ("urls", key),
                value,
                allow_custom_scheme=key in ("start", "mobile_start"),
                what=f"urls.{key}",
                start_url=key in ("start", "mobile_start"),
            )
    if isinstance(app, ExternalClientAppSpec) and app.urls.mobile_start:
        out.add(
            "error",
            "kind_unsupported",
            ("urls", "mobile_start"),
            "urls.mobile_start exists for ConnectedApp only",
        )
    oauth = app.oauth
    if oauth is not None:
        if not oauth.callback_urls and isinstance(app, ConnectedAppSpec):
            out.add(
                "error",
                "missing",
                ("oauth", "callback_urls"),
                "a ConnectedApp with OAuth needs at least one callback URL (even for server-to-server flows)",
            )
        for i, url in enumerate(oauth.callback_urls):
            _check_url(out, ("oauth", "callback_urls", i), url, allow_custom_scheme=True, what="callback URL")
        _duplicates(out, oauth.callback_urls, ("oauth", "callback_urls"), "callback URL", "error")
        _duplicates(out, oauth.scopes, ("oauth", "scopes"), "scope (after normalisation)", "warning")
        if oauth.single_logout_url:
            _check_url(
                out,
                ("oauth", "single_logout_url"),
                oauth.single_logout_url,
                allow_custom_scheme=False,
                what="single logout URL",
            )
        flows = oauth.flows
        if flows.client_credentials.enabled and not flows.client_credentials.run_as:
            out.add(  # a warning: real apps enable the flow first and name the user in Setup later
                "warning",
                "run_as_required",
                ("oauth", "flows", "client_credentials"),
                "the client credentials flow needs a run-as user (run_as)",
                hint="add 'run_as: integration.user@example.com' (an API-only user)",
            )
        if flows.jwt_bearer.certificate and not flows.jwt_bearer.enabled:
            out.add(
                "error",
                "certificate_enables_flow",
                ("oauth", "flows", "jwt_bearer", "certificate"),
                "a certificate is what enables the JWT bearer flow in Salesforce: with enabled: false it would "
                "still be deployed and the flow would work",
                hint="remove the certificate to turn the flow off, or set 'enabled: true'",
            )
        if flows.jwt_bearer.enabled and not flows.jwt_bearer.certificate:
            out.add(
                "error",
                "certificate_required",
                ("oauth", "flows", "jwt_bearer"),
                "the JWT bearer flow needs the certificate that verifies assertions",
                hint="add 'certificate: file:certs/NAME.crt' (sfconnect keygen creates missing key pairs)",
            )
        rt = oauth.refresh_token
        timed = rt.policy in ("after_lifetime", "after_inactivity")
        if timed and (rt.period is None or rt.unit is None):
            out.add(
                "error",
                "refresh_policy",
                ("oauth", "refresh_token"),
                f"refresh token policy '{rt.policy}' needs a period and a unit",
                hint="e.g. 'policy: after_inactivity, period: 30, unit: days'",
            )
        if not timed and (rt.period is not None or rt.unit is not None):
            out.add(
                "error",
                "refresh_policy",
                ("oauth", "refresh_token", "period" if rt.period is not None else "unit"),
                f"period and unit apply to after_lifetime and after_inactivity only, not to '{rt.policy}'",
            )
        for i, scope in enumerate(oauth.scopes):
            try:
                canonical_scope(scope)
            except UnknownScopeError as exc:
                out.add(
                    "warning",
                    "unknown_scope",
                    ("oauth", "scopes", i),
                    f"{exc}: kept as written (an org that does not know it refuses the deploy)",
                )
        if isinstance(app, ConnectedAppSpec):
            for i, scope in enumerate(oauth.scopes):
                if scope in ECA_ONLY_SCOPES:
                    out.add(
                        "error",
                        "kind_unsupported",
                        ("oauth", "scopes", i),
                        f"scope '{scope}' exists for ExternalClientApp only",
                    )
        if isinstance(app, ConnectedAppSpec) and oauth.custom_scopes:
            out.add(
                "error",
                "kind_unsupported",
                ("oauth", "custom_scopes"),
                "custom_scopes exist for ExternalClientApp only (a ConnectedApp is assigned to custom scopes "
                "by the OauthCustomScope metadata)",
            )
        timeout = oauth.jwt_access_tokens.timeout_minutes
        if timeout is not None and timeout >= 60 and version < (65, 0):
            out.add(
                "error",
                "api_version",
                ("oauth", "jwt_access_tokens", "timeout_minutes"),
                f"JWT access token timeouts of 60 minutes and more need API 65.0; the project uses "
                f"{api_version}",
            )
    if isinstance(app, ExternalClientAppSpec) and app.oauth is None:
        for key in _ECA_OAUTH_POLICY_KEYS:
            if _explicit(app, key) and _value(app, key) not in (None, (), "enforce", "all_users"):
                out.add(
                    "error",
                    "needs_oauth",
                    tuple(key.split(".")),
                    f"{key} of an External Client App is an OAuth policy or setting: it needs oauth:",
                    hint="declare oauth:, or remove the key"
                    + (
                        " (a start URL without OAuth: metadata.ExtlClntAppConfigurablePolicies "
                        "{startPage: Custom, startUrl: ...})"
                        if key == "urls.start"
                        else ""
                    ),
                )
    access = app.access
    if (access.profiles or access.permission_sets) and access.permitted_users != "admin_approved":
        key = "profiles" if access.profiles else "permission_sets"
        out.add(
            "error",
            "admin_approved_required",
            ("access", key),
            "profiles and permission sets pre-authorize users only when permitted_users is admin_approved",
            hint="set 'permitted_users: admin_approved'",
        )
    _duplicates(out, access.profiles, ("access", "profiles"), "profile", "error")
    _duplicates(out, access.permission_sets, ("access", "permission_sets"), "permission set", "error")
    _check_ip_ranges(out, access.trusted_ip_ranges, ("access", "trusted_ip_ranges"))
    if (
        access.session_timeout_minutes is not None
        and access.session_timeout_minutes not in STANDARD_SESSION_TIMEOUTS
    ):
        out.add(
            "warning",
            "session_timeout",
            ("access", "session_timeout_minutes"),
            f"{access.session_timeout_minutes} is not one of Setup's timeouts "
            f"({', '.join(map(str, sorted(STANDARD_SESSION_TIMEOUTS)))})",
        )
    for item in SWITCHES:
        loc_ = item.for_kind(kind)
        if not _explicit(app, item.path):
            continue
        value = _value(app, item.path)
        parts: Loc = tuple(item.path.split("."))
        if loc_.where == "unsupported" and value not in (False, None, ()):
            out.add(
                "error",
                "kind_unsupported",
                parts,
                f"{item.path} is not supported by {kind}" + (f": {loc_.note}" if loc_.note else ""),
            )
        elif loc_.where == "metadata" and loc_.since and _version(loc_.since) > version:
            out.add(
                "error",
                "api_version",
                parts,
                f"{item.path} needs API {loc_.since} for {kind}; the project uses {api_version}",
                hint=f"raise api_version in sfconnect.yaml to {loc_.since} or later, or remove the key",
            )
    out.issues.extend(check_metadata_block(app, prefix=prefix, locate=locate))
    return out.issues


_INSTALLED_KEYS = (
    "label",
    "description",
    "contact",
    "urls",
    "oauth",
    "access",
    "handler",
    "distribution_state",
    "protected",
    "migrated_from",
)
"""Keys of an External Client App that an installed app's package sets (its header and settings)."""


def _check_installed(out: _Collector, app: ExternalClientAppSpec) -> None:
    """An installed app (``installed: true``) manages only its ``metadata:`` components; a namespace prefix in
    a name (``ns__Name``) belongs to such an app."""
    if not app.installed:
        if NAMESPACE_PREFIX.match(app.name):
            out.add(
                "error",
                "api_name",
                ("name",),
                f"'{app.name}' is not a valid API name: a double underscore separates a package's namespace "
                "prefix (ns__Name), which only an app installed from a package has",
                hint="use single underscores, or set installed: true for a packaged app's policies",
            )
        return
    for key in _INSTALLED_KEYS:
        if key in app.model_fields_set and not (key == "label" and app.label == app.name):  # filled in
            out.add(
                "error",
                "installed",
                (key,),
                f"{key} of an installed app comes from its package: this entry manages only the components "
                "under metadata:",
                hint=f"remove {key}, or remove installed: true to manage the whole app",
            )
    if app.state == "absent":
        out.add(
            "error",
            "installed",
            ("state",),
            "an installed app cannot be removed here: its package owns it",
            hint="uninstall the package in Setup, or remove the entry to stop managing its policies",
        )
    if "ExternalClientApplication" in app.metadata:
        out.add(
            "error",
            "installed",
            ("metadata", "ExternalClientApplication"),
            "an installed app's header comes from its package and is never deployed",
            hint="remove metadata.ExternalClientApplication",
        )
    if not app.metadata and app.state == "present":
        out.add(
            "error",
            "installed",
            ("installed",),
            "an installed app manages only the components under metadata:, and this one declares none",
            hint="declare its policies under metadata: (e.g. ExtlClntAppOauthConfigurablePolicies), or remove "
            "the entry",
        )


def _value(model: BaseModel, path: str) -> object:
    obj: Any = model
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def check_metadata_block(app: AppSpec, *, prefix: Loc, locate: Locator) -> list[Issue]:
    """Check the ``metadata:`` escape hatch against the v63 WSDL field names and types."""
    out = _Collector(prefix, locate)
    allowed_types = ESCAPE_HATCH[app.kind]
    for type_name, fields in app.metadata.items():
        base: Loc = ("metadata", type_name)
        if type_name not in allowed_types:
            close = difflib.get_close_matches(type_name, list(allowed_types), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "allowed: " + ", ".join(sorted(allowed_types))
            out.add(
                "error",
                "metadata_type",
                base,
                f"'{type_name}' is not a component type of {app.kind} here; {hint}",
            )
            continue
        known = TYPES.get(type_name)
        for field_name, value in fields.items():
            if field_name in COMPILER_FIELDS:
                out.add(
                    "error",
                    "metadata_field",
                    (*base, field_name),
                    f"'{field_name}' is set by sfconnect (the app's reference, or an org-generated or "
                    "write-only value), not here",
                )
                continue
            if known is None or field_name not in known:
                close = difflib.get_close_matches(field_name, list(known or ()), n=1, cutoff=0.9)
                out.add(
                    "error" if close else "warning",
                    "metadata_field" if close else "metadata_field_unknown",
                    (*base, field_name),
                    f"'{field_name}' is not a field of {type_name} in the v{API_VERSION} WSDL: sent as written"
                    + (f" (did you mean '{close[0]}'?)" if close else ""),
                )
                continue
            if value is not None and value != NIL:
                _check_field(out, (*base, field_name), known[field_name], value)
        if known is not None and type_name not in _BUILT_BY_THE_COMPILER:
            for field_name, (_, required, _) in known.items():
                if required and field_name not in COMPILER_FIELDS and field_name not in fields:
                    out.add("error", "missing", base, f"{type_name} needs '{field_name}'")
    return out.issues


def _check_field(out: _Collector, loc: Loc, spec: tuple[str, bool, bool], value: object) -> None:
    xsd_type, _, repeated = spec
    if repeated:
        if not isinstance(value, list | tuple):
            out.add("error", "metadata_type", loc, f"'{loc[-1]}' is a list; write it as a YAML list")
            return
        for i, item in enumerate(value):
            _check_value(out, (*loc, i), xsd_type, item)
    else:
        _check_value(out, loc, xsd_type, value)


def _check_value(out: _Collector, loc: Loc, xsd_type: str, value: object) -> None:
    if xsd_type in TYPES:
        if not isinstance(value, Mapping):
            out.add("error", "metadata_type", loc, f"expected a mapping of {xsd_type} fields")
            return
        fields = TYPES[xsd_type]
        for key, item in value.items():
            if key not in fields:
                close = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.9)
                out.add(
                    "error" if close else "warning",
                    "metadata_field" if close else "metadata_field_unknown",
                    (*loc, key),
                    f"'{key}' is not a field of {xsd_type} in the v{API_VERSION} WSDL: sent as written"
                    + (f" (did you mean '{close[0]}'?)" if close else ""),
                )
            elif item is not None and item != NIL:
                _check_field(out, (*loc, key), fields[key], item)
        return
    if xsd_type.startswith("enum:"):
        values = ENUMS[xsd_type[5:]]
        if value not in values:
            out.add("error", "metadata_enum", loc, f"{value!r} is not one of {', '.join(values)}")
        return
    ok = {
        "boolean": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "double": isinstance(value, int | float) and not isinstance(value, bool),
    }.get(xsd_type, isinstance(value, str | dt.date))
    if not ok:
        out.add("error", "metadata_type", loc, f"expected {xsd_type}, got {type(value).__name__}")


def _duplicate_hint(first: AppSpec, second: AppSpec) -> str:
    if {first.kind, second.kind} == {"ConnectedApp", "ExternalClientApp"}:
        return (
            f"API names are unique per kind in YAML: if Setup migrated the Connected App {first.name} to an External "
            f"Client App, run `sfconnect migrate {first.name} --adopt` (it keeps the External Client App, recording "
            "the Connected App as its original); otherwise rename one app"
        )
    return "API names are unique per org: rename one app or remove the duplicate"


def unique_names(apps: Sequence[AppSpec]) -> list[Issue]:
    """An app name may be declared once per project (across all files)."""
    issues: list[Issue] = []
    first: dict[str, AppSpec] = {}
    for app in apps:
        if app.name in first:
            other = first[app.name].source
            where = f"{other.file}:{other.line}" if other else "another file"
            src = app.source
            file, line, column = src.position(("name",)) if src else ("", 0, 0)
            issues.append(
                Issue(
                    "error",
                    "duplicate_app",
                    f"app name '{app.name}' is already declared at {where}",
                    file,
                    line,
                    column,
                    (*(src.loc if src else ()), "name"),
                    _duplicate_hint(first[app.name], app),
                )
            )
        else:
            first[app.name] = app
    return issues


def project_rules(
    config: ProjectConfig,
    apps: Sequence[AppSpec],
    *,
    locate: Locator,
    invalid_names: Sequence[str] = (),
    partial: bool = False,
) -> list[Issue]:
    """Check the project file against itself and the apps it manages.

    `invalid_names` are the names of app entries that failed validation (they exist, their errors say why);
    `partial` means only some app files were loaded (``validate FILE``), so apps and globs cannot be matched.
    """
    out = _Collector((), locate)
    names = [app.name for app in apps] + [n for n in invalid_names if n not in {a.name for a in apps}]
    if not config.targets:
        out.add("error", "no_target", ("targets",), "declare at least one target")
    if config.default_target is not None and config.default_target not in config.targets:
        close = difflib.get_close_matches(config.default_target, list(config.targets), n=1)
        out.add(
            "error",
            "unknown_target",
            ("default_target",),
            f"default_target '{config.default_target}' is not a declared target"
            + (f"; did you mean '{close[0]}'?" if close else ""),
        )
    if config.default_target is None and len(config.targets) > 1:
        out.add(
            "error",
            "default_target",
            ("targets",),
            "several targets are declared: name the one used without -t in default_target",
        )
    for target_name, target in config.targets.items():
        chosen = {n for n in names if any(fnmatch.fnmatchcase(n, g) for g in target.apps)}
        for i, pattern in enumerate(target.apps):
            if names and not partial and not any(fnmatch.fnmatchcase(n, pattern) for n in names):
                out.add(
                    "warning",
                    "no_match",
                    ("targets", target_name, "apps", i),
                    f"'{pattern}' matches no app of the project",
                )
        for app_name, values in target.overrides.items():
            loc: Loc = ("targets", target_name, "overrides", app_name)
            if app_name not in names:
                if partial:
                    continue
                close = difflib.get_close_matches(app_name, names, n=1)
                out.add(
                    "error",
                    "unknown_app",
                    loc,
                    f"override for unknown app '{app_name}'"
                    + (f"; did you mean '{close[0]}'?" if close else ""),
                )
            elif app_name not in chosen and app_name not in invalid_names:
                out.add(
                    "warning",
                    "override_unused",
                    loc,
                    f"app '{app_name}' does not go to target '{target_name}'",
                )
            for key in ("name", "kind"):
                if key in values:
                    out.add("error", "override_key", (*loc, key), f"'{key}' cannot be overridden per target")
    return out.issues

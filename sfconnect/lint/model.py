"""The lint data model: severities, rules and their metadata, what rules see, and what they report.

A rule is a small pure function of one scope:

- ``app``: an `AppView` (the app's components, compiled from YAML or read from an org, plus its spec when
  it comes from YAML) -> `Hit` records;
- ``project``: a `ProjectView` (the project's files and apps, per target) -> hits;
- ``org``: an `OrgView` (org-wide settings read from a live org) -> hits.

The runner turns hits into located `Finding` records (``file:line:column`` of the YAML key when there is
YAML; the metadata path otherwise), applies the profile and the suppressions, and returns a `LintReport`.
"""

from __future__ import annotations

import datetime as dt
import functools
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias

from sfconnect._types import Loc
from sfconnect.metadata import fieldmap
from sfconnect.metadata.compiled import AppKind, CompiledApp
from sfconnect.metadata.component import Component, Value
from sfconnect.spec.models import AppSpec

__all__ = [
    "PROFILES",
    "SEVERITIES",
    "AppView",
    "Finding",
    "Hit",
    "LintReport",
    "OrgView",
    "ProjectView",
    "Rule",
    "Scope",
    "Severity",
    "SuppressedFinding",
    "TargetApps",
    "define",
    "severity_at_least",
]

Severity: TypeAlias = Literal["critical", "high", "medium", "low", "info"]
Scope: TypeAlias = Literal["app", "project", "org"]
Profile: TypeAlias = Literal["default", "production", "partner"]

SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
"""Every severity, worst first."""

PROFILES: tuple[Profile, ...] = ("default", "production", "partner")
"""The severity profiles: ``production`` treats every app as going to a production org; ``partner`` applies
the partner (ISV) requirements on top."""

_RANK = {name: len(SEVERITIES) - i for i, name in enumerate(SEVERITIES)}


def severity_at_least(severity: Severity, gate: Severity) -> bool:
    """Whether `severity` is at or above `gate` (``critical`` is the highest)."""
    return _RANK[severity] >= _RANK[gate]


def worse(a: Severity, b: Severity) -> Severity:
    """The higher of two severities."""
    return a if _RANK[a] >= _RANK[b] else b


def step_up(severity: Severity) -> Severity:
    """One level higher (``critical`` stays)."""
    return SEVERITIES[max(0, SEVERITIES.index(severity) - 1)]


# --- what rules report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One problem a rule found.

    Attributes:
        message: what is wrong, naming the app and value (never a secret).
        field: the YAML key path (``oauth.callback_urls[1]``) or, without YAML, the metadata path
            (``ExtlClntAppGlobalOauthSettings.callbackUrl``); empty for a whole file.
        loc: the YAML key path inside the app, used to find ``line:column`` (None without YAML).
        severity: overrides the rule's default severity for this hit (context-dependent grading).
        file: for project rules, the file (relative to the project) the hit is about.
        file_loc: a key path inside `file` (for YAML files of the project).
    """

    message: str
    field: str = ""
    loc: Loc | None = None
    severity: Severity | None = None
    file: str = ""
    file_loc: Loc | None = None
    app: str | None = None


@dataclass(frozen=True)
class Rule:
    """A lint rule and its documentation.

    `check` takes the view of its scope (`AppView`, `ProjectView` or `OrgView`) and yields hits.
    `partner` is the severity in the ``partner`` profile, when it differs.
    """

    id: str
    slug: str
    severity: Severity
    scope: Scope
    title: str
    what: str
    why: str
    fix: str
    bad: str
    good: str
    check: Callable[..., Iterable[Hit]] = field(compare=False, repr=False)
    partner: Severity | None = None
    kinds: tuple[AppKind, ...] = ("ConnectedApp", "ExternalClientApp")
    tags: tuple[str, ...] = ()

    def severity_for(self, profile: str) -> Severity:
        """The rule's default severity under `profile`."""
        if profile == "partner" and self.partner is not None:
            return self.partner
        return self.severity


# --- what rules see ---------------------------------------------------------------------------------------

_LIST_CODECS = frozenset({"list", "ip ranges", "attributes"})
"""Codecs whose metadata field holds a list: a YAML key's index (``access.trusted_ip_ranges[1]``) carries over."""

_UNNORMALISED_DEFAULTS: Mapping[tuple[str, str], Value] = {
    ("ConnectedApp", "access.ip_relaxation"): "ENFORCE",
    ("ConnectedApp", "oauth.refresh_token.policy"): "infinite",
}
"""Documented values of Connected App fields that the field map gives no default (canonical components keep
them, as an org returns them); keyed by kind and YAML key, the metadata field comes from the map."""


@functools.cache
def _row_places(kind: str) -> Mapping[str, tuple[fieldmap.Row, fieldmap.Place, int]]:
    """Every YAML path a row of the field map reads, for one kind: its row, place, and position in the row."""
    out: dict[str, tuple[fieldmap.Row, fieldmap.Place, int]] = {}
    for row, place in fieldmap.rows_for(kind):
        for index, path in enumerate(row.yaml_paths):
            out[path] = (row, place, index)
    return out


def metadata_path(kind: str, yaml_key: str) -> str:
    """Where a YAML key lives in metadata for one kind (``Type.path``), read from the field map: the row's field
    for the key (the first, or the one at the key's position for a row of several keys), with the key's list
    index when the field holds a list. Empty when the map stores the key nowhere in metadata for `kind`."""
    base, bracket, rest = yaml_key.partition("[")
    found = _row_places(kind).get(base)
    if found is None:
        return ""
    _, place, index = found
    target = place.fields[index] if len(place.fields) > index and index > 0 else place.fields[0]
    suffix = bracket + rest if bracket and place.codec.name in _LIST_CODECS else ""
    return f"{target}{suffix}"


@functools.cache
def _defaults() -> Mapping[str, Value]:
    out: dict[str, Value] = {}
    for (kind, key), value in _UNNORMALISED_DEFAULTS.items():
        out[metadata_path(kind, key)] = value
    return out


def documented_default(path: str) -> Value:
    """Salesforce's documented value of a metadata field (``Type.path``) that canonical components leave out
    when it holds it: the field map's default (or `_UNNORMALISED_DEFAULTS`)."""
    type_name, _, rest = path.partition(".")
    found = fieldmap.metadata_default(type_name, rest)
    return found if found is not None else _defaults().get(path)


@dataclass(frozen=True)
class AppView:
    """One app as an app-scope rule sees it.

    Attributes:
        name: the app's API name.
        kind: ``ConnectedApp`` or ``ExternalClientApp``.
        components: the app's components by metadata type (one ConnectedApp, or the ECA family).
        spec: the app's YAML (target overrides applied), or None when read from an org.
        compiled: the compiled app (maps metadata paths to YAML keys), or None when read from an org.
        production: whether the app goes to a production org (or the profile says to treat it so).
        profile: the severity profile in force.
        namespace: the namespace of an installed (managed) app read from an org.
        target: the target the app was linted for, if any.
        project_dir: the project directory (to read referenced certificates), or None.
        today: the date certificate expiry is measured against.
        live: whether the app was read from an org in a live audit.
        declared: in a live audit, the app's YAML when the project declares it (intent the org cannot tell).
        migrated: in a live audit, whether the org also holds an External Client App of the same name.
    """

    name: str
    kind: AppKind
    components: Mapping[str, Component]
    spec: AppSpec | None = None
    compiled: CompiledApp | None = None
    production: bool = False
    profile: str = "default"
    namespace: str | None = None
    target: str | None = None
    project_dir: Path | None = None
    today: dt.date = dt.date(2000, 1, 1)
    live: bool = False
    declared: AppSpec | None = None
    migrated: bool = False

    @property
    def regrade(self) -> bool:
        """Whether the ``production`` profile raises this app's context-dependent rules (a production app)."""
        return self.production and self.profile == "production"

    @property
    def is_ca(self) -> bool:
        """Whether the app is a Connected App."""
        return self.kind == "ConnectedApp"

    def get(self, path: str) -> Value:
        """The value at ``Type.path`` (``ConnectedApp.oauthConfig.scopes``), or its documented default."""
        type_name, _, rest = path.partition(".")
        component = self.components.get(type_name)
        value = component.get(rest) if component is not None else None
        if value is None:
            return documented_default(path)
        return value

    def path(self, yaml_key: str) -> str:
        """Where `yaml_key` lives in this app's metadata (``Type.path``, from the field map; empty when nowhere)."""
        return metadata_path(self.kind, yaml_key)

    def setting(self, yaml_key: str) -> Value:
        """The metadata value of a YAML key for this app's kind (its field in the field map), or its documented
        default; None when the kind stores the key nowhere in metadata."""
        path = self.path(yaml_key)
        return self.get(path) if path else None

    def enabled(self, yaml_key: str) -> bool:
        """A boolean setting (absent and not defaulted is false)."""
        return self.setting(yaml_key) is True

    @property
    def has_oauth(self) -> bool:
        """Whether OAuth is on for the app."""
        if self.spec is not None:
            return self.spec.oauth is not None
        if self.is_ca:
            return self.get(self.path("oauth.callback_urls").rpartition(".")[0]) is not None
        return any(t.startswith("ExtlClntAppGlobalOauth") for t in self.components)

    def callback_urls(self) -> list[str]:
        """The app's callback URLs."""
        if self.spec is not None:
            return list(self.spec.oauth.callback_urls) if self.spec.oauth else []
        raw = self.setting("oauth.callback_urls")
        if not isinstance(raw, str):
            return []
        return [u for u in raw.replace(",", "\n").splitlines() if u.strip()]

    def scopes(self) -> list[str]:
        """The app's OAuth scopes (Metadata API names, e.g. ``Api``, ``RefreshToken``, ``Full``)."""
        if self.spec is not None:
            return list(self.spec.oauth.scopes) if self.spec.oauth else []
        raw = self.setting("oauth.scopes")
        if self.is_ca:
            if isinstance(raw, tuple):
                return [str(s) for s in raw]
            return [raw] if isinstance(raw, str) else []
        text = raw
        return [s.strip() for s in text.split(",") if s.strip()] if isinstance(text, str) else []

    @property
    def issues_refresh_tokens(self) -> bool:
        """Whether the app can obtain refresh tokens (the RefreshToken scope, or Full)."""
        scopes = set(self.scopes())
        return bool(scopes & {"RefreshToken", "OfflineAccess", "Full"})

    def where(self, yaml_key: str, ca: str = "", eca: str = "") -> tuple[str, Loc | None]:
        """The `Hit.field` and `Hit.loc` for a setting: its YAML key with YAML, else its metadata path."""
        if self.spec is not None:
            return yaml_key, _to_loc(yaml_key)
        return (ca if self.is_ca else eca) or self.path(yaml_key) or yaml_key, None

    def hit(
        self, message: str, yaml_key: str, ca: str = "", eca: str = "", severity: Severity | None = None
    ) -> Hit:
        """A hit located at a setting (see `where`)."""
        field_name, loc = self.where(yaml_key, ca, eca)
        return Hit(f"{self.label()}: {message}", field_name, loc, severity)

    def label(self) -> str:
        """How messages name the app: ``ConnectedApp 'Name'``."""
        if self.namespace:
            return f"{self.kind} {self.name!r} (installed from package {self.namespace!r})"
        return f"{self.kind} {self.name!r}"

    def flows(self) -> set[str]:
        """The flows the app can run: YAML intent where there is YAML, inferred from metadata otherwise.

        Names: ``authorization_code``, ``client_credentials``, ``jwt_bearer``, ``user_agent``, ``device``,
        ``token_exchange``, ``username_password``, ``code_credential``.
        """
        if self.spec is not None:
            if self.spec.oauth is None:
                return set()
            flows = self.spec.oauth.flows
            return {name for name in type(flows).model_fields if getattr(flows, name).enabled}
        found: set[str] = set()
        if not self.has_oauth:
            return found
        if self.callback_urls():
            found.add("authorization_code")
        for flow in ("client_credentials", "device", "token_exchange", "code_credential"):
            if self.enabled(f"oauth.flows.{flow}.enabled"):
                found.add(flow)
        if self.setting("oauth.flows.jwt_bearer.certificate"):
            found.add("jwt_bearer")
        return found

    @property
    def interactive(self) -> bool:
        """Whether a user signs in through the app (web server, user-agent, device or code-credential)."""
        return bool(self.flows() & {"authorization_code", "user_agent", "device", "code_credential"})


def _to_loc(dotted: str) -> Loc:
    """``oauth.callback_urls[1]`` -> ``("oauth", "callback_urls", 1)``."""
    out: list[str | int] = []
    for part in dotted.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("["):
            out.append(int(part[1:-1]))
        else:
            out.append(part)
    return tuple(out)


@dataclass(frozen=True)
class TargetApps:
    """The apps of one target, with the target's values applied."""

    name: str
    environment: str
    apps: tuple[AppView, ...]


@dataclass(frozen=True)
class ProjectView:
    """The project as a project-scope rule sees it: its directory, files and every target's apps.

    Attributes:
        directory: the project directory.
        files: files of the project that version control would keep (relative POSIX paths).
        targets: per target, its apps.
        config_file: ``sfconnect.yaml`` relative to the project, or None.
    """

    directory: Path
    files: tuple[str, ...]
    targets: tuple[TargetApps, ...]
    config_file: str | None = None

    def read_text(self, relative: str, limit: int = 1_000_000) -> str:
        """A project file's text (at most `limit` bytes; undecodable bytes replaced).

        Raises:
            OSError: unreadable, or not a regular file (a FIFO would block, a device never end).
        """
        path = self.directory / relative
        if not stat.S_ISREG(path.stat().st_mode):
            raise OSError(f"{path} is not a regular file")
        with path.open("rb") as handle:
            return handle.read(limit).decode("utf-8", "replace")


@dataclass(frozen=True)
class OrgView:
    """What an org-scope rule sees: org-wide settings components read from the org, by type."""

    target: str
    settings: Mapping[str, Component]

    def get(self, path: str) -> Value:
        """The value at ``Type.path`` (``OauthOidcSettings.blockOAuthUsrAgtFlow``), None when unknown."""
        type_name, _, rest = path.partition(".")
        component = self.settings.get(type_name)
        return component.get(rest) if component is not None else None


# --- results ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One located finding.

    `file` is relative to the project directory (empty for findings about an org); `line` and `column` are
    1-based (0 when unknown).
    """

    rule_id: str
    slug: str
    severity: Severity
    message: str
    app: str | None = None
    field: str = ""
    file: str = ""
    line: int = 0
    column: int = 0
    target: str | None = None

    @property
    def key(self) -> str:
        """A stable identity for baselines: ``app|rule|field``."""
        return f"{self.app or ''}|{self.rule_id}|{self.field}"

    def location(self) -> str:
        """``file:line:column`` as far as known (``app field`` for org findings)."""
        if not self.file:
            return f"{self.app or 'org'}" + (f" {self.field}" if self.field else "")
        out = self.file
        if self.line:
            out += f":{self.line}"
            if self.column:
                out += f":{self.column}"
        return out

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order: file, line, column, rule, app."""
        return (self.file, self.line, self.column, self.rule_id, self.app or "")


@dataclass(frozen=True)
class SuppressedFinding:
    """A finding a suppression accepted, with the suppression's reason and where it is written."""

    finding: Finding
    reason: str
    expires: dt.date | None
    suppression_index: int


@dataclass(frozen=True)
class LintReport:
    """The outcome of a lint run: findings (not suppressed), suppressed findings, and the rules that ran."""

    findings: tuple[Finding, ...]
    suppressed: tuple[SuppressedFinding, ...]
    rules: tuple[Rule, ...]
    profile: str = "default"
    gate: Severity = "high"
    mode: Literal["yaml", "live"] = "yaml"

    def failing(self, gate: Severity | None = None) -> list[Finding]:
        """Findings at or above `gate` (the report's gate when None)."""
        limit = gate or self.gate
        return [f for f in self.findings if severity_at_least(f.severity, limit)]

    def counts(self) -> dict[str, int]:
        """Number of findings per severity (every severity present, worst first)."""
        out: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
        for finding in self.findings:
            out[finding.severity] += 1
        return out


def define(
    id: str,
    slug: str,
    severity: Severity,
    scope: Scope,
    *,
    title: str,
    what: str,
    why: str,
    fix: str,
    bad: str,
    good: str,
    partner: Severity | None = None,
    kinds: tuple[AppKind, ...] = ("ConnectedApp", "ExternalClientApp"),
    tags: tuple[str, ...] = (),
) -> Callable[[Callable[..., Iterable[Hit]]], Rule]:
    """Decorator: turn a check function into a `Rule` carrying its metadata (the module keeps the Rule)."""

    def wrap(check: Callable[..., Iterable[Hit]]) -> Rule:
        return Rule(
            id=id,
            slug=slug,
            severity=severity,
            scope=scope,
            title=title,
            what=what,
            why=why,
            fix=fix,
            bad=bad,
            good=good,
            check=check,
            partner=partner,
            kinds=kinds,
            tags=tags,
        )

    return wrap

"""Running the rules: over a project's YAML (per target), over a live org (audit), and suppressions.

YAML mode lints every app as written and, per target, with the target's overrides applied (findings are
merged: one per rule, app and YAML key, at the worst severity); findings point at the YAML key
(``file:line:column``, the override in ``sfconnect.yaml`` when the value comes from there). Audit mode reads
every Connected App and External Client App of an org (installed ones too) and the org-wide settings, and
names the app and metadata field.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sfconnect.errors import MetadataError, MetadataFault
from sfconnect.lint._rules_org import ORG_SETTINGS
from sfconnect.lint.model import (
    AppView,
    Finding,
    Hit,
    LintReport,
    OrgView,
    ProjectView,
    Rule,
    Severity,
    SuppressedFinding,
    TargetApps,
    severity_at_least,
)
from sfconnect.lint.registry import RULES, find_rule
from sfconnect.metadata.compiled import CompiledApp
from sfconnect.metadata.compiler import FileReader, compile_app
from sfconnect.metadata.component import Component, eca_families
from sfconnect.metadata.schema import ComponentType
from sfconnect.metadata.xmlio import read_component
from sfconnect.org.metadata_api import MetadataApi
from sfconnect.org.reader import read_components
from sfconnect.plan.service import ALL_APP_TYPES
from sfconnect.spec.files import read_file_bytes
from sfconnect.spec.load import Project
from sfconnect.spec.models import AppSpec
from sfconnect.spec.project import Suppression
from sfconnect.spec.refs import MAX_REFERENCED_BYTES

__all__ = [
    "apply_suppressions",
    "lint_apps",
    "lint_live",
    "lint_live_project",
    "lint_project",
    "project_files",
    "run_app_rules",
]

_SKIP_DIRS = {".git", ".sfconnect", "node_modules", "__pycache__", ".venv", "venv", ".mypy_cache"}
_MAX_FILES = 20_000


# --- inputs -----------------------------------------------------------------------------------------------


def _lenient_files(project_dir: Path) -> FileReader:
    """A certificate reader for compiling that never fails: lint runs before `keygen` too."""

    def read(ref: str) -> str:
        path = project_dir / ref.removeprefix("file:")
        try:
            return read_file_bytes(path, limit=MAX_REFERENCED_BYTES).decode("utf-8", "replace")
        except OSError:
            return ""

    return read


def _compile(spec: AppSpec, project_dir: Path) -> CompiledApp:
    return compile_app(spec, files=_lenient_files(project_dir))


def _components(compiled: CompiledApp) -> dict[str, Component]:
    return {c.type: c for c in compiled.components}


def _view(
    spec: AppSpec,
    project: Project,
    *,
    target: str | None,
    production: bool,
    profile: str,
    today: dt.date,
) -> AppView | None:
    if spec.state == "absent":
        return None
    compiled = _compile(spec, project.directory)
    return AppView(
        name=spec.name,
        kind=spec.kind,
        components=_components(compiled),
        spec=spec,
        compiled=compiled,
        production=production,
        profile=profile,
        target=target,
        project_dir=project.directory,
        today=today,
    )


def _environment(project: Project, target: str) -> str:
    config = project.config.targets[target]
    return config.salesforce.environment if config.salesforce is not None else "local"


def project_files(directory: Path) -> tuple[str, ...]:
    """The project's files that version control would keep, as POSIX paths relative to `directory`.

    Inside a git work tree: tracked files plus untracked ones that are not ignored. Elsewhere: every file,
    less hidden and tool directories and what the project's ``.gitignore`` names (simple patterns).
    """
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        done = None
    if done is not None and done.returncode == 0:
        names = sorted({n for n in done.stdout.decode("utf-8", "replace").split("\0") if n})
        return tuple(n for n in names if (directory / n).is_file())[:_MAX_FILES]
    patterns = _gitignore(directory)
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        rel_root = Path(root).relative_to(directory).as_posix()
        rel_root = "" if rel_root == "." else rel_root + "/"
        dirs[:] = sorted(
            d for d in dirs if d not in _SKIP_DIRS and not _ignored(f"{rel_root}{d}", d, patterns, True)
        )
        for name in sorted(files):
            rel = f"{rel_root}{name}"
            if not _ignored(rel, name, patterns, False):
                found.append(rel)
        if len(found) > _MAX_FILES:
            break
    return tuple(sorted(found))[:_MAX_FILES]


def _gitignore(directory: Path) -> list[str]:
    try:
        text = read_file_bytes(directory / ".gitignore", limit=1 << 20).decode("utf-8", "replace")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith(("#", "!"))]


def _ignored(rel: str, name: str, patterns: Iterable[str], is_dir: bool) -> bool:
    for pattern in patterns:
        dir_only = pattern.endswith("/")
        bare = pattern.strip("/")
        if dir_only and not is_dir:
            continue
        if "/" in bare:
            if fnmatch.fnmatchcase(rel, bare):
                return True
        elif fnmatch.fnmatchcase(name, bare):
            return True
    return False


# --- running rules ----------------------------------------------------------------------------------------


def _relative(file: str, directory: Path) -> str:
    if not file:
        return ""
    try:
        return Path(os.path.relpath(Path(file).resolve(), directory.resolve())).as_posix()
    except ValueError:
        return Path(file).as_posix()


def _severity(rule: Rule, hit: Hit, profile: str) -> Severity:
    base = rule.severity_for(profile)
    if hit.severity is None:
        return base
    if profile == "partner" and rule.partner is not None and severity_at_least(rule.partner, hit.severity):
        return rule.partner
    return hit.severity


def run_app_rules(view: AppView, rules: Sequence[Rule] = RULES) -> list[Finding]:
    """Run the app rules on one app; findings located at the YAML key (or named by metadata path)."""
    out: list[Finding] = []
    base = view.project_dir or Path()
    for rule in rules:
        if rule.scope != "app" or view.kind not in rule.kinds:
            continue
        for hit in rule.check(view):
            file, line, column = "", 0, 0
            source = view.spec.source if view.spec is not None else None
            if source is not None:
                file, line, column = source.position(hit.loc or ())
                file = _relative(file, base)
            out.append(
                Finding(
                    rule_id=rule.id,
                    slug=rule.slug,
                    severity=_severity(rule, hit, view.profile),
                    message=hit.message,
                    app=view.name,
                    field=hit.field,
                    file=file,
                    line=line,
                    column=column,
                    target=view.target,
                )
            )
    return out


def _run_project_rules(view: ProjectView, project: Project, profile: str) -> list[Finding]:
    out: list[Finding] = []
    for rule in RULES:
        if rule.scope != "project":
            continue
        for hit in rule.check(view):
            file, line, column = hit.file, 0, 0
            if hit.file_loc and isinstance(hit.file_loc[0], int):
                line = hit.file_loc[0]
            if not file and hit.app is not None:
                try:
                    spec = project.app(hit.app)
                except KeyError:
                    spec = None
                if spec is not None and spec.source is not None:
                    file, line, column = spec.source.position(("oauth", "flows", "jwt_bearer", "certificate"))
                    file = _relative(file, project.directory)
            out.append(
                Finding(
                    rule.id,
                    rule.slug,
                    _severity(rule, hit, profile),
                    hit.message,
                    hit.app,
                    hit.field,
                    file,
                    line,
                    column,
                )
            )
    return out


def _merge(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per rule, app, field and place: the worst severity wins."""
    best: dict[tuple[str, str, str, str, int, int], Finding] = {}
    for finding in findings:
        key = (finding.rule_id, finding.app or "", finding.field, finding.file, finding.line, finding.column)
        current = best.get(key)
        if current is None or (
            severity_at_least(finding.severity, current.severity) and finding.severity != current.severity
        ):
            best[key] = finding
    return sorted(best.values(), key=Finding.sort_key)


# --- suppressions -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Located:
    suppression: Suppression
    index: int
    file: str
    line: int
    column: int


def _matches(suppression: Suppression, finding: Finding) -> bool:
    try:
        rule = find_rule(suppression.rule)
    except KeyError:
        return False
    return rule.id == finding.rule_id and fnmatch.fnmatchcase(finding.app or "", suppression.app)


def apply_suppressions(
    findings: Sequence[Finding],
    suppressions: Sequence[Suppression],
    *,
    today: dt.date,
    positions: Sequence[tuple[str, int, int]] = (),
) -> tuple[list[Finding], list[SuppressedFinding]]:
    """Split findings into kept and suppressed, and report expired and unused suppressions.

    An expired suppression suppresses nothing and adds an SFC-META-001 finding; one that matched nothing
    adds SFC-META-002. `positions` gives ``(file, line, column)`` of each suppression for those findings.
    """
    located = [
        _Located(s, i, *(positions[i] if i < len(positions) else ("", 0, 0)))
        for i, s in enumerate(suppressions)
    ]
    kept: list[Finding] = []
    suppressed: list[SuppressedFinding] = []
    used: set[int] = set()
    for finding in findings:
        match = next((loc for loc in located if _matches(loc.suppression, finding)), None)
        if match is None:
            kept.append(finding)
            continue
        used.add(match.index)
        expires = match.suppression.expires
        if expires is not None and expires < today:
            kept.append(finding)
        else:
            suppressed.append(SuppressedFinding(finding, match.suppression.reason, expires, match.index))
    expired_rule, unused_rule = find_rule("SFC-META-001"), find_rule("SFC-META-002")
    for loc in located:
        s = loc.suppression
        what = f"suppression #{loc.index + 1} ({s.rule} for {s.app})"
        if s.expires is not None and s.expires < today:
            kept.append(
                Finding(
                    expired_rule.id,
                    expired_rule.slug,
                    expired_rule.severity,
                    f"{what} expired on {s.expires}; its findings are reported again",
                    None,
                    f"lint.suppressions[{loc.index}].expires",
                    loc.file,
                    loc.line,
                    loc.column,
                )
            )
        elif loc.index not in used:
            kept.append(
                Finding(
                    unused_rule.id,
                    unused_rule.slug,
                    unused_rule.severity,
                    f"{what} matches no finding",
                    None,
                    f"lint.suppressions[{loc.index}]",
                    loc.file,
                    loc.line,
                    loc.column,
                )
            )
    return sorted(kept, key=Finding.sort_key), suppressed


def _suppression_positions(project: Project) -> list[tuple[str, int, int]]:
    if project.config_file is None:
        return []
    out = []
    for index in range(len(project.config.lint.suppressions)):
        file, line, column = project.position(str(project.config_file), ("lint", "suppressions", index))
        out.append((_relative(file, project.directory), line, column))
    return out


# --- entry points -----------------------------------------------------------------------------------------


def _settings(project: Project, profile: str | None, gate: Severity | None) -> tuple[str, Severity]:
    lint = project.config.lint
    return profile or lint.profile, gate or lint.fail_on or "high"


def _under(file: str, paths: Sequence[str]) -> bool:
    return any(file == p or file.startswith(p.rstrip("/") + "/") for p in paths)


def lint_project(
    project: Project,
    *,
    targets: Sequence[str] | None = None,
    profile: str | None = None,
    gate: Severity | None = None,
    today: dt.date | None = None,
    paths: Sequence[Path] = (),
    apps: Sequence[str] | None = None,
) -> LintReport:
    """Lint a project's YAML: app rules per app (as written and per target), project rules, suppressions.

    Args:
        project: the loaded project.
        targets: lint only these targets' apps (as deployed there); None lints the apps as written and
            every target.
        profile: severity profile (default: the project's ``lint.profile``).
        gate: severity at or above which findings fail (default: ``lint.fail_on``, else high).
        today: the date for certificate expiry and suppression expiry (default: today, UTC).
        paths: report only findings in files under these paths.
        apps: report only findings of these apps (project-wide findings are kept).

    Raises:
        KeyError: an unknown target. MetadataError: an app cannot be compiled.
    """
    chosen_profile, chosen_gate = _settings(project, profile, gate)
    day = today or dt.datetime.now(dt.UTC).date()
    names = list(targets) if targets is not None else list(project.config.targets)
    for name in names:
        if name not in project.config.targets:
            raise KeyError(name)
    found: list[Finding] = []
    if targets is None:
        for spec in project.apps:
            view = _view(spec, project, target=None, production=False, profile=chosen_profile, today=day)
            if view is not None:
                found.extend(run_app_rules(view))
    per_target: list[TargetApps] = []
    for name in names:
        environment = _environment(project, name)
        views = []
        for spec in project.apps_for_target(name):
            view = _view(
                spec,
                project,
                target=name,
                production=environment == "production",
                profile=chosen_profile,
                today=day,
            )
            if view is not None:
                views.append(view)
                found.extend(run_app_rules(view))
        per_target.append(TargetApps(name, environment, tuple(views)))
    config_file = _relative(str(project.config_file), project.directory) if project.config_file else None
    project_view = ProjectView(
        project.directory, project_files(project.directory), tuple(per_target), config_file
    )
    found.extend(_run_project_rules(project_view, project, chosen_profile))
    merged = _merge(found)
    if apps is not None:
        merged = [f for f in merged if f.app is None or f.app in apps]
    if paths:
        wanted = [_relative(str(p), project.directory) for p in paths]
        merged = [f for f in merged if _under(f.file, wanted)]
    kept, suppressed = apply_suppressions(
        merged, project.config.lint.suppressions, today=day, positions=_suppression_positions(project)
    )
    if apps is not None:
        kept = [f for f in kept if not f.rule_id.startswith("SFC-META-")]
    return LintReport(tuple(kept), tuple(suppressed), RULES, chosen_profile, chosen_gate, "yaml")


def lint_apps(project: Project, target: str, apps: Sequence[str]) -> LintReport:
    """The findings of target `target` for the named apps only (what ``plan`` lists for changed apps)."""
    return lint_project(project, targets=[target], apps=apps)


def _parse(record_xml: bytes, type_name: str, full_name: str) -> Component | None:
    try:
        return read_component(
            record_xml, path=f"{type_name}:{full_name}", type_hint=type_name, full_name=full_name
        )
    except MetadataError:
        return None


def _settings_component(record_xml: bytes, type_name: str, full_name: str) -> Component | None:
    """A settings record as a component of flat fields (``true``/``false`` as booleans): settings types are
    not app metadata, so `read_component` does not know them."""
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(record_xml)
    except ElementTree.ParseError:
        return None
    fields: dict[str, object] = {}
    for child in root:
        name = str(child.tag).rsplit("}", 1)[-1]
        text = (child.text or "").strip()
        if name != "fullName" and len(child) == 0:
            fields[name] = {"true": True, "false": False}.get(text.lower(), text)
    return Component.build(type_name, full_name, fields)


def _org_settings(api: MetadataApi) -> dict[str, Component]:
    out: dict[str, Component] = {}
    for type_name, name in ORG_SETTINGS:
        try:
            records = api.read_metadata(type_name, [name])
        except MetadataFault:
            continue
        for record in records:
            component = _parse(record.xml, type_name, record.full_name) or _settings_component(
                record.xml, type_name, record.full_name
            )
            if component is not None:
                out[type_name] = component
    return out


def lint_live(
    api: MetadataApi,
    target: str,
    *,
    environment: str = "production",
    profile: str = "default",
    gate: Severity = "high",
    today: dt.date | None = None,
    suppressions: Sequence[Suppression] = (),
    suppression_positions: Sequence[tuple[str, int, int]] = (),
    concurrency: int = 4,
    declared: Mapping[str, AppSpec] | None = None,
) -> LintReport:
    """Audit an org: every Connected App and External Client App it holds (installed ones too), plus the
    org-wide settings. `declared` are the project's apps by name (their intent, e.g. flows, where the org
    cannot tell).

    Raises:
        OrgError: listing or reading the org failed.
    """
    day = today or dt.datetime.now(dt.UTC).date()
    listed = api.list_metadata(list(ALL_APP_TYPES))
    namespaces = {(f.type, f.full_name): f.namespace_prefix or None for f in listed}
    snapshot = read_components(api, [], include_managed=True, concurrency=concurrency, listed=listed)
    components = [c for r in snapshot.records if (c := _parse(r.xml, r.type, r.full_name)) is not None]
    views: list[AppView] = []
    production = environment == "production"
    headers = {c.full_name for c in components if c.type == ComponentType.EXTERNAL_CLIENT_APP}
    for component in components:
        if component.type == ComponentType.CONNECTED_APP:
            views.append(
                AppView(
                    component.full_name,
                    "ConnectedApp",
                    {component.type: component},
                    production=production,
                    profile=profile,
                    target=target,
                    today=day,
                    namespace=namespaces.get((component.type, component.full_name)),
                    live=True,
                    declared=(declared or {}).get(component.full_name),
                    migrated=component.full_name in headers,
                )
            )
    for name, family in eca_families(components).items():
        views.append(
            AppView(
                name,
                "ExternalClientApp",
                {c.type: c for c in family},
                production=production,
                profile=profile,
                target=target,
                today=day,
                namespace=namespaces.get((ComponentType.EXTERNAL_CLIENT_APP, name)),
            )
        )
    found: list[Finding] = []
    for view in sorted(views, key=lambda v: (v.kind, v.name)):
        found.extend(run_app_rules(view))
    org = OrgView(target, _org_settings(api))
    for rule in RULES:
        if rule.scope == "org":
            for hit in rule.check(org):
                found.append(
                    Finding(
                        rule.id,
                        rule.slug,
                        _severity(rule, hit, profile),
                        hit.message,
                        None,
                        hit.field,
                        target=target,
                    )
                )
    found = [replace(f, target=target) for f in found]
    kept, suppressed = apply_suppressions(
        sorted(found, key=lambda f: (f.app or "", f.rule_id, f.field)),
        suppressions,
        today=day,
        positions=suppression_positions,
    )
    kept_sorted = sorted(kept, key=lambda f: (f.file, f.app or "", f.rule_id, f.field))
    return LintReport(tuple(kept_sorted), tuple(suppressed), RULES, profile, gate, "live")


def lint_live_project(
    api: MetadataApi,
    project: Project,
    target: str,
    *,
    profile: str | None = None,
    gate: Severity | None = None,
    today: dt.date | None = None,
) -> LintReport:
    """`lint_live` with the project's profile, gate, suppressions and the target's environment."""
    chosen_profile, chosen_gate = _settings(project, profile, gate)
    return lint_live(
        api,
        target,
        environment=_environment(project, target),
        profile=chosen_profile,
        gate=chosen_gate,
        today=today,
        suppressions=project.config.lint.suppressions,
        suppression_positions=_suppression_positions(project),
        declared={a.name: a for a in project.apps_for_target(target)},
    )

"""Running the suite against an org, safely: production refused, what will be created said first, only the
run's prefix touched, everything removed at the end (after a failure or Ctrl-C too), the org's other apps
fingerprinted before and after, and every secret masked in the report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sfconnect.conformance._apps import APP_TYPES, ECA_CHILD_TYPES
from sfconnect.conformance._catalog import Entry, compare, load_catalog
from sfconnect.conformance._context import PREFIX, BrowserUser, OrgFacts, ProbeContext, new_run_id
from sfconnect.conformance._masking import Masker
from sfconnect.conformance._model import AREAS, NotRun, ProbeResult, Report
from sfconnect.conformance._records import field_text
from sfconnect.errors import MetadataFault, OrgError, SfconnectError
from sfconnect.org.metadata_api import MetadataApi
from sfconnect.org.oauth_client import OAuthClient
from sfconnect.org.raw_metadata import RawMetadataClient
from sfconnect.org.rest import RestClient
from sfconnect.org.session import OrgSession

__all__ = [
    "ConformanceOptions",
    "ProductionRefused",
    "cleanup_leftovers",
    "fingerprint",
    "read_facts",
    "run_conformance",
    "select",
]

DELETE_ORDER = (*ECA_CHILD_TYPES, "ExternalClientApplication", "ConnectedApp")
"""Children before their External Client App header."""


class ProductionRefused(SfconnectError):
    """The target is a production org and `--allow-production` was not given."""


@dataclass(frozen=True)
class ConformanceOptions:
    """How to run the suite."""

    only: tuple[str, ...] = ()
    """Areas (``oauth``) or probe ids (``oauth.jwt_bearer``) to run; all when empty."""
    exclude: tuple[str, ...] = ()
    """Probe ids to leave out."""
    allow_production: bool = False
    browser_user: BrowserUser | None = None
    restricted_user: BrowserUser | None = None
    propagation_seconds: float = 0.0
    run_id: str | None = None


def select(entries: Sequence[Entry], only: Sequence[str], exclude: Sequence[str] = ()) -> list[Entry]:
    """The entries `only` names (areas or probe ids), minus `exclude`.

    Raises:
        SfconnectError: a name that is neither an area nor a probe id.
    """
    ids = {e.probe.id for e in entries}
    unknown = [n for n in (*only, *exclude) if n not in AREAS and n not in ids]
    if unknown:
        raise SfconnectError(
            f"unknown area or probe: {', '.join(unknown)}; areas are {', '.join(AREAS)} "
            "(`sfconnect conformance --list` shows the probes)"
        )
    chosen = [e for e in entries if not only or e.probe.area in only or e.probe.id in only]
    return [e for e in chosen if e.probe.id not in exclude and e.probe.area not in exclude]


def read_facts(session: OrgSession, raw: RawMetadataClient, rest: RestClient, oauth: OAuthClient) -> OrgFacts:
    """What kind of org this is, who the kit runs as, and whether consumer-secret access is allowed.

    Raises:
        OrgError: the Organization record could not be read (the kit then cannot tell production apart).
    """
    answer = rest.query("SELECT Id, IsSandbox, OrganizationType, TrialExpirationDate FROM Organization")
    records = answer.records
    if not answer.ok or not records or "IsSandbox" not in records[0]:
        raise OrgError(
            "cannot tell whether the org is production: querying Organization.IsSandbox failed "
            f"({answer.error_code or 'HTTP ' + str(answer.status)}); the conformance kit refuses to run blind",
            target=raw.target,
            operation="query",
        )
    org = records[0]
    info = oauth.userinfo(session.session_id)
    username = session.username or (
        str(info.get("preferred_username") or "") if isinstance(info, dict) else ""
    )
    user_id = session.user_id or (str(info.get("user_id") or "") if isinstance(info, dict) else "")
    profile = ""
    if re.fullmatch(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?", user_id):
        found = rest.query(f"SELECT Profile.Name FROM User WHERE Id = '{user_id}'")  # noqa: S608 - an id
        rec = found.records[0] if found.ok and found.records else {}
        prof = rec.get("Profile") if isinstance(rec, dict) else None
        profile = str(prof.get("Name") or "") if isinstance(prof, dict) else ""
    secret_access: bool | None
    try:
        settings = raw.read("ExternalClientAppSettings", ["ExternalClientApp"])
        record = settings[0] if settings else None
        text = field_text(record, "enableConsumerSecretApiAccess")
        secret_access = None if not text else text.strip().lower() in ("true", "1")
    except MetadataFault:
        secret_access = None
    return OrgFacts(
        org_id=str(org.get("Id") or session.org_id),
        is_sandbox=bool(org.get("IsSandbox")),
        organization_type=str(org.get("OrganizationType") or ""),
        trial_expiration=str(org["TrialExpirationDate"]) if org.get("TrialExpirationDate") else None,
        consumer_secret_access=secret_access,
        user_id=user_id,
        username=username,
        profile_name=profile,
    )


def fingerprint(raw: RawMetadataClient, *, skip_prefix: str) -> dict[str, str]:
    """Every app component outside `skip_prefix`: ``type/name`` -> its last-modified date."""
    return {
        f"{t}/{name}": modified
        for t, name, modified in raw.list_names(APP_TYPES)
        if not name.startswith(skip_prefix)
    }


def _delete_prefixed(raw: RawMetadataClient, prefix: str) -> tuple[list[str], list[str]]:
    """Delete every app component whose name starts with `prefix` (children first). Returns (removed, errors)."""
    if not prefix.startswith(PREFIX):
        raise RuntimeError(f"refusing to delete outside the conformance prefix: {prefix!r}")
    removed: list[str] = []
    errors: list[str] = []
    present = [(t, n) for t, n, _m in raw.list_names(APP_TYPES) if n.startswith(prefix)]
    for type_name in DELETE_ORDER:
        names = [n for t, n in present if t == type_name]
        for start in range(0, len(names), 10):
            batch = names[start : start + 10]
            try:
                results = raw.delete(type_name, batch)
            except OrgError as exc:
                errors.append(f"{type_name} {', '.join(batch)}: {exc}")
                continue
            for result in results:
                label = f"{type_name}/{result.full_name}"
                if result.success:
                    removed.append(label)
                else:
                    message = result.errors[0].message if result.errors else "not deleted"
                    errors.append(f"{label}: {message}")
    left = [f"{t}/{n}" for t, n, _m in raw.list_names(APP_TYPES) if n.startswith(prefix)]
    errors += [
        f"{name}: still in the org after cleanup" for name in left if not any(name in e for e in errors)
    ]
    return removed, errors


def cleanup_leftovers(session: OrgSession, *, target: str = "") -> tuple[list[str], list[str]]:
    """``conformance --cleanup``: remove every component any run left (``SfcConf_*``). Returns (removed, errors)."""
    raw = RawMetadataClient(session, target=target)
    try:
        return _delete_prefixed(raw, PREFIX)
    finally:
        raw.close()


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """While cleaning up, a second Ctrl-C is ignored (in the main thread), so the cleanup completes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_probe(entry: Entry, ctx: ProbeContext) -> ProbeResult:
    probe, expected = entry.probe, entry.expected
    result = ProbeResult(
        probe.id,
        probe.area,
        probe.title,
        "error",
        expected=dict(expected.values),
        source=expected.source.cite(),
        source_kind=expected.source.kind,
        rows=probe.rows,
    )
    started = time.monotonic()
    try:
        observed = probe.run(ctx)
    except NotRun as exc:
        result.status, result.reason = "not run", exc.reason
    except SfconnectError as exc:
        result.reason = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a probe's own failure is reported; the run goes on and cleans up
        result.reason = f"{type(exc).__name__}: {exc}"
    else:
        result.observed = observed
        result.differences = compare(expected.values, observed)
        result.status = "differs" if result.differences else "matches"
    result.seconds = time.monotonic() - started
    return result


def _mask(report: Report, masker: Masker) -> None:
    for r in report.results:
        r.observed = masker.value(r.observed)
        r.expected = masker.value(r.expected)
        r.differences = masker.value(r.differences)
        r.reason = masker.text(r.reason)
    report.cleanup_errors = masker.value(report.cleanup_errors)
    report.untouched_changes = masker.value(report.untouched_changes)


def run_conformance(
    session: OrgSession,
    api: MetadataApi,
    options: ConformanceOptions,
    *,
    target: str = "",
    say: Callable[[str], None] = lambda _m: None,
    entries: Sequence[Entry] | None = None,
) -> Report:
    """Run the selected probes and return the (masked) report.

    Raises:
        ProductionRefused: the org is production and `options.allow_production` is false (nothing was created).
        OrgError: the org could not be read before starting.
    """
    chosen = select(entries if entries is not None else load_catalog(), options.only, options.exclude)
    run_id = options.run_id or new_run_id()
    raw = RawMetadataClient(session, target=target)
    rest = RestClient(session, target=target)
    oauth = OAuthClient(session.instance_url, session.verify, target=target)
    try:
        facts = read_facts(session, raw, rest, oauth)
        if facts.is_production and not options.allow_production:
            raise ProductionRefused(
                f"target {target!r} is a production org (Organization.IsSandbox is false, type "
                f"{facts.organization_type!r}); the conformance suite is meant for sandboxes and scratch orgs. "
                "Pass --allow-production to run it anyway"
            )
        ctx = ProbeContext(
            target,
            run_id,
            api,
            raw,
            rest,
            oauth,
            facts,
            browser_user=options.browser_user,
            restricted_user=options.restricted_user,
            propagation_seconds=options.propagation_seconds,
        )
        report = Report(
            target,
            facts.kind,
            run_id,
            session.api_version,
            started=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        say(f"conformance run {run_id} against {target} ({facts.kind}): {len(chosen)} probe(s)")
        say(f"it creates only components named {ctx.prefix}*, and removes them all at the end:")
        for e in chosen:
            if e.probe.creates:
                listed = ", ".join(ctx.prefix + n for n in e.probe.names)
                say(f"  {e.probe.id}: {e.probe.creates}" + (f": {listed}" if listed else ""))
        before = fingerprint(raw, skip_prefix=ctx.prefix)
        try:
            for entry in chosen:
                say(f"running {entry.probe.id}")
                report.results.append(_run_probe(entry, ctx))
        except KeyboardInterrupt:
            report.interrupted = True
            say("interrupted: cleaning up (a second Ctrl-C is ignored until the cleanup ends)")
        finally:
            with _sigint_deferred():
                say(f"removing the run's components ({ctx.prefix}*)")
                try:
                    removed, errors = _delete_prefixed(raw, ctx.prefix)
                except OrgError as exc:
                    removed, errors = [], [f"cleanup failed: {exc}; run `sfconnect conformance --cleanup`"]
                report.cleanup, report.cleanup_errors = removed, errors
                report.created = sorted({f"{t}/{n}" for t, n in ctx.created})
        after = fingerprint(raw, skip_prefix=ctx.prefix)
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        report.untouched_verified = not changed
        report.untouched_changes = changed
        masker = Masker(ctx.secrets_seen)
        masker.add(session.session_id, facts.org_id, facts.username, facts.user_id)
        for user in (options.browser_user, options.restricted_user):
            if user is not None:
                masker.add(user.username, user.password)
        _mask(report, masker)
        return report
    finally:
        raw.close()
        rest.close()
        oauth.close()

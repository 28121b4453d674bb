"""Fixed-seed fuzzing, in process: mutated YAML projects, XML trees and saved plans, about 60 s in all.

Every input must end either in success or in an sfconnect error (`SfconnectError`: a clear message, never a
traceback), within 10 s. Inputs built to be refused (a hostile construct planted in a valid project, file or
plan) must be refused. The generators are seeded, so a failure names an input that reproduces; the number of
inputs tried depends on the machine's speed, never which inputs come first.
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfconnect.errors import SfconnectError
from tests.conftest import REPO_ROOT

SEED = 19
PER_INPUT_SECONDS = 10
BUDGET_SECONDS = {"yaml": 25.0, "xml": 15.0, "plans": 20.0}


class _TooSlow(Exception):
    pass


@dataclass
class Outcome:
    """What one fuzzing run found."""

    tried: int = 0
    refused: int = 0
    failures: list[str] = field(default_factory=list)


def _alarm(*_: object) -> None:
    raise _TooSlow()


def fuzz(
    name: str,
    cases: Iterator[tuple[str, bytes, bool]],
    run: Callable[[bytes], object],
) -> Outcome:
    """Run `run` on each case (label, input, must_refuse) until the budget is spent; collect failures."""
    outcome = Outcome()
    deadline = time.monotonic() + BUDGET_SECONDS[name]
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for label, data, must_refuse in cases:
            if time.monotonic() > deadline or len(outcome.failures) >= 5:
                break
            outcome.tried += 1
            started = time.monotonic()
            signal.alarm(PER_INPUT_SECONDS)
            try:
                run(data)
            except SfconnectError:
                outcome.refused += 1
                continue
            except _TooSlow:
                outcome.failures.append(f"{label}: took over {PER_INPUT_SECONDS} s: {data[:300]!r}")
                continue
            except Exception:
                outcome.failures.append(f"{label}: traceback on {data[:300]!r}\n{traceback.format_exc()}")
                continue
            finally:
                signal.alarm(0)
            if time.monotonic() - started > PER_INPUT_SECONDS:
                outcome.failures.append(f"{label}: took over {PER_INPUT_SECONDS} s")
            if must_refuse:
                outcome.failures.append(f"{label}: accepted, though it must be refused: {data[:300]!r}")
    finally:
        signal.signal(signal.SIGALRM, previous)
    return outcome


def _mutate_bytes(rng: random.Random, data: bytes, tokens: list[bytes]) -> bytes:
    """One random edit: flip, delete, duplicate or insert a hostile token, at a random place."""
    if not data:
        return rng.choice(tokens)
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randint(1, 40))
    choice = rng.randrange(6)
    if choice == 0:
        return data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]
    if choice == 1:
        return data[:i] + data[j:]
    if choice == 2:
        return data[:j] + data[i:j] + data[j:]
    if choice == 3:  # a whole line duplicated or dropped
        lines = data.split(b"\n")
        k = rng.randrange(len(lines))
        return b"\n".join(lines[:k] + ([lines[k]] * rng.randint(0, 3)) + lines[k + 1 :])
    return data[:i] + rng.choice(tokens) + data[i:]


# --- YAML projects -------------------------------------------------------------------------------------
YAML_TOKENS = [
    b"!!python/object/apply:os.system ['touch /tmp/sfconnect-fuzz']",
    b"&a [*a, *a]",
    b"<<: *nope",
    b"\t",
    b"0x60",
    b"1:30",
    b"010",
    b"1_000",
    b"~",
    b"null",
    b"yes",
    b"[",
    b"{",
    b": :",
    b"- - -",
    b"'",
    b'"\\x00"',
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"${env:",
    b"${env:HOME}",
    b"file:/dev/zero",
    b"file:.",
    b"env:",
    b"javascript:alert(1)",
    b"https://good/cb\\nhttp://evil/cb",
    b"---\n",
    b"*" * 3,
    b"9" * 400,
    b"x" * 5000,
    b"[" * 500 + b"]" * 500,
    b"2026-13-45",
    b".inf",
    b"-.nan",
    b"!!binary aGVsbG8=",
    b"!!set {a, b}",
    b"? complex\n: key",
]

# targeted mutations of a valid project that must be refused: (label, old, new)
MUST_REFUSE_YAML = [
    ("python tag", b"label: ", b"label: !!python/object/apply:os.system ['true'] "),
    ("javascript callback", b"[https://", b'["javascript:alert(1)", https://'),
    ("two-line callback", b"[https://", b'["https://good/cb\\nhttp://evil/cb", https://'),
    ("data callback", b"[https://", b'["data:text/html,x", https://'),
    ("huge label", b"label: ", b"label: " + b"L" * 100_000 + b"x"),
    ("hex number", b"scopes:", b"session_timeout_minutes: 0x60\n    scopes:"),
    ("base 60 number", b"scopes:", b"session_timeout_minutes: 1:30\n    scopes:"),
    ("billion laughs", b"apps:", b"x: &a [&b [&c [1,1,1,1,1,1,1,1,1,1]]]\napps:"),
    ("tab indent", b"\n    label", b"\n\tlabel"),
]

BASE_APPS = """\
apps:
  - kind: ExternalClientApp
    name: Fuzzed
    label: Fuzzed
    description: An app to mutate.
    contact: {email: fuzz@example.com}
    oauth:
      callback_urls: [https://fuzz.example.com/cb, mymobileapp://callback]
      scopes: [api, refresh_token]
      flows:
        authorization_code: {require_pkce: true}
        client_credentials: {enabled: true, run_as: ci@example.com}
      refresh_token: {policy: after_inactivity, period: 30, unit: days, rotation: true}
    access:
      permitted_users: admin_approved
      permission_sets: [Fuzz_Users]
      ip_relaxation: enforce
      trusted_ip_ranges:
        - {start: 203.0.113.0, end: 203.0.113.255, description: office}
      session_timeout_minutes: 60
"""


def _yaml_seeds() -> list[bytes]:
    seeds = [BASE_APPS.encode()]
    for folder in ("mobile", "multi-env", "existing-connected-app", "server-to-server", "lint-findings"):
        seeds += [p.read_bytes() for p in sorted((REPO_ROOT / "examples" / folder / "apps").glob("*.yaml"))]
    return seeds


def _yaml_cases(rng: random.Random) -> Iterator[tuple[str, bytes, bool]]:
    base = BASE_APPS.encode()
    for label, old, new in MUST_REFUSE_YAML:
        assert old in base, label
        yield f"must refuse: {label}", base.replace(old, new, 1), True
    seeds = _yaml_seeds()
    n = 0
    while True:
        n += 1
        data = rng.choice(seeds)
        for _ in range(rng.randint(1, 4)):
            data = _mutate_bytes(rng, data, YAML_TOKENS)
        yield f"yaml #{n}", data, False


def test_fuzz_yaml_projects(tmp_path: Path) -> None:
    from sfconnect.plan.service import compile_target
    from sfconnect.spec.load import load_project

    (tmp_path / "apps").mkdir()
    (tmp_path / "sfconnect.yaml").write_text('api_version: "63.0"\napps: [apps/*.yaml]\n', encoding="utf-8")
    app_file = tmp_path / "apps" / "app.yaml"

    def run(data: bytes) -> None:
        app_file.write_bytes(data)
        project = load_project(tmp_path, environ={"HOME": "/home/fuzz"})
        compile_target(project, "local")

    run(BASE_APPS.encode())  # the unmutated project loads: the fuzzer is not refusing everything
    outcome = fuzz("yaml", _yaml_cases(random.Random(SEED)), run)
    assert not outcome.failures, "\n\n".join(outcome.failures)
    assert outcome.tried > outcome.refused >= len(MUST_REFUSE_YAML)


# --- XML trees --------------------------------------------------------------------------------------------
XML_TOKENS = [
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
    b"&e;",
    b"&#0;",
    b"&#x110000;",
    b"<![CDATA[ ]]>",
    b"<!-- -->",
    b"<?pi x?>",
    b"<a>" * 300,
    b"</a>",
    b'<x:y xmlns:x="urn:x"/>',
    b' xmlns="urn:other"',
    b"<unknownField>1</unknownField>",
    b"<label>" + b"L" * 5000 + b"</label>",
    b"<scopes>NotAScope</scopes>",
    b"<isAdminApproved>maybe</isAdminApproved>",
    b"<sessionTimeout>-1</sessionTimeout>",
    b"\x00",
    b"\xff",
    b"<",
    b">",
    b'"',
]

MUST_REFUSE_XML = [
    ("external entity", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'),
    ("entity bomb", b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'),
    ("external DTD", b'<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd">'),
    ("unknown encoding", None),
    ("multi-byte encoding", None),
    ("deep nesting", None),
]


def _xml_seeds() -> list[tuple[str, bytes]]:
    root = REPO_ROOT / "tests" / "metadata" / "fixtures"
    out = []
    for path in sorted(root.rglob("*-meta.xml")):
        if "hostile" not in path.parts:
            out.append((path.name.split(".", 1)[1].removesuffix("-meta.xml"), path.read_bytes()))
    return out


def _xml_cases(rng: random.Random) -> Iterator[tuple[str, bytes, bool]]:
    seeds = _xml_seeds()
    suffix, base = next((s, d) for s, d in seeds if s == "connectedApp")
    body = base.split(b"?>", 1)[1]
    for label, token in MUST_REFUSE_XML:
        if label == "unknown encoding":
            data = b'<?xml version="1.0" encoding="x-fuzz"?>' + body
        elif label == "multi-byte encoding":
            data = b'<?xml version="1.0" encoding="utf-32"?>' + body
        elif label == "deep nesting":
            data = base.replace(b"<label>", b"<a>" * 2000 + b"</a>" * 2000 + b"<label>", 1)
        else:
            assert token is not None
            data = b'<?xml version="1.0" encoding="UTF-8"?>' + token + body
        yield f"must refuse: {label}|{suffix}", data, True
    n = 0
    while True:
        n += 1
        suffix, data = rng.choice(seeds)
        for _ in range(rng.randint(1, 4)):
            data = _mutate_bytes(rng, data, XML_TOKENS)
        yield f"xml #{n}|{suffix}", data, False


def test_fuzz_xml_trees() -> None:
    from sfconnect.localorg._xml import XmlError, parse_xml
    from sfconnect.metadata.schema import type_by_suffix
    from sfconnect.metadata.xmlio import read_component

    labels: dict[bytes, str] = {}

    def cases() -> Iterator[tuple[str, bytes, bool]]:
        for label, data, refuse in _xml_cases(random.Random(SEED)):
            labels[data] = label.rsplit("|", 1)[1]
            yield label, data, refuse

    def run(data: bytes) -> None:
        info = type_by_suffix(labels[data])
        assert info is not None
        read_component(data, path=f"Fuzz.{labels[data]}-meta.xml", type_hint=info.name, full_name="Fuzz")
        # the embedded org's parser must refuse the same hostile input (as its own error type)
        with contextlib.suppress(XmlError):
            parse_xml(data)

    for suffix, data in _xml_seeds():  # the unmutated files are read: the fuzzer is not refusing everything
        labels[data] = suffix
        run(data)
    outcome = fuzz("xml", cases(), run)
    assert not outcome.failures, "\n\n".join(outcome.failures)
    assert outcome.tried > outcome.refused >= len(MUST_REFUSE_XML)


# --- saved plans -------------------------------------------------------------------------------------------
def _saved_plan_doc(tmp_path: Path) -> dict[str, Any]:
    """A real saved plan, made without an org: the mobile example planned against an empty org."""
    from sfconnect.plan.diff import diff_app
    from sfconnect.plan.model import ComponentChange, Plan
    from sfconnect.plan.saved import saved_plan_json
    from sfconnect.plan.service import LiveState, PlanResult, compile_target
    from sfconnect.spec.load import load_project

    project = load_project(REPO_ROOT / "examples" / "mobile", environ={})
    compiled = compile_target(project, project.config.default_target_name or "local")
    apps = [diff_app(app, []) for app in compiled]
    # and one deletion, with its fingerprint, as a plan of `state: absent` makes
    gone = diff_app(compiled[0], [])
    gone = type(gone)(
        name="Old_App",
        kind="ExternalClientApp",
        action="delete",
        components=(ComponentChange("ExternalClientApplication", "Old_App", "delete", "f" * 64),),
    )
    plan = Plan.build("local", [*apps, gone])
    result = PlanResult(plan, tuple(compiled), LiveState((), ()))
    doc: dict[str, Any] = saved_plan_json(result, api_version="63.0", org_id="00D000000000001AAA")
    return doc


JSON_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**70,
    1e308,
    "",
    "x",
    "1.x",
    "63.0",
    "env:HOME",
    "file:/dev/zero",
    "../../etc/passwd",
    "A" * 10_000,
    [],
    [None],
    {},
    {"a": 1},
    {"consumerSecret": "env:HOME"},
    "<not xml",
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _plan_cases(rng: random.Random, doc: dict[str, Any]) -> Iterator[tuple[str, bytes, bool]]:
    from sfconnect.plan.saved import plan_digest

    bound = ("target", "apps", "saved")
    paths = [p for p in _paths(doc) if p]
    n = 0
    while True:
        n += 1
        mutated = copy.deepcopy(doc)
        changed_bound = False
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(paths)
            parent: Any = mutated
            try:
                for part in path[:-1]:
                    parent = parent[part]
                action = rng.randrange(3)
                if action == 0 and isinstance(parent, dict):
                    parent.pop(path[-1], None)
                elif action == 1 and isinstance(parent, list) and parent:
                    parent.append(copy.deepcopy(parent[0]))
                else:
                    parent[path[-1]] = copy.deepcopy(rng.choice(JSON_VALUES))
            except (KeyError, IndexError, TypeError):
                continue
            changed_bound |= path[0] in bound and path[:2] not in (
                ("saved", "created_at"),
                ("saved", "sfconnect_version"),
            )
        # what a file can hold: JSON object keys are strings (a list edited into a dict above may carry int keys)
        mutated = json.loads(json.dumps(mutated))
        resign = rng.random() < 0.5
        if resign and isinstance(mutated.get("saved"), dict):
            mutated["saved"]["digest"] = plan_digest(mutated)
        text = json.dumps(mutated).encode()
        # an edit of what apply does, without a new digest, must be refused (unless the edit changed nothing)
        must_refuse = changed_bound and not resign and mutated != doc
        if must_refuse and plan_digest(mutated) == doc["saved"]["digest"]:
            must_refuse = False
        yield f"plan #{n} ({'re-signed' if resign else 'edited'})", text, must_refuse


def test_fuzz_saved_plans(tmp_path: Path) -> None:
    from sfconnect.plan.saved import load_saved_plan

    doc = _saved_plan_doc(tmp_path)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    load_saved_plan(path)  # the unmutated plan loads

    def run(data: bytes) -> None:
        path.write_bytes(data)
        load_saved_plan(path)

    outcome = fuzz("plans", _plan_cases(random.Random(SEED), doc), run)
    assert not outcome.failures, "\n\n".join(outcome.failures)
    assert outcome.tried > outcome.refused > 0

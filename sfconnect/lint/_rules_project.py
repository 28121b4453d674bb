"""Project-scope rules: files in the repository, and several apps or targets together."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cryptography.hazmat.primitives import hashes

from sfconnect.lint._rules_app import certificate_text, load_certificate
from sfconnect.lint.model import Hit, ProjectView, define

_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
_CONSUMER_SECRET = re.compile(r"<consumerSecret>\s*([^<\s][^<]*)</consumerSecret>")
_KEY_NAMES = re.compile(r"(^|/)(server\.key|[^/]+\.key|[^/]+\.p12|[^/]+\.pfx)$")
_TEXT_SUFFIXES = (".xml", ".yaml", ".yml", ".json", ".pem", ".key", ".txt", ".env", ".crt", ".cfg", ".ini")


def _texts(project: ProjectView, suffixes: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    for name in project.files:
        if name.lower().endswith(suffixes):
            try:
                yield name, project.read_text(name)
            except OSError:
                continue


@define(
    "SFC-SECRET-001",
    "consumer-secret-in-source",
    "critical",
    "project",
    title="Consumer secret in source",
    what="A metadata file in the project holds a literal `consumerSecret`, or an External Client App global "
    "OAuth settings file (`*.ecaGlblOauth*`) is kept in the repository. (YAML cannot hold a literal secret: "
    "validation only accepts `env:`/`file:` references.)",
    why="Salesforce says global OAuth settings must not be added to source control; anyone with the "
    "repository can then act as the app.",
    fix="Use secret references (`consumer_secret: env:NAME`) resolved at apply time; rotate any secret that "
    "was ever committed.",
    bad="force-app/.../My_App.ecaGlblOauth-meta.xml with <consumerSecret>…</consumerSecret>",
    good="oauth: {consumer_secret: env:MY_APP_SECRET}",
    tags=("secret",),
)
def consumer_secret_in_source(project: ProjectView) -> Iterator[Hit]:
    for name in project.files:
        if ".ecaglbloauth" in name.lower():
            yield Hit(
                f"{name} is an External Client App global OAuth settings file (it carries the "
                "consumer key and secret)",
                file=name,
            )
    for name, text in _texts(project, (".xml",)):
        match = _CONSUMER_SECRET.search(text)
        if match and ".ecaglbloauth" not in name.lower():
            line = text.count("\n", 0, match.start()) + 1
            yield Hit(
                f"{name} holds a literal consumer secret", field="consumerSecret", file=name, file_loc=(line,)
            )


@define(
    "SFC-SECRET-002",
    "private-key-in-repo",
    "critical",
    "project",
    title="Private key in the repository",
    what="A PEM private key (`BEGIN ... PRIVATE KEY`) or a key file (`server.key`, `*.key`, `*.p12`) among "
    "the project's files that version control would keep (git-ignored files are skipped).",
    why="The JWT bearer key is the app's credential; only the certificate may be shared.",
    fix="Keep keys in a secret manager or CI secret (`private_key: env:NAME`), ignore them in git, and rotate "
    "any key that was committed.",
    bad="certs/server.key committed next to the app files",
    good="certs/ listed in .gitignore; CI reads the key from a secret",
    tags=("secret",),
)
def private_key_in_repo(project: ProjectView) -> Iterator[Hit]:
    for name in project.files:
        text = ""
        if name.lower().endswith(_TEXT_SUFFIXES) or _KEY_NAMES.search(name):
            try:
                text = project.read_text(name, limit=200_000)
            except OSError:
                text = ""
        match = _PRIVATE_KEY.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            yield Hit(f"{name} contains a private key", file=name, file_loc=(line,))
        elif _KEY_NAMES.search(name):
            yield Hit(f"{name} looks like a private key file", file=name)


@define(
    "SFC-CERT-003",
    "jwt-cert-shared",
    "medium",
    "project",
    title="JWT bearer certificate shared",
    what="The same JWT bearer certificate is used by several apps, or by one app on both production and "
    "non-production targets.",
    why="One leaked key then compromises every app and org that trusts it.",
    fix="One key pair per app per environment tier (target overrides can name another certificate).",
    bad="two apps with `certificate: file:certs/shared.crt`",
    good="`file:certs/billing-prod.crt` for production, `file:certs/billing-uat.crt` for the sandbox",
    tags=("cert",),
)
def cert_shared(project: ProjectView) -> Iterator[Hit]:
    users: dict[str, list[tuple[str, str, bool]]] = {}
    first: dict[str, tuple[str, str]] = {}
    for target in project.targets:
        for app in target.apps:
            text = certificate_text(app)
            cert = load_certificate(text) if text else None
            if cert is None:
                continue
            print_ = cert.fingerprint(hashes.SHA256()).hex()
            users.setdefault(print_, []).append((app.name, target.name, target.environment == "production"))
            first.setdefault(print_, (app.name, target.name))
    for print_, uses in sorted(users.items()):
        apps = sorted({name for name, _, _ in uses})
        envs = {prod for _, _, prod in uses}
        app_name, _ = first[print_]
        key = "oauth.flows.jwt_bearer.certificate"
        if len(apps) > 1:
            yield Hit(
                f"apps {', '.join(apps)} share one JWT bearer certificate (sha256 {print_[:16]}…)",
                field=key,
                app=app_name,
            )
        elif len(envs) > 1:
            yield Hit(
                f"app {app_name!r} uses one JWT bearer certificate on production and non-production targets",
                field=key,
                app=app_name,
            )


@define(
    "SFC-META-001",
    "suppression-expired",
    "medium",
    "project",
    title="Expired suppression",
    what="A suppression in `sfconnect.yaml` (`lint.suppressions`) is past its `expires` date: it no longer "
    "suppresses, and this finding says so.",
    why="Accepted risks are meant to be revisited; an expired acceptance is a decision nobody renewed.",
    fix="Fix the finding, or renew the suppression with a new date and reason.",
    bad="suppressions: [{rule: SFC-NETWORK-001, app: ci, reason: ..., expires: 2020-01-01}]",
    good="suppressions: [{rule: SFC-NETWORK-001, app: ci, reason: ..., expires: 2099-01-01}]",
    tags=("meta",),
)
def suppression_expired(project: ProjectView) -> Iterator[Hit]:
    """Emitted by the suppression step of the runner, which knows the findings."""
    return iter(())


@define(
    "SFC-META-002",
    "suppression-unused",
    "low",
    "project",
    title="Unused suppression",
    what="A suppression in `sfconnect.yaml` matched no finding.",
    why="Stale suppressions hide future findings of the same rule without anyone deciding so.",
    fix="Remove it (or correct its rule or app).",
    bad="suppressions: [{rule: SFC-OAUTH-006, app: Old_App, reason: ...}]  # no such finding",
    good="no suppression without a finding to accept",
    tags=("meta",),
)
def suppression_unused(project: ProjectView) -> Iterator[Hit]:
    """Emitted by the suppression step of the runner, which knows the findings."""
    return iter(())

"""``sfconnect import`` and ``sfconnect export`` end to end: the real-world corpus, the examples, hostile files,
and a live (local) org whose apps were made by hand with simple-salesforce.

The corpus sits next to the repository (``<repo root>/../shared/corpus``). When it is missing, the corpus test
collects one failing test saying where it looked.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from sfconnect.cli.context import AppContext
from sfconnect.cli.main import run
from sfconnect.metadata import Component, find_metadata_files, read_component, read_source_tree
from sfconnect.metadata._decompiler import import_equivalent
from sfconnect.plan.service import compile_target
from sfconnect.spec.load import load_project
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import Cli

CORPUS = REPO_ROOT.parent / "shared" / "corpus"

# The corpus files with an outcome of their own: the note the import must print naming the file, and whether
# the file comes back on export. Every other file round-trips; no corpus file is skipped (import exits 0).
EXPECTED_OUTCOMES = {
    # the OAuth policies a subscriber set on an app installed from a package (namespace Linear): the app's header
    # is not in the tree, so the policies are imported as an app with `installed: true` (the header is never
    # deployed or deleted) and exported back as they are
    "Transition-Trails__TT_Salesforce_Devops/force-app/main/default/extlClntAppOauthPolicies/"
    "Linear_oauth_defaultPolicy.ecaOauthPlcy-meta.xml": ("[installed-app]", True),
    # a Connected App and an External Client App of the same name (Setup's migration leaves both): the External
    # Client App is imported (and round-trips); the Connected App is reported as its migrated original
    "arturocpd__MFP-Test-1-March-25/force-app/main/default/connectedApps/DevOps_Center.connectedApp-meta.xml": (
        "[migrated-original]",
        False,
    ),
    # a Connected App whose contactEmail is xsi:nil: the escape hatch keeps the nil, named in a note
    "ZB-IT-Sales-Effectiveness__AutoRabit-Training/force-app/main/default/connectedApps/"
    "Zimmer_Zsi_iPad.connectedApp-meta.xml": ("[nil-kept]", True),
}


@dataclass
class TreeImport:
    """One corpus tree imported into a project, validated, and exported again."""

    import_code: int
    import_output: str
    validate_error: str
    exported: dict[tuple[str, str], Component]
    yaml_text: str


def _run(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args), obj=AppContext(environ={}))
    return code, out.getvalue() + err.getvalue()


@pytest.fixture(scope="module")
def corpus_imports(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], TreeImport]:
    cache: dict[str, TreeImport] = {}

    def get(tree: str) -> TreeImport:
        if tree not in cache:
            root = tmp_path_factory.mktemp(tree.replace("@", "_"))
            code, output = _run(
                "import", "-C", str(root), "--from-source", str(CORPUS / tree), "--out", str(root / "apps"),
                "--skip-invalid",
            )  # fmt: skip
            validate_error = ""
            try:
                load_project(root, environ={})
            except Exception as exc:  # reported by the test, per file
                validate_error = f"{exc}: {[str(i) for i in getattr(exc, 'issues', [])]}"
            exported: dict[tuple[str, str], Component] = {}
            if (root / "apps").is_dir() and not validate_error:
                export_code, export_output = _run(
                    "export", "-C", str(root), "--format", "source", "--out", str(root / "export")
                )
                assert export_code == 0, export_output
                exported = {(c.type, c.full_name): c for c in read_source_tree(root / "export")}
            yaml_text = "".join(p.read_text() for p in sorted((root / "apps").glob("*.yaml")))
            cache[tree] = TreeImport(code, output, validate_error, exported, yaml_text)
        return cache[tree]

    return get


def _corpus_files() -> list[object]:
    if not CORPUS.is_dir():
        return [pytest.param(None, id="corpus-missing")]
    found: list[object] = []
    for tree in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for path, type_name, name in find_metadata_files(tree):
            found.append(pytest.param((tree.name, path, type_name, name), id=str(path.relative_to(CORPUS))))
    return found or [pytest.param(None, id="corpus-empty")]


@pytest.mark.parametrize("entry", _corpus_files())
def test_corpus_file_imports_and_exports_unchanged(
    entry: tuple[str, Path, str, str] | None, corpus_imports: Callable[[str], TreeImport]
) -> None:
    if entry is None:
        pytest.fail(f"the corpus is missing or empty: expected real-world files under {CORPUS}")
    tree, path, type_name, name = entry
    rel = path.relative_to(CORPUS).as_posix()
    result = corpus_imports(tree)
    assert not result.validate_error, result.validate_error
    assert result.import_code == 0, result.import_output  # everything importable is imported: nothing skipped
    original = read_component(path.read_bytes(), path=str(path), type_hint=type_name, full_name=name)
    if rel in EXPECTED_OUTCOMES:
        note, exported_back = EXPECTED_OUTCOMES[rel]
        lines = [x for x in result.import_output.splitlines() if str(path) in x and note in x]
        assert len(lines) == 1, f"{rel}: expected one {note} line naming the file:\n{result.import_output}"
        if not exported_back:
            assert (type_name, name) not in result.exported
            return
    exported = result.exported.get((type_name, name))
    assert exported is not None, f"{rel} was not exported:\n{result.import_output}"
    assert exported == import_equivalent(original), rel
    # consumer keys never reach the YAML
    raw = read_component(path.read_bytes(), type_hint=type_name, full_name=name, normalized=False)
    for key in ("oauthConfig.consumerKey", "consumerKey"):
        value = raw.get(key)
        if isinstance(value, str) and value:
            assert value not in result.yaml_text


def _example_names() -> list[str]:
    return sorted(p.name for p in (REPO_ROOT / "examples").iterdir() if (p / "sfconnect.yaml").is_file())


@pytest.mark.parametrize("fmt", ["source", "mdapi"])
@pytest.mark.parametrize("example", _example_names())
def test_export_of_each_example_imports_back_to_the_same_apps(
    example: str, fmt: str, project: Callable[[str], Path], cli: Cli, tmp_path: Path
) -> None:
    root = project(example)
    # every ${env:VAR} of the example gets a value (target credentials, per-target URLs)
    names = {m for p in root.rglob("*.yaml") for m in re.findall(r"\$\{env:([A-Z0-9_]+)\}", p.read_text())}
    environ = {n: f"https://{n.lower()}.example.com" for n in names}
    assert cli("keygen", "-C", str(root), environ=environ).code == 0
    exported = cli(
        "export", "-C", str(root), "--format", fmt, "--out", str(tmp_path / "force-app"), environ=environ
    )
    assert exported.code == 0, exported.output

    again = tmp_path / "again"
    imported = cli(
        "import", "-C", str(again), "--from-source", str(tmp_path / "force-app"), "--out", str(again / "apps")
    )
    assert imported.code == 0, imported.output
    assert cli("validate", "-C", str(again)).code == 0

    before = load_project(root, environ=environ)
    target, _ = before.target(None)
    want = {(c.type, c.full_name): c for a in compile_target(before, target) for c in a.components}
    after = load_project(again, environ={})
    got = {(c.type, c.full_name): c for a in compile_target(after, "local") for c in a.components}
    assert got == want
    assert {a.name for a in after.apps_for_target("local")} == {
        a.name for a in before.apps_for_target(target) if a.state == "present"
    }


GOOD_APP = b"""<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>ops@example.com</contactEmail>
    <label>Good</label>
</ConnectedApp>
"""

HOSTILE = {
    "external-entity": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata"><label>&e;</label></ConnectedApp>',
        "refused unsafe XML",
    ),
    "entity-bomb": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata"><label>&b;</label></ConnectedApp>',
        "refused unsafe XML",
    ),
    "malformed": (b"<ConnectedApp><label>Bad</ConnectedApp>", "not well-formed XML"),
    "wrong-root": (
        b'<?xml version="1.0"?><ExternalClientApplication xmlns="http://soap.sforce.com/2006/04/metadata"/>',
        "wrong root element",
    ),
    "unknown-type": (
        b'<?xml version="1.0"?><CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"/>',
        "unknown metadata type",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_or_broken_xml_is_skipped_naming_the_file_and_the_others_are_written(
    case: str, cli: Cli, tmp_path: Path
) -> None:
    data, message = HOSTILE[case]
    folder = tmp_path / "src" / "connectedApps"
    folder.mkdir(parents=True)
    (folder / "Good.connectedApp-meta.xml").write_bytes(GOOD_APP)
    bad = folder / "Bad.connectedApp-meta.xml"
    bad.write_bytes(data)
    result = cli(
        "import", "-C", str(tmp_path), "--from-source", str(tmp_path / "src"), "--out", str(tmp_path / "apps")
    )
    assert result.code == 1
    assert str(bad) in result.err and message in result.err
    assert "passwd" not in result.output and "root:" not in result.output
    assert sorted(p.name for p in (tmp_path / "apps").iterdir()) == ["Good.yaml"]


SECRET = "8F00DBADC0FFEE1234567890ABCDEF"
KEY = "3MVG9ExampleImportedConsumerKey000000000000000000000000000000000000000000000001"


def test_secret_becomes_a_reference_and_key_is_dropped(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "src" / "connectedApps"
    folder.mkdir(parents=True)
    (folder / "Web_App.connectedApp-meta.xml").write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>ops@example.com</contactEmail>
    <label>Web App</label>
    <oauthConfig>
        <callbackUrl>https://app.example.com/cb</callbackUrl>
        <consumerKey>{KEY}</consumerKey>
        <consumerSecret>{SECRET}</consumerSecret>
        <scopes>Api</scopes>
    </oauthConfig>
</ConnectedApp>
"""
    )
    result = cli(
        "import", "-C", str(tmp_path), "--from-source", str(tmp_path / "src"), "--out", str(tmp_path / "apps")
    )
    assert result.code == 0, result.output
    text = (tmp_path / "apps" / "Web_App.yaml").read_text()
    assert "consumer_secret: env:WEB_APP_CONSUMER_SECRET" in text
    assert SECRET not in text + result.output and KEY not in text + result.output
    assert "[consumer-secret-replaced]" in result.err and "[consumer-key-dropped]" in result.err
    assert text.startswith("# yaml-language-server: $schema=../schemas/apps.schema.json\n")
    assert cli("validate", "-C", str(tmp_path)).code == 0


def test_existing_files_are_not_overwritten_without_force(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "src" / "connectedApps"
    folder.mkdir(parents=True)
    (folder / "Good.connectedApp-meta.xml").write_bytes(GOOD_APP)
    args = (
        "import",
        "-C",
        str(tmp_path),
        "--from-source",
        str(tmp_path / "src"),
        "--out",
        str(tmp_path / "apps"),
    )
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "Good.yaml").write_text("# mine\n")
    refused = cli(*args)
    assert refused.code == 1 and "--force" in refused.err
    assert (tmp_path / "apps" / "Good.yaml").read_text() == "# mine\n"
    assert cli(*args, "--force").code == 0
    assert "label: Good" in (tmp_path / "apps" / "Good.yaml").read_text()


def test_export_mdapi_and_zip(project: Callable[[str], Path], cli: Cli, tmp_path: Path) -> None:
    import zipfile

    root = project("existing-connected-app")
    mdapi = cli("export", "-C", str(root), "--format", "mdapi", "--out", str(tmp_path / "md"))
    assert mdapi.code == 0, mdapi.output
    assert (tmp_path / "md" / "connectedApps" / "Billing_Sync.connectedApp").is_file()
    assert "<members>Billing_Sync</members>" in (tmp_path / "md" / "package.xml").read_text()
    zipped = cli("export", "-C", str(root), "--zip", "--out", str(tmp_path / "deploy.zip"))
    assert zipped.code == 0, zipped.output
    with zipfile.ZipFile(tmp_path / "deploy.zip") as archive:
        assert set(archive.namelist()) == {"package.xml", "connectedApps/Billing_Sync.connectedApp"}


PROJECT = """api_version: "63.0"
targets:
  local:
    local: {org: default, seed: seed.yaml}
"""
SEED = "settings: {connected_app_creation_allowed: true}\npermission_sets: [Ops]\n"


def test_import_from_an_org_with_hand_made_apps_plans_no_changes(cli: Cli, tmp_path: Path) -> None:
    from sfconnect.localorg import serve_local_org
    from sfconnect.localorg._service import local_org_dir
    from sfconnect.metadata.certificates import KeyJob, generate
    from tests.localorg.conftest import close_client, simple_salesforce_client

    root = tmp_path / "proj"
    root.mkdir()
    (root / "sfconnect.yaml").write_text(PROJECT)
    (root / "seed.yaml").write_text(SEED)
    generate(KeyJob(tmp_path / "keys" / "hand.key", tmp_path / "keys" / "hand.crt", "Hand_Made"))
    certificate = (tmp_path / "keys" / "hand.crt").read_text()
    with serve_local_org(local_org_dir(root, "default"), seed_file=root / "seed.yaml") as handle:
        sf = simple_salesforce_client(handle)
        try:
            ca = sf.mdapi.ConnectedApp
            ca.create(
                [
                    ca(
                        fullName="Hand_Made",
                        label="Hand Made",
                        contactEmail="ops@example.com",
                        description="Created in Setup, long ago.",
                        oauthConfig={
                            "callbackUrl": "https://a.example.com/cb\nhttps://b.example.com/cb",
                            "certificate": certificate,
                            "consumerSecret": SECRET,
                            "scopes": ["Api", "RefreshToken", "OpenID"],
                            "isAdminApproved": True,
                        },
                        oauthPolicy={
                            "ipRelaxation": "BYPASS",
                            "refreshTokenPolicy": "specific_lifetime:3:DAYS",
                        },
                        sessionPolicy={"sessionTimeout": 120},
                        samlConfig={
                            "acsUrl": "https://sp.example.com/acs",
                            "entityUrl": "https://sp.example.com",
                            "samlSubjectType": "Username",
                            "samlNameIdFormat": "Unspecified",
                            "encryptionType": "AES_128",
                        },
                    )
                ]
            )
            eca = sf.mdapi.ExternalClientApplication
            eca.create([eca(fullName="Hand_Eca", label="Hand ECA", contactEmail="ops@example.com")])
            glbl = sf.mdapi.ExtlClntAppGlobalOauthSettings
            glbl.create(
                [
                    glbl(
                        fullName="Hand_Eca_glbl",
                        label="Hand_Eca_glbl",
                        externalClientApplication="Hand_Eca",
                        callbackUrl="https://eca.example.com/cb",
                        consumerSecret=SECRET,
                        isClientCredentialsFlowEnabled=True,
                    )
                ]
            )
            settings = sf.mdapi.ExtlClntAppOauthSettings
            settings.create(
                [
                    settings(
                        fullName="Hand_Eca_oauth",
                        label="Hand_Eca_oauth",
                        externalClientApplication="Hand_Eca",
                        commaSeparatedOauthScopes="Api, RefreshToken",
                    )
                ]
            )
            policies = sf.mdapi.ExtlClntAppOauthConfigurablePolicies
            policies.create(
                [
                    policies(
                        fullName="Hand_Eca_policy",
                        label="Hand_Eca_policy",
                        externalClientApplication="Hand_Eca",
                        isClientCredentialsFlowEnabled=True,
                        clientCredentialsFlowUser=handle.admin_username,
                        permittedUsersPolicyType="AdminApprovedPreAuthorized",
                        commaSeparatedPermissionSet="Ops",
                        refreshTokenPolicyType="SpecificInactivity",
                        refreshTokenValidityPeriod=30,
                        refreshTokenValidityUnit="Days",
                    )
                ]
            )
            plcy = sf.mdapi.ExtlClntAppConfigurablePolicies
            plcy.create(
                [
                    plcy(
                        fullName="Hand_Eca_plcy",
                        label="Hand_Eca_plcy",
                        externalClientApplication="Hand_Eca",
                        isEnabled=True,
                        isOauthPluginEnabled=True,
                    )
                ]
            )
        finally:
            close_client(sf)

        imported = cli("import", "-C", str(root), "-t", "local", "--out", str(root / "apps"))
        assert imported.code == 0, imported.output
        assert SECRET not in imported.output
        texts = {p.name: p.read_text() for p in (root / "apps").glob("*.yaml")}
        assert set(texts) == {"Hand_Made.yaml", "Hand_Eca.yaml"}
        assert SECRET not in "".join(texts.values())
        assert "ExtlClntAppOauthConfigurablePolicies: Hand_Eca_policy" in texts["Hand_Eca.yaml"]
        assert "certificate: file:certs/Hand_Made.crt" in texts["Hand_Made.yaml"]
        assert (root / "certs" / "Hand_Made.crt").read_text().strip() == certificate.strip()

        environ = {"HAND_MADE_CONSUMER_SECRET": "unused", "HAND_ECA_CONSUMER_SECRET": "unused"}
        plan = cli("plan", "-C", str(root), "--detailed-exitcode", environ=environ)
        assert plan.code == 0, plan.output
        assert "No changes." in plan.out

        one = cli("import", "-C", str(tmp_path / "one"), "-t", "local", "--app", "Hand_Eca", "--out", "x")
        assert one.code == 1  # -C without the project: no target 'local' there
        only = cli(
            "import", "-C", str(root), "-t", "local", "--app", "Hand_Eca", "--out", str(tmp_path / "only")
        )
        assert only.code == 0, only.output
        assert [p.name for p in (tmp_path / "only").glob("*.yaml")] == ["Hand_Eca.yaml"]


def test_import_needs_one_source_and_something_to_import(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    both = cli(
        "import", "--from-source", str(tmp_path / "empty"), "-t", "local", "--out", str(tmp_path / "a")
    )
    assert both.code == 1 and "not both" in both.err
    nothing = cli("import", "-C", str(tmp_path), "--from-source", str(tmp_path / "empty"), "--out", "x")
    assert nothing.code == 1 and "no Connected App or External Client App found" in nothing.err
    # neither: the project's default target is read (here a fresh local org with no apps)
    neither = cli("import", "-C", str(tmp_path), "--out", str(tmp_path / "a"))
    assert neither.code == 1 and "no Connected App or External Client App found" in neither.err
    assert not (tmp_path / "a").exists()


def test_export_writes_removals_to_destructive_changes(
    project: Callable[[str], Path], cli: Cli, tmp_path: Path
) -> None:
    root = project("existing-connected-app")
    app_file = root / "apps" / "billing-sync.yaml"
    app_file.write_text(
        app_file.read_text().replace(
            "    label: Billing Sync\n", "    label: Billing Sync\n    state: absent\n"
        )
    )
    out = tmp_path / "mdapi"
    result = cli("export", "-C", str(root), "--format", "mdapi", "--out", str(out))
    assert result.code == 0, result.output
    destructive = (out / "destructiveChanges.xml").read_text()
    assert "<members>Billing_Sync</members>" in destructive and "<name>ConnectedApp</name>" in destructive
    assert not (out / "connectedApps").exists()


SAML_APP = """apps:
  - kind: ExternalClientApp
    name: Sso_Portal
    label: SSO Portal
    contact: {email: sso@example.com}
    metadata:
      ExtlClntAppSamlConfigurablePolicies:
        acsUrl: https://sp.example.com/acs
        entityUrl: https://sp.example.com
        subjectType: Username
"""


def test_saml_policies_apply_plan_and_import_back(tmp_path: Path, cli: Cli) -> None:
    root = tmp_path / "sso"
    (root / "apps").mkdir(parents=True)
    (root / "apps" / "sso.yaml").write_text(SAML_APP)
    applied = cli("apply", "-C", str(root), "--auto-approve")
    assert applied.code == 0, applied.output
    assert "created ExtlClntAppSamlConfigurablePolicies Sso_Portal_samlPlcy" in applied.out
    assert cli("plan", "-C", str(root), "--detailed-exitcode").code == 0

    imported = root / "imported"
    result = cli("import", "-C", str(root), "-t", "local", "--out", str(imported))
    assert result.code == 0, result.output
    text = (
        (imported / "sso-portal.yaml").read_text()
        if (imported / "sso-portal.yaml").exists()
        else "".join(p.read_text() for p in imported.glob("*.yaml"))
    )
    assert "ExtlClntAppSamlConfigurablePolicies" in text and "https://sp.example.com/acs" in text
    (root / "apps" / "sso.yaml").unlink()
    for path in imported.glob("*.yaml"):
        path.rename(root / "apps" / path.name)
    assert cli("plan", "-C", str(root), "--detailed-exitcode").code == 0


_GOOD_CA = """<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>ops@example.com</contactEmail>
    <developerName>Good</developerName>
    <label>Good</label>
    <oauthConfig>
        <callbackUrl>https://good.example.com/cb</callbackUrl>
        <scopes>Api</scopes>
    </oauthConfig>
    <version>1.0</version>
</ConnectedApp>
"""
_NEWER_ECA = {
    "externalClientApps/Newer.eca-meta.xml": """<?xml version="1.0" encoding="UTF-8"?>
<ExternalClientApplication xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>ops@example.com</contactEmail>
    <distributionState>Local</distributionState>
    <isProtected>false</isProtected>
    <label>Newer</label>
</ExternalClientApplication>
""",
    "extlClntAppGlobalOauthSets/Newer_glbloauth.ecaGlblOauth-meta.xml": """<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppGlobalOauthSettings xmlns="http://soap.sforce.com/2006/04/metadata">
    <callbackUrl>https://newer.example.com/cb</callbackUrl>
    <externalClientApplication>Newer</externalClientApplication>
    <isDPopEnabled>true</isDPopEnabled>
    <isEnforceRefreshTokenTTL>true</isEnforceRefreshTokenTTL>
    <isTokenExchangeEnabled>true</isTokenExchangeEnabled>
    <label>Newer_glbloauth</label>
</ExtlClntAppGlobalOauthSettings>
""",
    "extlClntAppOauthPolicies/Pkg_policy.ecaOauthPlcy-meta.xml": """<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppOauthConfigurablePolicies xmlns="http://soap.sforce.com/2006/04/metadata">
    <externalClientApplication>ns__Pkg</externalClientApplication>
    <ipRelaxationPolicyType>Bypass</ipRelaxationPolicyType>
    <label>Pkg_policy</label>
</ExtlClntAppOauthConfigurablePolicies>
""",
    "extlClntAppOauthSecuritySettings/Newer_sec.ecaOauthSecurity-meta.xml": """<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppOauthSecuritySettings xmlns="http://soap.sforce.com/2006/04/metadata">
    <externalClientApplication>Newer</externalClientApplication>
    <label>Newer_sec</label>
    <somethingNew>on</somethingNew>
</ExtlClntAppOauthSecuritySettings>
""",
}


def test_import_of_a_mixed_tree_writes_every_importable_app_and_exits_1(cli: Cli, tmp_path: Path) -> None:
    tree = tmp_path / "tree" / "force-app" / "main" / "default"
    (tree / "connectedApps").mkdir(parents=True)
    (tree / "connectedApps" / "Good.connectedApp-meta.xml").write_text(_GOOD_CA)
    (tree / "connectedApps" / "Broken.connectedApp-meta.xml").write_text(
        "<ConnectedApp><label>oops</ConnectedApp>"
    )
    for rel, text in _NEWER_ECA.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text)
    root = tmp_path / "project"
    root.mkdir()
    result = cli(
        "import", "-C", str(root), "--from-source", str(tmp_path / "tree"), "--out", str(root / "apps")
    )
    assert result.code == 1, result.err
    assert sorted(p.name for p in (root / "apps").glob("*.yaml")) == [
        "Good.yaml",
        "Newer.yaml",
        "ns__Pkg.yaml",
    ]
    assert "installed: true" in (root / "apps" / "ns__Pkg.yaml").read_text()  # its header is not in the tree
    assert "Broken.connectedApp-meta.xml" in result.err and "Skipped" in result.err
    summary = result.err.split("Skipped (not imported):", 1)[1]
    broken_line = next(line for line in summary.splitlines() if "Broken" in line)
    assert broken_line.count("Broken.connectedApp-meta.xml") == 1, broken_line  # named once, then the reason
    assert "not imported: " in broken_line and "not well-formed XML" in broken_line
    for named in (
        "metadata.ConnectedApp.developerName",
        "metadata.ConnectedApp.version",
        "metadata.ExtlClntAppGlobalOauthSettings.isEnforceRefreshTokenTTL",
        "metadata.ExtlClntAppOauthSecuritySettings.somethingNew",
        "metadata.ExtlClntAppOauthConfigurablePolicies.ipRelaxationPolicyType",
    ):
        assert named in result.err, named
    assert "require_dpop: true" in (root / "apps" / "Newer.yaml").read_text()  # a field with a YAML word
    assert "needs API 66.0: set api_version to '66.0'" in result.err
    (root / "sfconnect.yaml").write_text('api_version: "66.0"\n')
    assert cli("validate", "-C", str(root)).code == 0
    out = tmp_path / "export"
    assert cli("export", "-C", str(root), "--format", "source", "--out", str(out)).code == 0
    exported = {(c.type, c.full_name): c for c in read_source_tree(out)}
    skipped: list[object] = []
    original = read_source_tree(tmp_path / "tree", skipped=skipped)  # type: ignore[arg-type]
    assert len(skipped) == 1 and len(original) == 5
    for component in original:
        assert exported[(component.type, component.full_name)] == import_equivalent(component), (
            component.source
        )


PACKAGED_APP = """apps:
  - kind: ExternalClientApp
    name: Pkg_App
    label: Packaged App
    contact: {email: pkg@example.com}
    oauth:
      callback_urls: [https://pkg.example.com/cb]
      scopes: [api]
"""
INSTALLED_POLICIES = """apps:
  - kind: ExternalClientApp
    name: Pkg_App
    installed: true
    metadata:
      ExtlClntAppOauthConfigurablePolicies:
        ipRelaxationPolicyType: Bypass
"""


def test_an_installed_app_manages_only_its_policies(tmp_path: Path, cli: Cli) -> None:
    # the app stands in for one installed from a package: its header and settings are in the org, and the
    # entry with installed: true manages only the OAuth policies (Salesforce Help, "Packaging External Client
    # Apps": subscribers edit the policies of an installed app)
    root = tmp_path / "pkg"
    (root / "apps").mkdir(parents=True)
    (root / "apps" / "pkg.yaml").write_text(PACKAGED_APP)
    assert cli("apply", "-C", str(root), "--auto-approve").code == 0
    (root / "apps" / "pkg.yaml").write_text(INSTALLED_POLICIES)
    plan = cli("plan", "-C", str(root), "--format", "json")
    assert plan.code == 0, plan.output
    [app] = json.loads(plan.out)["apps"]
    assert app["action"] == "update"
    assert [(c["type"], c["action"]) for c in app["components"]] == [
        ("ExtlClntAppOauthConfigurablePolicies", "update")
    ]
    assert [c["path"] for c in app["changes"]] == [
        "metadata.ExtlClntAppOauthConfigurablePolicies.ipRelaxationPolicyType"
    ]
    assert cli("apply", "-C", str(root), "--auto-approve").code == 0
    assert cli("plan", "-C", str(root), "--detailed-exitcode").code == 0
    # exported, the entry gives back the policies only
    out = tmp_path / "export"
    assert cli("export", "-C", str(root), "--format", "source", "--out", str(out)).code == 0
    assert [(c.type, c.full_name) for c in read_source_tree(out)] == [
        ("ExtlClntAppOauthConfigurablePolicies", "Pkg_App_oauthPlcy")
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    oauth: {scopes: [api]}\n", "oauth of an installed app comes from its package"),
        ("    state: absent\n", "an installed app cannot be removed here"),
        ("    metadata: {ExternalClientApplication: {label: X}}\n", "header comes from its package"),
    ],
)
def test_an_installed_app_declares_only_its_components(
    extra: str, message: str, tmp_path: Path, cli: Cli
) -> None:
    (tmp_path / "apps").mkdir()
    text = "apps:\n  - kind: ExternalClientApp\n    name: ns__Pkg\n    installed: true\n" + extra
    if "metadata" not in extra:
        text += "    metadata: {ExtlClntAppOauthConfigurablePolicies: {ipRelaxationPolicyType: Bypass}}\n"
    (tmp_path / "apps" / "pkg.yaml").write_text(text)
    result = cli("validate", "-C", str(tmp_path))
    assert result.code == 1 and message in result.output, result.output
    # a namespace prefix names an installed app only
    (tmp_path / "apps" / "pkg.yaml").write_text(
        "apps:\n  - {kind: ExternalClientApp, name: ns__Pkg, label: P, contact: {email: a@example.com}}\n"
    )
    refused = cli("validate", "-C", str(tmp_path))
    assert refused.code == 1 and "namespace prefix" in refused.output, refused.output

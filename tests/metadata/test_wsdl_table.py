"""The generated WSDL table is current, complete for the types sfconnect handles, and runtime-safe."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

from sfconnect import _wsdl_table
from sfconnect.metadata import schema

ROOT = Path(__file__).resolve().parents[2]


def _load_tool():
    spec = importlib.util.spec_from_file_location("gen_wsdl_table", ROOT / "tools" / "gen_wsdl_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_wsdl_table"] = module
    spec.loader.exec_module(module)
    return module


def test_committed_table_matches_the_bundled_wsdl() -> None:
    tool = _load_tool()
    fresh = tool.build(tool.default_wsdl())
    committed = (ROOT / "sfconnect" / "_wsdl_table.py").read_text(encoding="utf-8")
    assert fresh == committed, "stale: run python tools/gen_wsdl_table.py"


def test_check_mode_reports_a_stale_table(tmp_path: Path, monkeypatch) -> None:
    tool = _load_tool()
    stale = tmp_path / "_wsdl_table.py"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(tool, "TARGET", stale)
    assert tool.main(["--check"]) == 1
    assert tool.main([]) == 0
    assert tool.main(["--check"]) == 0


def test_every_root_type_and_the_eca_family_are_in_the_table() -> None:
    for name in (
        "ConnectedApp",
        "ExternalClientApplication",
        "ExtlClntAppOauthSettings",
        "ExtlClntAppGlobalOauthSettings",
        "ExtlClntAppOauthConfigurablePolicies",
        "ExtlClntAppConfigurablePolicies",
        "ExtlClntAppSamlConfigurablePolicies",
        "ConnectedAppOauthConfig",
        "ConnectedAppSamlConfig",
        "ConnectedAppMobileDetailConfig",
        "ConnectedAppCanvasConfig",
        "CanvasMetadata",
    ):
        assert name in _wsdl_table.COMPLEX_TYPES, name
    assert _wsdl_table.WSDL_API_VERSION == "63.0"


def test_rows_carry_order_type_and_occurrence() -> None:
    rows = _wsdl_table.COMPLEX_TYPES["ConnectedApp"]
    names = [r[0] for r in rows]
    assert names[0] == "fullName"  # inherited from Metadata, first in the sequence
    assert names.index("contactEmail") < names.index("label") < names.index("oauthConfig")
    by_name = {r[0]: r for r in rows}
    assert by_name["label"] == ("label", "xsd:string", 1, 1)
    assert by_name["profileName"][3] is None  # unbounded
    assert by_name["oauthConfig"][1] == "tns:ConnectedAppOauthConfig"
    base, scopes = _wsdl_table.SIMPLE_TYPES["ConnectedAppOauthAccessScope"]
    assert base == "string" and scopes[:3] == ("Basic", "Api", "Web") and "PwdlessLogin" in scopes


def test_newer_fields_are_listed_with_their_version_and_gated() -> None:
    spec = schema.field_spec("ExtlClntAppConfigurablePolicies", "isCanvasPluginEnabled")
    assert spec is not None and spec.since == (66, 0)
    assert "isCanvasPluginEnabled" not in {
        r[0] for r in _wsdl_table.COMPLEX_TYPES["ExtlClntAppConfigurablePolicies"]
    }
    for (owner, name), newer in schema.NEWER_FIELDS.items():
        assert newer.since > (63, 0), f"{owner}.{name} is not newer than the WSDL"
        assert name not in {r[0] for r in _wsdl_table.COMPLEX_TYPES[owner]}


def test_runtime_modules_do_not_import_zeep_or_simple_salesforce() -> None:
    package = ROOT / "sfconnect" / "metadata"
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not [n for n in names if n.split(".")[0] in ("zeep", "simple_salesforce", "xmlschema")], (
                path
            )

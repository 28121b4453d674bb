"""load_project: defaults, targets, overrides, sources and positions."""

from __future__ import annotations

from pathlib import Path

from sfconnect.errors import format_loc
from sfconnect.spec.models import ConnectedAppSpec, ExternalClientAppSpec
from tests.spec.conftest import ECA, WriteProject, errors_of, load


def test_project_without_project_file_gets_one_local_target(write_project: WriteProject) -> None:
    project = load(write_project("apps:\n" + ECA.format(name="Alpha")))
    assert project.config_file is None
    assert project.config.api_version == "63.0"
    name, target = project.target()
    assert name == "local"
    assert target.local is not None and target.local.org == "default"
    assert [a.name for a in project.apps_for_target("local")] == ["Alpha"]
    assert project.warnings == ()


def test_apps_carry_their_source(write_project: WriteProject) -> None:
    project = load(write_project("apps:\n" + ECA.format(name="Alpha") + ECA.format(name="Beta")))
    beta = project.app("Beta")
    assert isinstance(beta, ExternalClientAppSpec)
    assert beta.source is not None
    assert beta.source.file.endswith("apps/app.yaml")
    assert beta.source.loc == ("apps", 1)
    assert beta.source.line == 8
    assert beta.source.position(("oauth", "scopes", 0)) == (beta.source.file, 13, 16)
    assert project.position(beta.source.file, ("apps", 1, "label")) == (beta.source.file, 10, 12)


def test_several_files_and_explicit_paths(write_project: WriteProject, tmp_path: Path) -> None:
    write_project("apps:\n" + ECA.format(name="Alpha"))
    write_project("apps:\n" + ECA.format(name="Beta"), name="beta.yml")
    assert sorted(a.name for a in load(tmp_path).apps) == ["Alpha", "Beta"]
    only = load(tmp_path, paths=[tmp_path / "apps" / "beta.yml"])
    assert [a.name for a in only.apps] == ["Beta"]


CONFIG = """\
api_version: "63.0"
default_target: sandbox
targets:
  sandbox:
    local: {org: sandbox}
    overrides:
      Alpha:
        oauth:
          callback_urls: [https://alpha.sandbox.example.com/cb]
        access: {session_timeout_minutes: 240}
  production:
    salesforce:
      url: https://acme.my.salesforce.com
      auth: {jwt_bearer: {username: deploy@acme.com, private_key: env:PROD_KEY}}
    apps: [Alpha]
"""


def test_targets_overrides_and_assignment(write_project: WriteProject) -> None:
    project = load(write_project("apps:\n" + ECA.format(name="Alpha") + ECA.format(name="Beta"), CONFIG))
    sandbox = {a.name: a for a in project.apps_for_target("sandbox")}
    production = {a.name: a for a in project.apps_for_target("production")}
    assert set(sandbox) == {"Alpha", "Beta"}
    assert set(production) == {"Alpha"}
    alpha_sb = sandbox["Alpha"]
    assert alpha_sb.oauth is not None and alpha_sb.oauth.callback_urls == (
        "https://alpha.sandbox.example.com/cb",
    )
    assert alpha_sb.oauth.scopes == ("Api",)  # merged: untouched keys come from the app file
    assert alpha_sb.access.session_timeout_minutes == 240
    assert production["Alpha"].oauth is not None
    assert production["Alpha"].oauth.callback_urls == ("https://Alpha.example.com/cb",)
    # overridden values point at sfconnect.yaml, the others at the app file
    source = alpha_sb.source
    assert source is not None
    assert source.position(("oauth", "callback_urls", 0))[0].endswith("sfconnect.yaml")
    assert source.position(("oauth", "scopes", 0))[0].endswith("apps/app.yaml")
    sf = project.config.targets["production"].salesforce
    assert sf is not None and sf.auth.method == "jwt_bearer"
    assert project.target()[0] == "sandbox"


def test_bad_override_is_located_in_the_project_file(write_project: WriteProject) -> None:
    config = CONFIG.replace("session_timeout_minutes: 240", "session_timeout_minutes: long")
    [issue] = errors_of(write_project("apps:\n" + ECA.format(name="Alpha") + ECA.format(name="Beta"), config))
    assert issue.file.endswith("sfconnect.yaml")
    assert (issue.line, issue.column) == (10, 43)
    assert format_loc(issue.loc) == "targets.sandbox.overrides.Alpha.access.session_timeout_minutes"


def test_project_rules(write_project: WriteProject) -> None:
    config = """\
    default_target: prod
    targets:
      a: {local: {org: a}, overrides: {Alpah: {label: x}, Alpha: {name: Other}}}
      b: {local: {org: b}}
    """
    issues = errors_of(write_project("apps:\n" + ECA.format(name="Alpha"), config))
    messages = {format_loc(i.loc): i.message for i in issues}
    assert "did you mean 'a'" not in messages["default_target"]
    assert "not a declared target" in messages["default_target"]
    assert "did you mean 'Alpha'" in messages["targets.a.overrides.Alpah"]
    assert "cannot be overridden" in messages["targets.a.overrides.Alpha.name"]


def test_several_targets_need_a_default(write_project: WriteProject) -> None:
    config = "targets:\n  a: {local: {org: a}}\n  b: {local: {org: b}}\n"
    [issue] = errors_of(write_project("apps:\n" + ECA.format(name="Alpha"), config))
    assert issue.code == "default_target"


def test_target_needs_exactly_one_org_and_one_auth(write_project: WriteProject) -> None:
    config = """\
    default_target: a
    targets:
      a: {}
      b:
        salesforce:
          url: https://x.my.salesforce.com
          auth: {access_token: {token: env:T}, sfdx_auth_url: {auth_url: env:U}}
    """
    issues = errors_of(write_project("apps:\n" + ECA.format(name="Alpha"), config))
    assert {(format_loc(i.loc), i.code) for i in issues} == {
        ("targets.a", "target_org"),
        ("targets.b.salesforce.auth", "auth_method"),
    }


def test_unset_variables_warn_or_fail(write_project: WriteProject) -> None:
    app = "apps:\n" + ECA.format(name="Alpha").replace("label: Alpha", "label: ${env:APP_LABEL}")
    project = load(write_project(app))
    [warning] = project.warnings
    assert (warning.severity, warning.code, warning.line) == ("warning", "unset_variable", 4)
    assert project.app("Alpha").label == "${env:APP_LABEL}"
    assert load(write_project(app), environ={"APP_LABEL": "Alpha App"}).app("Alpha").label == "Alpha App"
    [error] = errors_of(write_project(app), require_values=True)
    assert error.code == "unset_variable"


def test_connected_app_and_kind_specific_keys(write_project: WriteProject) -> None:
    app = """\
    apps:
      - kind: ConnectedApp
        name: Legacy
        label: Legacy
        contact: {email: a@example.com}
        protected: true
        oauth:
          callback_urls: [https://legacy.example.com/cb]
          scopes: [Api, Web]
    """
    [issue] = errors_of(write_project(app))
    assert issue.code == "extra_forbidden"
    assert "not a setting of ConnectedApp" in issue.message
    assert "ExternalClientApp only" in issue.hint
    project = load(write_project(app.replace("        protected: true\n", "")))
    legacy = project.app("Legacy")
    assert isinstance(legacy, ConnectedAppSpec)
    assert legacy.oauth is not None and legacy.oauth.scopes == ("Api", "Web")


def test_app_file_shape(write_project: WriteProject) -> None:
    [issue] = errors_of(write_project("name: NotAnAppList\n"))
    assert issue.code == "shape"
    [issue] = errors_of(write_project("apps: []\n"))
    assert issue.code == "shape"
    [issue] = errors_of(write_project("$schema: x\napps:\n" + ECA.format(name="A") + "extra: 1\n"))
    assert (issue.code, format_loc(issue.loc)) == ("extra_forbidden", "extra")


def test_numbers_where_strings_belong_get_a_quoting_hint(write_project: WriteProject) -> None:
    [issue] = errors_of(write_project("apps:\n" + ECA.format(name="Alpha"), "api_version: 63.0\n"))
    assert (issue.code, issue.line, issue.column) == ("string_type", 1, 14)
    assert issue.hint == 'quote it: "63.0"'


def test_secret_fields_never_echo_their_input(write_project: WriteProject) -> None:
    app = "apps:\n" + ECA.format(name="Alpha") + "      consumer_secret: 987654321\n"
    [issue] = errors_of(write_project(app))
    assert "987654321" not in str(issue)
    assert "env:NAME" in issue.message


def test_a_directory_of_app_files_skips_other_yaml(tmp_path: Path) -> None:
    from sfconnect.spec.load import find_app_files

    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n")
    app = tmp_path / "web.yaml"
    app.write_text("# comment\napps:\n  - kind: ExternalClientApp\n")
    named = tmp_path / "workflows" / "ci.yml"
    assert find_app_files(tmp_path, (), [tmp_path]) == [app]
    assert find_app_files(tmp_path, (), [named]) == [named]

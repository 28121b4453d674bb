"""Targets: credentials from references or SFCONNECT_<TARGET>_<FIELD>, clear errors that never show values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sfconnect.errors import ConfigError
from sfconnect.org.auth import AccessTokenAuth, ClientCredentialsAuth, JwtBearerAuth, UsernamePasswordAuth
from sfconnect.org.targets import LocalEndpoint, authenticator_for, env_var_name
from sfconnect.spec.project import Target
from tests.conftest import generated_private_key_pem


def target(
    auth: dict[str, Any], url: str = "https://acme.my.salesforce.com", env: str = "production"
) -> Target:
    return Target.model_validate({"salesforce": {"url": url, "environment": env, "auth": auth}}, strict=False)


def test_env_var_names() -> None:
    assert env_var_name("prod-eu", "private_key") == "SFCONNECT_PROD_EU_PRIVATE_KEY"


def test_jwt_bearer_from_environment_variables(tmp_path: Path) -> None:
    environ = {
        "SFCONNECT_PROD_CONSUMER_KEY": "3MVGkey",
        "SFCONNECT_PROD_USERNAME": "ci@example.com",
        "SFCONNECT_PROD_PRIVATE_KEY": generated_private_key_pem(),
    }
    auth, verify = authenticator_for("prod", target({"jwt_bearer": {}}), environ=environ, base_dir=tmp_path)
    assert isinstance(auth, JwtBearerAuth)
    assert (auth.consumer_key, auth.username, verify) == ("3MVGkey", "ci@example.com", True)
    assert auth.audience == "https://login.salesforce.com"


def test_sandbox_jwt_audience_is_test_login(tmp_path: Path) -> None:
    t = target(
        {"jwt_bearer": {"consumer_key": "k", "username": "u", "private_key": "env:KEY"}},
        url="https://acme--uat.sandbox.my.salesforce.com",
        env="sandbox",
    )
    auth, _ = authenticator_for("uat", t, environ={"KEY": "pem"}, base_dir=tmp_path)
    assert isinstance(auth, JwtBearerAuth) and auth.audience == "https://test.salesforce.com"


def test_file_reference_is_read_relative_to_the_project(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("s3cr3t-value\n")
    t = target({"client_credentials": {"consumer_key": "k", "consumer_secret": "file:secret.txt"}})
    auth, _ = authenticator_for("prod", t, environ={}, base_dir=tmp_path)
    assert isinstance(auth, ClientCredentialsAuth) and auth.consumer_secret == "s3cr3t-value\n"


def test_missing_secret_names_where_it_is_expected(tmp_path: Path) -> None:
    t = target({"access_token": {}})
    with pytest.raises(ConfigError, match="SFCONNECT_PROD_ACCESS_TOKEN"):
        authenticator_for("prod", t, environ={}, base_dir=tmp_path)
    unset = target({"access_token": {"token": "env:MY_TOKEN"}})
    with pytest.raises(ConfigError, match="env:MY_TOKEN, which is not set"):
        authenticator_for("prod", unset, environ={}, base_dir=tmp_path)


def test_access_token_value_is_never_in_the_error_or_repr(tmp_path: Path) -> None:
    t = target({"access_token": {"token": "env:MY_TOKEN"}})
    auth, _ = authenticator_for("prod", t, environ={"MY_TOKEN": "00Dxx!SECRETTOKEN"}, base_dir=tmp_path)
    assert isinstance(auth, AccessTokenAuth) and "SECRETTOKEN" not in repr(auth)


def test_username_password_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    t = target({"username_password": {"username": "u@x", "password": "env:PW"}})
    auth, _ = authenticator_for("prod", t, environ={"PW": "pw"}, base_dir=tmp_path)
    assert isinstance(auth, UsernamePasswordAuth) and auth.security_token == ""
    assert "prefer jwt_bearer" in caplog.text


def test_local_target_uses_the_served_endpoint(tmp_path: Path) -> None:
    t = Target.model_validate({"local": {"org": "default"}}, strict=False)
    endpoint = LocalEndpoint("https://127.0.0.1:5000", "/tmp/ca.pem", "admin@local", "pw")
    auth, verify = authenticator_for("local", t, environ={}, base_dir=tmp_path, local=endpoint)
    assert isinstance(auth, UsernamePasswordAuth) and auth.login_url == endpoint.instance_url
    assert verify == "/tmp/ca.pem"

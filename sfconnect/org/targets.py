"""From a target of ``sfconnect.yaml`` to a logged-in Metadata API client.

Secrets come from the references the project file names, or, when a field is left out, from the environment
variable ``SFCONNECT_<TARGET>_<FIELD>`` (target name upper-cased, ``-`` as ``_``), so CI can supply every
secret without touching YAML. A local target is reached like any Salesforce org: the CLI, which alone may
start the embedded org, hands over its `LocalEndpoint` (instance URL, CA bundle, admin credentials).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sfconnect.errors import AuthError, ConfigError, OrgError
from sfconnect.org._errors import is_transient
from sfconnect.org.auth import (
    AccessTokenAuth,
    Authenticator,
    ClientCredentialsAuth,
    JwtBearerAuth,
    SfdxAuthUrlAuth,
    UsernamePasswordAuth,
)
from sfconnect.org.metadata_api import MetadataApi, RetryPolicy
from sfconnect.org.session import OrgSession, Timeouts, trusting_session
from sfconnect.spec.project import Target
from sfconnect.spec.refs import parse_ref, resolve_ref

__all__ = ["Connection", "LocalEndpoint", "authenticator_for", "connect", "env_var_name"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalEndpoint:
    """How to reach a served embedded org (given by the CLI)."""

    instance_url: str
    ca_bundle: str
    username: str
    password: str = field(repr=False)


def env_var_name(target: str, field_name: str) -> str:
    """``SFCONNECT_<TARGET>_<FIELD>``, e.g. ``SFCONNECT_PROD_PRIVATE_KEY``."""
    return f"SFCONNECT_{target.upper().replace('-', '_')}_{field_name.upper()}"


class _Secrets:
    """Resolves one target's credential fields: a reference, else the target's environment variable."""

    def __init__(self, target: str, environ: Mapping[str, str], base_dir: Path) -> None:
        self.target = target
        self.environ = environ
        self.base_dir = base_dir

    def get(self, field_name: str, ref: str | None, *, what: str, required: bool = True) -> str:
        if ref is not None:
            value = resolve_ref(parse_ref(ref), environ=self.environ, base_dir=self.base_dir)
            if value is None:
                raise ConfigError(
                    f"target {self.target!r}: {what} is read from {ref}, which is "
                    + ("not set" if ref.startswith("env:") else "missing")
                    + "; set it before running this command"
                )
            return value.strip() if ref.startswith("env:") else value
        name = env_var_name(self.target, field_name)
        value = self.environ.get(name)
        if value is None:
            if not required:
                return ""
            raise ConfigError(
                f"target {self.target!r}: {what} is not configured; set it in sfconnect.yaml "
                f"(by reference) or in the environment variable {name}"
            )
        return value

    def plain(self, field_name: str, value: str | None, *, what: str) -> str:
        """A non-secret field (consumer key, username) from YAML or the environment."""
        if value:
            return value
        return self.get(field_name, None, what=what)


def authenticator_for(
    name: str,
    target: Target,
    *,
    environ: Mapping[str, str],
    base_dir: Path,
    local: LocalEndpoint | None = None,
) -> tuple[Authenticator, str | bool]:
    """The auth method of a target with its credentials resolved, and the TLS trust to use.

    Raises:
        ConfigError: a credential is missing (the message names where it is expected, never a value).
    """
    if target.local is not None:
        if local is None:
            raise RuntimeError(
                f"target {name!r} is a local org: the caller must serve it and pass its endpoint"
            )
        return UsernamePasswordAuth(local.instance_url, local.username, local.password), local.ca_bundle
    org = target.salesforce
    assert org is not None
    secrets = _Secrets(name, environ, base_dir)
    auth = org.auth
    url = org.url.rstrip("/")
    if auth.jwt_bearer is not None:
        a = auth.jwt_bearer
        key = secrets.get("private_key", a.private_key, what="the JWT private key")
        return (
            JwtBearerAuth(
                login_url=url,
                consumer_key=secrets.plain("consumer_key", a.consumer_key, what="the consumer key"),
                username=secrets.plain("username", a.username, what="the username"),
                private_key_pem=key.encode("utf-8"),
                audience=_jwt_audience(url, org.environment),
            ),
            True,
        )
    if auth.client_credentials is not None:
        c = auth.client_credentials
        return (
            ClientCredentialsAuth(
                instance_url=url,
                consumer_key=secrets.plain("consumer_key", c.consumer_key, what="the consumer key"),
                consumer_secret=secrets.get("consumer_secret", c.consumer_secret, what="the consumer secret"),
            ),
            True,
        )
    if auth.access_token is not None:
        token = secrets.get("access_token", auth.access_token.token, what="the access token")
        return AccessTokenAuth(url, token), True
    if auth.sfdx_auth_url is not None:
        return SfdxAuthUrlAuth(
            secrets.get("auth_url", auth.sfdx_auth_url.auth_url, what="the SFDX auth URL")
        ), True
    u = auth.username_password
    assert u is not None
    log.warning(
        "target %r logs in with username and password, which Salesforce is retiring; prefer jwt_bearer", name
    )
    return (
        UsernamePasswordAuth(
            login_url=url,
            username=secrets.plain("username", u.username, what="the username"),
            password=secrets.get("password", u.password, what="the password"),
            security_token=secrets.get(
                "security_token", u.security_token, what="the security token", required=False
            ),
        ),
        True,
    )


def _jwt_audience(url: str, environment: str) -> str:
    """Salesforce accepts the login host of the org's kind (or its My Domain) as the assertion audience."""
    if "login.salesforce.com" in url or "test.salesforce.com" in url:
        return url
    return (
        "https://test.salesforce.com"
        if environment in ("sandbox", "scratch")
        else "https://login.salesforce.com"
    )


@dataclass
class Connection:
    """A logged-in target: its name, the Metadata API client, and how to log in again."""

    target: str
    api: MetadataApi
    authenticator: Authenticator

    @property
    def session(self) -> OrgSession:
        """The current session."""
        return self.api.session

    def close(self) -> None:
        """Release network resources."""
        self.api.close()


def connect(
    name: str,
    authenticator: Authenticator,
    verify: str | bool,
    *,
    api_version: str,
    retry: RetryPolicy | None = None,
    timeouts: Timeouts | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Connection:
    """Log in and return a connection whose client renews its session once when it expires.

    Logins are retried on transient faults (timeouts, dropped connections, a busy org) with the same backoff
    as every other call; every request times out after `timeouts`.

    Raises:
        AuthError: the org refused the login.
        TransientError: the org stayed unreachable or busy through every retry.
    """
    policy = retry or RetryPolicy()
    limits = timeouts or Timeouts()
    rng = random.Random()  # noqa: S311 - jitter, not security

    def login() -> OrgSession:
        attempt = 0
        while True:
            attempt += 1
            try:
                with trusting_session(verify, limits) as http:
                    return authenticator.login(http, api_version, target=name)
            except OrgError as exc:
                if not is_transient(exc) or attempt >= policy.attempts:
                    raise
                delay = policy.delay(attempt, rng)
                log.info("login to target %r failed (%s); retry %d in %.1fs", name, exc, attempt, delay)
                sleep(delay)

    session = login()
    renew = None if isinstance(authenticator, AccessTokenAuth) else login
    if not session.session_id:
        raise AuthError("the org returned no session", target=name, operation="login")
    api = MetadataApi(session, target=name, renew=renew, retry=policy, timeouts=limits, sleep=sleep)
    return Connection(name, api, authenticator)

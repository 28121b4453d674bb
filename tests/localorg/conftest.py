"""Local org fixtures: a fresh model per test, one served org per module, simple-salesforce clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sfconnect.localorg import LocalOrg, LocalOrgHandle, SequentialIds, serve_local_org
from sfconnect.localorg.wsdl import MetadataSchema, load_schema


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def schema() -> MetadataSchema:
    return load_schema()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def local_org(tmp_path: Path, clock: FakeClock, schema: MetadataSchema) -> Iterator[LocalOrg]:
    org = LocalOrg(tmp_path / "org.db", clock, SequentialIds(), schema=schema)
    yield org
    org.close()


def trusting_session(ca_bundle: Path) -> requests.Session:
    """A requests session that trusts the local CA (and ignores REQUESTS_CA_BUNDLE from the environment)."""
    session = requests.Session()
    session.verify = str(ca_bundle)
    session.trust_env = False
    return session


def simple_salesforce_client(handle: LocalOrgHandle, version: str = "60.0") -> Any:
    """An unmodified simple-salesforce client logged in through SOAP, trusting the local CA for zeep too."""
    from simple_salesforce.api import Salesforce
    from simple_salesforce.login import SalesforceLogin

    session = trusting_session(handle.ca_bundle)
    session_id, _instance = SalesforceLogin(
        username=handle.admin_username,
        password=handle.admin_password,
        security_token="",
        sf_version=version,
        session=session,
        scratch_url=handle.instance_url,
    )
    sf = Salesforce(instance_url=handle.instance_url, session_id=session_id, session=session, version=version)
    transport_session = sf.mdapi._client.transport.session
    transport_session.verify = str(handle.ca_bundle)
    transport_session.trust_env = False
    return sf


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalOrgHandle]:
    with serve_local_org(tmp_path_factory.mktemp("served-org")) as handle:
        yield handle


@pytest.fixture(scope="module")
def sf(served: LocalOrgHandle) -> Iterator[Any]:
    client = simple_salesforce_client(served)
    yield client
    close_client(client)


def close_client(client: Any) -> None:
    """Close a simple-salesforce client's HTTP sessions (no unclosed sockets left behind)."""
    client.session.close()
    client.mdapi._client.transport.session.close()

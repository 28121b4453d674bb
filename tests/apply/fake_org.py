"""An in-memory stand-in for `MetadataApi`, for unit tests of `apply/` and saved plans (no HTTP, no server).

It holds components as the XML a ``readMetadata`` call returns, applies a deploy zip when told to succeed,
answers ``checkDeployStatus`` from a script, and the Tooling API's ``DeployRequest`` query from a list.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sfconnect.metadata.component import Component
from sfconnect.metadata.formats import read_package_xml, read_zip
from sfconnect.metadata.xmlio import write_component
from sfconnect.org.metadata_api import (
    DeployMessage,
    DeployOptions,
    DeployStatus,
    FileProperties,
    MetadataApi,
    RawRecord,
)
from sfconnect.org.session import Timeouts


@dataclass
class FakeSession:
    host: str = "fake.example"
    org_id: str = "00D000000000001AAA"


@dataclass
class FakeApi:
    """What apply and plan call on a `MetadataApi`; `log` records each call in order."""

    records: dict[tuple[str, str], bytes] = field(default_factory=dict)
    target: str = "test"
    timeouts: Timeouts = field(default_factory=Timeouts)
    session: FakeSession = field(default_factory=FakeSession)
    statuses: list[DeployStatus] = field(default_factory=list)
    """Answers to checkDeployStatus in order (the last one repeats); empty: one successful answer."""
    deploy_requests: list[dict[str, Any]] = field(default_factory=list)
    apply_deploys: bool = True
    on_deploy: Callable[[], None] | None = None
    log: list[str] = field(default_factory=list)
    deployed: list[bytes] = field(default_factory=list)
    options: list[DeployOptions] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    canceled: list[str] = field(default_factory=list)

    @property
    def as_api(self) -> MetadataApi:
        """This fake where a `MetadataApi` is expected (it has every method apply and plan call)."""
        return cast(MetadataApi, self)

    def put(self, *components: Component, api_version: str = "63.0") -> None:
        for c in components:
            self.records[(c.type, c.full_name)] = write_component(c, api_version)

    def list_metadata(self, types: Sequence[str]) -> list[FileProperties]:
        self.log.append("listMetadata")
        self.calls["listMetadata"] += 1
        return [FileProperties(t, n) for (t, n) in sorted(self.records) if t in types]

    def read_metadata(self, type_name: str, names: Sequence[str]) -> list[RawRecord]:
        self.log.append(f"readMetadata {type_name}")
        self.calls["readMetadata"] += 1
        return [
            RawRecord(type_name, n, self.records[(type_name, n)])
            for n in names
            if (type_name, n) in self.records
        ]

    def query(self, soql: str) -> list[dict[str, Any]]:
        self.log.append("query")
        return []

    def tooling_query(self, soql: str, *, operation: str = "tooling query") -> list[dict[str, Any]]:
        self.log.append("tooling_query")
        return list(self.deploy_requests)

    def deploy(self, zip_bytes: bytes, options: DeployOptions) -> str:
        self.log.append("deploy")
        self.deployed.append(zip_bytes)
        self.options.append(options)
        if self.on_deploy is not None:
            self.on_deploy()
        return f"0Af00000000000{len(self.deployed)}AAA"

    def check_deploy_status(
        self, deploy_id: str, *, include_details: bool = True, deadline: float | None = None
    ) -> DeployStatus:
        self.log.append("checkDeployStatus")
        status = (
            self.statuses.pop(0)
            if len(self.statuses) > 1
            else self.statuses[0]
            if self.statuses
            else DeployStatus(deploy_id, True, "Succeeded", True)
        )
        if status.done and status.success and self.apply_deploys and not self.options[-1].check_only:
            self._apply(self.deployed[-1])
            self.apply_deploys = False  # once per deploy
        return status

    def cancel_deploy(self, deploy_id: str) -> None:
        self.log.append("cancelDeploy")
        self.canceled.append(deploy_id)

    def _apply(self, zip_bytes: bytes) -> None:
        self.put(*read_zip(zip_bytes))
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            names = [n for n in archive.namelist() if n.endswith("destructiveChanges.xml")]
            for name in names:
                for type_name, members in read_package_xml(archive.read(name)).members.items():
                    for member in members:
                        self.records.pop((type_name, member), None)


def failed(deploy_id: str, *problems: tuple[str, str, str]) -> DeployStatus:
    """A finished, failed deploy with one failure per ``(type, name, problem)``."""
    return DeployStatus(
        deploy_id,
        True,
        "Failed",
        False,
        number_component_errors=len(problems),
        component_failures=tuple(DeployMessage(t, n, "", False, problem=p) for t, n, p in problems),
    )


def names(components: Iterable[Component]) -> list[str]:
    return sorted(f"{c.type} {c.full_name}" for c in components)

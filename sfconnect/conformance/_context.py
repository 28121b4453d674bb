"""What a probe works with: the org's clients, the run's prefix, the users it may log in as, and the
registry of everything it created (for cleanup) and every secret it saw (for masking).

Probes create components only through `create`, `deploy` and `deploy_eca`, which refuse any name outside the
run's prefix, so the kit cannot touch anything else by mistake.
"""

from __future__ import annotations

import secrets
import string
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sfconnect.conformance import _apps
from sfconnect.conformance._model import NotRun
from sfconnect.conformance._records import field_text
from sfconnect.org.metadata_api import DeployOptions, DeployStatus, MetadataApi
from sfconnect.org.oauth_client import OAuthClient
from sfconnect.org.raw_metadata import RawMetadataClient, SaveOutcome
from sfconnect.org.rest import RestClient

__all__ = ["PREFIX", "BrowserUser", "OrgFacts", "ProbeContext", "new_run_id"]

PREFIX = "SfcConf_"
"""Every component the kit creates starts with this, then the run id: ``SfcConf_<run id>_...``."""


def new_run_id() -> str:
    """Eight lower-case letters and digits, starting with a letter."""
    alphabet = string.ascii_lowercase + string.digits
    return secrets.choice(string.ascii_lowercase) + "".join(secrets.choice(alphabet) for _ in range(7))


@dataclass(frozen=True)
class BrowserUser:
    """A user the kit may log in as on the org's login page (interactive flows)."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class OrgFacts:
    """What the kit read about the org before starting."""

    org_id: str
    is_sandbox: bool
    organization_type: str
    trial_expiration: str | None
    consumer_secret_access: bool | None
    """`ExternalClientAppSettings.enableConsumerSecretApiAccess` (None: unreadable)."""
    user_id: str = ""
    username: str = ""
    profile_name: str = ""

    @property
    def is_production(self) -> bool:
        """Not a sandbox, not a scratch org or trial (they expire), not a Developer Edition org."""
        return not (
            self.is_sandbox or self.trial_expiration or self.organization_type.strip() == "Developer Edition"
        )

    @property
    def kind(self) -> str:
        """``sandbox``, ``scratch or trial``, ``developer edition`` or ``production``."""
        if self.is_sandbox:
            return "sandbox"
        if self.trial_expiration:
            return "scratch or trial"
        if self.organization_type.strip() == "Developer Edition":
            return "developer edition"
        return "production"

    @property
    def jwt_audience(self) -> str:
        """The JWT bearer audience Salesforce documents for this kind of org."""
        return "https://test.salesforce.com" if self.is_sandbox else "https://login.salesforce.com"


@dataclass
class ProbeContext:
    """Everything a probe uses. Built by the service, one per run."""

    target: str
    run_id: str
    api: MetadataApi
    raw: RawMetadataClient
    rest: RestClient
    oauth: OAuthClient
    facts: OrgFacts
    browser_user: BrowserUser | None = None
    restricted_user: BrowserUser | None = None
    """A user whose profile's login IP ranges exclude this machine (IP relaxation probes)."""
    propagation_seconds: float = 0.0
    """How long new apps may take to reach the OAuth endpoints (Salesforce: up to ~10 minutes)."""
    sleep: Callable[[float], None] = time.sleep
    created: list[tuple[str, str]] = field(default_factory=list)
    secrets_seen: set[str] = field(default_factory=set)
    cache: dict[str, Any] = field(default_factory=dict)

    # names --------------------------------------------------------------------------------------------
    @property
    def prefix(self) -> str:
        """``SfcConf_<run id>_``."""
        return f"{PREFIX}{self.run_id}_"

    def name(self, suffix: str) -> str:
        """A component name inside the run's prefix."""
        return f"{self.prefix}{suffix}"

    def _own(self, full_name: str) -> None:
        if not full_name.startswith(self.prefix):
            raise RuntimeError(f"the conformance kit refuses to touch {full_name!r}: outside {self.prefix}")

    def track(self, type_name: str, full_name: str) -> None:
        """Record a component for cleanup (before creating it, so an interrupted call is cleaned too)."""
        self._own(full_name)
        if (type_name, full_name) not in self.created:
            self.created.append((type_name, full_name))

    def secret(self, value: str | None) -> str | None:
        """Remember a secret value so that reports mask it; returns it."""
        if value:
            self.secrets_seen.add(value)
        return value

    def new_secret(self, length: int = 40) -> str:
        """A fresh consumer secret (alphanumeric, as Salesforce requires)."""
        alphabet = string.ascii_letters + string.digits
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        self.secrets_seen.add(value)
        return value

    # setup --------------------------------------------------------------------------------------------
    def create(self, records: Sequence[tuple[str, dict[str, Any]]], **kwargs: Any) -> list[SaveOutcome]:
        """`createMetadata` of (type, values) records, each tracked for cleanup."""
        for type_name, values in records:
            self.track(type_name, str(values["fullName"]))
        return self.raw.create([(t, _apps.record_xml(t, v)) for t, v in records], **kwargs)

    def update(self, records: Sequence[tuple[str, dict[str, Any]]], **kwargs: Any) -> list[SaveOutcome]:
        """`updateMetadata` of (type, values) records inside the prefix."""
        for _type, values in records:
            self._own(str(values["fullName"]))
        return self.raw.update([(t, _apps.record_xml(t, v)) for t, v in records], **kwargs)

    def deploy(
        self,
        components: Sequence[tuple[str, str, str]],
        *,
        check_only: bool = False,
        extra_files: dict[str, str] | None = None,
        timeout: float = 600,
    ) -> DeployStatus:
        """Deploy (type, name, file XML) components in one zip and wait for the result."""
        for type_name, full_name, _xml in components:
            self.track(type_name, full_name)
        data = _apps.deploy_zip(components, self.api.session.api_version, extra_files=extra_files)
        deploy_id = self.api.deploy(data, DeployOptions(check_only=check_only, rollback_on_error=True))
        deadline = time.monotonic() + timeout
        delay = 0.2
        while True:
            status = self.api.check_deploy_status(deploy_id)
            if status.done:
                return status
            if time.monotonic() > deadline:
                raise NotRun(f"deploy {deploy_id} did not finish within {timeout:.0f} s")
            self.sleep(delay)
            delay = min(delay * 2, 5.0)

    def deploy_eca(self, parts: _apps.EcaParts) -> DeployStatus:
        """Deploy a whole External Client App; a failed deploy stops the probe (it reports an error)."""
        files = [(t, str(v["fullName"]), _apps.file_xml(t, v)) for t, v in parts.records()]
        status = self.deploy(files)
        if not status.success:
            problems = "; ".join(f"{m.full_name}: {m.problem}" for m in status.component_failures)
            raise RuntimeError(f"setup deploy failed: {problems or status.error_message or status.status}")
        return status

    def read(self, type_name: str, full_name: str) -> ET.Element | None:
        """`readMetadata` of one component (None when it does not exist)."""
        found = self.raw.read(type_name, [full_name])
        return found[0] if found else None

    def consumer_key(self, eca_name: str) -> str:
        """The consumer key of a deployed External Client App (from its global OAuth settings)."""
        record = self.read("ExtlClntAppGlobalOauthSettings", f"{eca_name}_glbloauth")
        key = field_text(record, "consumerKey")
        if not key:
            raise NotRun(
                "the org does not return the consumer key of the probe's app through the Metadata API"
            )
        return key

    # org facts a probe needs ---------------------------------------------------------------------------
    def require_secret_access(self) -> None:
        """Probes that set a consumer secret need the org setting that allows it through the Metadata API."""
        if self.facts.consumer_secret_access is False:
            raise NotRun(
                "the org does not allow consumer-secret access through the Metadata API (External Client App "
                "Settings); the kit never changes org settings"
            )

    def require_browser_user(self) -> BrowserUser:
        """The user for interactive flows, or not run."""
        if self.browser_user is None:
            raise NotRun(
                "needs a user to log in on the org's login page: set SFCONNECT_CONFORMANCE_USERNAME and "
                "SFCONNECT_CONFORMANCE_PASSWORD"
            )
        return self.browser_user

    def connected_app_creation_allowed(self) -> bool:
        """Whether this org lets the kit create a Connected App (observed once, with a probe-owned app)."""
        if "ca_allowed" not in self.cache:
            name = self.name("CaProbe")
            results = self.create([("ConnectedApp", _apps.connected_app(name))])
            self.cache["ca_allowed"] = bool(results and results[0].success)
            self.cache["ca_outcome"] = results[0] if results else None
        return bool(self.cache["ca_allowed"])

    def require_connected_apps(self) -> None:
        """Probes of Connected App behaviour need an org that allows creating them."""
        if not self.connected_app_creation_allowed():
            raise NotRun(
                "this org blocks Connected App creation (Salesforce's default since Spring '26); the probe "
                "needs an org where Salesforce Support lifted the block"
            )

    def wait_for_app(self, attempt: Callable[[], Any], ready: Callable[[Any], bool]) -> Any:
        """Retry `attempt` while a new app propagates (up to `propagation_seconds`); returns the last answer."""
        deadline = time.monotonic() + self.propagation_seconds
        delay = 2.0
        while True:
            answer = attempt()
            if ready(answer) or time.monotonic() >= deadline:
                return answer
            self.sleep(delay)
            delay = min(delay * 2, 30.0)

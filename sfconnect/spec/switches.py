"""Where each YAML key of an app lives, per kind of app, without Salesforce's names (those are in the field map).

A key is one of:

- ``metadata``: written to a metadata field (available from API version `Location.since`);
- ``org``: an org-wide setting (no per-app field; the org decides for every app);
- ``intent``: recorded in YAML only; never diffed or deployed (smoke may still check positive behaviour);
- ``unsupported``: the kind cannot do it; enabling it is a validation error.

The rules read `SWITCHES` (version gating and unsupported keys). The metadata side of each key (type, field,
codec, default) is the field map in ``sfconnect/metadata/fieldmap.py``, which also renders the docs' table; a
test keeps the two in step (every row of the map has an entry here with the same `where` and `since`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["SWITCHES", "Location", "Switch", "switch"]

Where = Literal["metadata", "org", "intent", "unsupported"]


@dataclass(frozen=True)
class Location:
    """Where a key lives for one kind of app, the API version it needs, and why a kind cannot have it."""

    where: Where
    since: str = ""
    note: str = ""


@dataclass(frozen=True)
class Switch:
    """A YAML key path (dotted, under an app) and where it lives for each kind."""

    path: str
    connected_app: Location
    external_client_app: Location

    def for_kind(self, kind: str) -> Location:
        """The location for ``ConnectedApp`` or ``ExternalClientApp``."""
        return self.connected_app if kind == "ConnectedApp" else self.external_client_app


SWITCHES: tuple[Switch, ...] = (
    Switch(
        "label",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "description",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "contact.email",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "contact.phone",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "urls.info",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "urls.logo",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "urls.icon",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "urls.start",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "urls.mobile_start",
        Location("metadata"),
        Location("unsupported"),
    ),
    Switch(
        "distribution_state",
        Location("unsupported"),
        Location("metadata"),
    ),
    Switch(
        "protected",
        Location("unsupported"),
        Location("metadata"),
    ),
    Switch(
        "oauth.callback_urls",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "oauth.scopes",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "oauth.custom_scopes",
        Location("unsupported", note="assigned by the OauthCustomScope metadata"),
        Location("metadata"),
    ),
    Switch(
        "oauth.flows.authorization_code.enabled",
        Location("intent"),
        Location("intent"),
    ),
    Switch(
        "oauth.flows.authorization_code.require_pkce",
        Location("metadata", since="59.0"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "oauth.flows.authorization_code.require_secret",
        Location("metadata", since="49.0"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "oauth.flows.client_credentials.enabled",
        Location("metadata", since="56.0"),
        Location("metadata", since="60.0"),
    ),
    Switch(
        "oauth.flows.client_credentials.run_as",
        Location("metadata", since="56.0"),
        Location("metadata", since="60.0"),
    ),
    Switch(
        "oauth.flows.jwt_bearer.enabled",
        Location("intent"),
        Location("intent"),
    ),
    Switch(
        "oauth.flows.jwt_bearer.certificate",
        Location("metadata"),
        Location("metadata", since="60.0"),
    ),
    Switch(
        "oauth.flows.user_agent.enabled",
        Location("org"),
        Location("org"),
    ),
    Switch(
        "oauth.flows.device.enabled",
        Location("intent"),
        Location("metadata", since="60.0"),
    ),
    Switch(
        "oauth.flows.token_exchange.enabled",
        Location("metadata", since="60.0"),
        Location("metadata", since="60.0"),
    ),
    Switch(
        "oauth.flows.token_exchange.require_secret",
        Location("metadata", since="60.0"),
        Location("metadata", since="60.0"),
    ),
    Switch(
        "oauth.flows.username_password.enabled",
        Location("org"),
        Location("unsupported", note="External Client Apps do not support the flow"),
    ),
    Switch(
        "oauth.flows.code_credential.enabled",
        Location("metadata", since="57.0"),
        Location("metadata", since="61.0"),
    ),
    Switch(
        "oauth.flows.code_credential.post_only",
        Location("metadata", since="57.0"),
        Location("metadata", since="61.0"),
    ),
    Switch(
        "oauth.flows.code_credential.guest_enabled",
        Location("unsupported"),
        Location("metadata", since="61.0"),
    ),
    Switch(
        "oauth.refresh_token.policy",
        Location("metadata", since="49.0"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "oauth.refresh_token.rotation",
        Location("metadata", since="60.0"),
        Location("metadata", since="60.0"),
    ),
    Switch(
        "oauth.refresh_token.require_secret",
        Location("metadata", since="51.0"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "oauth.introspect_all_tokens",
        Location("metadata", since="49.0"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "oauth.require_dpop",
        Location("unsupported", note="no Connected App metadata field is documented"),
        Location("metadata", since="66.0"),
    ),
    Switch(
        "oauth.jwt_access_tokens.enabled",
        Location("metadata", since="59.0"),
        Location("metadata", since="61.0"),
    ),
    Switch(
        "oauth.jwt_access_tokens.timeout_minutes",
        Location("intent"),
        Location("metadata", since="61.0"),
    ),
    Switch(
        "oauth.id_token.validity_minutes",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "oauth.id_token.audiences",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "oauth.id_token.include",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "oauth.asset_token.validity_period",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "oauth.asset_token.audiences",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "oauth.asset_token.signing_certificate",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "oauth.asset_token.include",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "oauth.custom_attributes",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "oauth.single_logout_url",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "access.permitted_users",
        Location("metadata", since="46.0"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "access.profiles",
        Location("metadata", since="46.0"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "access.permission_sets",
        Location("metadata", since="46.0"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "access.ip_relaxation",
        Location("metadata", since="49.0"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "access.trusted_ip_ranges",
        Location("metadata"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "access.session_timeout_minutes",
        Location("metadata", since="49.0"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "access.high_assurance.required",
        Location("metadata", since="49.0"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "access.high_assurance.action",
        Location("metadata", since="49.0"),
        Location("metadata", since="59.0"),
    ),
    Switch(
        "handler.apex_class",
        Location("metadata"),
        Location("metadata"),
    ),
    Switch(
        "handler.run_as",
        Location("metadata", since="46.0"),
        Location("metadata", since="61.0"),
    ),
    Switch(
        "oauth.consumer_secret",
        Location("metadata"),
        Location("metadata"),
    ),
)
"""Every YAML key with a place per kind, in the field map's order."""


def switch(path: str) -> Switch:
    """The entry at a dotted YAML path (e.g. ``oauth.flows.device.enabled``).

    Raises:
        KeyError: no entry has that path.
    """
    for item in SWITCHES:
        if item.path == path:
            return item
    raise KeyError(path)

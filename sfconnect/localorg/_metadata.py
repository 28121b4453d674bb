"""The local org's metadata components: one part of the org (`LocalOrg.metadata`), moto's models layer for
the Metadata API's CRUD calls, `listMetadata` and `describeMetadata`.

It owns the `components` table through the store. Every save (CRUD or deploy) goes through `save_component`,
which applies the rules of `metadata_rules.py`; state checks are raised as a `LocalOrgFault` for a whole request
or returned as a per-record `RecordError`, as Salesforce does.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sfconnect.localorg._credentials import Credentials, has_oauth, pop_credentials
from sfconnect.localorg._exceptions import InvalidType, LimitExceeded, LocalOrgFault
from sfconnect.localorg._metadata_rules import (
    NAME_MESSAGE,
    RecordError,
    check_rules,
    csv_list,
    error,
    valid_name,
)
from sfconnect.localorg._records import TYPE_KEY, Record
from sfconnect.localorg._store import ComponentRow
from sfconnect.localorg.migration import migration_of, reactivate

if TYPE_CHECKING:
    from sfconnect.localorg._identity import User
    from sfconnect.localorg._models import LocalOrg

__all__ = [
    "APP_TYPES",
    "ECA_SETTINGS_NAME",
    "ECA_SETTINGS_TYPE",
    "MAX_CRUD_COMPONENTS",
    "MAX_LIST_QUERIES",
    "OIDC_SETTINGS_TYPE",
    "FileProperties",
    "Metadata",
    "RecordError",
    "SaveResult",
    "TypeInfo",
]

MAX_CRUD_COMPONENTS = 10
MAX_LIST_QUERIES = 3


@dataclass(frozen=True)
class TypeInfo:
    """Where a metadata type lives in an mdapi zip and which id prefix its components get."""

    name: str
    directory: str
    suffix: str
    id_prefix: str
    parent_field: str | None = None


ECA_SETTINGS_TYPE = "ExternalClientAppSettings"
ECA_SETTINGS_NAME = "ExternalClientApp"
OIDC_SETTINGS_TYPE = "OauthOidcSettings"
"""The org settings of External Client Apps, readable (not writable) through `readMetadata`."""

APP_TYPES: dict[str, TypeInfo] = {
    t.name: t
    for t in (
        TypeInfo("ConnectedApp", "connectedApps", "connectedApp", "0H4"),
        TypeInfo("ExternalClientApplication", "externalClientApps", "eca", "0xI"),
        TypeInfo(
            "ExtlClntAppOauthSettings",
            "extlClntAppOauthSettings",
            "ecaOauth",
            "0xJ",
            "externalClientApplication",
        ),
        TypeInfo(
            "ExtlClntAppGlobalOauthSettings",
            "extlClntAppGlobalOauthSets",
            "ecaGlblOauth",
            "0xK",
            "externalClientApplication",
        ),
        TypeInfo(
            "ExtlClntAppOauthConfigurablePolicies",
            "extlClntAppOauthPolicies",
            "ecaOauthPlcy",
            "0xL",
            "externalClientApplication",
        ),
        TypeInfo(
            "ExtlClntAppConfigurablePolicies",
            "extlClntAppPolicies",
            "ecaPlcy",
            "0xM",
            "externalClientApplication",
        ),
        TypeInfo(
            "ExtlClntAppSamlConfigurablePolicies",
            "extlClntAppSamlConfigurablePolicies",
            "ecaSamlPlcy",
            "0xN",
            "externalClientApplication",
        ),
    )
}
"""The metadata types the local org implements."""

_FOLDED_SCOPES = {
    "Profile": "Basic",
    "Email": "Basic",
    "Address": "Basic",
    "Phone": "Basic",
    "OfflineAccess": "RefreshToken",
}
"""Scopes Salesforce stores under another name: a read or retrieve returns `Basic` and `RefreshToken`."""

_ACCESS_TYPES = {"Profile": ("profiles", "profile"), "PermissionSet": ("permissionsets", "permissionset")}
"""Types listed from the org's profiles and permission sets: (folder, suffix)."""
_PROFILE_FULL_NAMES = {"System Administrator": "Admin", "Standard User": "Standard"}
"""Standard profiles whose metadata fullName differs from their name (retrieved as profiles/Admin.profile)."""


@dataclass
class SaveResult:
    """`SaveResult`, `UpsertResult` (with `created`) and `DeleteResult`."""

    full_name: str
    success: bool
    errors: list[RecordError] = field(default_factory=list)
    created: bool | None = None
    changed: bool | None = None
    """False when an update left the component exactly as it was (a deploy reports it unchanged)."""


@dataclass(frozen=True)
class FileProperties:
    """One `listMetadata` row."""

    type: str
    full_name: str
    file_name: str
    id: str
    created_by_id: str
    created_by_name: str
    created_date: float
    last_modified_by_id: str
    last_modified_by_name: str
    last_modified_date: float


class _Rollback(Exception):
    """Internal: undo an all-or-none call."""


class Metadata:
    """The org's metadata components: the Metadata API's CRUD calls, list, describe, and the rules
    (`metadata_rules.py`) every save goes through, deploys included.

    Args:
        org: the org it belongs to.
    """

    def __init__(self, org: LocalOrg) -> None:
        self.org = org
        self.store = org.store

    def device_flow_enabled(self, app_name: str) -> bool:
        """Whether a Connected App has "Enable for Device Flow" checked (a Setup switch, not metadata)."""
        names = self.org.setting("connected_app_device_flow") or []
        return any(str(n).lower() == app_name.lower() for n in names)

    def set_device_flow(self, app_name: str, enabled: bool) -> str:
        """Check or uncheck "Enable for Device Flow" of a Connected App; returns the app's name.

        Raises:
            KeyError: no Connected App of that name.
        """
        row = self.component("ConnectedApp", app_name)
        if row is None:
            raise KeyError(app_name)
        names = [
            str(n)
            for n in self.org.setting("connected_app_device_flow") or []
            if str(n).lower() != app_name.lower()
        ]
        self.org.set_setting("connected_app_device_flow", [*names, row.full_name] if enabled else names)
        return row.full_name

    def check_type(self, type_: str) -> TypeInfo:
        """The `TypeInfo` of an implemented type.

        Raises:
            InvalidType: unknown to the WSDL, or a real type the local org does not implement.
        """
        return self._type_info(type_)

    def _type_info(self, type_: str) -> TypeInfo:
        info = APP_TYPES.get(type_)
        if info is not None and type_ in self.org.schema.complex_types:
            return info
        if self.org.schema.is_metadata_type(type_):
            raise InvalidType(f"The local org does not implement the metadata type {type_}")
        raise InvalidType(f"Unknown type name '{type_}' specified in Metadata API call")

    @staticmethod
    def _check_count(n: int) -> None:
        if n > MAX_CRUD_COMPONENTS:
            raise LimitExceeded(
                f"record limit reached. cannot submit more than {MAX_CRUD_COMPONENTS} records in this operation"
            )

    def component(self, type_: str, full_name: str) -> ComponentRow | None:
        """A stored component (without secrets), or None."""
        return self.store.component(self.org.org_id, type_, full_name)

    def components(self, type_: str | None = None) -> list[ComponentRow]:
        """All stored components (of one type)."""
        return self.store.components(self.org.org_id, type_)

    def record_of(self, row: ComponentRow) -> Record:
        """A stored component as `readMetadata` returns it: with `fullName` and the consumer key."""
        record = copy.deepcopy(row.record)
        record["fullName"] = row.full_name
        if row.type == "ConnectedApp" and isinstance(record.get("oauthConfig"), dict):
            creds = self.org.credentials.primary("ConnectedApp", row.full_name)
            migrated = migration_of(self.org, row.full_name) if not creds else None
            if creds:
                record["oauthConfig"]["consumerKey"] = creds[0]
            elif migrated is not None and migrated.consumer_key:
                record["oauthConfig"]["consumerKey"] = migrated.consumer_key  # the read-only version's key
        elif row.type == "ExtlClntAppGlobalOauthSettings":
            creds = self.org.credentials.primary(
                "ExternalClientApplication", str(record.get("externalClientApplication", ""))
            )
            if creds:
                record["consumerKey"] = creds[0]
        return record

    def app_components(self, app_type: str, app_name: str) -> dict[str, Record]:
        """An app's components as `readMetadata` returns them, keyed by type.

        `("ConnectedApp", name)` gives its one record; `("ExternalClientApplication", name)` gives the header
        and every settings or policies component that names it (for the OAuth endpoints). Empty when unknown.
        """
        out: dict[str, Record] = {}
        if app_type == "ConnectedApp":
            row = self.component("ConnectedApp", app_name)
            if row is not None:
                out["ConnectedApp"] = self.record_of(row)
            return out
        header = self.component("ExternalClientApplication", app_name)
        if header is None:
            return out
        out["ExternalClientApplication"] = self.record_of(header)
        for row in self.components():
            parent_field = APP_TYPES[row.type].parent_field if row.type in APP_TYPES else None
            if parent_field and str(row.record.get(parent_field, "")).lower() == header.full_name.lower():
                out[row.type] = self.record_of(row)
        return out

    def read_metadata(self, type_: str, full_names: list[str]) -> list[Record | None]:
        """`readMetadata`: one record per name; None for a name that does not exist (an "empty" record)."""
        settings = {
            ECA_SETTINGS_TYPE: (ECA_SETTINGS_NAME, self._eca_settings),
            OIDC_SETTINGS_TYPE: ("OauthOidc", self._oidc_settings),
        }
        if type_ in settings and type_ in self.org.schema.complex_types:
            self._check_count(len(full_names))
            setting_name, read = settings[type_]
            return [read() if name == setting_name else None for name in full_names]
        self._type_info(type_)
        self._check_count(len(full_names))
        out: list[Record | None] = []
        for name in full_names:
            row = self.component(type_, name)
            out.append(None if row is None else self.record_of(row))
        return out

    def _eca_settings(self) -> Record:
        """The org's External Client App settings as Salesforce reads them (read-only here)."""
        return {
            "fullName": ECA_SETTINGS_NAME,
            "enableClientSecretInRestApiAccess": _wire_bool(
                self.org.setting("client_secret_rest_api_access")
            ),
            "enableConsumerSecretApiAccess": _wire_bool(self.org.setting("consumer_secret_api_access")),
            "enablePackageEcaOauthFromDevOrg": "false",
        }

    def _oidc_settings(self) -> Record:
        """The org's OAuth and OpenID Connect Settings (`OauthOidcSettings`) as Salesforce reads them (read-only
        here): which flows an admin blocked org-wide."""
        return {
            "fullName": "OauthOidc",
            "blockOAuthUnPwFlow": _wire_bool(self.org.setting("username_password_flows_blocked")),
            "blockOAuthUsrAgtFlow": _wire_bool(self.org.setting("user_agent_flows_blocked")),
        }

    def create_metadata(
        self, items: list[tuple[str, Record]], user: User, all_or_none: bool = False
    ) -> list[SaveResult]:
        """`createMetadata`."""
        return self._save(items, user, all_or_none, mode="create")

    def update_metadata(
        self, items: list[tuple[str, Record]], user: User, all_or_none: bool = False
    ) -> list[SaveResult]:
        """`updateMetadata`: each component is replaced whole."""
        return self._save(items, user, all_or_none, mode="update")

    def upsert_metadata(
        self, items: list[tuple[str, Record]], user: User, all_or_none: bool = False
    ) -> list[SaveResult]:
        """`upsertMetadata`: create or replace, with `created` set."""
        return self._save(items, user, all_or_none, mode="upsert")

    def _save(
        self, items: list[tuple[str, Record]], user: User, all_or_none: bool, mode: str
    ) -> list[SaveResult]:
        self._check_count(len(items))
        types = {t for t, _ in items}
        for t in types:
            self._type_info(t)
        if len(types) > 1:
            raise LocalOrgFault("INVALID_TYPE", "All metadata in a single call must be of the same type")
        results: list[SaveResult] = []
        try:
            with self.store.transaction():
                for type_, record in items:
                    results.append(self.save_component(type_, record, user, mode))
                if all_or_none and not all(r.success for r in results):
                    raise _Rollback()
        except _Rollback:
            for r in results:
                if r.success:
                    r.success = False
                    r.created = False if r.created is not None else None
                    r.errors = [
                        error(
                            "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                            "Record rolled back because not all records were valid and the request was using "
                            "AllOrNone header",
                        )
                    ]
        return results

    def save_component(self, type_: str, incoming: Record, user: User, mode: str) -> SaveResult:
        """Create, update or upsert (`mode`) one component with every rule applied; the caller holds the
        transaction. Used by the CRUD calls and by deploys."""
        record = copy.deepcopy(incoming)
        record.pop(TYPE_KEY, None)
        _fold_scopes(type_, record)
        full_name = str(record.pop("fullName", "") or "").strip()
        upsert = mode == "upsert"
        result = SaveResult(full_name=full_name, success=False, created=False if upsert else None)
        if not full_name:
            result.errors.append(
                error("REQUIRED_FIELD_MISSING", "Required field is missing: fullName", "fullName")
            )
            return result
        existing = self.component(type_, full_name)
        creating = existing is None if upsert else mode == "create"
        if creating and existing is not None:
            result.errors.append(
                error(
                    "DUPLICATE_DEVELOPER_NAME", f"There is already a {type_} named {full_name}.", "fullName"
                )
            )
            return result
        if not creating and existing is None:
            result.errors.append(
                error(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"In field: fullName - no {type_} named {full_name} found",
                    "fullName",
                )
            )
            return result
        if creating and not valid_name(full_name):
            result.errors.append(error("FIELD_INTEGRITY_EXCEPTION", NAME_MESSAGE, "fullName"))
            return result
        errors = check_rules(self.org, APP_TYPES[type_], full_name, record, existing, creating)
        if errors:
            result.errors.extend(errors)
            return result
        key, secret = pop_credentials(type_, record)
        if existing is not None and existing.record == record:
            result.success, result.full_name, result.changed = True, existing.full_name, False
            if upsert:
                result.created = False
            return result
        now = self.org.clock()
        info = APP_TYPES[type_]
        row = ComponentRow(
            self.org.org_id,
            type_,
            existing.full_name if existing else full_name,
            existing.id if existing else self.org.ids.new_id(info.id_prefix),
            record,
            existing.created_date if existing else now,
            existing.created_by if existing else user.id,
            now,
            user.id,
        )
        self.store.put_component(row)
        if has_oauth(type_, record):
            self.org.credentials.ensure(*Credentials.owner(type_, row.full_name, record), key, secret)
        result.success = True
        result.full_name = row.full_name
        if upsert:
            result.created = creating
        return result

    def delete_metadata(
        self, type_: str, full_names: list[str], all_or_none: bool = False
    ) -> list[SaveResult]:
        """`deleteMetadata`: deleting an External Client App deletes its settings and policies too."""
        self._type_info(type_)
        self._check_count(len(full_names))
        results: list[SaveResult] = []
        try:
            with self.store.transaction():
                for name in full_names:
                    results.append(self.delete_component(type_, name))
                if all_or_none and not all(r.success for r in results):
                    raise _Rollback()
        except _Rollback:
            for r in results:
                if r.success:
                    r.success = False
                    r.errors = [error("ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back")]
        return results

    def delete_component(self, type_: str, name: str) -> SaveResult:
        """Delete one component (cascading from an External Client App to its settings and policies)."""
        row = self.component(type_, name)
        if row is None:
            return SaveResult(
                name,
                False,
                [error("INVALID_CROSS_REFERENCE_KEY", f"no {type_} named {name} found", "fullName")],
            )
        self.store.delete_component(self.org.org_id, type_, row.full_name)
        if type_ == "ConnectedApp":
            self.org.credentials.forget("ConnectedApp", row.full_name)
            self.store.set_meta(f"migration:{row.full_name.lower()}", "")
        elif type_ == "ExternalClientApplication":
            for child in self.components():
                parent_field = APP_TYPES[child.type].parent_field if child.type in APP_TYPES else None
                if parent_field and str(child.record.get(parent_field, "")).lower() == row.full_name.lower():
                    self.store.delete_component(self.org.org_id, child.type, child.full_name)
            self.org.credentials.forget("ExternalClientApplication", row.full_name)
            reactivate(self.org, row.full_name)  # a migrated Connected App is active again
        elif type_ == "ExtlClntAppGlobalOauthSettings":
            self.org.credentials.forget(
                "ExternalClientApplication", str(row.record.get("externalClientApplication", ""))
            )
        return SaveResult(row.full_name, True)

    def rename_metadata(self, type_: str, old: str, new: str, user: User) -> SaveResult:
        """`renameMetadata`."""
        self._type_info(type_)
        with self.store.transaction():
            row = self.component(type_, old)
            if row is None:
                return SaveResult(
                    new,
                    False,
                    [error("INVALID_CROSS_REFERENCE_KEY", f"no {type_} named {old} found", "fullName")],
                )
            if not valid_name(new):
                return SaveResult(new, False, [error("FIELD_INTEGRITY_EXCEPTION", NAME_MESSAGE, "fullName")])
            clash = self.component(type_, new)
            if clash is not None and clash.full_name.lower() != row.full_name.lower():
                return SaveResult(
                    new,
                    False,
                    [
                        error(
                            "DUPLICATE_DEVELOPER_NAME", f"There is already a {type_} named {new}.", "fullName"
                        )
                    ],
                )
            self.store.delete_component(self.org.org_id, type_, row.full_name)
            self.store.put_component(
                ComponentRow(
                    self.org.org_id,
                    type_,
                    new,
                    row.id,
                    row.record,
                    row.created_date,
                    row.created_by,
                    self.org.clock(),
                    user.id,
                )
            )
            if type_ == "ConnectedApp":
                self.org.credentials.rename("ConnectedApp", row.full_name, new)
            elif type_ == "ExternalClientApplication":
                self.org.credentials.rename("ExternalClientApplication", row.full_name, new)
                for child in self.components():
                    parent_field = APP_TYPES[child.type].parent_field if child.type in APP_TYPES else None
                    if (
                        parent_field
                        and str(child.record.get(parent_field, "")).lower() == row.full_name.lower()
                    ):
                        child.record[parent_field] = new
                        self.store.put_component(child)
        return SaveResult(new, True)

    def _list_access(self, type_: str, admin: User) -> list[FileProperties]:
        """Profiles and permission sets as `listMetadata` names them (standard profiles by their short name)."""
        directory, suffix = _ACCESS_TYPES[type_]
        rows = self.org.identity.profiles() if type_ == "Profile" else self.org.identity.permission_sets()
        out = []
        for name, id_ in sorted(rows.items()):
            full_name = _PROFILE_FULL_NAMES.get(name, name) if type_ == "Profile" else name
            out.append(
                FileProperties(
                    type=type_,
                    full_name=full_name,
                    file_name=f"{directory}/{full_name}.{suffix}",
                    id=id_,
                    created_by_id=admin.id,
                    created_by_name=admin.username,
                    created_date=0.0,
                    last_modified_by_id=admin.id,
                    last_modified_by_name=admin.username,
                    last_modified_date=0.0,
                )
            )
        return out

    def list_metadata(self, queries: Iterable[tuple[str, str | None]]) -> list[FileProperties]:
        """`listMetadata`: (type, folder) queries, at most 3."""
        queries = list(queries)
        if len(queries) > MAX_LIST_QUERIES:
            raise LimitExceeded(f"Too many queries: at most {MAX_LIST_QUERIES} ListMetadataQuery per call")
        names = {u.id: u.name for u in self.org.identity.users()}
        out: list[FileProperties] = []
        admin = self.org.identity.admin_user()
        for type_, _folder in queries:
            if type_ in _ACCESS_TYPES:
                out += self._list_access(type_, admin)
                continue
            try:
                info = self._type_info(type_)
            except InvalidType:
                if self.org.schema.is_metadata_type(type_):
                    continue  # a real type we do not implement: nothing of it in this org
                raise
            for row in self.components(type_):
                out.append(
                    FileProperties(
                        type=type_,
                        full_name=row.full_name,
                        file_name=f"{info.directory}/{row.full_name}.{info.suffix}",
                        id=row.id,
                        created_by_id=row.created_by,
                        created_by_name=names.get(row.created_by, ""),
                        created_date=row.created_date,
                        last_modified_by_id=row.modified_by,
                        last_modified_by_name=names.get(row.modified_by, ""),
                        last_modified_date=row.modified_date,
                    )
                )
        return out

    def describe_types(self) -> list[TypeInfo]:
        """The types `describeMetadata` lists."""
        return [t for t in APP_TYPES.values() if t.name in self.org.schema.complex_types]


def _wire_bool(value: Any) -> str:
    """A setting as the WSDL's xsd:boolean text."""
    return "true" if value else "false"


def _fold(scopes: list[str]) -> list[str]:
    out: list[str] = []
    for scope in scopes:
        folded = _FOLDED_SCOPES.get(scope.strip(), scope.strip())
        if folded not in out:
            out.append(folded)
    return out


def _fold_scopes(type_: str, record: Record) -> None:
    """Store scopes the way Salesforce returns them (`Profile`, `Email`, ... as `Basic`; `OfflineAccess` as
    `RefreshToken`), so every client reads the folded form."""
    if type_ == "ConnectedApp" and isinstance(record.get("oauthConfig"), dict):
        scopes = record["oauthConfig"].get("scopes")
        if isinstance(scopes, list):
            record["oauthConfig"]["scopes"] = _fold([str(s) for s in scopes])
    elif type_ == "ExtlClntAppOauthSettings" and record.get("commaSeparatedOauthScopes"):
        record["commaSeparatedOauthScopes"] = ",".join(_fold(csv_list(record["commaSeparatedOauthScopes"])))

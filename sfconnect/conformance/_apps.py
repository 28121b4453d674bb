"""The small apps probes deploy, written as Metadata API XML (records for CRUD calls, files for deploy zips).

The kit writes raw XML on purpose: it must be able to send what sfconnect's compiler never would (an unknown
enumeration value, a consumer key, a field too new for the call's version). Fields are ordered as the WSDL
sequence wants them (`_wsdl_table`), so a record is refused only for what a probe means to test.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from sfconnect import _wsdl_table
from sfconnect.metadata.formats import source_path

__all__ = [
    "APP_TYPES",
    "CALLBACK",
    "ECA_CHILD_TYPES",
    "EcaParts",
    "connected_app",
    "deploy_zip",
    "eca_family",
    "file_xml",
    "record_xml",
]

MD_NS = "http://soap.sforce.com/2006/04/metadata"
CALLBACK = "https://conformance.sfconnect.invalid/oauth/callback"
"""The callback every probe app declares (the `.invalid` TLD never resolves: nothing is ever sent there)."""

ECA_CHILD_TYPES = (
    "ExtlClntAppConfigurablePolicies",
    "ExtlClntAppOauthConfigurablePolicies",
    "ExtlClntAppGlobalOauthSettings",
    "ExtlClntAppOauthSettings",
)
"""An External Client App's children, in the order they are deleted (before the header)."""
APP_TYPES = ("ConnectedApp", "ExternalClientApplication", *ECA_CHILD_TYPES)
"""Every type a probe may create (cleanup and fingerprints cover these)."""


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def record_xml(type_name: str, values: Mapping[str, Any]) -> str:
    """The field elements of a record, in the WSDL's order; nested mappings follow their own type.

    Keys the WSDL does not list for the type come last, in the order given (probes use that to send a field
    the type lacks at some API version).
    """
    fields = _wsdl_table.COMPLEX_TYPES.get(type_name, ())
    order = {f[0]: i for i, f in enumerate(fields)}
    types = {f[0]: f[1].split(":")[-1] for f in fields}
    out: list[str] = []
    for key in sorted(values, key=lambda k: (order.get(k, len(order)), list(values).index(k))):
        value = values[key]
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if item is None:
                continue
            inner = record_xml(types.get(key, ""), item) if isinstance(item, Mapping) else _wire(item)
            out.append(f"<{key}>{inner}</{key}>")
    return "".join(out)


def file_xml(type_name: str, values: Mapping[str, Any]) -> str:
    """A component file (``<Type xmlns=...>``) for a deploy zip."""
    body = record_xml(type_name, {k: v for k, v in values.items() if k != "fullName"})
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{type_name} xmlns="{MD_NS}">{body}</{type_name}>\n'


def deploy_zip(
    components: Sequence[tuple[str, str, str]],
    api_version: str,
    *,
    extra_files: Mapping[str, str] | None = None,
) -> bytes:
    """An mdapi zip of (type, full name, file XML) components, with its package.xml."""
    members: dict[str, list[str]] = {}
    files: dict[str, str] = {}
    for type_name, full_name, xml in components:
        members.setdefault(type_name, []).append(full_name)
        files[str(source_path(type_name, full_name, mdapi=True))] = xml
    types = "".join(
        "<types>"
        + "".join(f"<members>{escape(m)}</members>" for m in sorted(names))
        + f"<name>{t}</name></types>"
        for t, names in sorted(members.items())
    )
    files["package.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="{MD_NS}">{types}'
        f"<version>{api_version}</version></Package>\n"
    )
    files.update(extra_files or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(files.items()):
            archive.writestr(path, text)
    return buffer.getvalue()


class EcaParts(dict[str, tuple[str, dict[str, Any]]]):
    """An External Client App as records: role (``header``, ``oauth``, ``global``, ``policies``, ``plugin``)
    -> (full name, record values including ``fullName``)."""

    def records(self, *roles: str) -> list[tuple[str, dict[str, Any]]]:
        """(type, values) of the named roles (all, header first, when none are named)."""
        kinds = {
            "header": "ExternalClientApplication",
            "oauth": "ExtlClntAppOauthSettings",
            "global": "ExtlClntAppGlobalOauthSettings",
            "policies": "ExtlClntAppOauthConfigurablePolicies",
            "plugin": "ExtlClntAppConfigurablePolicies",
        }
        wanted = roles or tuple(k for k in kinds if k in self)
        return [(kinds[r], self[r][1]) for r in wanted if r in self]


def eca_family(
    name: str,
    *,
    scopes: str = "Api, RefreshToken, OpenID",
    consumer_secret: str | None = None,
    consumer_key: str | None = None,
    global_settings: Mapping[str, Any] | None = None,
    policies: Mapping[str, Any] | None = None,
    oauth: bool = True,
) -> EcaParts:
    """An External Client App: the header, and with `oauth` its OAuth settings, global OAuth settings (with
    the secret, set only on create), OAuth policies and plugin policies, named as Setup names them."""
    parts = EcaParts()
    parts["header"] = (
        name,
        {
            "fullName": name,
            "contactEmail": "conformance@sfconnect.invalid",
            "distributionState": "Local",
            "label": name.replace("_", " "),
        },
    )
    if not oauth:
        return parts
    parts["oauth"] = (
        f"{name}_oauth",
        {
            "fullName": f"{name}_oauth",
            "commaSeparatedOauthScopes": scopes,
            "externalClientApplication": name,
            "label": name,
        },
    )
    parts["global"] = (
        f"{name}_glbloauth",
        {
            "fullName": f"{name}_glbloauth",
            "callbackUrl": CALLBACK,
            "consumerKey": consumer_key,
            "consumerSecret": consumer_secret,
            "externalClientApplication": name,
            "isConsumerSecretOptional": False,
            "label": name,
            **(global_settings or {}),
        },
    )
    parts["policies"] = (
        f"{name}_oauthPlcy",
        {
            "fullName": f"{name}_oauthPlcy",
            "externalClientApplication": name,
            "label": name,
            "permittedUsersPolicyType": "AllSelfAuthorized",
            **(policies or {}),
        },
    )
    parts["plugin"] = (
        f"{name}_plcy",
        {
            "fullName": f"{name}_plcy",
            "externalClientApplication": name,
            "isEnabled": True,
            "isOauthPluginEnabled": True,
            "label": name,
        },
    )
    return parts


def connected_app(name: str, *, oauth: Mapping[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    """A Connected App record with OAuth (callback, scopes) plus `oauth` settings and top-level fields."""
    return {
        "fullName": name,
        "contactEmail": "conformance@sfconnect.invalid",
        "label": name.replace("_", " "),
        "oauthConfig": {"callbackUrl": CALLBACK, "scopes": ["Api", "RefreshToken"], **(oauth or {})},
        **top,
    }

"""Normalisation: one canonical form per meaning, so components Salesforce treats as the same compare equal.

The rules (documented in ``docs/metadata.md``):

1. Consumer keys, ``oauthLink`` and ``orgScopedExternalApp`` (org-generated) and consumer secrets (write-only)
   are stripped, each with a note.
2. Scope synonyms: ``Profile``, ``Email``, ``Address``, ``Phone`` -> ``Basic``; ``OfflineAccess`` ->
   ``RefreshToken``; scope names matched case-insensitively; duplicates removed; sorted.
3. Sets written as lists (``profileName``, ``permissionSetName``) and the ECA comma-separated lists
   (``commaSeparatedOauthScopes``, ``...CustomScopes``, ``...Profile``, ``...PermissionSet``): items stripped,
   empty items dropped, duplicates removed, sorted; comma lists re-joined with ``", "``.
4. Callback URLs: split on CR LF, LF or CR, each stripped, empty lines dropped, order kept, joined with LF.
5. Optional booleans, and the optional enumerations listed in `schema.string_default` (an External Client
   App's ``requiredSessionLevel`` ``STANDARD``, ``ipRelaxationPolicyType`` ``Enforce``, ...), equal to their
   documented default are dropped (absent means the default).
6. Value casing: a Connected App's ``ipRelaxation`` upper case (``ENFORCE``); an External Client App's
   ``ipRelaxationPolicyType`` as the docs spell it (``Enforce``, ``Bypass_2factor``,
   ``Enforce_RelaxRefresh``);
   ``refreshTokenPolicy`` keywords lower case and units upper case (``specific_lifetime:3:HOURS``); ECA
   ``refreshTokenValidityUnit`` capitalised (``Days``); enumeration values matched case-insensitively.
7. Strings: surrounding whitespace stripped; optional strings that are empty are dropped.
8. A flow's dependent setting is dropped while the flow is off (``isSecretRequiredForTokenExchange`` without
   token exchange, ``isCodeCredentialPostOnly``/``isCodeCredPostOnly`` without the code-credential flow):
   Setup greys such settings out and orgs return either value.
"""

from __future__ import annotations

import re

from sfconnect.errors import Issue
from sfconnect.metadata import schema
from sfconnect.metadata.component import Component, Record, Value

__all__ = [
    "SCOPE_SYNONYMS",
    "canonical_scope",
    "join_callback_urls",
    "normalize",
    "normalize_refresh_token_policy",
    "split_callback_urls",
]

SCOPE_SYNONYMS: dict[str, str] = {
    "Profile": "Basic",
    "Email": "Basic",
    "Address": "Basic",
    "Phone": "Basic",
    "OfflineAccess": "RefreshToken",
}
"""Scope names Salesforce accepts on deploy and returns as another name on retrieve."""

_SCOPES = schema.field_spec("ConnectedAppOauthConfig", "scopes")
_SCOPE_NAMES = {s.lower(): s for s in (_SCOPES.enum if _SCOPES else ())}
# ECA scope names newer than the v63 enumeration (reference 2.3).
_SCOPE_NAMES.update({s.lower(): s for s in ("SFApiPlatform", "MCP", "SCRT")})

_ECA_SCOPES = {"SFAP": "SFApiPlatform"}
_IP_RELAXATION_CA = ("ENFORCE", "BYPASS", "BYPASS_2FACTOR", "ENFORCE_RELAXREFRESH")
_IP_RELAXATION_ECA = ("Enforce", "Bypass", "Bypass_2factor", "Enforce_RelaxRefresh")
_ECA_UNITS = ("Hours", "Days", "Months")
_POLICY = re.compile(
    r"^\s*(infinite|zero|specific_lifetime|specific_inactivity)\s*(?::\s*(\d+)\s*:\s*(\w+))?\s*$", re.I
)

_CALLBACK_FIELDS = {
    ("ConnectedAppOauthConfig", "callbackUrl"),
    ("ExtlClntAppGlobalOauthSettings", "callbackUrl"),
}
_SET_LISTS = {("ConnectedApp", "profileName"), ("ConnectedApp", "permissionSetName")}
_COMMA_LISTS = {
    "commaSeparatedOauthScopes",
    "commaSeparatedCustomScopes",
    "commaSeparatedProfile",
    "commaSeparatedPermissionSet",
}


def canonical_scope(name: str) -> str:
    """The name Salesforce returns for scope `name` (synonyms resolved, case fixed); unknown names kept."""
    stripped = name.strip()
    spelled = _SCOPE_NAMES.get(stripped.lower(), stripped)
    return SCOPE_SYNONYMS.get(spelled, spelled)


def split_callback_urls(value: str) -> list[str]:
    """The callback URLs of a ``callbackUrl`` element (one per line; blank lines ignored)."""
    return [line.strip() for line in re.split(r"\r\n|\n|\r", value) if line.strip()]


def join_callback_urls(urls: list[str]) -> str:
    """The ``callbackUrl`` element text for `urls` (newline-joined)."""
    return "\n".join(u.strip() for u in urls if u.strip())


def normalize_refresh_token_policy(value: str) -> str | None:
    """``SPECIFIC_LIFETIME:3:hours`` -> ``specific_lifetime:3:HOURS``; None when `value` is not valid."""
    match = _POLICY.match(value)
    if not match:
        return None
    keyword, amount, unit = match.group(1).lower(), match.group(2), match.group(3)
    if keyword in ("infinite", "zero"):
        return keyword if amount is None else None
    if amount is None or unit is None or unit.upper() not in ("HOURS", "DAYS", "MONTHS") or int(amount) < 1:
        return None
    return f"{keyword}:{int(amount)}:{unit.upper()}"


def _casefold_choice(value: str, choices: tuple[str, ...]) -> str:
    for choice in choices:
        if choice.lower() == value.strip().lower():
            return choice
    return value.strip()


def _sorted_unique(items: list[str]) -> list[str]:
    return sorted({i.strip() for i in items if i.strip()})


class _Drop:
    """Marks a value normalisation removes."""


_DROP = _Drop()


class _Normalizer:
    def __init__(self, component: Component, strip: bool) -> None:
        self.component = component
        self.strip = strip
        self.notes: list[Issue] = []

    def note(self, code: str, message: str, loc: str) -> None:
        self.notes.append(Issue("warning", code, message, file=self.component.source, loc=(loc,)))

    def record(self, xsd_type: str | None, record: Record, prefix: str) -> Record:
        out: dict[str, Value] = {}
        for key, value in record.items():
            loc = f"{prefix}.{key}" if prefix else key
            spec = schema.field_spec(xsd_type, key) if xsd_type else None
            if spec is None:
                out[key] = value  # unknown elements are kept exactly as read
                continue
            if self.strip and schema.is_write_only(key) and value is not None:
                self.note(
                    "write-only-dropped", f"{loc} is write-only: dropped (never read back or diffed)", loc
                )
                continue
            if self.strip and schema.is_org_generated(key) and value is not None:
                self.note("org-generated-dropped", f"{loc} is generated by the org: dropped", loc)
                continue
            new = self.field(xsd_type or "", spec, value, loc)
            if not isinstance(new, _Drop):
                out[key] = new
        return Record(out)

    def field(self, owner: str, spec: schema.FieldSpec, value: Value, loc: str) -> Value | _Drop:
        child = spec.complex_type
        if isinstance(value, tuple):
            kept: list[Value] = []
            for index, item in enumerate(value):
                new = self.field(owner, _single(spec), item, f"{loc}[{index}]")
                if not isinstance(new, _Drop) and new != "":
                    kept.append(new)
            texts = [i for i in kept if isinstance(i, str)]
            if len(texts) == len(kept):
                if (owner, spec.name) in _SET_LISTS:
                    kept = [*_sorted_unique(texts)]
                elif owner == "ConnectedAppOauthConfig" and spec.name == "scopes":
                    kept = [*sorted({canonical_scope(t) for t in texts})]
            return tuple(kept) if kept else _DROP
        if isinstance(value, Record):
            return self.record(child, value, loc) if child else value
        if isinstance(value, bool):
            if not spec.required and value == schema.boolean_default(owner, spec.name):
                return _DROP
            return value
        if not isinstance(value, str):
            return value
        return self.string(owner, spec, value, loc)

    def string(self, owner: str, spec: schema.FieldSpec, value: str, loc: str) -> Value | _Drop:
        name = spec.name
        if (owner, name) in _CALLBACK_FIELDS:
            text = join_callback_urls(split_callback_urls(value))
        elif name in _COMMA_LISTS:
            parts = [p.strip() for p in value.split(",")]
            if name == "commaSeparatedOauthScopes":  # External Client Apps call SFAP SFApiPlatform
                parts = [_ECA_SCOPES.get(s, s) for s in (canonical_scope(p) for p in parts if p)]
            text = ", ".join(_sorted_unique(parts))
        elif owner == "ConnectedAppOauthPolicy" and name == "ipRelaxation":
            text = _casefold_choice(value, _IP_RELAXATION_CA)
        elif owner == "ExtlClntAppOauthConfigurablePolicies" and name == "ipRelaxationPolicyType":
            text = _casefold_choice(value, _IP_RELAXATION_ECA)
        elif owner == "ExtlClntAppOauthConfigurablePolicies" and name == "refreshTokenValidityUnit":
            text = _casefold_choice(value, _ECA_UNITS)
        elif owner == "ConnectedAppOauthPolicy" and name == "refreshTokenPolicy":
            policy = normalize_refresh_token_policy(value)
            if policy is None:
                self.note(
                    "invalid-refresh-token-policy", f"{loc} {value.strip()!r} is not a valid policy", loc
                )
                text = value.strip()
            else:
                text = policy
        elif spec.enum:
            text = _casefold_choice(value, spec.enum)
        elif name == "scopes":
            text = canonical_scope(value)
        else:
            text = value.strip()
        if not text and not spec.required and not spec.repeated:
            return _DROP
        if not spec.required and text == schema.string_default(owner, name):
            return _DROP
        return text


def _single(spec: schema.FieldSpec) -> schema.FieldSpec:
    return schema.FieldSpec(spec.name, spec.xsd_type, 1, 1, spec.since, spec.enum)


def normalize(component: Component, *, strip: bool = True) -> Component:
    """The canonical form of `component` (see the module docstring for the rules).

    Args:
        component: a component as read or built.
        strip: drop write-only and org-generated fields (with a note each). Pass False for a desired
            component that must keep a consumer secret for a create.

    Returns:
        A new component with canonical fields; notes from normalisation are added to its notes.
    """
    info = schema.type_info(component.type)
    if info is None or not info.in_wsdl:
        return component
    worker = _Normalizer(component, strip)
    fields = _drop_dependent_switches(component.type, worker.record(component.type, component.fields, ""))
    return component.with_fields(fields).with_notes(*worker.notes)


# (component type, record path, switch, dependent setting): the setting means nothing while the switch is off.
_DEPENDENT_SWITCHES: tuple[tuple[str, str, str, str], ...] = (
    ("ConnectedApp", "oauthConfig", "isTokenExchangeEnabled", "isSecretRequiredForTokenExchange"),
    ("ConnectedApp", "oauthConfig", "isCodeCredentialEnabled", "isCodeCredentialPostOnly"),
    ("ExtlClntAppGlobalOauthSettings", "", "isTokenExchangeEnabled", "isSecretRequiredForTokenExchange"),
    ("ExtlClntAppGlobalOauthSettings", "", "isCodeCredFlowEnabled", "isCodeCredPostOnly"),
)


def _drop_dependent_switches(type_name: str, fields: Record) -> Record:
    """Rule 8: a flow's sub-setting is dropped while the flow is off (Setup greys it out; values vary)."""
    for owner, path, switch, dependent in _DEPENDENT_SWITCHES:
        if owner != type_name:
            continue
        record = fields.get(path) if path else fields
        if not isinstance(record, Record) or record.get(switch) is True or dependent not in record:
            continue
        trimmed = record.without(dependent)
        fields = fields.set(path, trimmed) if path else trimmed
    return fields

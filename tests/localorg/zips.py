"""Build mdapi zips for deploy tests."""

from __future__ import annotations

import io
import zipfile

MD = "http://soap.sforce.com/2006/04/metadata"


def package_xml(types: dict[str, list[str]], version: str = "60.0") -> str:
    body = "".join(
        "<types>" + "".join(f"<members>{m}</members>" for m in members) + f"<name>{name}</name></types>"
        for name, members in types.items()
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Package xmlns="{MD}">{body}'
        f"<version>{version}</version></Package>"
    )


def component_xml(type_: str, fields: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><{type_} xmlns="{MD}">{fields}</{type_}>'


def eca_xml(label: str = "Deployed") -> str:
    return component_xml(
        "ExternalClientApplication",
        f"<contactEmail>ops@example.com</contactEmail><distributionState>Local</distributionState><label>{label}</label>",
    )


def connected_app_xml(label: str = "Deployed CA", extra: str = "") -> str:
    return component_xml(
        "ConnectedApp",
        f"<contactEmail>ops@example.com</contactEmail><label>{label}</label>"
        f"<oauthConfig><callbackUrl>https://app.example.com/cb</callbackUrl>{extra}<scopes>Api</scopes></oauthConfig>",
    )


def make_zip(files: dict[str, str], directories: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for d in directories:
            archive.writestr(zipfile.ZipInfo(d), b"")
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def eca_zip(name: str = "Deployed_Eca", label: str = "Deployed", prefix: str = "") -> bytes:
    return make_zip(
        {
            f"{prefix}package.xml": package_xml({"ExternalClientApplication": [name]}),
            f"{prefix}externalClientApps/{name}.eca": eca_xml(label),
        },
        directories=(f"{prefix}externalClientApps/",),
    )

"""The routing table: every path the local org serves, and which handler answers it.

To serve a new API, add its routes here (e.g. `*oauth_urls.ROUTES`); handlers take
`(org, request, path_params)` and return a `Response`; faults they raise are rendered per `kind`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sfconnect.localorg import _credentials_responses as credentials_responses
from sfconnect.localorg import _oauth_responses as oauth_responses
from sfconnect.localorg import _responses as responses
from sfconnect.localorg._models import LocalOrg
from sfconnect.localorg._responses import Request, Response

__all__ = ["ROUTES", "Handler", "Route", "match"]

Handler = Callable[[LocalOrg, Request, Mapping[str, str]], Response]


@dataclass(frozen=True)
class Route:
    """A method set, a full-match path pattern with named groups, a handler, and the fault style."""

    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler
    kind: str
    """How faults render: `soap-partner`, `soap-metadata`, `rest` or `oauth`."""


def route(methods: str, pattern: str, handler: Handler, kind: str) -> Route:
    """Build a `Route` (`methods` space-separated)."""
    return Route(frozenset(methods.split()), re.compile(pattern), handler, kind)


_V = r"v(?P<version>\d+\.\d)"

ROUTES: tuple[Route, ...] = (
    route("POST", r"/services/Soap/u/(?P<version>\d+\.\d)(?:/.*)?", responses.partner_soap, "soap-partner"),
    route("POST", r"/services/Soap/m/(?P<version>\d+\.\d)(?:/.*)?", responses.metadata_soap, "soap-metadata"),
    route("GET", r"/services/data/?", responses.rest_versions, "rest"),
    route("GET", rf"/services/data/{_V}/?", responses.rest_version, "rest"),
    route(
        "GET",
        rf"/services/data/{_V}/sobjects/User/(?P<id>[A-Za-z0-9]{{15,18}})/?",
        responses.rest_user,
        "rest",
    ),
    route("GET", rf"/services/data/{_V}/query/?", responses.rest_query, "rest"),
    route("GET", rf"/services/data/{_V}/tooling/query/?", responses.rest_tooling_query, "rest"),
    route("GET", r"/services/oauth2/userinfo/?", responses.userinfo, "rest"),
    route("POST", rf"/services/data/{_V}/metadata/deployRequest/?", responses.rest_deploy, "rest"),
    route(
        "GET PATCH",
        rf"/services/data/{_V}/metadata/deployRequest/(?P<id>[A-Za-z0-9]{{15,18}})/?",
        responses.rest_deploy_status,
        "rest",
    ),
    route("GET POST", r"/_localorg/faults/?", responses.fault_settings, "rest"),
    *(route(*spec) for spec in oauth_responses.ROUTE_SPECS),  # OAuth 2.0 / OpenID Connect (issue 6)
    *(route(*spec) for spec in credentials_responses.ROUTE_SPECS),  # Connect REST credentials (issue 17)
    route("GET POST PUT PATCH DELETE", r"/services/data/.*", responses.rest_not_found, "rest"),
)


def match(routes: tuple[Route, ...], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The first route whose pattern matches `path` (any method: the caller answers 405 for a wrong one)."""
    for r in routes:
        m = r.pattern.fullmatch(path)
        if m is not None and (method in r.methods or (method == "HEAD" and "GET" in r.methods)):
            return r, {k: v for k, v in m.groupdict().items() if v is not None}
    return None

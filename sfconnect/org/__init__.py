"""A target org: configuration and auth, the Metadata API client, batching, retries.

`targets` resolves a project's target and its authenticator (`auth`), `metadata_api` is the Metadata API
client, `reader` reads an org's components for a plan, `apps` every
component of its apps for import, `raw_metadata` posts hand-written records,
`rest`, `oauth_client`, `credentials` and `deploy_requests` are the REST, OAuth, consumer-credentials and
Tooling API clients, `session` builds the HTTP sessions. Third-party exceptions are translated only in
the private `_errors`. Nothing is re-exported: import the module you need.
"""

__all__ = [
    "apps",
    "auth",
    "credentials",
    "deploy_requests",
    "metadata_api",
    "oauth_client",
    "raw_metadata",
    "reader",
    "rest",
    "session",
    "targets",
]

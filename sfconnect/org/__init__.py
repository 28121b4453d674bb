"""A target org: configuration and auth, the Metadata API client, batching, retries.

Public modules (each imported by other packages; nothing is imported here, for cold-start speed):

- `targets`: from a target of ``sfconnect.yaml`` to a logged-in `Connection`;
- `auth`: one class per auth method, each turning credentials into an `OrgSession`;
- `session`: the session (instance URL, session id, TLS trust) and the timeouts of every request;
- `metadata_api`: the Metadata API client (list, read, deploy, status, cancel) with retries and renewal;
- `reader`: reading components in batches; `apps`: reading whole apps (for import); `deploy_requests`: the
  org's list of deploys;
- `raw_metadata`: Metadata API calls with hand-written records (the conformance kit);
- `credentials`: consumer keys and secrets; `oauth_client`: OAuth token requests; `rest`: REST resources.

Private: `_envelope` (SOAP requests from the WSDL table), `_soap` (reading SOAP answers), `_errors` (the one
place third-party exceptions become sfconnect errors).
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

"""Executing a plan: deploy, poll, report, verify by re-reading.

`prepare` decides what `apply` deploys (and refuses stale, tampered or erroneous plans), `run` is the apply
sequence (choose what to deploy, resolve secrets for new apps, deploy, verify), `service`
the one all-or-nothing deploy followed to its end and verified, `validate` the check-only deploy of
``plan --validate``, `concurrency` keeps two applies to one org from both succeeding.
Nothing is re-exported: import the module you need.
"""

__all__ = [
    "concurrency",
    "prepare",
    "run",
    "service",
    "validate",
]

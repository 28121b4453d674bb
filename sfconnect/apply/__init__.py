"""Executing a plan: decide what to deploy, deploy it all or nothing, follow it, verify by re-reading.

`prepare` decides what an apply deploys and holds a saved plan to the org first (another org or target,
stale fingerprints, changes its review does not show); `run` is the apply sequence (choose what to deploy,
resolve secrets for new apps, deploy, verify), with `DeployGuard` keeping two applies to one org from both
succeeding; `service` starts one deploy and follows it to its end; `validate` is the check-only deploy of
``plan --validate``. Nothing is re-exported: import the module you need.
"""

__all__ = ["prepare", "run", "service", "validate"]

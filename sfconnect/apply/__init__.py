"""Executing a plan: deploy, poll, report, verify by re-reading."""

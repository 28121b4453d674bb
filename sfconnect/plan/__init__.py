"""Diff of desired vs live components, the Plan model, renderers, saved plans."""

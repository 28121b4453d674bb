"""Diff of desired vs live components, the Plan model, renderers, saved plans.

`service` builds a plan for a target, `diff` compares components, `model` holds the `Plan` data,
`render` and `json_format` turn it into text, Markdown and JSON, `saved` reads and writes saved plans and
`binding` checks one against the org and the YAML, `references` checks the names the YAML refers to,
`drift` defines drift and checks several targets.
Nothing is re-exported: import the module you need.
"""

__all__ = [
    "binding",
    "diff",
    "drift",
    "json_format",
    "model",
    "references",
    "render",
    "saved",
    "service",
]

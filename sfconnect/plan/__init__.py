"""Planning: what applying the YAML would change in an org, as plain data, rendered and saved.

`service` makes a plan of one target (compile, read the org with the fewest calls, diff; check references and
secrets) and adds other services' warnings; `diff` compares desired and live components; `model` is the `Plan`;
`render` and `json_format` show it (text, Markdown, versioned JSON); `saved` writes and reads saved plans and
`binding` holds one to the project and the org; `drift` is the definition of drift over several targets.
Nothing is re-exported: import the module you need.
"""

__all__ = ["binding", "diff", "drift", "json_format", "model", "render", "saved", "service"]

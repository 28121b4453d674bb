"""The command line: click commands that parse options, call one service and render its result.

`main` is the entry point (``sfconnect``) and registers the commands; each command (or group) lives in a
public module of its own, which only `main` imports; `context` holds the typed `AppContext` every command
receives (and that `main.run` takes). The helpers commands share are private: `_options` (shared options),
`_render` (colour, report files, plan renderings), `_runtime` (loading the project, connecting to targets,
serving a local org), `_outputs`, `_progress` and `_errors`. Nothing outside `cli` imports it.
"""

__all__ = [
    "apply",
    "conformance",
    "context",
    "credentials",
    "drift",
    "import_export",
    "init",
    "keygen",
    "lint",
    "localorg",
    "main",
    "migrate",
    "plan",
    "schema",
    "smoke",
    "validate",
]

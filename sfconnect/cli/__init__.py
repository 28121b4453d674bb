"""The command line: click commands that parse options, call one service and render its result.

`main` is the entry point (``sfconnect``); one module per command group, `context` and `options` are shared
by all of them. Nothing outside `cli` imports it.
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
    "options",
    "plan",
    "schema",
    "smoke",
    "validate",
]

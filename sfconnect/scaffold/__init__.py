"""Scaffolding: the files of a new project, and writing them without overwriting anything.

`project` holds the templates' reading, the sfconnect commit the CI files pin (`resolve_action_ref`), .gitignore
merging and `write_scaffold`. Nothing is re-exported: import the module you need.
"""

__all__ = ["project"]

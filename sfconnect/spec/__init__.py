"""The YAML language: pydantic models, loading, positions for error messages, semantic rules."""

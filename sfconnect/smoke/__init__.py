"""Token-flow smoke tests: one module per OAuth flow, the runner, reports."""

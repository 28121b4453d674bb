"""The embedded local org: a Salesforce-compatible server over HTTPS with SQLite state.

It imports nothing from sfconnect's client side, and the client side never imports it (only `cli` starts it).
"""

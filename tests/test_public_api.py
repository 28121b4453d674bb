"""The public surface is exactly `sfconnect.__all__` (httpx's exported-members test)."""

from __future__ import annotations

import sfconnect


def test_all_matches_public_names() -> None:
    public = {
        name
        for name, value in vars(sfconnect).items()
        if not name.startswith("_")
        and not getattr(value, "__name__", "").startswith("sfconnect.")
        and not isinstance(value, type(sfconnect))
    }
    public.discard("annotations")
    assert set(sfconnect.__all__) == public


def test_all_is_sorted() -> None:
    assert list(sfconnect.__all__) == sorted(sfconnect.__all__)

"""Reading an org's connected apps: one listing, then reads in batches of ten, batches run concurrently.

Planning N components of one type costs one `listMetadata` call per three types plus ceil(N/10)
`readMetadata` calls per type, and no more.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sfconnect.org.metadata_api import MAX_READ_NAMES, FileProperties, MetadataApi, RawRecord

__all__ = ["OrgSnapshot", "batches", "read_components", "read_named"]


def batches(names: Sequence[str], size: int = MAX_READ_NAMES) -> list[list[str]]:
    """Split names into consecutive batches of at most `size`."""
    return [list(names[i : i + size]) for i in range(0, len(names), size)]


@dataclass(frozen=True)
class OrgSnapshot:
    """What was read: the listing (managed components included) and the records of the unmanaged ones."""

    listed: tuple[FileProperties, ...]
    records: tuple[RawRecord, ...]

    def managed(self) -> list[FileProperties]:
        """Installed (namespaced) components: reported, never changed."""
        return [f for f in self.listed if f.is_managed]


def read_components(
    api: MetadataApi,
    types: Sequence[str],
    *,
    only: Iterable[tuple[str, str]] | None = None,
    include_managed: bool = False,
    concurrency: int = 4,
    listed: Sequence[FileProperties] | None = None,
) -> OrgSnapshot:
    """List `types` once and read every listed component (or only the `(type, name)` pairs in `only`).

    Args:
        api: the org's Metadata API client.
        types: metadata type names to list, e.g. ``["ConnectedApp", "ExternalClientApplication"]``.
        only: restrict the reads to these components (the listing still covers every type).
        include_managed: also read installed, namespaced components (the audit wants them; plan does not).
        concurrency: how many read calls run at once.
        listed: a listing already made (then `types` is not listed again).
    """
    if listed is None:
        listed = api.list_metadata(list(types))
    wanted = set(only) if only is not None else None
    names_by_type: dict[str, list[str]] = {}
    for props in listed:
        if props.is_managed and not include_managed:
            continue
        if wanted is not None and (props.type, props.full_name) not in wanted:
            continue
        names_by_type.setdefault(props.type, []).append(props.full_name)
    jobs = [(t, batch) for t in sorted(names_by_type) for batch in batches(sorted(names_by_type[t]))]
    records: list[RawRecord] = []
    if jobs:
        with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(jobs)))) as pool:
            for result in pool.map(lambda job: api.read_metadata(job[0], job[1]), jobs):
                records.extend(result)
    records.sort(key=lambda r: (r.type, r.full_name))
    return OrgSnapshot(listed=tuple(listed), records=tuple(records))


def read_named(api: MetadataApi, keys: Iterable[tuple[str, str]], *, concurrency: int = 4) -> list[RawRecord]:
    """Read known components by ``(type, name)`` without listing first (names that do not exist are left out)."""
    names_by_type: dict[str, list[str]] = {}
    for type_name, name in sorted(set(keys)):
        names_by_type.setdefault(type_name, []).append(name)
    jobs = [(t, batch) for t in sorted(names_by_type) for batch in batches(names_by_type[t])]
    records: list[RawRecord] = []
    if jobs:
        with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(jobs)))) as pool:
            for result in pool.map(lambda job: api.read_metadata(job[0], job[1]), jobs):
                records.extend(result)
    return sorted(records, key=lambda r: (r.type, r.full_name))

"""Versioned deletions: a deletion has a version, like an edit, so an older edit arriving later is ignored.

A tombstone in the event log carries no value, so the deletion's version is
kept in the state store, written before the tombstone is published: the time
of the deletion request (or, for a deletion another platform reports, the
version it gives). The indexer then ignores any upsert of that record whose
version is not newer (``services.search.consumer.apply_events``): a late or
replayed copy never re-creates a deleted record, while the source posting it
again with a newer ``updated_at`` does. A record keeps only its id and the
version here, nothing personal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shared.ports.state_store import StateStore

_KIND_PREFIX = "deleted."


def ledger_kind(topic: str) -> str:
    """The state-store kind holding the deletion versions of one topic's records."""
    return _KIND_PREFIX + topic


def record_deletions(state: StateStore, topic: str, versions: Mapping[str, int]) -> None:
    """Keep each record's deletion version, never lowering one already kept (a late, older deletion)."""
    known = deletion_versions(state, topic, list(versions))
    newer = {
        record_id: {"version": version}
        for record_id, version in versions.items()
        if version > known.get(record_id, -1)
    }
    if newer:
        state.put_many(ledger_kind(topic), newer)


def deletion_versions(state: StateStore, topic: str, record_ids: Sequence[str]) -> dict[str, int]:
    """The deletion version of each record that was deleted; records never deleted are left out."""
    found = state.get_many(ledger_kind(topic), record_ids)
    return {record_id: int(entry.doc["version"]) for record_id, entry in found.items()}

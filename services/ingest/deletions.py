"""Deleting records: the deletion's version kept, then the tombstone published (shared.domain.deletions)."""

from __future__ import annotations

from collections.abc import Sequence

from services.ingest.batch import TOPICS, Kind
from shared.domain.deletions import record_deletions
from shared.ports.event_log import EventLog
from shared.ports.state_store import StateStore


def publish_deletions(
    kind: Kind, ids: Sequence[str], *, event_log: EventLog, state: StateStore, version_ms: int
) -> None:
    """Durable when this returns. ``version_ms``: the deletion's time, or the version its source gives."""
    if not ids:
        return
    topic = TOPICS[kind]
    # The version first: a tombstone the indexer applies before its version is kept would let an older
    # copy of the record arriving after it re-create the record.
    record_deletions(state, topic, dict.fromkeys(ids, version_ms))
    event_log.publish(topic, [(record_id, None) for record_id in ids])

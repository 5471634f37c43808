"""The event-log port: durable, ordered topics with consumer groups.

Two adapters implement it: SQLite (embedded) and Kafka (distributed).
Delivery is at least once: a consumer commits an event's offset only after
its effect is durable, and a restart resumes after the last commit.

Topics in ``COMPACTED_TOPICS`` are keyed by record id and hold personal data,
so they are compacted rather than kept forever:

- the log keeps at least the latest value of every key. On SQLite only a
  tombstone (value None) erases older values; Kafka compaction may also drop
  values superseded by a newer value of the same key;
- once a tombstone for a key is published, the stored earlier values of that
  key are erased: at once on SQLite, eventually (by log compaction, bounded
  by the topic's ``max.compaction.lag.ms``) on Kafka;
- a consumer that reads those earlier offsets afterwards gets, on SQLite,
  each of them as a tombstone (value None) at its original offset; Kafka
  skips the offsets that compaction removed, and until compaction has run it
  may still deliver the earlier values. Either way a consumer must treat the
  latest event of a key as the record's state;
- Kafka also drops the tombstone itself once ``delete.retention.ms`` has
  passed, so a group that starts later may see nothing of a deleted key.

The other topics only ever grow (SQLite) or expire by age (Kafka).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

TOPIC_POSTINGS = "postings"
TOPIC_SEEKERS = "seekers"
TOPIC_DLQ = "ingest.dlq"
TOPIC_MATCHES = "matches"
ALL_TOPICS = (TOPIC_POSTINGS, TOPIC_SEEKERS, TOPIC_DLQ, TOPIC_MATCHES)
COMPACTED_TOPICS = (TOPIC_POSTINGS, TOPIC_SEEKERS)


@dataclass(frozen=True)
class Event:
    topic: str
    partition: int
    offset: int
    key: str
    value: dict[str, Any] | None
    """None is a tombstone: the record with this key was deleted."""


class Consumer(Protocol):
    def poll(self, max_records: int = 500, timeout_s: float = 1.0) -> list[Event]:
        """Events after the last one returned (or after the group's committed offset at start)."""
        ...

    def commit(self, events: Sequence[Event]) -> None:
        """Commit, per topic partition, the offset after the last of ``events``."""
        ...

    def close(self) -> None: ...


class EventLog(Protocol):
    def ensure_topics(self, topics: Sequence[str] = ALL_TOPICS) -> None: ...

    def publish(self, topic: str, records: Sequence[tuple[str, dict[str, Any] | None]]) -> None:
        """Append ``(key, value)`` records; durable once this returns. Records with one key stay ordered."""
        ...

    def consumer(self, topics: Sequence[str], group: str) -> Consumer: ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...

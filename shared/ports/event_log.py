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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from shared.json_codec import UndecodableJSON, loads_object

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
    """None is a tombstone (the record with this key was deleted), unless ``undecodable`` is set."""
    undecodable: str | None = None
    """Why the stored value is not a JSON object (then ``value`` is None): a poison message to dead-letter."""
    timestamp_ms: int | None = None
    """When the log appended it (ms since 1970; Kafka: the record's timestamp)."""


def decoded_value(raw: bytes | str | None) -> tuple[dict[str, Any] | None, str | None]:
    """An event's value and, when it cannot be read as a JSON object, why: what both adapters deliver."""
    if raw is None:
        return None, None
    try:
        return loads_object(raw), None
    except UndecodableJSON as exc:
        return None, exc.reason


class Consumer(Protocol):
    def poll(self, max_records: int = 500, timeout_s: float = 1.0) -> list[Event]:
        """Events after the last one returned (or after the group's committed offset at start)."""
        ...

    def commit(self, events: Sequence[Event]) -> None:
        """Commit, per topic partition, the offset after the last of ``events``."""
        ...

    def rewind(self) -> None:
        """Go back to the group's committed offsets, so the next poll returns what was not committed.

        What a consumer does after a failed batch: it keeps its group membership
        (on Kafka a new consumer would cost a rebalance).
        """
        ...

    def close(self) -> None: ...


class EventLog(Protocol):
    def ensure_topics(self, topics: Sequence[str] = ALL_TOPICS) -> None: ...

    def publish(self, topic: str, records: Sequence[tuple[str, dict[str, Any] | None]]) -> None:
        """Append ``(key, value)`` records; durable once this returns. Records with one key stay ordered."""
        ...

    def publish_raw(self, topic: str, records: Sequence[tuple[str, bytes]]) -> None:
        """Append values exactly as given, not as JSON: how another writer's bytes reach a topic (tests, tools)."""
        ...

    def consumer(self, topics: Sequence[str], group: str) -> Consumer: ...

    def read(
        self,
        topic: str,
        positions: Mapping[int, int],
        max_records: int,
        *,
        until: Mapping[int, int] | None = None,
        timeout_s: float = 5.0,
    ) -> list[Event]:
        """Events of ``topic`` from each partition's position on, by position: no group, nothing committed.

        A partition missing from ``positions`` is read from its beginning. With ``until`` only its
        partitions are read, each up to (not including) its position there; without it, up to the end.
        At most ``max_records`` events, in offset order within each partition (a compacted topic may
        skip offsets), the partitions merged by append time: the same positions over the same log give
        the same events. Fewer when ``timeout_s`` passes first: the caller resumes after the last one.
        """
        ...

    def committed(self, topic: str, group: str) -> dict[int, int]:
        """The group's committed position (the next offset it reads) in every partition of ``topic``;
        0 where it has committed nothing."""
        ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...

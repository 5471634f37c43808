"""Event log in one SQLite file: the embedded shape of the event-log port.

Each topic has a single partition 0 whose offsets start at 0. Consumers in a
group share the committed offset in ``consumer_offsets``; a consumer's read
position lives in memory and starts from that commit.

On a compacted topic a tombstone sets the value of every earlier event of its
key to NULL in the same transaction, so those offsets read back as
tombstones; ``secure_delete`` zeroes the freed bytes and a WAL checkpoint
then removes the old page images from the write-ahead log.

The bound on erasure: when ``publish`` of the tombstone returns, neither the
database file nor its ``-wal`` hold the erased values (the ``-shm`` file holds
page numbers, never content). The one exception is a checkpoint kept from
finishing for the busy timeout (30 s) by another connection's open read; then
every later write through this adapter (the next publish, or the indexing
consumer's next offset commit) tries again until one completes.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.adapters.sqlite_wal import open_durable
from shared.errors import BackendUnavailable
from shared.json_codec import dumps
from shared.ports.event_log import ALL_TOPICS, COMPACTED_TOPICS, Event, decoded_value

log = logging.getLogger(__name__)

PARTITION = 0
# Another process may append to the same file (the embedded shape's other worker processes take pushes
# too); nothing wakes us for that, so re-read this often. An empty read is two index look-ups.
CROSS_PROCESS_POLL_S = 0.02

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    "offset" INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT,
    appended_at TEXT NOT NULL,
    UNIQUE (topic, "offset")
);
CREATE TABLE IF NOT EXISTS consumer_offsets (
    consumer_group TEXT NOT NULL,
    topic TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (consumer_group, topic, "partition")
);
CREATE TABLE IF NOT EXISTS topics (
    name TEXT PRIMARY KEY
);
CREATE INDEX IF NOT EXISTS events_by_key ON events (topic, key);
"""
# user_version 1: values superseded by a tombstone on a compacted topic are NULL.
SCHEMA_VERSION = 1
ERASE_BEFORE_TOMBSTONE = (
    'UPDATE events SET value = NULL WHERE topic = ? AND key = ? AND "offset" < ? AND value IS NOT NULL'
)
ERASE_ALL_SUPERSEDED = f"""
UPDATE events SET value = NULL
WHERE topic IN ({",".join("?" * len(COMPACTED_TOPICS))}) AND value IS NOT NULL AND EXISTS (
    SELECT 1 FROM events AS later
    WHERE later.topic = events.topic AND later.key = events.key
      AND later.value IS NULL AND later."offset" > events."offset"
)
"""


class SqliteEventLog:
    """Append-only topics and committed group offsets in one WAL-mode SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._appended = threading.Condition(self._lock)
        self._generation = 0
        self._checkpoint_owed = False
        """An erasure's checkpoint could not finish: the WAL may still hold erased values."""
        try:
            self._conn: sqlite3.Connection | None = open_durable(self.path)
            # Erased personal data must not linger in freed page space.
            self._conn.execute("PRAGMA secure_delete=ON")
            self._conn.executescript(SCHEMA)
            if self._upgrade_schema(self._conn):
                self._drop_old_page_images(self._conn)
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"event log {self.path} cannot be opened: {exc}") from exc

    @staticmethod
    def _upgrade_schema(conn: sqlite3.Connection) -> int:
        """Erase, once, values that tombstones published before compaction existed should have erased.

        Returns how many values were erased.
        """
        if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
            return 0
        erased = 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have upgraded the file while we waited for the write lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                erased = conn.execute(ERASE_ALL_SUPERSEDED, COMPACTED_TOPICS).rowcount
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return erased

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise BackendUnavailable(f"event log {self.path} is closed")
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise BackendUnavailable(f"event log {self.path} failed: {exc}") from exc

    def ensure_topics(self, topics: Sequence[str] = ALL_TOPICS) -> None:
        with self._connection() as conn:
            conn.executemany("INSERT OR IGNORE INTO topics (name) VALUES (?)", [(t,) for t in topics])

    def publish(self, topic: str, records: Sequence[tuple[str, dict[str, Any] | None]]) -> None:
        self._append(topic, [(key, None if value is None else dumps(value)) for key, value in records])

    def publish_raw(self, topic: str, records: Sequence[tuple[str, bytes]]) -> None:
        self._append(topic, list(records))

    def _append(self, topic: str, records: Sequence[tuple[str, str | bytes | None]]) -> None:
        if not records:
            return
        appended_at = datetime.now(UTC).isoformat()
        rows = [(topic, key, value, appended_at) for key, value in records]
        with self._connection() as conn:
            # IMMEDIATE takes the write lock first, so no other process can claim the same offsets.
            conn.execute("BEGIN IMMEDIATE")
            try:
                (next_offset,) = conn.execute(
                    'SELECT COALESCE(MAX("offset"), -1) + 1 FROM events WHERE topic = ?', (topic,)
                ).fetchone()
                conn.executemany(
                    'INSERT INTO events (topic, "offset", key, value, appended_at) VALUES (?, ?, ?, ?, ?)',
                    [(t, next_offset + i, k, v, at) for i, (t, k, v, at) in enumerate(rows)],
                )
                erased = 0
                if topic in COMPACTED_TOPICS:
                    for key, tombstone_offset in last_tombstones(records, next_offset).items():
                        erased += conn.execute(
                            ERASE_BEFORE_TOMBSTONE, (topic, key, tombstone_offset)
                        ).rowcount
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._generation += 1
            self._appended.notify_all()
            if erased or self._checkpoint_owed:
                self._drop_old_page_images(conn)

    def _drop_old_page_images(self, conn: sqlite3.Connection) -> None:
        """Copy the WAL into the main file and truncate it: until then it still holds the erased values."""
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        self._checkpoint_owed = bool(busy)
        if busy:
            log.warning(
                "event log %s: WAL checkpoint busy; erased values stay in the WAL until the next write retries it",
                self.path,
            )

    def consumer(self, topics: Sequence[str], group: str) -> SqliteConsumer:
        return SqliteConsumer(self, topics, group)

    def read(
        self,
        topic: str,
        positions: Mapping[int, int],
        max_records: int,
        *,
        until: Mapping[int, int] | None = None,
        timeout_s: float = 5.0,
    ) -> list[Event]:
        if until is not None and PARTITION not in until:
            return []
        start = positions.get(PARTITION, 0)
        end = until[PARTITION] if until is not None else None
        with self._connection() as conn:
            rows = conn.execute(
                'SELECT "offset", key, value, appended_at FROM events WHERE topic = ? AND "offset" >= ?'
                ' AND "offset" < ? ORDER BY "offset" LIMIT ?',
                (topic, start, end if end is not None else 2**62, max(max_records, 0)),
            ).fetchall()
        return [
            Event(topic, PARTITION, offset, key, *decoded_value(value), timestamp_ms=_ms(appended_at))
            for offset, key, value, appended_at in rows
        ]

    def committed(self, topic: str, group: str) -> dict[int, int]:
        return {PARTITION: self._committed_offsets(group, [topic])[topic]}

    def ping(self) -> bool:
        try:
            with self._connection() as conn:
                conn.execute("SELECT 1 FROM events LIMIT 1").fetchall()
        except BackendUnavailable:
            return False
        return True

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._appended.notify_all()

    def _committed_offsets(self, group: str, topics: Sequence[str]) -> dict[str, int]:
        with self._connection() as conn:
            found = dict(
                conn.execute(
                    "SELECT topic, next_offset FROM consumer_offsets"
                    f' WHERE consumer_group = ? AND "partition" = ? AND topic IN ({",".join("?" * len(topics))})',
                    (group, PARTITION, *topics),
                ).fetchall()
            )
        return {topic: found.get(topic, 0) for topic in topics}

    def _read_after(self, positions: dict[str, int], max_records: int) -> tuple[list[Event], int]:
        """Events at or after each topic's position in append order, and the generation they were read at.

        One range read per topic on its (topic, offset) index, merged by append order: the cost is
        that of the rows returned, however large the unread backlog (one query with an OR of the
        topics would read and sort the whole backlog on every poll).
        """
        rows: list[tuple[int, str, int, str, Any, str]] = []
        with self._connection() as conn:
            generation = self._generation
            for topic, offset in positions.items():
                rows += conn.execute(
                    'SELECT seq, topic, "offset", key, value, appended_at FROM events'
                    ' WHERE topic = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
                    (topic, offset, max_records),
                ).fetchall()
        # Within a topic offsets follow append order, so the first max_records by seq are the answer.
        rows.sort(key=lambda row: row[0])
        events = [
            Event(topic, PARTITION, offset, key, *decoded_value(value), timestamp_ms=_ms(appended_at))
            for _, topic, offset, key, value, appended_at in rows[:max_records]
        ]
        return events, generation

    def _wait_for_append(self, seen_generation: int, timeout_s: float) -> None:
        with self._appended:
            if self._generation == seen_generation and self._conn is not None:
                self._appended.wait(timeout_s)

    def _commit(self, group: str, next_offsets: dict[str, int]) -> None:
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    'INSERT INTO consumer_offsets (consumer_group, topic, "partition", next_offset)'
                    ' VALUES (?, ?, ?, ?) ON CONFLICT (consumer_group, topic, "partition")'
                    " DO UPDATE SET next_offset = excluded.next_offset",
                    [(group, topic, PARTITION, offset) for topic, offset in next_offsets.items()],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if self._checkpoint_owed:
                self._drop_old_page_images(conn)


def _ms(appended_at: str) -> int:
    return int(datetime.fromisoformat(appended_at).timestamp() * 1000)


def last_tombstones(records: Sequence[tuple[str, object | None]], first_offset: int) -> dict[str, int]:
    """Key -> offset of the last tombstone for it among ``records`` appended from ``first_offset``."""
    return {key: first_offset + i for i, (key, value) in enumerate(records) if value is None}


class SqliteConsumer:
    """One member of a consumer group reading from a ``SqliteEventLog``."""

    def __init__(self, log: SqliteEventLog, topics: Sequence[str], group: str) -> None:
        if not topics:
            raise ValueError("a consumer needs at least one topic")
        self._log = log
        self._group = group
        self._positions = log._committed_offsets(group, list(dict.fromkeys(topics)))
        self._closed = False

    def poll(self, max_records: int = 500, timeout_s: float = 1.0) -> list[Event]:
        if self._closed:
            raise RuntimeError("consumer is closed")
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while True:
            events, generation = self._log._read_after(self._positions, max_records)
            remaining = deadline - time.monotonic()
            if events or remaining <= 0:
                break
            self._log._wait_for_append(generation, min(remaining, CROSS_PROCESS_POLL_S))
        for event in events:
            self._positions[event.topic] = event.offset + 1
        return events

    def commit(self, events: Sequence[Event]) -> None:
        if self._closed:
            raise RuntimeError("consumer is closed")
        next_offsets: dict[str, int] = {}
        for event in events:
            next_offsets[event.topic] = max(next_offsets.get(event.topic, 0), event.offset + 1)
        if next_offsets:
            self._log._commit(self._group, next_offsets)

    def rewind(self) -> None:
        if self._closed:
            raise RuntimeError("consumer is closed")
        self._positions = self._log._committed_offsets(self._group, list(self._positions))

    def close(self) -> None:
        self._closed = True

"""The state-store port on SQLite: one table in its own file beside the embedded event log.

Every worker process of the embedded shape opens it; SQLite serialises their
writes (WAL, a busy timeout). ``synchronous=FULL``: a checkpoint or a job's
state written before an answer survives a power cut.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.adapters.sqlite_wal import open_durable
from shared.errors import BackendUnavailable
from shared.ports.state_store import StoredState

_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    doc TEXT NOT NULL,
    labels TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
"""
_IN_CHUNK = 500
"""Keys per ``IN (…)`` of a batch lookup: well under SQLite's limit on bound parameters."""


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def _state(row: tuple[str, str, str, int]) -> StoredState:
    key, doc, labels, updated_ms = row
    return StoredState(
        key=key,
        doc=json.loads(doc),
        labels=json.loads(labels),
        updated_at=datetime.fromtimestamp(updated_ms / 1000, UTC),
    )


class SqliteStateStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = open_durable(path)
        self._db.executescript(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as error:  # a locked, unreadable or damaged file: an outage, never a 500
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise BackendUnavailable(f"state store {self.path.name}: {error}") from error

    def put(
        self, kind: str, key: str, doc: dict[str, Any], *, labels: Mapping[str, str] | None = None
    ) -> None:
        row = (kind, key, json.dumps(doc, ensure_ascii=False), json.dumps(dict(labels or {})), _now_ms())
        with self._connection() as db:
            db.execute("INSERT OR REPLACE INTO state VALUES (?, ?, ?, ?, ?)", row)

    def put_many(self, kind: str, docs: Mapping[str, dict[str, Any]]) -> None:
        now = _now_ms()
        rows = [(kind, key, json.dumps(doc, ensure_ascii=False), "{}", now) for key, doc in docs.items()]
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?, ?, ?, ?)", rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def get(self, kind: str, key: str) -> StoredState | None:
        return self.get_many(kind, [key]).get(key)

    def get_many(self, kind: str, keys: Sequence[str]) -> dict[str, StoredState]:
        found: dict[str, StoredState] = {}
        unique = list(dict.fromkeys(keys))
        with self._connection() as db:
            for start in range(0, len(unique), _IN_CHUNK):
                chunk = unique[start : start + _IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT key, doc, labels, updated_ms FROM state WHERE kind = ? AND key IN ({marks})",
                    (kind, *chunk),
                ).fetchall()
                found.update((row[0], _state(row)) for row in rows)
        return found

    def list(
        self,
        kind: str,
        *,
        labels: Mapping[str, str] | None = None,
        after: str | None = None,
        limit: int = 100,
        descending: bool = False,
    ) -> list[StoredState]:
        where, args = ["kind = ?"], [kind]
        if after is not None:
            where.append("key < ?" if descending else "key > ?")
            args.append(after)
        for name, value in (labels or {}).items():
            where.append("json_extract(labels, ?) = ?")
            args.extend([f'$."{name}"', value])
        order = "DESC" if descending else "ASC"
        sql = f"SELECT key, doc, labels, updated_ms FROM state WHERE {' AND '.join(where)} ORDER BY key {order} LIMIT ?"
        with self._connection() as db:
            rows = db.execute(sql, (*args, limit)).fetchall()
        return [_state(row) for row in rows]

    def delete(self, kind: str, key: str) -> bool:
        with self._connection() as db:
            return db.execute("DELETE FROM state WHERE kind = ? AND key = ?", (kind, key)).rowcount > 0

    def ping(self) -> bool:
        with self._connection() as db:
            db.execute("SELECT 1 FROM state LIMIT 1").fetchall()
        return True

    def close(self) -> None:
        with self._lock:
            self._db.close()

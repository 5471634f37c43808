"""The audit port on SQLite: a table in its own file beside the embedded event log.

Written with ``synchronous=FULL`` (an audit record survives a power cut once
the read is answered) and ``secure_delete`` (an erased subject's old bytes
are overwritten, not left in free pages); after an erasure the WAL is
checkpointed and truncated so its copy of the old pages goes too (a checkpoint
another process's reader keeps busy is tried again at the next write). Every
worker process of the embedded shape writes here; SQLite serialises them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.adapters.sqlite_wal import open_durable
from shared.errors import BackendUnavailable
from shared.ports.audit_log import AuditEntry

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    at_ms INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    purpose TEXT NOT NULL,
    subject TEXT NOT NULL,
    fields TEXT NOT NULL,
    erased INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS audit_subject ON audit (subject);
CREATE INDEX IF NOT EXISTS audit_key ON audit (key_id, at_ms);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at_ms);
"""


class SqliteAuditLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = open_durable(path)
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(_SCHEMA)
        self._checkpoint_owed = False

    def record(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        rows = [
            (
                entry.id,
                int(entry.at.timestamp() * 1000),
                entry.key_id,
                entry.role,
                entry.action,
                entry.purpose,
                entry.subject,
                json.dumps(entry.fields, ensure_ascii=False),
                int(entry.erased),
            )
            for entry in entries
        ]
        with self._lock, self._unavailable_on_error():
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT INTO audit (id, at_ms, key_id, role, action, purpose, subject, fields, erased)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._db.execute("COMMIT")
            if self._checkpoint_owed:
                self._checkpoint()

    def entries(
        self,
        *,
        subject: str | None = None,
        key_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        where: list[str] = []
        arguments: list[str | int] = []
        for column, value in (("subject", subject), ("key_id", key_id)):
            if value is not None:
                where.append(f"{column} = ?")
                arguments.append(value)
        if since is not None:
            where.append("at_ms >= ?")
            arguments.append(int(since.timestamp() * 1000))
        if until is not None:
            where.append("at_ms < ?")
            arguments.append(int(until.timestamp() * 1000))
        sql = "SELECT id, at_ms, key_id, role, action, purpose, subject, fields, erased FROM audit"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY at_ms DESC, seq DESC LIMIT ?"
        with self._lock, self._unavailable_on_error():
            rows = self._db.execute(sql, (*arguments, limit)).fetchall()
        return [_entry(row) for row in rows]

    def erase_subject(self, subject: str, replacement: str) -> int:
        with self._lock, self._unavailable_on_error():
            self._db.execute("BEGIN IMMEDIATE")
            changed = self._db.execute(
                "UPDATE audit SET subject = ?, erased = 1 WHERE subject = ?", (replacement, subject)
            ).rowcount
            self._db.execute("COMMIT")
            self._checkpoint_owed = True
            self._checkpoint()
        return changed

    def _checkpoint(self) -> None:
        """Fold the WAL, which still holds the pages as they were before an erasure, into the file (where
        secure_delete overwrote them) and truncate it. A reader of another process may keep it busy: then
        it is tried again at the next write."""
        busy, _, _ = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        self._checkpoint_owed = bool(busy)

    @contextmanager
    def _unavailable_on_error(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise BackendUnavailable(f"audit log {self.path}: {exc}") from exc

    def ping(self) -> bool:
        with self._lock:
            self._db.execute("SELECT 1").fetchone()
        return True

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    entry_id, at_ms, key_id, role, action, purpose, subject, fields, erased = row
    return AuditEntry(
        id=entry_id,
        at=datetime.fromtimestamp(at_ms / 1000, UTC),
        key_id=key_id,
        role=role,
        action=action,
        purpose=purpose,
        subject=subject,
        fields=json.loads(fields),
        erased=bool(erased),
    )

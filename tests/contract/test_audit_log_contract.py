"""One contract for both audit-log adapters: SQLite (embedded) and Elasticsearch (distributed)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.es_audit import ElasticsearchAuditLog
from shared.adapters.sqlite_audit import SqliteAuditLog
from shared.ports.audit_log import AuditEntry, AuditLog

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def open_audit(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], AuditLog]]:
    opened: list[AuditLog] = []
    prefix = f"audit-contract-{uuid.uuid4().hex[:8]}"

    def open_one() -> AuditLog:
        log: AuditLog
        if request.param == "sqlite":
            log = SqliteAuditLog(tmp_path / "audit.sqlite3")
        else:
            log = ElasticsearchAuditLog(url=request.getfixturevalue("elasticsearch_url"), prefix=prefix)
        opened.append(log)
        return log

    yield open_one
    if request.param == "elasticsearch":
        from elasticsearch import Elasticsearch

        with Elasticsearch(request.getfixturevalue("elasticsearch_url")) as client:
            client.options(ignore_status=404).indices.delete(index=f"{prefix}-audit")
    for log in opened:
        log.close()


def entry(minute: int, subject: str, **extra: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "at": START + timedelta(minutes=minute),
        "key_id": "k1",
        "role": "staff",
        "action": "read",
        "purpose": "seeker_profile",
        "subject": subject,
        "fields": ["name:masked", "skills"],
    }
    return AuditEntry(**(values | extra))


def refreshed(log: AuditLog) -> None:
    """Elasticsearch shows writes after a refresh; SQLite at once."""
    if isinstance(log, ElasticsearchAuditLog):
        log._client.indices.refresh(index=log.index)


def test_entries_are_listed_newest_first_and_filtered(open_audit: Callable[[], AuditLog]) -> None:
    log = open_audit()
    log.record([entry(1, "s:1"), entry(2, "s:2", key_id="k2"), entry(3, "s:1", action="match")])
    refreshed(log)
    assert [e.subject for e in log.entries()] == ["s:1", "s:2", "s:1"]
    assert [e.action for e in log.entries(subject="s:1")] == ["match", "read"]
    assert [e.subject for e in log.entries(key_id="k2")] == ["s:2"]
    window = log.entries(since=START + timedelta(minutes=2), until=START + timedelta(minutes=3))
    assert [e.subject for e in window] == ["s:2"]
    assert len(log.entries(limit=1)) == 1
    assert log.entries(subject="s:1")[0].fields == ["name:masked", "skills"]


def test_records_outlive_the_adapter(open_audit: Callable[[], AuditLog]) -> None:
    first = open_audit()
    first.record([entry(1, "s:1")])
    first.close()
    second = open_audit()
    refreshed(second)
    assert [e.subject for e in second.entries()] == ["s:1"]


def test_erasing_a_subject_rewrites_its_entries_and_only_its(open_audit: Callable[[], AuditLog]) -> None:
    log = open_audit()
    log.record([entry(1, "s:1"), entry(2, "s:2"), entry(3, "s:1")])
    assert log.erase_subject("s:1", "erased:abc") == 2
    refreshed(log)
    assert log.entries(subject="s:1") == []
    rewritten = log.entries(subject="erased:abc")
    assert len(rewritten) == 2 and all(e.erased for e in rewritten)
    assert [e.subject for e in log.entries(subject="s:2")] == ["s:2"]
    assert log.erase_subject("s:1", "erased:abc") == 0
    assert log.ping()

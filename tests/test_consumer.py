"""The indexing consumer: commits only what is durable, dead-letters what cannot be indexed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.search.consumer import IndexingConsumer
from shared.adapters.sqlite_log import SqliteEventLog
from shared.adapters.tantivy_index import TantivyIndex
from shared.errors import BackendUnavailable
from shared.index.documents import POSTINGS, SEEKERS
from shared.ports.event_log import TOPIC_DLQ, TOPIC_POSTINGS, TOPIC_SEEKERS
from tests.helpers import FailingIndex, stored_posting

NOW = datetime(2026, 11, 20, tzinfo=UTC)
GROUP = "indexer"


def record(source_id: str, title: str) -> dict:
    return stored_posting(source_id, title, received_at=NOW)


@pytest.fixture
def log(tmp_path: Path):
    opened = SqliteEventLog(tmp_path / "events.sqlite3")
    yield opened
    opened.close()


def test_poison_record_goes_to_dead_letters_and_the_batch_commits(
    log: SqliteEventLog, tmp_path: Path
) -> None:
    postings, seekers = TantivyIndex(POSTINGS, tmp_path / "p"), TantivyIndex(SEEKERS, tmp_path / "s")
    good = record("1", "电工")
    log.publish(
        TOPIC_POSTINGS, [("test:broken", {"id": "test:broken", "title": "缺字段"}), (good["id"], good)]
    )
    indexer = IndexingConsumer(event_log=log, postings=postings, seekers=seekers, group=GROUP)
    consumer = log.consumer([TOPIC_POSTINGS], GROUP)
    assert indexer.run_once(consumer) == 2
    consumer.close()

    assert postings.get("test:1") is not None and postings.get("test:broken") is None
    dead = log.consumer([TOPIC_DLQ], "staff").poll(timeout_s=1)
    assert [event.key for event in dead] == ["test:broken"]
    letter = dead[0].value
    assert letter["stage"] == "validate" and (letter["topic"], letter["partition"], letter["offset"]) == (
        TOPIC_POSTINGS,
        0,
        0,
    )
    assert {"field": "source", "code": "REQUIRED", "message": "必填"} in letter["details"]
    assert log.consumer([TOPIC_POSTINGS], GROUP).poll(timeout_s=0.2) == []  # committed


def test_failed_write_is_not_committed_and_is_retried(log: SqliteEventLog, tmp_path: Path) -> None:
    postings, seekers = FailingIndex(POSTINGS, tmp_path / "p"), TantivyIndex(SEEKERS, tmp_path / "s")
    good = record("2", "焊工")
    log.publish(TOPIC_POSTINGS, [(good["id"], good)])
    indexer = IndexingConsumer(event_log=log, postings=postings, seekers=seekers, group=GROUP)
    consumer = log.consumer([TOPIC_POSTINGS], GROUP)
    with pytest.raises(BackendUnavailable):
        indexer.run_once(consumer)
    consumer.close()
    assert postings.get("test:2") is None

    retry = log.consumer([TOPIC_POSTINGS], GROUP)  # what run() does after a failure
    assert indexer.run_once(retry) == 1
    retry.close()
    assert postings.get("test:2")["title"] == "焊工"


def test_background_loop_survives_a_failure_and_reports_health(log: SqliteEventLog, tmp_path: Path) -> None:
    from tests.helpers import wait_for

    postings, seekers = FailingIndex(POSTINGS, tmp_path / "p"), TantivyIndex(SEEKERS, tmp_path / "s")
    good = record("3", "叉车司机")
    log.publish(TOPIC_POSTINGS, [(good["id"], good)])
    indexer = IndexingConsumer(event_log=log, postings=postings, seekers=seekers, group=GROUP)
    assert not indexer.healthy()  # not started
    indexer.start()
    try:
        wait_for(lambda: postings.get("test:3") is not None, timeout_s=15)
        assert indexer.healthy()
    finally:
        indexer.stop()
    assert not indexer.healthy()


def test_an_older_edit_later_in_the_same_batch_does_not_win(log: SqliteEventLog, tmp_path: Path) -> None:
    postings, seekers = TantivyIndex(POSTINGS, tmp_path / "p"), TantivyIndex(SEEKERS, tmp_path / "s")
    newer = record("4", "电工（新）") | {"version": 2000}
    older = record("4", "电工（旧）") | {"version": 1000}
    log.publish(TOPIC_POSTINGS, [(newer["id"], newer), (older["id"], older)])
    indexer = IndexingConsumer(event_log=log, postings=postings, seekers=seekers, group=GROUP)
    consumer = log.consumer([TOPIC_POSTINGS], GROUP)
    indexer.run_once(consumer)
    consumer.close()
    assert postings.get("test:4")["title"] == "电工（新）"


def test_dead_letters_carry_no_personal_data(log: SqliteEventLog, tmp_path: Path) -> None:
    postings, seekers = TantivyIndex(POSTINGS, tmp_path / "p"), TantivyIndex(SEEKERS, tmp_path / "s")
    broken = {"id": "test:s9", "name": "王小明", "phone": "13912345678", "id_number": "11010519491231002X"}
    log.publish(TOPIC_SEEKERS, [(broken["id"], broken)])
    indexer = IndexingConsumer(event_log=log, postings=postings, seekers=seekers, group=GROUP)
    consumer = log.consumer([TOPIC_SEEKERS], GROUP)
    indexer.run_once(consumer)
    consumer.close()
    (dead,) = log.consumer([TOPIC_DLQ], "staff").poll(timeout_s=1)
    text = str(dead.value)
    assert dead.key == "test:s9"
    assert "王小明" not in text and "13912345678" not in text and "11010519491231002X" not in text


def test_a_record_published_under_another_key_is_dead_lettered(log: SqliteEventLog, tmp_path: Path) -> None:
    postings, seekers = TantivyIndex(POSTINGS, tmp_path / "p"), TantivyIndex(SEEKERS, tmp_path / "s")
    misfiled = record("5", "电工")
    log.publish(TOPIC_POSTINGS, [("test:other", misfiled)])
    indexer = IndexingConsumer(event_log=log, postings=postings, seekers=seekers, group=GROUP)
    consumer = log.consumer([TOPIC_POSTINGS], GROUP)
    indexer.run_once(consumer)
    consumer.close()
    assert postings.get("test:5") is None and postings.get("test:other") is None
    (dead,) = log.consumer([TOPIC_DLQ], "staff").poll(timeout_s=1)
    assert dead.key == "test:other" and dead.value["stage"] == "validate"


def test_values_a_normaliser_never_writes_are_dead_lettered_not_retried(
    log: SqliteEventLog, tmp_path: Path
) -> None:
    postings, seekers = TantivyIndex(POSTINGS, tmp_path / "p"), TantivyIndex(SEEKERS, tmp_path / "s")
    odd_level = record("6", "电工") | {"education_min": "火星学历"}
    odd_place = record("7", "焊工")
    odd_place["location"] = odd_place["location"] | {"region_code": "999999"}
    log.publish(
        TOPIC_POSTINGS, [("test:6", odd_level), ("test:7", odd_place), ("test:8", record("8", "厨师"))]
    )
    indexer = IndexingConsumer(event_log=log, postings=postings, seekers=seekers, group=GROUP)
    consumer = log.consumer([TOPIC_POSTINGS], GROUP)
    assert indexer.run_once(consumer) == 3  # no exception: the batch commits
    consumer.close()
    assert postings.get("test:8") is not None
    letters = {event.key: event.value for event in log.consumer([TOPIC_DLQ], "staff").poll(timeout_s=1)}
    assert set(letters) == {"test:6", "test:7"}
    assert letters["test:6"]["details"][0]["field"] == "education_min"
    assert letters["test:7"]["details"][0]["field"] == "location.region_code"

"""The indexing consumer on both event-log adapters: poison is dead-lettered, an outage is retried.

A record that is not JSON, or JSON of the wrong shape, goes to the dead
letters with its position and the reason, and the records after it are
indexed. An index that fails for a while makes the consumer retry the same
batch (rewinding, not rebuilding its consumer) until it succeeds; nothing is
lost and nothing is dead-lettered for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.search.consumer import IndexingConsumer
from shared.adapters.kafka_log import KafkaEventLog
from shared.adapters.sqlite_log import SqliteEventLog
from shared.adapters.tantivy_index import TantivyIndex
from shared.index.fields import POSTINGS, SEEKERS
from shared.ports.event_log import TOPIC_DLQ, TOPIC_POSTINGS, Consumer, Event, EventLog
from tests.helpers import FailingIndex, stored_posting, wait_for

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def stored(source_id: str, title: str) -> dict:
    return stored_posting(source_id, title, received_at=NOW)


@pytest.fixture(params=["sqlite", pytest.param("kafka", marks=pytest.mark.kafka)])
def event_log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventLog]:
    opened: EventLog
    if request.param == "sqlite":
        opened = SqliteEventLog(tmp_path / "events.sqlite3")
    else:
        bootstrap = request.getfixturevalue("kafka_bootstrap")
        opened = KafkaEventLog(
            bootstrap=bootstrap, partitions=3, topic_prefix=f"faults-{uuid.uuid4().hex[:10]}."
        )
    opened.ensure_topics()
    yield opened
    opened.close()


class CountingLog:
    """The event log, counting the consumers asked of it (a rebuilt Kafka consumer costs a rebalance)."""

    def __init__(self, inner: EventLog) -> None:
        self.inner = inner
        self.consumers_made = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def consumer(self, topics: Sequence[str], group: str) -> Consumer:
        self.consumers_made += 1
        return self.inner.consumer(topics, group)


def dead_letters(event_log: EventLog, expected: int) -> list[Event]:
    consumer = event_log.consumer([TOPIC_DLQ], f"staff-{uuid.uuid4().hex[:6]}")
    found: list[Event] = []
    try:
        wait_for(lambda: found.extend(consumer.poll(timeout_s=0.5)) or len(found) >= expected, timeout_s=20)
    finally:
        consumer.close()
    return found


@contextmanager
def run_indexer(event_log: EventLog, postings: TantivyIndex, tmp_path: Path) -> Iterator[IndexingConsumer]:
    seekers = TantivyIndex(SEEKERS, tmp_path / "s")
    indexer = IndexingConsumer(event_log=event_log, postings=postings, seekers=seekers, group="indexer")
    indexer.start()
    try:
        yield indexer
    finally:
        indexer.stop()


def test_poison_and_wrong_shapes_are_dead_lettered_and_the_stream_goes_on(
    event_log: EventLog, tmp_path: Path
) -> None:
    postings = TantivyIndex(POSTINGS, tmp_path / "p")
    event_log.publish(TOPIC_POSTINGS, [("test:before", stored("before", "电工"))])
    event_log.publish_raw(TOPIC_POSTINGS, [("test:garbage", b"\x00\x01 not json at all")])
    wrong_shape = stored("shape", "焊工") | {"posted_at": "yesterday", "surprise": 1}
    event_log.publish(
        TOPIC_POSTINGS, [("test:shape", wrong_shape), ("test:after", stored("after", "叉车司机"))]
    )

    with run_indexer(event_log, postings, tmp_path):
        wait_for(lambda: postings.get("test:after") is not None, timeout_s=30)
    assert postings.get("test:before") is not None and postings.get("test:shape") is None

    letters = {event.key: event.value for event in dead_letters(event_log, 2)}
    assert set(letters) == {"test:garbage", "test:shape"}
    garbage, shape = letters["test:garbage"], letters["test:shape"]
    assert garbage is not None and shape is not None
    assert garbage["stage"] == "decode" and garbage["topic"] == TOPIC_POSTINGS
    assert isinstance(garbage["offset"], int) and isinstance(garbage["partition"], int)
    assert shape["stage"] == "validate"
    assert {d["field"] for d in shape["details"]} == {"posted_at", "surprise"}


def test_an_index_outage_is_retried_from_the_commit_without_a_new_consumer(
    event_log: EventLog, tmp_path: Path
) -> None:
    counting = CountingLog(event_log)
    postings = FailingIndex(POSTINGS, tmp_path / "p", failures=3)
    ids = [f"test:{n}" for n in range(20)]
    event_log.publish(TOPIC_POSTINGS, [(f"test:{n}", stored(str(n), f"普工{n}")) for n in range(20)])

    with run_indexer(counting, postings, tmp_path) as indexer:  # type: ignore[arg-type]
        wait_for(lambda: all(postings.get(i) is not None for i in ids), timeout_s=60)
        assert indexer.healthy()
    assert postings.failures_left == 0
    assert counting.consumers_made == 1
    assert postings.count() == 20
    drain = event_log.consumer([TOPIC_DLQ], "staff-none")
    try:
        assert drain.poll(timeout_s=1.0) == []
    finally:
        drain.close()

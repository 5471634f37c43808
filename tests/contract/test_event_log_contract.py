"""One contract for both event-log adapters: SQLite (embedded) and Kafka (distributed).

Every test here runs unchanged against each backend; Kafka tests use a
unique topic prefix per test so they share one broker without seeing each
other's records.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from shared.adapters.kafka_log import KafkaEventLog, cleanup_policies
from shared.adapters.sqlite_log import SqliteEventLog
from shared.errors import BackendUnavailable
from shared.ports.event_log import (
    ALL_TOPICS,
    COMPACTED_TOPICS,
    TOPIC_DLQ,
    TOPIC_MATCHES,
    TOPIC_POSTINGS,
    TOPIC_SEEKERS,
    Consumer,
    Event,
    EventLog,
)

KAFKA_PARTITIONS = 3
DEADLINE_S = 20.0


class Backend:
    """Opens adapters on one backing store (a file or a topic namespace) and closes all of them after the test."""

    def __init__(self, name: str, open_log: Callable[[], EventLog], partitions: int) -> None:
        self.name = name
        self.partitions = partitions
        self._open_log = open_log
        self._to_close: list[EventLog | Consumer] = []

    def open_log(self) -> EventLog:
        log = self._open_log()
        self._to_close.append(log)
        return log

    def consumer(self, log: EventLog, topics: Sequence[str], group: str) -> Consumer:
        consumer = log.consumer(topics, group)
        self._to_close.append(consumer)
        return consumer

    def close_all(self) -> None:
        for closable in reversed(self._to_close):
            closable.close()


@pytest.fixture(params=["sqlite", pytest.param("kafka", marks=pytest.mark.kafka)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "events.sqlite3"
        made = Backend("sqlite", lambda: SqliteEventLog(path), partitions=1)
    else:
        bootstrap = request.getfixturevalue("kafka_bootstrap")
        prefix = f"contract-{uuid.uuid4().hex[:12]}."
        made = Backend(
            "kafka",
            lambda: KafkaEventLog(bootstrap=bootstrap, partitions=KAFKA_PARTITIONS, topic_prefix=prefix),
            partitions=KAFKA_PARTITIONS,
        )
    yield made
    made.close_all()


@pytest.fixture
def unused_tcp_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def event_log(backend: Backend) -> EventLog:
    return backend.open_log()


def drain(consumer: Consumer, expected: int, *, max_records: int = 500) -> list[Event]:
    """Poll until ``expected`` events arrived (or the deadline passed), then once more to catch extras."""
    events: list[Event] = []
    deadline = time.monotonic() + DEADLINE_S
    while len(events) < expected and time.monotonic() < deadline:
        events.extend(consumer.poll(max_records=max_records, timeout_s=0.5))
    events.extend(consumer.poll(max_records=max_records, timeout_s=0.3))
    return events


def first_batch(consumer: Consumer, max_records: int) -> list[Event]:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        events = consumer.poll(max_records=max_records, timeout_s=0.5)
        if events:
            return events
    raise AssertionError("no events before the deadline")


def numbered(prefix: str, count: int) -> list[tuple[str, dict[str, Any] | None]]:
    return [(f"{prefix}-{n}", {"n": n}) for n in range(count)]


def keys_of(events: Sequence[Event]) -> list[str]:
    return [e.key for e in events]


def test_consumer_receives_every_topic_it_subscribes_to(event_log: EventLog, backend: Backend) -> None:
    event_log.ensure_topics([TOPIC_POSTINGS, TOPIC_SEEKERS, TOPIC_MATCHES])
    event_log.publish(TOPIC_POSTINGS, numbered("posting", 5))
    event_log.publish(TOPIC_SEEKERS, numbered("seeker", 3))
    event_log.publish(TOPIC_MATCHES, numbered("match", 2))

    consumer = backend.consumer(event_log, [TOPIC_POSTINGS, TOPIC_SEEKERS], "indexer")
    events = drain(consumer, 8)

    assert sorted((e.topic, e.key) for e in events) == sorted(
        [(TOPIC_POSTINGS, f"posting-{n}") for n in range(5)]
        + [(TOPIC_SEEKERS, f"seeker-{n}") for n in range(3)]
    )
    assert all(e.value == {"n": int(e.key.rsplit("-", 1)[1])} for e in events)
    assert all(0 <= e.partition < backend.partitions and e.offset >= 0 for e in events)


def test_records_with_one_key_keep_their_order_in_one_partition(
    event_log: EventLog, backend: Backend
) -> None:
    event_log.ensure_topics([TOPIC_POSTINGS])
    keys = ["p-a", "p-b", "p-c", "p-d"]
    for round_no in range(5):
        event_log.publish(
            TOPIC_POSTINGS, [(key, {"version": round_no * 2 + half}) for half in (0, 1) for key in keys]
        )

    events = drain(backend.consumer(event_log, [TOPIC_POSTINGS], "order"), 40)

    assert len(events) == 40
    by_key: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_key[event.key].append(event)
    for key in keys:
        seen = by_key[key]
        assert len({e.partition for e in seen}) == 1, key
        assert [e.offset for e in seen] == sorted(e.offset for e in seen)
        assert [e.value["version"] for e in seen if e.value] == list(range(10))


def test_tombstone_on_an_uncompacted_topic_round_trips_after_the_value(
    event_log: EventLog, backend: Backend
) -> None:
    event_log.ensure_topics([TOPIC_MATCHES])
    event_log.publish(TOPIC_MATCHES, [("m-1", {"score": 0.8}), ("m-1", None)])

    events = drain(backend.consumer(event_log, [TOPIC_MATCHES], "tombstones"), 2)

    assert [(e.key, e.value) for e in events] == [("m-1", {"score": 0.8}), ("m-1", None)]


def test_tombstone_on_a_compacted_topic_ends_its_key_and_spares_other_keys(
    event_log: EventLog, backend: Backend
) -> None:
    event_log.ensure_topics([TOPIC_POSTINGS, TOPIC_SEEKERS])
    event_log.publish(TOPIC_SEEKERS, [("s-1", {"name": "张伟"}), ("s-2", {"name": "李娜"})])
    event_log.publish(TOPIC_POSTINGS, [("s-1", {"title": "same key, other topic"})])
    event_log.publish(TOPIC_SEEKERS, [("s-1", {"name": "张伟", "phone": "13800000000"}), ("s-1", None)])

    events = drain(backend.consumer(event_log, [TOPIC_POSTINGS, TOPIC_SEEKERS], "compacted"), 5)
    deleted = [e for e in events if (e.topic, e.key) == (TOPIC_SEEKERS, "s-1")]
    untouched = sorted((e.topic, e.key, str(e.value)) for e in events if e not in deleted)

    # Earlier values of a deleted key may come as tombstones or still as values (Kafka before compaction).
    assert 1 <= len(deleted) <= 3
    assert deleted[-1].value is None
    assert [e.offset for e in deleted] == sorted(e.offset for e in deleted)
    assert untouched == [
        (TOPIC_POSTINGS, "s-1", str({"title": "same key, other topic"})),
        (TOPIC_SEEKERS, "s-2", str({"name": "李娜"})),
    ]


def test_chinese_keys_and_text_round_trip(event_log: EventLog, backend: Backend) -> None:
    value = {
        "title": "数控车床操作工",
        "benefits": ["五险一金", "包吃住"],
        "salary": {"min": 4500, "max": 6000.5},
        "remark": "全角ＡＢＣ１２３，　“引号”、\n换行",
        "urgent": True,
        "contact": None,
    }
    event_log.ensure_topics([TOPIC_POSTINGS])
    event_log.publish(TOPIC_POSTINGS, [("岗位-深圳-001", value)])

    events = drain(backend.consumer(event_log, [TOPIC_POSTINGS], "chinese"), 1)

    assert [(e.topic, e.key, e.value) for e in events] == [(TOPIC_POSTINGS, "岗位-深圳-001", value)]


def test_group_resumes_after_its_committed_offset(event_log: EventLog, backend: Backend) -> None:
    event_log.ensure_topics([TOPIC_POSTINGS])
    records = numbered("p", 12)
    event_log.publish(TOPIC_POSTINGS, records)

    first = backend.consumer(event_log, [TOPIC_POSTINGS], "resume")
    committed = first_batch(first, max_records=4)
    first.commit(committed)
    first.close()

    rest = drain(backend.consumer(event_log, [TOPIC_POSTINGS], "resume"), 12 - len(committed))

    assert 1 <= len(committed) <= 4
    assert sorted(keys_of(rest)) == sorted(k for k, _ in records if k not in keys_of(committed))


def test_uncommitted_events_are_redelivered_to_the_next_group_member(
    event_log: EventLog, backend: Backend
) -> None:
    event_log.ensure_topics([TOPIC_SEEKERS])
    event_log.publish(TOPIC_SEEKERS, numbered("s", 6))

    first = backend.consumer(event_log, [TOPIC_SEEKERS], "crashy")
    seen_before_crash = drain(first, 6)
    first.close()
    redelivered = drain(backend.consumer(event_log, [TOPIC_SEEKERS], "crashy"), 6)

    assert (
        sorted(keys_of(seen_before_crash))
        == sorted(keys_of(redelivered))
        == sorted(f"s-{n}" for n in range(6))
    )


def test_each_group_sees_every_event_whatever_the_other_commits(
    event_log: EventLog, backend: Backend
) -> None:
    event_log.ensure_topics([TOPIC_POSTINGS])
    event_log.publish(TOPIC_POSTINGS, numbered("p", 7))

    indexer = backend.consumer(event_log, [TOPIC_POSTINGS], "indexer")
    indexed = drain(indexer, 7)
    indexer.commit(indexed)
    matched = drain(backend.consumer(event_log, [TOPIC_POSTINGS], "matcher"), 7)

    assert sorted(keys_of(indexed)) == sorted(keys_of(matched)) == sorted(f"p-{n}" for n in range(7))


def test_events_and_commits_survive_reopening_the_log(backend: Backend) -> None:
    before = backend.open_log()
    before.ensure_topics([TOPIC_POSTINGS])
    before.publish(TOPIC_POSTINGS, numbered("old", 6))
    consumer = backend.consumer(before, [TOPIC_POSTINGS], "restarting")
    committed = first_batch(consumer, max_records=3)
    consumer.commit(committed)
    consumer.close()
    before.close()

    after = backend.open_log()
    after.publish(TOPIC_POSTINGS, numbered("new", 2))
    resumed = drain(backend.consumer(after, [TOPIC_POSTINGS], "restarting"), 8 - len(committed))
    everything = drain(backend.consumer(after, [TOPIC_POSTINGS], "fresh-group"), 8)

    expected = {f"old-{n}" for n in range(6)} | {"new-0", "new-1"}
    assert sorted(keys_of(resumed)) == sorted(expected - set(keys_of(committed)))
    assert sorted(keys_of(everything)) == sorted(expected)


def test_concurrent_publishers_lose_nothing(event_log: EventLog, backend: Backend) -> None:
    event_log.ensure_topics([TOPIC_POSTINGS])

    def publish_batches(worker: int) -> None:
        for batch in range(5):
            event_log.publish(TOPIC_POSTINGS, [(f"w{worker}", {"seq": batch * 5 + i}) for i in range(5)])

    threads = [threading.Thread(target=publish_batches, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_S)

    events = drain(backend.consumer(event_log, [TOPIC_POSTINGS], "counter"), 100)

    assert len(events) == 100
    assert len({(e.partition, e.offset) for e in events}) == 100
    for worker in range(4):
        assert [e.value["seq"] for e in events if e.key == f"w{worker}" and e.value] == list(range(25))


def test_waiting_poll_returns_soon_after_a_publish(event_log: EventLog, backend: Backend) -> None:
    event_log.ensure_topics([TOPIC_MATCHES])
    consumer = backend.consumer(event_log, [TOPIC_MATCHES], "waiter")
    started = time.monotonic()
    assert consumer.poll(timeout_s=0.5) == []  # also lets a Kafka consumer join its group
    assert time.monotonic() - started < 10

    publisher = threading.Timer(0.3, event_log.publish, args=(TOPIC_MATCHES, [("m-1", {"score": 0.9})]))
    publisher.start()
    waited_from = time.monotonic()
    events: list[Event] = []
    while not events and time.monotonic() - waited_from < DEADLINE_S:
        events = consumer.poll(timeout_s=10)
    publisher.join()

    assert keys_of(events) == ["m-1"]
    assert time.monotonic() - waited_from < 5


def test_events_published_through_another_adapter_reach_a_waiting_consumer(
    event_log: EventLog, backend: Backend
) -> None:
    event_log.ensure_topics([TOPIC_POSTINGS])
    other_writer = backend.open_log()
    consumer = backend.consumer(event_log, [TOPIC_POSTINGS], "cross")
    consumer.poll(timeout_s=0.2)

    other_writer.publish(TOPIC_POSTINGS, numbered("elsewhere", 3))

    assert sorted(keys_of(drain(consumer, 3))) == ["elsewhere-0", "elsewhere-1", "elsewhere-2"]


def test_ensure_topics_twice_then_every_topic_is_usable(event_log: EventLog, backend: Backend) -> None:
    event_log.ensure_topics()
    event_log.ensure_topics(ALL_TOPICS)
    for topic in ALL_TOPICS:
        event_log.publish(topic, [(f"{topic}-1", {"topic": topic})])

    events = drain(backend.consumer(event_log, ALL_TOPICS, "all-topics"), len(ALL_TOPICS))

    assert sorted((e.topic, e.value) for e in events if e.value) == sorted(
        (t, {"topic": t}) for t in ALL_TOPICS
    )
    assert all(0 <= e.partition < backend.partitions for e in events)


def test_publishing_nothing_is_allowed(event_log: EventLog, backend: Backend) -> None:
    event_log.ensure_topics([TOPIC_POSTINGS])
    event_log.publish(TOPIC_POSTINGS, [])
    event_log.publish(TOPIC_POSTINGS, [("p-1", {"n": 1})])

    assert keys_of(drain(backend.consumer(event_log, [TOPIC_POSTINGS], "empty"), 1)) == ["p-1"]


def test_ping_reports_a_usable_log(event_log: EventLog) -> None:
    assert event_log.ping() is True


# Backend-specific promises the contract above cannot observe.


def test_sqlite_log_is_one_wal_file_with_offsets_from_zero(tmp_path: Path) -> None:
    path = tmp_path / "log" / "events.sqlite3"
    log = SqliteEventLog(path)
    log.publish(TOPIC_POSTINGS, numbered("p", 2))
    log.publish(TOPIC_SEEKERS, numbered("s", 1))
    log.close()

    with closing(sqlite3.connect(path)) as raw:
        journal_mode = raw.execute("PRAGMA journal_mode").fetchone()[0]
        offsets = raw.execute('SELECT topic, "offset" FROM events ORDER BY seq').fetchall()
    assert journal_mode == "wal"
    assert offsets == [(TOPIC_POSTINGS, 0), (TOPIC_POSTINGS, 1), (TOPIC_SEEKERS, 0)]


def test_sqlite_log_is_unusable_after_close(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "events.sqlite3")
    log.close()

    assert log.ping() is False
    with pytest.raises(BackendUnavailable):
        log.publish(TOPIC_POSTINGS, numbered("p", 1))


def sqlite_file_bytes(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def checkpoint(path: Path) -> None:
    with closing(sqlite3.connect(path)) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def test_sqlite_tombstone_erases_earlier_values_of_its_key_at_once(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    log = SqliteEventLog(path)
    identity_numbers = ["440301199001011234", "440301199001015678"]
    log.publish(TOPIC_SEEKERS, [("s-1", {"name": "王小明", "id_number": n}) for n in identity_numbers])
    log.publish(TOPIC_SEEKERS, [("s-2", {"name": "陈静", "id_number": "440301198802023456"})])
    checkpoint(path)  # the values now sit in the main file too, not just in the WAL
    assert identity_numbers[0].encode() in sqlite_file_bytes(path)

    log.publish(TOPIC_SEEKERS, [("s-1", None)])
    events = drain(log.consumer([TOPIC_SEEKERS], "after-delete"), 4)
    stored = sqlite_file_bytes(path)
    log.close()

    assert [(e.key, e.offset, e.value) for e in events] == [
        ("s-1", 0, None),
        ("s-1", 1, None),
        ("s-2", 2, {"name": "陈静", "id_number": "440301198802023456"}),
        ("s-1", 3, None),
    ]
    assert all(n.encode() not in stored for n in identity_numbers)
    assert "王小明".encode() not in stored
    assert b"440301198802023456" in stored


def test_sqlite_checkpoint_kept_busy_by_a_reader_is_retried_by_the_next_write(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    log = SqliteEventLog(path)
    log.publish(TOPIC_SEEKERS, [("s-1", {"name": "欧阳翠凤", "phone": "13907315862"})])
    assert b"13907315862" in sqlite_file_bytes(path)  # in the WAL, not yet checkpointed
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        # An open read keeps its snapshot, so the checkpoint cannot reset the WAL under it.
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM events").fetchone()
        # Not the 30 s a real adapter waits: the test only needs the checkpoint to give up.
        log._conn.execute("PRAGMA busy_timeout = 50")  # type: ignore[union-attr]

        log.publish(TOPIC_SEEKERS, [("s-1", None)])
        assert b"13907315862" in sqlite_file_bytes(path)  # the erased value's page image is still in the WAL

        reader.execute("COMMIT")
    finally:
        reader.close()
    log.consumer([TOPIC_SEEKERS], "g").commit(drain(log.consumer([TOPIC_SEEKERS], "g"), 2))  # a later write
    stored = sqlite_file_bytes(path) + path.with_name(path.name + "-shm").read_bytes()
    log.close()

    assert b"13907315862" not in stored and "欧阳翠凤".encode() not in stored


def test_sqlite_only_tombstones_erase_and_a_key_can_return_after_one(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "events.sqlite3")
    log.publish(TOPIC_POSTINGS, [("p-1", {"v": 1}), ("p-1", {"v": 2})])
    log.publish(TOPIC_POSTINGS, [("p-1", None), ("p-1", {"v": 3})])
    log.publish(TOPIC_MATCHES, [("m-1", {"v": 1}), ("m-1", None)])

    events = drain(log.consumer([TOPIC_POSTINGS, TOPIC_MATCHES], "values"), 6)
    log.close()

    assert [(e.topic, e.value) for e in events] == [
        (TOPIC_POSTINGS, None),
        (TOPIC_POSTINGS, None),
        (TOPIC_POSTINGS, None),
        (TOPIC_POSTINGS, {"v": 3}),
        (TOPIC_MATCHES, {"v": 1}),
        (TOPIC_MATCHES, None),
    ]


def test_sqlite_file_from_before_compaction_is_erased_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    SqliteEventLog(path).close()
    with closing(sqlite3.connect(path)) as raw, raw:
        raw.execute("PRAGMA user_version = 0")
        raw.executemany(
            'INSERT INTO events (topic, "offset", key, value, appended_at) VALUES (?, ?, ?, ?, ?)',
            [
                (TOPIC_SEEKERS, 0, "s-1", '{"name": "old"}', "2024-01-01T00:00:00+00:00"),
                (TOPIC_SEEKERS, 1, "s-1", None, "2024-01-01T00:00:00+00:00"),
                (TOPIC_SEEKERS, 2, "s-2", '{"name": "kept"}', "2024-01-01T00:00:00+00:00"),
                (TOPIC_MATCHES, 0, "m-1", '{"score": 1}', "2024-01-01T00:00:00+00:00"),
                (TOPIC_MATCHES, 1, "m-1", None, "2024-01-01T00:00:00+00:00"),
            ],
        )

    SqliteEventLog(path).close()

    with closing(sqlite3.connect(path)) as raw:
        values = raw.execute("SELECT topic, key, value FROM events ORDER BY seq").fetchall()
    assert values == [
        (TOPIC_SEEKERS, "s-1", None),
        (TOPIC_SEEKERS, "s-1", None),
        (TOPIC_SEEKERS, "s-2", '{"name": "kept"}'),
        (TOPIC_MATCHES, "m-1", '{"score": 1}'),
        (TOPIC_MATCHES, "m-1", None),
    ]


@pytest.mark.kafka
def test_kafka_compacts_record_topics_and_ages_out_the_others(kafka_bootstrap: str) -> None:
    prefix = f"contract-{uuid.uuid4().hex[:12]}."
    log = KafkaEventLog(bootstrap=kafka_bootstrap, topic_prefix=prefix)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="contract-test")
    try:
        log.ensure_topics()
        policies = cleanup_policies(admin, [prefix + t for t in ALL_TOPICS])
    finally:
        admin.close()
        log.close()

    assert set(COMPACTED_TOPICS) == {TOPIC_POSTINGS, TOPIC_SEEKERS}
    assert policies == {
        prefix + TOPIC_POSTINGS: "compact",
        prefix + TOPIC_SEEKERS: "compact",
        prefix + TOPIC_DLQ: "delete",
        prefix + TOPIC_MATCHES: "delete",
    }


@pytest.mark.kafka
def test_kafka_existing_topic_with_another_policy_is_reported_not_altered(
    kafka_bootstrap: str, caplog: pytest.LogCaptureFixture
) -> None:
    prefix = f"contract-{uuid.uuid4().hex[:12]}."
    name = prefix + TOPIC_SEEKERS
    log = KafkaEventLog(bootstrap=kafka_bootstrap, topic_prefix=prefix)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="contract-test")
    try:
        admin.create_topics([NewTopic(name, 1, 1, topic_configs={"cleanup.policy": "delete"})])
        with caplog.at_level("WARNING", logger="shared.adapters.kafka_log"):
            log.ensure_topics([TOPIC_SEEKERS])
        policies = cleanup_policies(admin, [name])
    finally:
        admin.close()
        log.close()

    assert policies == {name: "delete"}
    assert any(name in r.getMessage() and "compact" in r.getMessage() for r in caplog.records)


@pytest.mark.kafka
def test_kafka_topics_get_the_configured_partitions(kafka_bootstrap: str) -> None:
    prefix = f"contract-{uuid.uuid4().hex[:12]}."
    log = KafkaEventLog(bootstrap=kafka_bootstrap, partitions=2, topic_prefix=prefix)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="contract-test")
    try:
        log.ensure_topics()
        log.ensure_topics()
        described = admin.describe_topics([prefix + t for t in ALL_TOPICS])
    finally:
        admin.close()
        log.close()

    assert {t["topic"]: (t["error_code"], len(t["partitions"])) for t in described} == {
        prefix + t: (0, 2) for t in ALL_TOPICS
    }


@pytest.mark.kafka
def test_kafka_topic_prefixes_keep_deployments_apart(kafka_bootstrap: str) -> None:
    logs = [
        KafkaEventLog(bootstrap=kafka_bootstrap, topic_prefix=f"contract-{uuid.uuid4().hex[:12]}.")
        for _ in range(2)
    ]
    consumers: list[Consumer] = []
    try:
        for n, log in enumerate(logs):
            log.ensure_topics([TOPIC_POSTINGS])
            log.publish(TOPIC_POSTINGS, [(f"tenant-{n}", {"n": n})])
        consumers = [log.consumer([TOPIC_POSTINGS], "same-group-name") for log in logs]
        seen = [drain(consumer, 1) for consumer in consumers]
    finally:
        for closable in [*consumers, *logs]:
            closable.close()

    assert [[(e.topic, e.key) for e in events] for events in seen] == [
        [(TOPIC_POSTINGS, "tenant-0")],
        [(TOPIC_POSTINGS, "tenant-1")],
    ]


@pytest.mark.kafka
def test_kafka_unreachable_broker_is_reported(unused_tcp_port: int) -> None:
    log = KafkaEventLog(bootstrap=f"127.0.0.1:{unused_tcp_port}")
    try:
        assert log.ping() is False
        with pytest.raises(BackendUnavailable):
            log.publish(TOPIC_POSTINGS, numbered("p", 1))
    finally:
        log.close()


def test_rewind_returns_to_the_committed_offsets_in_the_same_consumer(backend: Backend) -> None:
    event_log = backend.open_log()
    event_log.ensure_topics([TOPIC_POSTINGS])
    event_log.publish(TOPIC_POSTINGS, numbered("r", 6))
    consumer = backend.consumer(event_log, [TOPIC_POSTINGS], "rewinder")
    events = drain(consumer, 6)
    committed = [e for e in events if int(e.key.split("-")[1]) < 2]
    consumer.commit(committed)
    consumer.rewind()
    again = drain(consumer, 6 - len(committed))
    assert sorted(keys_of(again)) == sorted(k for k in keys_of(events) if k not in keys_of(committed))
    consumer.rewind()  # nothing new committed: the same events once more
    assert sorted(keys_of(drain(consumer, len(again)))) == sorted(keys_of(again))


def test_values_that_are_not_json_objects_arrive_marked_undecodable(backend: Backend) -> None:
    event_log = backend.open_log()
    event_log.ensure_topics([TOPIC_POSTINGS])
    event_log.publish_raw(
        TOPIC_POSTINGS, [("bad-1", b"\xff\xfe not json"), ("bad-2", b"[1, 2]"), ("bad-3", b'{"cut": ')]
    )
    event_log.publish(TOPIC_POSTINGS, [("good", {"n": 1}), ("gone", None)])
    events = {e.key: e for e in drain(backend.consumer(event_log, [TOPIC_POSTINGS], "raw"), 5)}
    assert set(events) == {"bad-1", "bad-2", "bad-3", "good", "gone"}
    for key in ("bad-1", "bad-2", "bad-3"):
        assert events[key].value is None and events[key].undecodable, key
    assert events["good"].value == {"n": 1} and events["good"].undecodable is None
    assert events["gone"].value is None and events["gone"].undecodable is None  # a tombstone, not poison


# Positional reads (the partner feeds): by partition position, without a group.


def read_all(
    event_log: EventLog, topic: str, *, page: int, until: dict[int, int] | None = None
) -> list[Event]:
    """Every event of ``topic`` (up to ``until``), page by page, each page resuming where the last stopped."""
    positions: dict[int, int] = {}
    events: list[Event] = []
    for _ in range(200):
        batch = event_log.read(topic, positions, page, until=until)
        if not batch:
            return events
        assert len(batch) <= page
        for event in batch:
            assert event.offset >= positions.get(event.partition, 0)
            positions[event.partition] = event.offset + 1
        events += batch
    raise AssertionError("the pages never ended")


def test_read_by_position_returns_every_event_once_in_order_per_partition(
    event_log: EventLog, backend: Backend
) -> None:
    event_log.ensure_topics([TOPIC_POSTINGS])
    before = int(time.time() * 1000)
    records = [(f"p-{n % 7}", {"n": n}) for n in range(40)]
    event_log.publish(TOPIC_POSTINGS, records)

    whole = event_log.read(TOPIC_POSTINGS, {}, 500)
    paged = read_all(event_log, TOPIC_POSTINGS, page=6)

    assert sorted((e.partition, e.offset) for e in paged) == sorted((e.partition, e.offset) for e in whole)
    assert sorted(e.value["n"] for e in paged if e.value) == list(range(40))
    for key in {k for k, _ in records}:
        assert [e.value["n"] for e in paged if e.key == key and e.value] == [
            v["n"] for k, v in records if k == key
        ]
    assert all(e.topic == TOPIC_POSTINGS and 0 <= e.partition < backend.partitions for e in paged)
    assert all(
        e.timestamp_ms is not None and before - 5000 <= e.timestamp_ms <= time.time() * 1000 + 5000
        for e in paged
    )


def test_read_resumes_from_any_positions_and_past_the_end_finds_nothing(event_log: EventLog) -> None:
    event_log.ensure_topics([TOPIC_SEEKERS])
    event_log.publish(TOPIC_SEEKERS, numbered("s", 20))
    events = read_all(event_log, TOPIC_SEEKERS, page=500)
    by_partition: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        by_partition[event.partition].append(event)

    # From the middle of every partition: exactly the later half of each.
    middle = {p: found[len(found) // 2].offset for p, found in by_partition.items()}
    rest = event_log.read(TOPIC_SEEKERS, middle, 500)
    assert sorted(keys_of(rest)) == sorted(
        e.key for p, found in by_partition.items() for e in found if e.offset >= middle[p]
    )
    end = {p: found[-1].offset + 1 for p, found in by_partition.items()}
    assert event_log.read(TOPIC_SEEKERS, end, 500) == []
    event_log.publish(TOPIC_SEEKERS, [("s-new", {"n": 99})])
    assert keys_of(event_log.read(TOPIC_SEEKERS, end, 500)) == ["s-new"]


def test_read_stops_at_a_groups_committed_positions(event_log: EventLog, backend: Backend) -> None:
    event_log.ensure_topics([TOPIC_POSTINGS])
    assert event_log.committed(TOPIC_POSTINGS, "indexer") == {p: 0 for p in range(backend.partitions)}
    assert event_log.read(TOPIC_POSTINGS, {}, 500, until=event_log.committed(TOPIC_POSTINGS, "indexer")) == []
    event_log.publish(TOPIC_POSTINGS, numbered("p", 15))

    indexer = backend.consumer(event_log, [TOPIC_POSTINGS], "indexer")
    done = first_batch(indexer, max_records=5)
    indexer.commit(done)
    event_log.publish(TOPIC_POSTINGS, numbered("later", 3))
    committed = event_log.committed(TOPIC_POSTINGS, "indexer")

    expected = {p: 0 for p in range(backend.partitions)}
    for event in done:
        expected[event.partition] = max(expected[event.partition], event.offset + 1)
    assert committed == expected
    assert event_log.committed(TOPIC_POSTINGS, "other-group") == {p: 0 for p in range(backend.partitions)}
    # Only what the group has committed, page by page too: never an event it has not processed.
    assert sorted(keys_of(read_all(event_log, TOPIC_POSTINGS, page=2, until=committed))) == sorted(
        keys_of(done)
    )


def test_read_of_an_erased_key_gives_tombstones_or_the_values_compaction_has_not_reached(
    event_log: EventLog,
) -> None:
    event_log.ensure_topics([TOPIC_SEEKERS])
    event_log.publish(TOPIC_SEEKERS, [("s-1", {"name": "张伟"}), ("s-2", {"name": "李娜"}), ("s-1", None)])

    events = read_all(event_log, TOPIC_SEEKERS, page=1)

    assert [e.value for e in events if e.key == "s-1"][-1] is None
    assert [e.value for e in events if e.key == "s-2"] == [{"name": "李娜"}]

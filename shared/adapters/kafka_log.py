"""Event log on Kafka (kafka-python): the distributed shape of the event-log port.

``topic_prefix`` gives a deployment its own namespace on a shared cluster: it
is put before every topic and consumer-group name sent to Kafka, so several
deployments (or test runs) can share one broker; events carry the port's
unprefixed topic names.

``ensure_topics`` creates the port's compacted topics with
``cleanup.policy=compact`` and the others with time-based deletion. It never
alters a topic that already exists: a mismatched cleanup policy is logged as
a warning for an operator to fix.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from shared.errors import BackendUnavailable
from shared.json_codec import dumps_bytes
from shared.ports.event_log import ALL_TOPICS, COMPACTED_TOPICS, Event, decoded_value

log = logging.getLogger(__name__)

TOPIC_READY_TIMEOUT_S = 30.0
PUBLISH_TIMEOUT_S = 30.0
COMMIT_TIMEOUT_MS = 15_000
NO_LEADER_EPOCH = -1
DAY_MS = 24 * 60 * 60 * 1000
IDLE_READERS = 4
"""Group-less consumers kept open for positional reads (``read``): one per concurrent reader, up to this."""
READER_POLL_MS = 200
COMMITTED_TIMEOUT_S = 10.0

COMPACTED_TOPIC_CONFIG = {
    "cleanup.policy": "compact",
    # A consumer that is down for less than this still sees the tombstone and deletes its copy.
    "delete.retention.ms": str(DAY_MS),
    "min.compaction.lag.ms": "0",
    # Bounds how long erased personal data may wait for compaction; it also rolls the active segment.
    "max.compaction.lag.ms": str(DAY_MS),
}
DELETED_BY_AGE_TOPIC_CONFIG = {"cleanup.policy": "delete", "retention.ms": str(7 * DAY_MS)}


def topic_config(topic: str) -> dict[str, str]:
    """Kafka topic configs for one of the port's (unprefixed) topics."""
    return dict(COMPACTED_TOPIC_CONFIG if topic in COMPACTED_TOPICS else DELETED_BY_AGE_TOPIC_CONFIG)


def encode_value(value: dict[str, Any] | None) -> bytes | None:
    return None if value is None else dumps_bytes(value)


class KafkaEventLog:
    """Topics, producer and admin client for one Kafka cluster; clients are created on first use."""

    def __init__(
        self,
        *,
        bootstrap: str,
        partitions: int = 3,
        replication: int = 1,
        client_id: str = "jobmatch",
        topic_prefix: str = "",
    ) -> None:
        self.bootstrap = bootstrap
        self.partitions = partitions
        self.replication = replication
        self.client_id = client_id
        self.topic_prefix = topic_prefix
        self._producer: KafkaProducer | None = None
        self._admin: KafkaAdminClient | None = None
        self._idle_readers: list[KafkaConsumer] = []
        self._readers_lock = threading.Lock()
        # HTTP worker threads publish concurrently; the admin client is not safe to share between threads.
        self._clients_lock = threading.RLock()

    def kafka_topic(self, topic: str) -> str:
        return self.topic_prefix + topic

    def _admin_client(self) -> KafkaAdminClient:
        with self._clients_lock:
            if self._admin is None:
                self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id=self.client_id)
            return self._admin

    def _producer_client(self) -> KafkaProducer:
        with self._clients_lock:
            if self._producer is not None:
                return self._producer
            self._producer = KafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id=self.client_id,
                acks="all",
                enable_idempotence=True,
                max_block_ms=15_000,
                request_timeout_ms=15_000,
                delivery_timeout_ms=int(PUBLISH_TIMEOUT_S * 1000),
            )
            return self._producer

    def ensure_topics(self, topics: Sequence[str] = ALL_TOPICS) -> None:
        configs = {self.kafka_topic(t): topic_config(t) for t in dict.fromkeys(topics)}
        names = list(configs)
        try:
            with self._clients_lock:
                admin = self._admin_client()
                existing = set(admin.list_topics())
                for name in names:
                    if name in existing:
                        continue
                    try:
                        admin.create_topics(
                            [NewTopic(name, self.partitions, self.replication, topic_configs=configs[name])]
                        )
                    except TopicAlreadyExistsError:
                        pass  # created meanwhile by another service
                self._wait_until_visible(admin, names)
                self._warn_on_other_cleanup_policy(admin, {n: configs[n] for n in names if n in existing})
        except KafkaError as exc:
            raise BackendUnavailable(f"Kafka at {self.bootstrap}: cannot create topics: {exc}") from exc

    def _warn_on_other_cleanup_policy(
        self, admin: KafkaAdminClient, configs: dict[str, dict[str, str]]
    ) -> None:
        if not configs:
            return
        policies = cleanup_policies(admin, list(configs))
        for name, config in configs.items():
            wanted = config["cleanup.policy"]
            if policies.get(name) != wanted:
                log.warning(
                    "Kafka topic %s exists with cleanup.policy=%s, expected %s; left unchanged",
                    name,
                    policies.get(name),
                    wanted,
                )

    def _wait_until_visible(self, admin: KafkaAdminClient, names: list[str]) -> None:
        deadline = time.monotonic() + TOPIC_READY_TIMEOUT_S
        while True:
            described = admin.describe_topics(names)
            ready = {
                t["topic"]
                for t in described
                if t["error_code"] == 0
                and t["partitions"]
                and all(p["error_code"] == 0 and p["leader"] >= 0 for p in t["partitions"])
            }
            if ready >= set(names):
                return
            if time.monotonic() > deadline:
                raise BackendUnavailable(f"Kafka topics not ready: {sorted(set(names) - ready)}")
            time.sleep(0.1)

    def publish(self, topic: str, records: Sequence[tuple[str, dict[str, Any] | None]]) -> None:
        self._send(topic, [(key, encode_value(value)) for key, value in records])

    def publish_raw(self, topic: str, records: Sequence[tuple[str, bytes]]) -> None:
        self._send(topic, list(records))

    def _send(self, topic: str, records: Sequence[tuple[str, bytes | None]]) -> None:
        if not records:
            return
        name = self.kafka_topic(topic)
        try:
            producer = self._producer_client()
            futures = [producer.send(name, key=key.encode("utf-8"), value=value) for key, value in records]
            producer.flush(timeout=PUBLISH_TIMEOUT_S)
            for future in futures:
                future.get(timeout=PUBLISH_TIMEOUT_S)
        except KafkaError as exc:
            raise BackendUnavailable(f"Kafka at {self.bootstrap}: publish to {name} failed: {exc}") from exc

    def consumer(self, topics: Sequence[str], group: str) -> KafkaEventConsumer:
        try:
            return KafkaEventConsumer(
                KafkaConsumer(
                    *[self.kafka_topic(t) for t in dict.fromkeys(topics)],
                    bootstrap_servers=self.bootstrap,
                    client_id=self.client_id,
                    group_id=self.topic_prefix + group,
                    enable_auto_commit=False,
                    auto_offset_reset="earliest",
                ),
                topic_prefix=self.topic_prefix,
            )
        except KafkaError as exc:
            raise BackendUnavailable(f"Kafka at {self.bootstrap}: cannot join group {group}: {exc}") from exc

    @contextmanager
    def _reader(self) -> Iterator[KafkaConsumer]:
        """A consumer without a group (assign and seek), kept for the next read unless this one failed.

        A KafkaConsumer is not safe to share between threads, and opening one costs a metadata round
        trip: each concurrent read takes its own from a small pool."""
        with self._readers_lock:
            reader = self._idle_readers.pop() if self._idle_readers else None
        if reader is None:
            reader = KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                client_id=self.client_id,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                fetch_max_wait_ms=READER_POLL_MS,
            )
        try:
            yield reader
        except BaseException:
            reader.close(autocommit=False)
            raise
        with self._readers_lock:
            if len(self._idle_readers) < IDLE_READERS:
                self._idle_readers.append(reader)
                return
        reader.close(autocommit=False)

    def _partitions(self, reader: KafkaConsumer, name: str) -> list[int]:
        found = reader.partitions_for_topic(name)
        if not found:
            # Metadata is cached per consumer: a topic made since is found after a refresh.
            reader.topics()
            found = reader.partitions_for_topic(name)
        return sorted(found or ())

    def read(
        self,
        topic: str,
        positions: Mapping[int, int],
        max_records: int,
        *,
        until: Mapping[int, int] | None = None,
        timeout_s: float = 5.0,
    ) -> list[Event]:
        name = self.kafka_topic(topic)
        try:
            with self._reader() as reader:
                partitions = [p for p in self._partitions(reader, name) if until is None or p in until]
                tps = {p: TopicPartition(name, p) for p in partitions}
                if not tps or max_records <= 0:
                    return []
                reader.assign(list(tps.values()))
                reader.resume(*tps.values())
                ends = reader.end_offsets(list(tps.values()))
                stops: dict[TopicPartition, int] = {}
                for p, tp in tps.items():
                    stop = ends[tp] if until is None else min(until[p], ends[tp])
                    start = positions.get(p, 0)
                    if start >= stop:
                        reader.pause(tp)
                        continue
                    reader.seek(tp, start)
                    stops[tp] = stop
                # Up to max_records from every partition, then merged: the answer depends on the positions
                # alone, not on which partition a fetch happened to bring first.
                found: dict[TopicPartition, list[Event]] = {tp: [] for tp in stops}
                deadline = time.monotonic() + timeout_s
                while stops and time.monotonic() < deadline:
                    batches = reader.poll(timeout_ms=READER_POLL_MS * 2, max_records=max_records)
                    for tp, records in batches.items():
                        stop = stops.get(tp)
                        if stop is None:
                            continue
                        found[tp] += [_event(r, self.topic_prefix) for r in records if r.offset < stop]
                        del found[tp][max_records:]
                    for tp in list(stops):
                        # Past the stop (or at a gap compaction left there), or enough read: this one is done.
                        if len(found[tp]) >= max_records or reader.position(tp) >= stops[tp]:
                            reader.pause(tp)
                            del stops[tp]
        except KafkaError as exc:
            raise BackendUnavailable(f"Kafka at {self.bootstrap}: reading {name} failed: {exc}") from exc
        merged = heapq.merge(
            *(found[tp] for tp in sorted(found)), key=lambda e: (e.timestamp_ms or 0, e.partition)
        )
        return list(itertools.islice(merged, max_records))

    def committed(self, topic: str, group: str) -> dict[int, int]:
        name = self.kafka_topic(topic)
        try:
            with self._reader() as reader:
                partitions = self._partitions(reader, name)
            tps = [TopicPartition(name, p) for p in partitions]
            deadline = time.monotonic() + COMMITTED_TIMEOUT_S
            while True:
                try:
                    with self._clients_lock:
                        found = self._admin_client().list_consumer_group_offsets(
                            self.topic_prefix + group, partitions=tps
                        )
                    break
                except KafkaError as exc:
                    # The group's coordinator may be moving or loading (a new group, a broker restart).
                    if not exc.retriable or time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        except KafkaError as exc:
            raise BackendUnavailable(f"Kafka at {self.bootstrap}: offsets of {group} failed: {exc}") from exc
        offsets = {tp.partition: meta.offset for tp, meta in found.items()}
        return {p: max(offsets.get(p, 0), 0) for p in partitions}

    def ping(self) -> bool:
        try:
            with self._clients_lock:
                self._admin_client().describe_cluster()
        except KafkaError:
            return False
        return True

    def close(self) -> None:
        with self._clients_lock:
            if self._producer is not None:
                self._producer.close(timeout=PUBLISH_TIMEOUT_S)
                self._producer = None
            if self._admin is not None:
                self._admin.close()
                self._admin = None
        with self._readers_lock:
            readers, self._idle_readers = self._idle_readers, []
        for reader in readers:
            reader.close(autocommit=False)


def cleanup_policies(admin: KafkaAdminClient, names: list[str]) -> dict[str, str]:
    """Topic name -> its effective ``cleanup.policy``."""
    responses = admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name, configs={"cleanup.policy": None}) for name in names]
    )
    policies: dict[str, str] = {}
    for response in responses:
        # Each resource is (error_code, error_message, type, name, entries); each entry starts (name, value).
        for error_code, _, _, name, entries in response.resources:
            values = [entry[1] for entry in entries if entry[0] == "cleanup.policy"]
            if error_code == 0 and values:
                policies[name] = values[0]
    return policies


def _event(record: Any, topic_prefix: str) -> Event:
    value, undecodable = decoded_value(record.value)
    return Event(
        topic=record.topic.removeprefix(topic_prefix),
        partition=record.partition,
        offset=record.offset,
        key="" if record.key is None else record.key.decode("utf-8", "replace"),
        value=value,
        undecodable=undecodable,
        timestamp_ms=record.timestamp if record.timestamp is not None and record.timestamp >= 0 else None,
    )


class KafkaEventConsumer:
    """A group member: returns records as ``Event`` and commits only what it is given."""

    def __init__(self, consumer: KafkaConsumer, *, topic_prefix: str = "") -> None:
        self._consumer = consumer
        self._topic_prefix = topic_prefix

    def poll(self, max_records: int = 500, timeout_s: float = 1.0) -> list[Event]:
        try:
            batches = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        except KafkaError as exc:
            raise BackendUnavailable(f"Kafka poll failed: {exc}") from exc
        return [_event(record, self._topic_prefix) for records in batches.values() for record in records]

    def commit(self, events: Sequence[Event]) -> None:
        next_offsets: dict[TopicPartition, int] = {}
        for event in events:
            partition = TopicPartition(self._topic_prefix + event.topic, event.partition)
            next_offsets[partition] = max(next_offsets.get(partition, 0), event.offset + 1)
        if not next_offsets:
            return
        try:
            self._consumer.commit(
                offsets={
                    tp: OffsetAndMetadata(offset, "", NO_LEADER_EPOCH) for tp, offset in next_offsets.items()
                },
                timeout_ms=COMMIT_TIMEOUT_MS,
            )
        except KafkaError as exc:
            raise BackendUnavailable(f"Kafka commit failed: {exc}") from exc

    def rewind(self) -> None:
        try:
            for partition in self._consumer.assignment():
                committed = self._consumer.committed(partition)
                if committed is None:
                    # Nothing committed yet: where auto_offset_reset="earliest" starts a new group.
                    self._consumer.seek_to_beginning(partition)
                else:
                    self._consumer.seek(partition, committed)
        except KafkaError as exc:
            raise BackendUnavailable(f"Kafka rewind failed: {exc}") from exc

    def close(self) -> None:
        self._consumer.close(autocommit=False)

"""Erasure reaches the disk: after a seeker's deletion its bytes are in no file of the data directory.

A delete only marks a tantivy document deleted, and SQLite may keep freed page
content and old page images in its WAL; the indexing consumer purges the
seekers index after a batch holding a seeker's tombstone, and the event log
erases at the tombstone. These tests read every file under the data directory
(tantivy's segment files, the SQLite file and its -wal and -shm) and look for
the deleted seeker's name, phone number and work history, while those of a
seeker kept are still found there: the scan sees what it looks for.

Elasticsearch's data directory is not scanned: its stored fields are
compressed, so a missing string would prove nothing. There the index's
statistics must count no deleted document after the purge.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.ingest.batch import check_record
from services.search.consumer import IndexingConsumer, rebuilt_seeker
from shared.adapters.sqlite_log import SqliteEventLog
from shared.adapters.tantivy_index import TantivyIndex
from shared.index.documents import seeker_doc
from shared.index.documents import stored_seeker as record_of
from shared.index.fields import POSTINGS, SEEKERS
from shared.ports.event_log import TOPIC_POSTINGS, TOPIC_SEEKERS
from shared.ports.search_index import IndexDoc, Purge

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
GROUP = "indexer"


@dataclass(frozen=True)
class Person:
    source_id: str
    name: str
    phone: str
    work_history: str

    @property
    def id(self) -> str:
        return f"test:{self.source_id}"

    def markers(self) -> list[bytes]:
        """The name, phone number and work history, each less its first and last character.

        The doc store's compression (lz4) may fold the first or last bytes of a string into a
        back-reference to the JSON around it (every phone number follows ``"phone":"1``), so only
        the inside of each string is sure to be stored as it is.
        """
        return [text[1:-1].encode() for text in (self.name, self.phone, self.work_history)]


# No character of these occurs twice among them or in the rest of a record (河南省郑州市金水区, 电工,
# 低压电工), and no four digits of a phone number in another number of the record: the doc store's
# compression (lz4, matches of 4 bytes or more) then has nothing to refer back to inside them.
ERASED = Person("erased", "欧阳翠凤", "13907315862", "曾赴柴达木盆地钾肥厂扛包")
EDITED = Person("erased", "欧阳翠凤", "15274093318", "后来去攀枝花钒钛矿开铲车")
KEPT = Person("kept", "诸葛云峰", "18629570461", "在普洱思茅焙制晒青毛尖")
LATER = Person("later", "上官婉儿", "17745306829", "于满洲里口岸冷库搬运冻鱼")


def stored_seeker(person: Person, *, updated: datetime = NOW) -> dict[str, Any]:
    """The seeker as ingest publishes it: its normalised record's JSON."""
    raw = {
        "source": "test",
        "source_id": person.source_id,
        "name": person.name,
        "phone": person.phone,
        "region_code": "410105",
        "desired_titles": ["电工"],
        "skills": ["低压电工"],
        "work_history": person.work_history,
        "updated_at": updated.isoformat(),
    }
    record, outcome = check_record("seekers", raw, received_at=updated)
    assert record is not None, outcome
    return record.model_dump(mode="json")


def seeker_doc_of(person: Person) -> IndexDoc:
    return seeker_doc(record_of(stored_seeker(person)))


def data_bytes(data_dir: Path) -> bytes:
    """Every file under the data directory, read as it is now."""
    return b"".join(path.read_bytes() for path in sorted(data_dir.rglob("*")) if path.is_file())


def found(data_dir: Path, person: Person) -> list[bytes]:
    everything = data_bytes(data_dir)
    return [marker for marker in person.markers() if marker in everything]


@dataclass
class Embedded:
    """The embedded shape's storage in one data directory, and its indexing consumer."""

    data_dir: Path
    log: SqliteEventLog
    postings: TantivyIndex
    seekers: TantivyIndex

    def indexer(self, **options: float) -> IndexingConsumer:
        return IndexingConsumer(
            event_log=self.log, postings=self.postings, seekers=self.seekers, group=GROUP, **options
        )

    def run(self, indexer: IndexingConsumer) -> int:
        return run(self.log, indexer)


def run(log: SqliteEventLog, indexer: IndexingConsumer) -> int:
    """One pass of the consumer (what its thread repeats); how many events it applied."""
    consumer = log.consumer([TOPIC_POSTINGS, TOPIC_SEEKERS], GROUP)
    try:
        return indexer.run_once(consumer, timeout_s=0.2)
    finally:
        consumer.close()


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Embedded]:
    data_dir = tmp_path / "data"
    opened = Embedded(
        data_dir,
        SqliteEventLog(data_dir / "events.sqlite3"),
        TantivyIndex(POSTINGS, data_dir / "index" / "postings"),
        TantivyIndex(SEEKERS, data_dir / "index" / "seekers"),
    )
    opened.log.ensure_topics()
    yield opened
    opened.seekers.close()
    opened.postings.close()
    opened.log.close()


def test_a_deleted_seeker_and_its_earlier_version_are_in_no_file_of_the_data_directory(
    embedded: Embedded,
) -> None:
    indexer = embedded.indexer()
    embedded.log.publish(TOPIC_SEEKERS, [(ERASED.id, stored_seeker(ERASED)), (KEPT.id, stored_seeker(KEPT))])
    assert embedded.run(indexer) == 2
    # An edit: the index deletes the first version (only marked deleted on disk) and adds the new one.
    embedded.log.publish(
        TOPIC_SEEKERS, [(EDITED.id, stored_seeker(EDITED, updated=NOW + timedelta(hours=1)))]
    )
    assert embedded.run(indexer) == 1
    assert embedded.seekers.get(ERASED.id)["phone"] == EDITED.phone  # type: ignore[index]
    assert found(embedded.data_dir, ERASED) == ERASED.markers()  # the first version: marked deleted
    assert found(embedded.data_dir, EDITED) == EDITED.markers()

    embedded.log.publish(TOPIC_SEEKERS, [(ERASED.id, None)])
    assert embedded.run(indexer) == 1  # applies the tombstone, commits, purges

    assert embedded.seekers.get(ERASED.id) is None
    assert found(embedded.data_dir, ERASED) == []
    assert found(embedded.data_dir, EDITED) == []
    assert found(embedded.data_dir, KEPT) == KEPT.markers()  # the scan does find what is there
    assert embedded.seekers.get(KEPT.id)["phone"] == KEPT.phone  # type: ignore[index]


def test_a_delete_alone_leaves_the_bytes_in_the_segment_and_the_purge_removes_them(tmp_path: Path) -> None:
    """Why the purge exists: tantivy marks a deleted document and keeps its stored record."""
    index = TantivyIndex(SEEKERS, tmp_path / "seekers")
    try:
        index.upsert([seeker_doc_of(ERASED), seeker_doc_of(KEPT)])
        index.delete([ERASED.id])
        index.refresh()
        assert index.get(ERASED.id) is None
        assert found(tmp_path, ERASED) == ERASED.markers()

        assert index.purge_deleted(rebuilt_seeker) == Purge(dropped=1, left=0)
        assert found(tmp_path, ERASED) == []
        assert found(tmp_path, KEPT) == KEPT.markers()
        assert index.purge_deleted(rebuilt_seeker) == Purge(dropped=0, left=0)  # nothing left to drop
    finally:
        index.close()


def test_a_deletion_soon_after_a_purge_is_purged_when_the_interval_ends(embedded: Embedded) -> None:
    indexer = embedded.indexer(purge_interval_s=1.0)
    people = (ERASED, KEPT, LATER)
    embedded.log.publish(TOPIC_SEEKERS, [(p.id, stored_seeker(p)) for p in people])
    embedded.run(indexer)
    embedded.log.publish(TOPIC_SEEKERS, [(ERASED.id, None)])
    embedded.run(indexer)
    assert found(embedded.data_dir, ERASED) == []  # the first purge runs right after its batch

    embedded.log.publish(TOPIC_SEEKERS, [(LATER.id, None)])
    started = time.monotonic()
    embedded.run(indexer)
    assert embedded.seekers.get(LATER.id) is None
    assert found(embedded.data_dir, LATER) == LATER.markers()  # within the interval: not yet purged
    while found(embedded.data_dir, LATER):
        assert time.monotonic() - started < 5, "not purged within the interval"
        embedded.run(indexer)  # an idle pass (nothing to read) purges once the interval is over
    assert time.monotonic() - started >= 0.5
    assert found(embedded.data_dir, KEPT) == KEPT.markers()


def test_a_deletion_a_stop_left_unpurged_is_purged_at_the_next_start(embedded: Embedded) -> None:
    embedded.seekers.upsert([seeker_doc_of(ERASED), seeker_doc_of(KEPT)])
    embedded.seekers.delete([ERASED.id])  # what the consumer had done when the process stopped
    assert found(embedded.data_dir, ERASED) == ERASED.markers()

    assert embedded.run(embedded.indexer()) == 0  # nothing to read: the start-up purge alone
    assert found(embedded.data_dir, ERASED) == []
    assert found(embedded.data_dir, KEPT) == KEPT.markers()


@pytest.mark.elasticsearch
def test_elasticsearch_keeps_no_deleted_seeker_once_the_consumer_has_purged(
    tmp_path: Path, elasticsearch_url: str
) -> None:
    """Elasticsearch keeps its newest deletes until the shard's retention leases are renewed (every
    30 s); the consumer purges again each interval until none is left."""
    from elasticsearch import Elasticsearch

    from shared.adapters.es_index import open_elasticsearch_index

    prefix = f"erasure-{uuid.uuid4().hex[:10]}"
    log = SqliteEventLog(tmp_path / "events.sqlite3")
    postings = open_elasticsearch_index(POSTINGS, url=elasticsearch_url, prefix=prefix)
    seekers = open_elasticsearch_index(SEEKERS, url=elasticsearch_url, prefix=prefix)
    admin = Elasticsearch(elasticsearch_url)

    def seeker_docs() -> tuple[int, int]:
        docs = admin.indices.stats(index=seekers.alias, metric="docs")["_all"]["total"]["docs"]
        return docs["count"], docs["deleted"]

    try:
        indexer = IndexingConsumer(
            event_log=log, postings=postings, seekers=seekers, group=GROUP, purge_interval_s=1.0
        )
        log.publish(TOPIC_SEEKERS, [(ERASED.id, stored_seeker(ERASED)), (KEPT.id, stored_seeker(KEPT))])
        run(log, indexer)
        log.publish(TOPIC_SEEKERS, [(EDITED.id, stored_seeker(EDITED, updated=NOW + timedelta(hours=1)))])
        run(log, indexer)
        log.publish(TOPIC_SEEKERS, [(ERASED.id, None)])
        run(log, indexer)
        assert seekers.get(ERASED.id) is None

        started = time.monotonic()
        while seeker_docs()[1]:
            assert time.monotonic() - started < 90, f"deleted seekers left: {seeker_docs()}"
            time.sleep(1.0)
            run(log, indexer)  # an idle pass: purges again once the interval is over
        assert seeker_docs() == (1, 0)
        assert seekers.get(KEPT.id)["phone"] == KEPT.phone  # type: ignore[index]
        assert found(tmp_path, ERASED) == [] and found(tmp_path, KEPT) == KEPT.markers()  # the event log
    finally:
        log.close()
        postings.close()
        seekers.close()
        names = list(admin.indices.get(index=f"{prefix}-*", expand_wildcards="all"))
        if names:
            admin.indices.delete(index=",".join(names))
        admin.close()

"""Indexes posting and seeker events.

Processing a batch is a plain function from events to index writes. Offsets
are committed only after the index write is durable and visible. The
consumer tells poison from outage:

- a record that cannot be decoded, does not validate as a stored record,
  cannot be made into an index document, or that the index refuses goes to the
  dead-letter topic with its position and the reason, and is committed: the
  stream moves on;
- an unreachable backend leaves the batch uncommitted: the consumer rewinds
  to the last commit and retries with exponential backoff and jitter
  (tenacity), keeping its group membership. Any other failure of a whole
  batch is retried the same way rather than dropped: a defect of ours must not
  lose accepted records, and /readyz turns unready after 30 s of it so an
  alert fires.

Erasure: a seeker's tombstone deletes the profile from the index, which only
marks it deleted on disk. After a batch holding one commits, the consumer purges
the seekers index (``SearchIndex.purge_deleted``), so the profile's bytes leave
the index's files: right after that batch, or, when a purge ran less than
``ERASURE_PURGE_INTERVAL_S`` before (or nine times that purge's duration, when
longer: purging then takes at most a tenth of the consumer's time), at the end
of that wait; one purge covers every deletion since the last. On tantivy the
bound is therefore the wait plus one purge's duration (30 s + 1.3 s for 10,000
seekers). Elasticsearch keeps its newest deletes until the shard's retention
leases are renewed (every 30 s) and says so (``Purge.left``): the purge after
the next wait drops them, so its bound is about two waits. A purge that fails
is retried after the wait; indexing goes on meanwhile. The first pass after a
start purges too, so a deletion whose purge a stop or crash cut short is purged
then.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter
from pydantic import ValidationError

from services.search.dedup import Links, link_postings, relink_removed, write_rewrites
from services.search.expiry import SWEEP_INTERVAL_S, sweep_expired
from shared.consumer_loop import ConsumerLoop
from shared.domain.personal import dead_letter_copy
from shared.domain.problems import problems_from_validation
from shared.domain.records import PostingRecord, SeekerRecord
from shared.domain.review import ReviewState
from shared.index.documents import posting_doc, seeker_doc
from shared.index.rebuild import rebuilt_seeker
from shared.ports.event_log import TOPIC_DLQ, TOPIC_POSTINGS, TOPIC_SEEKERS, Consumer, Event, EventLog
from shared.ports.search_index import IndexDoc, SearchIndex

log = logging.getLogger(__name__)

ERASURE_PURGE_INTERVAL_S = 30.0
"""At most one purge of the seekers index this often: a purge rewrites the index (on tantivy about
1.3 s for 10,000 seekers, 15 s for 100,000), and while it runs nothing else is indexed."""
PURGE_RETRY_S = 180.0
"""How long after a deletion purges go on while the index reports deleted documents left: past
Elasticsearch's retention lease (about 30 s) with room, but not for ever (on Elasticsearch the count also
holds earlier versions of updated seekers, which steady updates keep above 0)."""
PURGE_SHARE = 0.1
"""And at most this share of the consumer's time: a longer purge waits longer for the next."""

EVENTS_APPLIED = Counter("jobmatch_indexed_events_total", "Posting and seeker events written to the index")
DEAD_LETTERS = Counter("jobmatch_dead_letters_total", "Records the indexer sent to the dead-letter topic")
CONSUMER_FAILURES = Counter("jobmatch_indexing_failures_total", "Batches that failed and will be retried")
PURGED = Counter(
    "jobmatch_erasure_purged_documents_total", "Deleted seeker documents purged from the index's files"
)
STALE_UPSERTS = Counter(
    "jobmatch_stale_upserts_total", "Record versions ignored because the record was deleted after them"
)
PURGE_FAILURES = Counter("jobmatch_erasure_purge_failures_total", "Purges of the seekers index that failed")


@dataclass(frozen=True)
class _Topic:
    name: str
    model: type[PostingRecord | SeekerRecord]
    to_doc: Callable[[Any], IndexDoc]


_TOPICS = (
    _Topic(TOPIC_POSTINGS, PostingRecord, posting_doc),
    _Topic(TOPIC_SEEKERS, SeekerRecord, seeker_doc),
)
TOPIC_NAMES = [topic.name for topic in _TOPICS]


def dead_letter(event: Event, *, stage: str, error: str, details: list[Any] | None = None) -> dict[str, Any]:
    """What staff need to find and fix a record: where it sits in the log and why it failed."""
    record = dead_letter_copy(event.topic, event.value) if event.value is not None else None
    return {
        "kind": event.topic,
        "stage": stage,
        "topic": event.topic,
        "partition": event.partition,
        "offset": event.offset,
        "key": event.key,
        "error": error,
        "details": details or [],
        "record": record,
    }


Record = PostingRecord | SeekerRecord


def _read(event: Event, model: type[Record]) -> tuple[Record | None, dict[str, Any] | None]:
    """The event's record (None for a tombstone), or the dead letter saying why it is not one."""
    if event.undecodable is not None:
        return None, dead_letter(event, stage="decode", error=event.undecodable)
    if event.value is None:
        return None, None
    try:
        record = model.model_validate(event.value)
    except ValidationError as exc:
        details = [problem.model_dump() for problem in problems_from_validation(exc)]
        return None, dead_letter(event, stage="validate", error="不符合存储记录的结构", details=details)
    if record.id != event.key:
        return None, dead_letter(event, stage="validate", error=f"记录 id {record.id} 与事件键不符")
    return record, None


def deleted_seekers(events: Sequence[Event]) -> list[str]:
    """The ids of the seekers the events delete (tombstones on the seekers topic)."""
    return sorted(
        {e.key for e in events if e.topic == TOPIC_SEEKERS and e.value is None and e.undecodable is None}
    )


def erases_seekers(events: Sequence[Event]) -> bool:
    """Whether the events delete a seeker: a tombstone on the seekers topic."""
    return any(
        event.topic == TOPIC_SEEKERS and event.value is None and event.undecodable is None for event in events
    )


def _document(topic: _Topic, record: Record, links: Links, reviews: Mapping[str, ReviewState]) -> IndexDoc:
    if isinstance(record, PostingRecord):
        return posting_doc(
            record,
            review=reviews.get(record.id),
            duplicate_of=links.links.get(record.id),
            bands=links.bands.get(record.id),
        )
    return topic.to_doc(record)


DeletionVersions = Callable[[str, Sequence[str]], Mapping[str, int]]
"""(topic, record ids) → the deletion version of those that were deleted (``shared.domain.deletions``)."""


def _never_deleted(_topic: str, _ids: Sequence[str]) -> Mapping[str, int]:
    return {}


ReviewStates = Callable[[Sequence[PostingRecord]], Mapping[str, ReviewState]]
"""Postings → the review state of the flagged ones (``shared.domain.review.review_states``)."""


def _none_reviewed(_records: Sequence[PostingRecord]) -> Mapping[str, ReviewState]:
    return {}


def apply_events(
    events: Sequence[Event],
    *,
    postings: SearchIndex,
    seekers: SearchIndex,
    deletion_versions: DeletionVersions = _never_deleted,
    review_states: ReviewStates = _none_reviewed,
    verify_links: bool = False,
) -> list[tuple[str, dict[str, Any]]]:
    """Write the events' effect to the indexes; return dead letters for records that could not be indexed.

    Per key the effect is a deletion, or the highest version written after the
    last deletion: the highest, not the last, because two edits of one record can
    arrive out of order (two ingest replicas), and the index's own version check
    cannot protect a version it never sees. A version no newer than the record's
    deletion version is ignored, wherever it sits in the log: a deletion wins
    over every edit made before it. Exceptions from the indexes and the state
    store propagate: they are outages, retried by the caller.

    Postings are linked to their cross-source duplicates first (``services.search.dedup``); with
    ``verify_links`` (an index other replicas write too) the links are checked again once written.
    """
    dead: list[tuple[str, dict[str, Any]]] = []
    for topic, index in zip(_TOPICS, (postings, seekers), strict=True):
        read: list[tuple[Event, Record | None]] = []
        for event in events:
            if event.topic != topic.name:
                continue
            record, letter = _read(event, topic.model)
            if letter is not None:
                dead.append((event.key, letter))
                continue
            read.append((event, record))
        upserted = [event.key for event, record in read if record is not None]
        deleted_at = deletion_versions(topic.name, upserted) if upserted else {}
        latest: dict[str, tuple[Event, Record | None]] = {}
        for event, record in read:
            if record is not None and record.version <= deleted_at.get(event.key, -1):
                STALE_UPSERTS.inc()
                continue  # a copy older than the record's deletion: it must not re-create the record
            current = latest.get(event.key)
            current_record = current[1] if current else None
            if record is None or current_record is None or record.version >= current_record.version:
                latest[event.key] = (event, record)
        deletes = [key for key, (_, record) in latest.items() if record is None]
        # A flagged posting is indexed with the staff decision that holds for it (upheld: withheld).
        reviews = review_states([r for _, r in latest.values() if isinstance(r, PostingRecord) and r.flags])
        links, records = Links(), {key: r for key, (_, r) in latest.items() if isinstance(r, PostingRecord)}
        if topic.name == TOPIC_POSTINGS and latest:
            links = link_postings(index, records, deletes, now=time.time(), reviews=reviews)
        docs: list[IndexDoc] = []
        for key, (event, record) in latest.items():
            if record is None:
                continue
            try:
                docs.append(_document(topic, record, links, reviews))
            except Exception as exc:  # a record that validates but cannot become a document is poison too
                log.exception("building the index document of %s failed", key)
                dead.append((key, dead_letter(event, stage="document", error=f"{type(exc).__name__}: {exc}")))
        if deletes:
            index.delete(deletes)
        if docs:
            for outcome in index.upsert(docs):
                if outcome.status == "error":
                    letter = dead_letter(latest[outcome.id][0], stage="index", error=outcome.error or "")
                    dead.append((outcome.id, letter))
        write_rewrites(index, links)
        if deletes or docs:
            index.refresh()
        if verify_links and links.links:
            _verify(index, records, deletes, links, reviews)
    return dead


def _verify(
    index: SearchIndex,
    records: dict[str, PostingRecord],
    deletes: list[str],
    links: Links,
    reviews: Mapping[str, ReviewState],
) -> None:
    """Link the batch again now that its write is visible: what another replica wrote meanwhile is seen."""
    check = link_postings(index, records, deletes, now=time.time(), written=links.links, reviews=reviews)
    if check.rewrites:
        write_rewrites(index, check)
        index.refresh()


class IndexingConsumer(ConsumerLoop):
    """Runs ``apply_events`` over the posting and seeker topics in a background thread."""

    thread_name = "indexing-consumer"
    failure = "indexing failed"

    def __init__(
        self,
        *,
        event_log: EventLog,
        postings: SearchIndex,
        seekers: SearchIndex,
        group: str,
        purge_interval_s: float = ERASURE_PURGE_INTERVAL_S,
        on_seekers_deleted: Callable[[list[str]], None] | None = None,
        deletion_versions: DeletionVersions = _never_deleted,
        review_states: ReviewStates = _none_reviewed,
        verify_links: bool = False,
    ) -> None:
        super().__init__(event_log=event_log, topics=TOPIC_NAMES, group=group)
        self._deletion_versions = deletion_versions
        self._review_states = review_states
        self._postings = postings
        self._seekers = seekers
        self._next_sweep = 0.0
        """Monotonic time of the next expiry sweep; the first runs at start."""
        self._purge_interval_s = purge_interval_s
        self._on_seekers_deleted = on_seekers_deleted
        """Called with the ids of the seekers a batch deleted, before it is committed (the audit's erasure)."""
        self._purge_owed = True
        """Deleted seekers may still be on disk; true at start, for a purge a stop or crash cut short."""
        self._purge_until = time.monotonic() + PURGE_RETRY_S
        """Until when purges go on while the index reports deleted documents left."""
        self._next_purge = 0.0
        """Monotonic time before which no purge starts (one interval after the last that dropped anything)."""
        self._verify_links = verify_links
        """Other replicas index the same postings index: duplicate links are checked after each write."""

    def run_once(self, consumer: Consumer, *, max_records: int = 500, timeout_s: float = 0.5) -> int:
        if time.monotonic() >= self._next_sweep:
            sweep_expired(self._postings, publish=self._publish_postings, on_swept=self._relink)
            self._next_sweep = time.monotonic() + SWEEP_INTERVAL_S
        self._purge_if_due()
        events = consumer.poll(max_records=max_records, timeout_s=timeout_s)
        if not events:
            return 0
        dead = apply_events(
            events,
            postings=self._postings,
            seekers=self._seekers,
            deletion_versions=self._deletion_versions,
            review_states=self._review_states,
            verify_links=self._verify_links,
        )
        if dead:
            self._event_log.publish(TOPIC_DLQ, dead)
            DEAD_LETTERS.inc(len(dead))
            for _, letter in dead:
                log.warning(
                    "dead-lettered %s/%s@%s at %s: %s",
                    letter["topic"],
                    letter["partition"],
                    letter["offset"],
                    letter["stage"],
                    letter["error"],
                )
        deleted = deleted_seekers(events)
        if deleted and self._on_seekers_deleted is not None:
            # Before the commit: a failure retries the batch (both steps are idempotent).
            self._on_seekers_deleted(deleted)
        consumer.commit(events)
        EVENTS_APPLIED.inc(len(events))
        if erases_seekers(events):
            self._purge_owed = True
            self._purge_until = time.monotonic() + PURGE_RETRY_S
            self._purge_if_due()
        return len(events)

    def _publish_postings(self, records: Sequence[tuple[str, dict[str, Any]]]) -> None:
        self._event_log.publish(TOPIC_POSTINGS, records)

    def _relink(self, swept: list[str]) -> None:
        """The expiry sweep took these postings out: their duplicates get a new canonical."""
        if relink_removed(self._postings, swept, now=time.time()):
            self._postings.refresh()

    def _purge_if_due(self) -> None:
        """Purge the seekers index when a deletion may still be on disk and the last purge is an interval old."""
        if not self._purge_owed or time.monotonic() < self._next_purge:
            return
        started = time.monotonic()
        try:
            purge = self._seekers.purge_deleted(rebuilt_seeker)
        except Exception:
            # Erasure must not stop indexing: retried an interval later, and counted so an alert can fire.
            PURGE_FAILURES.inc()
            log.exception("purging deleted seekers failed; retrying in %.0fs", self._purge_interval_s)
            self._next_purge = time.monotonic() + self._purge_interval_s
            return
        # What the index still keeps (Elasticsearch's newest deletes) is purged after the wait.
        self._purge_owed = purge.left > 0 and time.monotonic() < self._purge_until
        if purge.left and not self._purge_owed:
            log.warning(
                "%d deleted seeker documents still in the index %.0fs after the last deletion",
                purge.left,
                PURGE_RETRY_S,
            )
        PURGED.inc(purge.dropped)
        if not (purge.dropped or purge.left):
            return  # nothing to do (the start-up check, mostly): it cost nothing and delays no later purge
        took = time.monotonic() - started
        log.info(
            "purged %d deleted seeker documents in %.3fs, %d left for the next purge",
            purge.dropped,
            took,
            purge.left,
        )
        self._next_purge = time.monotonic() + max(self._purge_interval_s, took * (1 / PURGE_SHARE - 1))

    def _failed(self, exc: BaseException | None) -> None:
        CONSUMER_FAILURES.inc()

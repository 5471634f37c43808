"""Indexes posting and seeker events.

Processing a batch is a plain function from events to index writes. Offsets
are committed only after the index write is durable and visible; a record
the index refuses goes to the dead-letter topic and is committed, while an
unreachable backend leaves the batch uncommitted to be retried.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter

from shared.domain.personal import without_personal_data
from shared.errors import BackendUnavailable
from shared.index.documents import posting_doc, seeker_doc
from shared.ports.event_log import TOPIC_DLQ, TOPIC_POSTINGS, TOPIC_SEEKERS, Consumer, Event, EventLog
from shared.ports.search_index import SearchIndex

log = logging.getLogger(__name__)

RETRY_BACKOFF_S = (0.5, 1, 2, 5, 10)
UNHEALTHY_AFTER_S = 30.0

EVENTS_APPLIED = Counter("jobmatch_indexed_events_total", "Posting and seeker events written to the index")
DEAD_LETTERS = Counter("jobmatch_dead_letters_total", "Records the indexer sent to the dead-letter topic")
CONSUMER_FAILURES = Counter("jobmatch_indexing_failures_total", "Batches that failed and will be retried")


_UNSEEN = object()


def _latest_per_key(events: Sequence[Event], topic: str) -> dict[str, dict[str, Any] | None]:
    """The effect of a batch per key: a deletion, or the highest version written after the last deletion.

    The highest version, not the last event, because two edits of one record can
    arrive out of order (two ingest replicas); the index's own version check
    cannot protect a version it never sees.
    """
    latest: dict[str, Any] = {}
    for event in events:
        if event.topic != topic:
            continue
        current = latest.get(event.key, _UNSEEN)
        if (
            event.value is None
            or current is _UNSEEN
            or current is None
            or event.value.get("version", 0) >= current.get("version", 0)
        ):
            latest[event.key] = event.value
    return latest


def apply_events(
    events: Sequence[Event], *, postings: SearchIndex, seekers: SearchIndex
) -> list[tuple[str, dict]]:
    """Write the events' effect to the indexes; return dead letters for records that could not be indexed."""
    dead: list[tuple[str, dict]] = []
    for topic, index, to_doc in (
        (TOPIC_POSTINGS, postings, posting_doc),
        (TOPIC_SEEKERS, seekers, seeker_doc),
    ):
        latest = _latest_per_key(events, topic)
        deletes = [key for key, value in latest.items() if value is None]
        docs = []
        for key, value in latest.items():
            if value is None:
                continue
            try:
                docs.append(to_doc(value))
            except (KeyError, TypeError, ValueError) as exc:
                record = without_personal_data(value)
                dead.append((key, {"kind": topic, "stage": "index", "error": repr(exc), "record": record}))
        if deletes:
            index.delete(deletes)
        if docs:
            for outcome in index.upsert(docs):
                if outcome.status == "error":
                    dead.append((outcome.id, {"kind": topic, "stage": "index", "error": outcome.error}))
        if deletes or docs:
            index.refresh()
    return dead


class IndexingConsumer:
    """Runs ``apply_events`` over the posting and seeker topics in a background thread."""

    def __init__(
        self, *, event_log: EventLog, postings: SearchIndex, seekers: SearchIndex, group: str
    ) -> None:
        self._event_log = event_log
        self._postings = postings
        self._seekers = seekers
        self._group = group
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failing_since: float | None = None
        """Monotonic time of the first failure in the current run of failures; None while healthy."""

    def run_once(self, consumer: Consumer, *, max_records: int = 500, timeout_s: float = 0.5) -> int:
        events = consumer.poll(max_records=max_records, timeout_s=timeout_s)
        if not events:
            return 0
        dead = apply_events(events, postings=self._postings, seekers=self._seekers)
        if dead:
            self._event_log.publish(TOPIC_DLQ, dead)
            DEAD_LETTERS.inc(len(dead))
            log.warning("sent %d records to %s", len(dead), TOPIC_DLQ)
        consumer.commit(events)
        EVENTS_APPLIED.inc(len(events))
        return len(events)

    def run(self) -> None:
        consumer = self._event_log.consumer([TOPIC_POSTINGS, TOPIC_SEEKERS], self._group)
        failures = 0
        try:
            while not self._stop.is_set():
                try:
                    self.run_once(consumer)
                    failures, self.failing_since = 0, None
                except Exception as exc:
                    # Nothing was committed: a new consumer of the group starts again after the last commit,
                    # so the batch is retried. Unexpected errors are retried too rather than ending the thread.
                    delay = RETRY_BACKOFF_S[min(failures, len(RETRY_BACKOFF_S) - 1)]
                    failures += 1
                    self.failing_since = self.failing_since or time.monotonic()
                    CONSUMER_FAILURES.inc()
                    level = logging.WARNING if isinstance(exc, BackendUnavailable) else logging.ERROR
                    log.log(level, "indexing failed (%s), retrying in %ss", exc, delay, exc_info=True)
                    consumer.close()
                    self._stop.wait(delay)
                    consumer = self._event_log.consumer([TOPIC_POSTINGS, TOPIC_SEEKERS], self._group)
        finally:
            consumer.close()

    def healthy(self) -> bool:
        """Alive, and not failing for longer than a retry cycle: what /readyz reports."""
        alive = self._thread is not None and self._thread.is_alive()
        failing_for = 0.0 if self.failing_since is None else time.monotonic() - self.failing_since
        return alive and failing_for < UNHEALTHY_AFTER_S

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="indexing-consumer", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 15.0) -> None:
        """Finish the batch in hand, commit it and close: what SIGTERM should do."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

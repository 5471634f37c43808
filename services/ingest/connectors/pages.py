"""One fetched page's items → the event log: the push path's validation, then only what is new.

Every record goes through ``check_record`` as a pushed one does; a rejected item is counted and
dead-lettered with where it came from, and the page goes on. A record whose version is not newer than
the one indexed (or than one this run already published) is counted ``unchanged`` and not published
again: two instances pulling each other's feeds would otherwise echo records back and forth for ever.
The same holds for a deletion already recorded at that version.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.ingest.batch import TOPICS, Kind, check_record
from services.ingest.connectors.checkpoint import Counts
from services.ingest.connectors.config import JsonApiSource
from services.ingest.connectors.items import BadItem, Removal, Upsert, classify
from services.ingest.deletions import publish_deletions
from shared.domain.deletions import deletion_versions
from shared.domain.personal import dead_letter_copy
from shared.domain.problems import Problem
from shared.domain.records import StoredRecord
from shared.ports.event_log import TOPIC_DLQ, EventLog
from shared.ports.search_index import SearchIndex
from shared.ports.state_store import StateStore

log = logging.getLogger(__name__)


@dataclass
class PageSink:
    """Where a run's pages go, and what it published so far (a record seen again in the run is unchanged)."""

    source: JsonApiSource
    event_log: EventLog
    state: StateStore
    index: SearchIndex
    id_number_hash: Callable[[str], str]
    published: dict[str, int] = field(default_factory=dict)

    @property
    def kind(self) -> Kind:
        return self.source.kind

    def take(self, items: list[Any], *, page: str, received_at: datetime) -> Counts:
        """Publish what the page holds that is new; durable when this returns."""
        counts = Counts(fetched=len(items))
        fallback_ms = int(received_at.timestamp() * 1000)
        upserts: dict[str, StoredRecord] = {}
        removals: dict[str, int] = {}
        dead: list[tuple[str, dict[str, Any]]] = []
        for position, item in enumerate(items):
            found = classify(item, self.source, fallback_version_ms=fallback_ms)
            if isinstance(found, BadItem):
                dead.append(self._dead_letter(item, None, [found.problem], page, position, received_at))
            elif isinstance(found, Removal):
                removals[found.record_id] = max(removals.get(found.record_id, -1), found.version_ms or 0)
            elif isinstance(found, Upsert):
                record, result = check_record(
                    self.kind, found.record, received_at=received_at, id_number_hash=self.id_number_hash
                )
                if record is None:
                    dead.append(
                        self._dead_letter(
                            item, found.record, result.errors or [], page, position, received_at
                        )
                    )
                    continue
                earlier = upserts.get(record.id)
                if earlier is not None:
                    counts.unchanged += 1  # the same record twice in one page: the newer is kept
                if earlier is None or record.version > earlier.version:
                    upserts[record.id] = record
        # Of an upsert and a deletion of one record in one page, the newer one stands.
        for record_id in [r for r in removals if r in upserts]:
            if upserts[record_id].version > removals[record_id]:
                del removals[record_id]
            else:
                del upserts[record_id]
        counts.rejected = len(dead)
        self._publish_upserts(list(upserts.values()), counts)
        self._publish_removals(removals, counts)
        self._dead_letters(dead)
        return counts

    def _publish_upserts(self, records: list[StoredRecord], counts: Counts) -> None:
        if not records:
            return
        ids = [record.id for record in records]
        indexed = self.index.versions(ids)
        deleted = deletion_versions(self.state, TOPICS[self.kind], ids)
        fresh = [
            record
            for record in records
            if record.version
            > max(indexed.get(record.id, -1), deleted.get(record.id, -1), self.published.get(record.id, -1))
        ]
        counts.unchanged += len(records) - len(fresh)
        if fresh:
            self.event_log.publish(TOPICS[self.kind], [(r.id, r.model_dump(mode="json")) for r in fresh])
            self.published.update((record.id, record.version) for record in fresh)
        counts.accepted += len(fresh)

    def _publish_removals(self, removals: dict[str, int], counts: Counts) -> None:
        if not removals:
            return
        known = deletion_versions(self.state, TOPICS[self.kind], list(removals))
        indexed = self.index.versions(list(removals))
        by_version: dict[int, list[str]] = {}
        for record_id, version in removals.items():
            # Already deleted at this version or later, and not indexed again since: nothing to do.
            if known.get(record_id, -1) >= version and record_id not in indexed:
                counts.unchanged += 1
                continue
            by_version.setdefault(version, []).append(record_id)
        for version, ids in by_version.items():
            publish_deletions(self.kind, ids, event_log=self.event_log, state=self.state, version_ms=version)
            counts.deleted += len(ids)

    def _dead_letter(
        self,
        item: Any,
        record: dict[str, Any] | None,
        errors: list[Problem],
        page: str,
        position: int,
        received_at: datetime,
    ) -> tuple[str, dict[str, Any]]:
        record_id = _id_of(record)
        letter = {
            "kind": self.kind,
            "index": position,
            "errors": [problem.model_dump() for problem in errors],
            "record": dead_letter_copy(self.kind, record) if record is not None else None,
            "received_at": received_at.isoformat(),
            "origin": {
                "type": "connector",
                "source": self.source.name,
                "page": page,
                "raw": dead_letter_copy(self.kind, item) if isinstance(item, dict) else None,
            },
        }
        return record_id or f"{self.source.name}#{page}#{position}", letter

    def _dead_letters(self, dead: list[tuple[str, dict[str, Any]]]) -> None:
        if not dead:
            return
        try:
            self.event_log.publish(TOPIC_DLQ, dead)
        except Exception:  # counted in the run; a DLQ outage must not hold back the accepted records
            log.warning(
                "could not copy %d rejected items of %s to %s",
                len(dead),
                self.source.name,
                TOPIC_DLQ,
                exc_info=True,
            )


def _id_of(record: dict[str, Any] | None) -> str | None:
    if record is None:
        return None
    source, source_id = record.get("source"), record.get("source_id")
    if isinstance(source, str) and isinstance(source_id, str | int) and not isinstance(source_id, bool):
        candidate = f"{source}:{source_id}"
        return candidate if candidate.isprintable() and len(candidate) <= 200 else None
    return None

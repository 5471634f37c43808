"""One page of a feed: the topic's events by position, each answered with its record's current state.

The page reads the feed's topic from the cursor's positions up to the indexing
consumer's committed positions, never past them: every event read has had its
effect on the index, so the state looked up there (one batch lookup) is at least
as new as the event. A record changed while a partner pages shows up again at
its newer event, so nothing is missed; Kafka compaction and erasure only remove
events a later one of the same key supersedes. Several events of one record in
a page make one item, placed at the last of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from services.search.feeds.cursor import decode_cursor, encode_cursor
from services.search.feeds.models import PostingFeedPage, PostingItem, SeekerFeedPage, SeekerItem
from services.search.feeds.shaping import feed_posting, feed_seeker
from shared.domain.inputs import is_record_id
from shared.index.documents import EXPIRED, indexed_status, stored_posting, stored_seeker
from shared.ports.event_log import TOPIC_POSTINGS, TOPIC_SEEKERS, Event, EventLog
from shared.ports.search_index import SearchIndex
from shared.security.principal import Principal

FeedName = Literal["postings", "seekers"]
Hidden = Callable[[Mapping[str, dict[str, Any]]], set[str]]
"""Indexed postings by id → the ids a staff review decision hides."""
DeletionVersions = Callable[[Sequence[str]], Mapping[str, int]]
"""Record ids → the version of each one's deletion, where it is known."""


@dataclass(frozen=True)
class Feed:
    name: FeedName
    topic: str


FEEDS: dict[FeedName, Feed] = {
    "postings": Feed("postings", TOPIC_POSTINGS),
    "seekers": Feed("seekers", TOPIC_SEEKERS),
}


def _none_hidden(_: Mapping[str, dict[str, Any]]) -> set[str]:
    return set()


def _none_known(_: Sequence[str]) -> Mapping[str, int]:
    return {}


@dataclass(frozen=True)
class FeedSources:
    event_log: EventLog
    index: SearchIndex
    group: str
    """The indexing consumer's group: the feed reads only what it has committed."""
    hidden: Hidden = _none_hidden
    deletion_versions: DeletionVersions = _none_known


def _time_of(event: Event) -> datetime:
    ms = event.timestamp_ms if event.timestamp_ms is not None else int(time.time() * 1000)
    return datetime.fromtimestamp(ms / 1000, UTC)


def _deletion_version(event: Event, known: Mapping[str, int]) -> int:
    """The deletion's own version where it was kept (``shared.domain.deletions``); else never older than
    the event it answers, so a partner's copy of that event's record yields to it."""
    if event.key in known:
        return known[event.key]
    written = event.value.get("version") if event.value else None
    candidates = [event.timestamp_ms, written if isinstance(written, int) else None]
    return max((c for c in candidates if c is not None), default=int(time.time() * 1000))


def _latest_per_key(events: Sequence[Event], principal: Principal) -> dict[str, Event]:
    latest: dict[str, Event] = {}
    for event in events:
        if event.undecodable is not None or not is_record_id(event.key):
            continue  # poison the consumer dead-letters; no record has such an id
        if principal.sources and principal.covers_source(event.key.partition(":")[0]):
            continue  # the partner's own records: it has them, and echoing them back would loop
        latest.pop(event.key, None)
        latest[event.key] = event
    return latest


def _posting_items(
    latest: dict[str, Event], sources: FeedSources, found: dict[str, dict[str, Any]], now: float
) -> list[PostingItem]:
    hidden = sources.hidden(found) if found else set()
    gone = [key for key in latest if key not in found]
    known = sources.deletion_versions(gone) if gone else {}
    items = []
    for key, event in latest.items():
        if key not in found:
            items.append(_deleted(PostingItem, event, known))
            continue
        record = stored_posting(found[key])
        if key in hidden:
            items.append(
                PostingItem(
                    op="delete",
                    id=key,
                    # One below the record's: a review withdraws this version, it does not delete the
                    # record at its source, so the upsert a dismissal brings back at the same version is
                    # newer than the withdrawal for a partner applying versions.
                    version=record.version - 1,
                    changed_at=record.updated_at,
                    reason="hidden",
                    status=None,
                    record=None,
                )
            )
            continue
        status = indexed_status(record, now)
        changed_at = record.updated_at
        if status == EXPIRED and record.expires_at is not None:
            changed_at = max(changed_at, record.expires_at)
        items.append(
            PostingItem(
                op="upsert",
                id=key,
                version=record.version,
                changed_at=changed_at,
                reason=None,
                status=status,  # type: ignore[arg-type]  # indexed_status gives open, closed or expired
                record=feed_posting(record),
            )
        )
    return items


def _seeker_items(
    latest: dict[str, Event], sources: FeedSources, found: dict[str, dict[str, Any]]
) -> list[SeekerItem]:
    gone = [key for key in latest if key not in found]
    known = sources.deletion_versions(gone) if gone else {}
    items = []
    for key, event in latest.items():
        if key not in found:
            items.append(_deleted(SeekerItem, event, known))
            continue
        record = stored_seeker(found[key])
        if not record.consent_share_with_partners:
            items.append(
                SeekerItem(
                    op="delete",
                    id=key,
                    version=record.version,
                    changed_at=record.updated_at,
                    reason="not_shared",
                    status=None,
                    record=None,
                )
            )
            continue
        items.append(
            SeekerItem(
                op="upsert",
                id=key,
                version=record.version,
                changed_at=record.updated_at,
                reason=None,
                status=record.status,
                record=feed_seeker(record),
            )
        )
    return items


ItemT = TypeVar("ItemT", PostingItem, SeekerItem)


def _deleted(model: type[ItemT], event: Event, known: Mapping[str, int]) -> ItemT:
    return model(
        op="delete",
        id=event.key,
        version=_deletion_version(event, known),
        changed_at=_time_of(event),
        reason="deleted",
        status=None,
        record=None,
    )


def read_page(
    feed: Feed,
    since: str | None,
    limit: int,
    *,
    sources: FeedSources,
    principal: Principal,
    now: float | None = None,
) -> PostingFeedPage | SeekerFeedPage:
    indexed = sources.event_log.committed(feed.topic, sources.group)
    positions = decode_cursor(since, feed.name, indexed) if since else {}
    events = sources.event_log.read(feed.topic, positions, limit, until=indexed)
    reached = {partition: positions.get(partition, 0) for partition in indexed}
    for event in events:
        reached[event.partition] = max(reached.get(event.partition, 0), event.offset + 1)
    next_cursor = since if since and not events else encode_cursor(feed.name, reached)
    latest = _latest_per_key(events, principal)
    found = sources.index.get_many(list(latest)) if latest else {}
    if feed.name == "postings":
        items = _posting_items(latest, sources, found, time.time() if now is None else now)
        return PostingFeedPage(items=items, next=next_cursor)
    return SeekerFeedPage(items=_seeker_items(latest, sources, found), next=next_cursor)

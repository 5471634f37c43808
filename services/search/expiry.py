"""The expiry sweep: keeps the index's searchable set to the postings that are open and unexpired.

Whether a posting is searchable is decided when it is indexed
(``shared.index.documents.posting_doc``), and time moves on without a write.
Searches stay exact between sweeps (``open_postings`` excludes by deadline what
expired since), and the sweep, by re-indexing those postings out of the
searchable set, keeps that exclusion to the few of the last interval. It also
takes out closed postings an index written by an earlier release still has
in the set. It runs in the indexing consumer's thread, so its writes are
ordered with the consumer's: it rewrites a posting at its stored version, and a
newer version written since wins.

An expiry is a change partners are told of, and the feeds read the event log:
so the sweep first publishes each expired posting's stored record, unchanged and
at the same version, to the postings topic (``publish``); the consumer re-indexes
it idempotently and the feed reads it, expired, from the index. Published before
the index write, so a failure in between sweeps (and publishes) it again rather
than never. Two search replicas each sweep: what one has taken out of the
searchable set the other's sweep no longer finds, and when both sweep one
posting at once it is published twice, at one version, which the consumer and a
partner apply once. The copy is what the index held: an edit published but not
yet indexed when the sweep ran sits before it in the log, and the index (so the
feed) keeps the higher version whatever order they come in; Kafka compaction,
though, keeps the later offset, so a rebuild from the log would read that one
posting as before the edit until its next change.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import Counter

from shared.index.documents import OPEN, posting_doc, review_of, stored_posting
from shared.index.fields import PostingField
from shared.ports.search_index import Exists, Filter, Not, Range, SearchIndex, SearchRequest, Terms

log = logging.getLogger(__name__)

SWEEP_INTERVAL_S = 60.0
SWEEP_PAGE = 500

SWEPT = Counter(
    "jobmatch_expiry_swept_postings_total", "Postings the expiry sweep took out of the searchable set"
)


Publish = Callable[[Sequence[tuple[str, dict[str, Any]]]], None]
"""Appends (id, stored record) pairs to the postings topic."""


def sweep_expired(
    postings: SearchIndex,
    *,
    now: float | None = None,
    publish: Publish | None = None,
    on_swept: Callable[[list[str]], None] | None = None,
) -> int:
    """Re-index every searchable posting that should not be; how many it took out of the searchable set.

    ``publish``: where the expired postings' records go first (the postings topic), so the expiry is
    in the log; closed postings an earlier release left searchable are in the log as closed already.
    ``on_swept``: called with the ids taken out (their duplicates need a new canonical).
    """
    now = time.time() if now is None else now
    expired = (Terms(PostingField.STATUS, (OPEN,)), Range(PostingField.EXPIRES_AT, lte=int(now) - 1))
    # Every searchable posting has a posting time; only open ones should have one.
    not_open = (Exists(PostingField.POSTED_AT), Not(Terms(PostingField.STATUS, (OPEN,))))
    ids: list[str] = []
    swept = _reindex_all(postings, expired, now, publish, ids) + _reindex_all(
        postings, not_open, now, None, ids
    )
    if ids and on_swept is not None:
        on_swept(ids)
    if swept:
        SWEPT.inc(swept)
        log.info("expiry sweep: %d postings taken out of the searchable set", swept)
    return swept


def _reindex_all(
    postings: SearchIndex, filters: tuple[Filter, ...], now: float, publish: Publish | None, ids: list[str]
) -> int:
    due = SearchRequest(text=None, filters=filters, limit=SWEEP_PAGE)
    swept = 0
    while True:
        hits = postings.search(due).hits
        if not hits:
            break
        records = [stored_posting(hit.source) for hit in hits]
        if publish is not None:
            publish([(record.id, record.model_dump(mode="json")) for record in records])
        # Each rewritten posting leaves the set searched for, so the next page is again the first.
        postings.upsert(
            [
                posting_doc(record, now=now, review=review_of(hit.source))
                for record, hit in zip(records, hits, strict=True)
            ]
        )
        postings.refresh()
        ids.extend(hit.id for hit in hits)
        swept += len(hits)
        if len(hits) < SWEEP_PAGE:
            break
    return swept

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
"""

from __future__ import annotations

import logging
import time

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


def sweep_expired(postings: SearchIndex, *, now: float | None = None) -> int:
    """Re-index every searchable posting that should not be; how many it took out of the searchable set."""
    now = time.time() if now is None else now
    expired = (Terms(PostingField.STATUS, (OPEN,)), Range(PostingField.EXPIRES_AT, lte=int(now) - 1))
    # Every searchable posting has a posting time; only open ones should have one.
    not_open = (Exists(PostingField.POSTED_AT), Not(Terms(PostingField.STATUS, (OPEN,))))
    swept = sum(_reindex_all(postings, filters, now) for filters in (expired, not_open))
    if swept:
        SWEPT.inc(swept)
        log.info("expiry sweep: %d postings taken out of the searchable set", swept)
    return swept


def _reindex_all(postings: SearchIndex, filters: tuple[Filter, ...], now: float) -> int:
    due = SearchRequest(text=None, filters=filters, limit=SWEEP_PAGE)
    swept = 0
    while True:
        hits = postings.search(due).hits
        if not hits:
            break
        # Each rewritten posting leaves the set searched for, so the next page is again the first.
        postings.upsert(
            [posting_doc(stored_posting(hit.source), now=now, review=review_of(hit.source)) for hit in hits]
        )
        postings.refresh()
        swept += len(hits)
        if len(hits) < SWEEP_PAGE:
            break
    return swept

"""Links cross-source duplicates when postings are indexed, so search and matching show a vacancy once.

The rule: postings are taken in the order they were posted (``posted_at``,
ties by id); each one duplicates the earliest posting before it that is
canonical and the same vacancy (``shared.dedup.fingerprint.same_vacancy``),
and is canonical when there is none. So the canonical is the earliest
posting of its group, every duplicate is directly the same vacancy as its
canonical, and the outcome depends on which postings are open, not on the
order their events arrived in. Only open, unexpired postings with a
fingerprint take part.

A batch changes the groups near it only. Its postings are placed; so are
the duplicates of any of its postings (a canonical deleted, closed, expired
or edited hands its group on: its duplicates are placed again, and the
earliest becomes canonical), and every later posting the same vacancy as a
new canonical. Each placed posting's candidates come from one terms query on
the band tokens of the postings being placed, so the work per batch is a few
queries and one comparison per candidate, whatever the index's size.

A duplicate leaves the searchable set as an expired posting does
(``shared.index.documents.posting_doc``): its document keeps its status, its
band tokens and its link, so searches, facets, counts and matches pass it by
at no cost, and it is found again when its group changes.

Two indexing replicas (distributed: each search replica consumes its own
Kafka partitions, and a posting's id always maps to one partition) may
index two copies of one vacancy at the same moment, each before the other's
write is visible: both would stay canonical. So where the index has several
writers, each replica checks its batch again after its write is refreshed
(``verify``): of two replicas that write and then read, at least the later
reader sees the other's posting, and since the rule decides the same for
both, the one that sees it links them and the other, if it sees it too,
writes the same. A posting rewritten by a replica at its stored version
loses to a newer version written meanwhile (the index's version check), and
that newer version's replica places it again in its own check. What can
remain is a link between two postings neither of whose batches is the
latest to touch them, placed from a view one write old; the next change of
either group, or the expiry sweep's relinking, places them again.
"""

from __future__ import annotations

import heapq
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import Counter

from shared.dedup.fingerprint import Fingerprint, fingerprint, same_vacancy
from shared.domain.records import PostingRecord
from shared.domain.review import ReviewState
from shared.index.documents import (
    OPEN,
    duplicate_link,
    indexed_status,
    posting_doc,
    review_of,
    stored_posting,
)
from shared.index.fields import PostingField
from shared.ports.search_index import IndexDoc, SearchIndex, SearchRequest, Terms

log = logging.getLogger(__name__)

QUERY_PAGE = 1000
"""Hits read per request (members of a group, candidates of a chunk)."""
QUERY_WINDOW = 10_000
"""At most this many hits per query: Elasticsearch's result window."""
NODES_PER_QUERY = 100
"""Postings whose band tokens one candidate query carries (up to 64 tokens each)."""

LINKED = Counter("jobmatch_dedup_linked_total", "Postings the indexer linked to a canonical duplicate")
RELINKED = Counter(
    "jobmatch_dedup_relinked_total", "Indexed postings whose duplicate link the indexer changed"
)
_UNWRITTEN = object()
"""A batch posting's stored link before its first write: none yet, so nothing to compare with."""


@dataclass(frozen=True)
class Links:
    """What linking decided for a batch."""

    links: dict[str, str | None] = field(default_factory=dict)
    """The batch's postings that take part: the canonical each duplicates, or None for a canonical."""
    bands: dict[str, list[str]] = field(default_factory=dict)
    """Every posting of the batch: its band tokens for its index document (none when it takes no part)."""
    rewrites: list[IndexDoc] = field(default_factory=list)
    """Other indexed postings whose link changed, at their stored version."""


@dataclass(eq=False)
class _Node:
    record: PostingRecord
    print: Fingerprint
    link: str | None
    stored: object
    """The link the index holds (``_UNWRITTEN`` for a batch posting not written yet)."""
    review: ReviewState | None = None
    """A flagged posting's review state: kept when it is rewritten."""
    fetched: bool = False

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def key(self) -> tuple[datetime, str]:
        return (self.record.posted_at, self.record.id)

    def __lt__(self, other: _Node) -> bool:
        return self.key < other.key


def _fingerprint(record: PostingRecord) -> Fingerprint | None:
    try:
        return fingerprint(record)
    except Exception:  # a defect of ours on one record: it is indexed unlinked, the batch goes on
        log.exception("fingerprinting posting %s failed; indexed without duplicate detection", record.id)
        return None


class _Linker:
    def __init__(self, index: SearchIndex, now: float) -> None:
        self._index = index
        self._now = now
        self.nodes: dict[str, _Node] = {}
        self.gone: set[str] = set()
        """Postings that take no part: deleted, closed, expired, or without a fingerprint."""
        self.left_behind: list[IndexDoc] = []
        """Duplicates found expired while their group was placed: rewritten out of it."""
        self._owners: dict[str, set[str]] = defaultdict(set)

    def add(self, node: _Node) -> _Node:
        self.nodes[node.id] = node
        for token in node.print.tokens:
            self._owners[token].add(node.id)
        return node

    def _indexed(self, hit_id: str, source: dict[str, Any]) -> _Node | None:
        """The node of a posting the index handed back; None when it takes no part."""
        if hit_id in self.nodes:
            return self.nodes[hit_id]
        if hit_id in self.gone:
            return None
        record = stored_posting(source)
        link, review = duplicate_link(source), review_of(source)
        if indexed_status(record, self._now, review) != OPEN:
            if link is not None:
                self.left_behind.append(posting_doc(record, now=self._now, review=review))
            self.gone.add(hit_id)
            return None
        found = _fingerprint(record)
        if found is None:
            self.gone.add(hit_id)
            return None
        return self.add(_Node(record, found, link=link, stored=link, review=review))

    def _hits(self, field: str, values: list[str]) -> Iterable[tuple[str, dict[str, Any]]]:
        offset = 0
        while offset < QUERY_WINDOW:
            request = SearchRequest(
                filters=(Terms(field, tuple(values)),), offset=offset, limit=QUERY_PAGE, count_total=False
            )
            hits = self._index.search(request).hits
            yield from ((hit.id, hit.source) for hit in hits)
            if len(hits) < QUERY_PAGE:
                return
            offset += QUERY_PAGE
        log.warning("duplicate lookup on %s reached %d hits; the rest are not compared", field, QUERY_WINDOW)

    def members(self, roots: Collection[str]) -> list[_Node]:
        """The indexed duplicates of these postings."""
        found: list[_Node] = []
        ordered, wanted = sorted(roots), set(roots)
        for start in range(0, len(ordered), QUERY_PAGE):
            for hit_id, source in self._hits(PostingField.DUPLICATE_OF, ordered[start : start + QUERY_PAGE]):
                node = self._indexed(hit_id, source)
                if node is not None and node.link in wanted:
                    found.append(node)
        return found

    def fetch(self, nodes: list[_Node]) -> None:
        """Load every indexed posting sharing a band token with these."""
        wanted = [node for node in nodes if not node.fetched]
        for start in range(0, len(wanted), NODES_PER_QUERY):
            chunk = wanted[start : start + NODES_PER_QUERY]
            tokens = sorted({token for node in chunk for token in node.print.tokens})
            for hit_id, source in self._hits(PostingField.DEDUP_BANDS, tokens):
                self._indexed(hit_id, source)
            for node in chunk:
                node.fetched = True

    def neighbours(self, node: _Node) -> list[_Node]:
        """The postings taking part that are the same vacancy as this one."""
        ids = {other for token in node.print.tokens for other in self._owners[token]} - {node.id}
        others = (self.nodes[other] for other in ids - self.gone)
        return [other for other in others if same_vacancy(node.print, other.print)]

    def place(self, start: list[_Node], batch: Collection[str]) -> None:
        """Decide the link of each of these postings and of every posting their change affects, earliest first.

        Each posting affected is later than the one whose change affects it, so taking them in posting
        order decides each once, after every earlier posting it depends on.
        """
        heap = list(start)
        heapq.heapify(heap)
        done: set[str] = set()
        while heap:
            node = heapq.heappop(heap)
            if node.id in done or node.id in self.gone:
                continue
            if not node.fetched:
                self.fetch([node, *(waiting for waiting in heap if not waiting.fetched)])
            done.add(node.id)
            same = self.neighbours(node)
            leaders = [other for other in same if other.key < node.key and other.link is None]
            was_canonical = node.link is None
            node.link = min(leaders).id if leaders else None
            if node.link is not None:
                if was_canonical and node.id not in batch:
                    for member in self.members([node.id]):
                        heapq.heappush(heap, member)
                continue
            for other in same:
                if other.key > node.key and not self._linked_before(other, node):
                    heapq.heappush(heap, other)

    def _linked_before(self, node: _Node, canonical: _Node) -> bool:
        """Whether the node already duplicates a posting earlier than ``canonical``: then it stays put."""
        if node.link is None:
            return False
        current = self.nodes.get(node.link)
        return current is not None and current.id not in self.gone and current.key <= canonical.key


def link_postings(
    index: SearchIndex,
    records: Mapping[str, PostingRecord],
    removed: Collection[str] = (),
    *,
    now: float,
    written: Mapping[str, str | None] | None = None,
    reviews: Mapping[str, ReviewState] | None = None,
) -> Links:
    """Link a batch's postings (``records``, the latest of each id) and relink what the batch changes.

    ``removed``: ids the batch deletes. ``written``: the links the batch's postings were written with, when
    checking again after the write (``verify``); their changes are then rewrites too. ``reviews``: the review
    state of the batch's flagged postings (one withheld takes no part).
    """
    reviews = reviews or {}
    linker = _Linker(index, now)
    batch = set(records) | set(removed)
    linker.gone.update(removed)
    placed: list[_Node] = []
    for record_id, record in records.items():
        review = (reviews.get(record_id) or "pending") if record.flags else None
        found = _fingerprint(record) if indexed_status(record, now, review) == OPEN else None
        if found is None:
            linker.gone.add(record_id)
            continue
        stored = written.get(record_id) if written is not None else _UNWRITTEN
        placed.append(linker.add(_Node(record, found, link=None, stored=stored, review=review)))
    placed += linker.members(batch)
    linker.fetch(placed)
    linker.place(placed, batch)

    links = {node.id: node.link for node in linker.nodes.values() if node.id in records}
    bands: dict[str, list[str]] = {record_id: [] for record_id in records} | {
        node_id: sorted(linker.nodes[node_id].print.tokens) for node_id in links
    }
    rewrites = [
        posting_doc(
            node.record, now=now, review=node.review, duplicate_of=node.link, bands=sorted(node.print.tokens)
        )
        for node in linker.nodes.values()
        if node.stored is not _UNWRITTEN and node.link != node.stored
    ]
    if written is None:
        LINKED.inc(sum(link is not None for link in links.values()))
    RELINKED.inc(len(rewrites))
    return Links(links=links, bands=bands, rewrites=rewrites + linker.left_behind)


def relink_removed(index: SearchIndex, ids: Collection[str], *, now: float) -> int:
    """Hand on the groups of postings that left the searchable set without an event (the expiry sweep)."""
    if not ids:
        return 0
    links = link_postings(index, {}, ids, now=now)
    if links.rewrites:
        _write(index, links.rewrites)
    return len(links.rewrites)


def write_rewrites(index: SearchIndex, links: Links) -> None:
    """Write the links a batch changed on postings outside it (the batch's own are in its documents)."""
    if links.rewrites:
        _write(index, links.rewrites)


def _write(index: SearchIndex, docs: list[IndexDoc]) -> None:
    for outcome in index.upsert(docs):
        if outcome.status == "error":
            # Not this batch's record: logged, and placed again when its group next changes.
            log.error("relinking posting %s failed: %s", outcome.id, outcome.error)


def duplicates_of(index: SearchIndex, posting_id: str, *, now: float, limit: int = 100) -> list[str]:
    """The ids of the open postings that duplicate this one, in id order: what its public view lists."""
    request = SearchRequest(
        filters=(Terms(PostingField.DUPLICATE_OF, (posting_id,)),), limit=limit, count_total=False
    )
    return [
        hit.id
        for hit in index.search(request).hits
        if indexed_status(stored_posting(hit.source), now, review_of(hit.source)) == OPEN
        and duplicate_link(hit.source) == posting_id
    ]

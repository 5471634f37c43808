"""The search-index port: what the services need from a full-text index.

Two adapters implement it: tantivy (embedded) and Elasticsearch
(distributed). Text fields hold text the caller has already segmented
(``shared.text.pipeline``), so both adapters split on whitespace only and see the
same tokens. The same contract tests run against both.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

FieldKind = Literal["text", "keyword", "int", "float", "date"]
"""``text``: whitespace-separated tokens, scored; ``keyword``: exact values,
multi-valued, for filters and facets; ``int``/``float``: numbers for ranges,
sorting and range facets; ``date``: epoch seconds (int)."""


@dataclass(frozen=True)
class IndexSchema:
    name: str
    fields: dict[str, FieldKind]


@dataclass(frozen=True)
class IndexDoc:
    id: str
    version: int
    """Grows with every change of the record (its update time in ms); a write
    carrying an older version than the stored one is ignored, so replays are harmless."""
    fields: dict[str, Any]
    source: dict[str, Any]
    """The record handed back by ``get`` and ``search``."""


WriteStatus = Literal["created", "updated", "stale", "error"]


@dataclass(frozen=True)
class WriteOutcome:
    id: str
    status: WriteStatus
    error: str | None = None


# --- filters -------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """The field holds at least one of ``values``."""

    field: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Range:
    """``gte <= field <= lte``; a missing bound is open."""

    field: str
    gte: float | int | None = None
    lte: float | int | None = None


@dataclass(frozen=True)
class Exists:
    field: str


@dataclass(frozen=True)
class Not:
    filter: Filter


@dataclass(frozen=True)
class AnyOf:
    """At least one of the filters holds."""

    filters: tuple[Filter, ...]


Filter = Terms | Range | Exists | Not | AnyOf


# --- text ----------------------------------------------------------------


Alternative = str | tuple[str, ...]
"""A token, or tokens that must all be present (the parts of a compound word)."""


@dataclass(frozen=True)
class TextQuery:
    """Segmented query text.

    ``groups``: each group is a set of alternatives for one query word: the
    word itself, its synonyms, and its parts (a tuple: all parts must occur).
    ``require_all``: every group must match (a search box) or any group may
    (match retrieval). ``fields`` maps each text field to its boost; a token
    may occur in any of the fields.
    """

    groups: tuple[tuple[Alternative, ...], ...]
    fields: dict[str, float]
    require_all: bool = True


# --- facets and sorting ---------------------------------------------------


@dataclass(frozen=True)
class TermsFacet:
    field: str
    size: int = 20
    min_count: int = 1
    """Values fewer matching documents hold are left out: 2 finds the values held more than once."""


@dataclass(frozen=True)
class RangeFacet:
    """Buckets ``(key, from_inclusive, to_exclusive)``; a None bound is open."""

    field: str
    ranges: tuple[tuple[str, float | None, float | None], ...]


@dataclass(frozen=True)
class SumFacet:
    """The sum of the int field ``sum_field`` over the matching documents of each bucket of ``by``.

    Buckets are made as ``by`` makes them (a document without ``sum_field`` adds 0), each answered
    with its sum instead of its count: range buckets in their given order; terms buckets by sum
    descending, then value, the ``size`` largest sums kept (of values tied at that cut, the engine
    picks: ask a size covering every value for all of them). What supply-demand figures add up (the
    headcount of open posts per region).
    """

    by: TermsFacet | RangeFacet
    sum_field: str


Facet = TermsFacet | RangeFacet | SumFacet


@dataclass(frozen=True)
class SortBy:
    field: str
    descending: bool = True


@dataclass(frozen=True)
class SearchRequest:
    text: TextQuery | None = None
    filters: tuple[Filter, ...] = ()
    sort: SortBy | None = None
    """None sorts by relevance; a ``SortBy`` by that field, documents without it last.

    Ties (equal scores, equal field values) are broken inside the engine by a
    unique key, so the order is total and ``offset``/``limit`` cut it: walking
    the pages of an unchanged index returns each match once, in the order of one
    big page. The key is the engine's: Elasticsearch uses the id; tantivy the
    document's address (segment, then position), which a commit or a segment
    merge may reshuffle, so the two backends may order tied hits differently.
    Without text every match scores alike and both order by id."""
    offset: int = 0
    limit: int = 10
    facets: dict[str, Facet] = field(default_factory=dict)
    count_total: bool = True
    """False when only the hits matter (the matcher's candidates): the engine may then skip documents
    that cannot reach the top (block-max pruning) instead of visiting every match, and ``total`` is
    the number of hits."""


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    source: dict[str, Any]


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    """Facet name → (bucket, count); terms facets by count descending, range facets in their given order;
    a ``SumFacet``'s buckets carry the sum instead of the count."""


Rebuild = Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]
"""A stored source → the index fields of its document and the source to store again: as the current
release writes them (a record an older release wrote drops what this one no longer keeps, such as a
seeker's clear ID number)."""


@dataclass(frozen=True)
class Purge:
    """What ``purge_deleted`` did."""

    dropped: int
    """Deleted documents whose bytes left the storage."""
    left: int
    """Deleted documents still in the storage. Elasticsearch keeps the newest deletes until the
    shard's retention leases move past them (it renews them every 30 s); tantivy keeps a document
    it could not rebuild, and with it its segment's deleted ones. 0: the purge is complete."""


class SearchIndex(Protocol):
    schema: IndexSchema

    def upsert(self, docs: Sequence[IndexDoc]) -> list[WriteOutcome]:
        """Write each doc unless a newer version is stored; one outcome per doc, in order."""
        ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def purge_deleted(self, rebuild: Rebuild) -> Purge:
        """Make deleted documents, and the earlier versions of updated ones, leave the storage.

        A delete (and the delete an update does of the version it replaces) only marks a document
        deleted: its bytes stay on disk until the segment holding it is rewritten. Erasing
        personal data needs them gone, so this rewrites the segments that hold deleted documents
        and removes the files of the old ones. It costs a rewrite of those segments (of the whole
        index on tantivy): call it after deletions that must reach the disk, not after every write. Searches and ``get`` answer the
        same before and after.

        ``rebuild`` turns a stored source back into its index fields and the source to keep:
        tantivy keeps only the source of a document, so it rebuilds the live documents it rewrites
        from it (and so rewrites what an older release stored); Elasticsearch merges its segments itself and never
        calls it. Some deleted documents may stay for a while (``Purge.left``): call again later.
        """
        ...

    def get(self, doc_id: str) -> dict[str, Any] | None: ...

    def versions(self, doc_ids: Sequence[str]) -> dict[str, int]:
        """The stored version of each of ``doc_ids`` that is indexed (the others are left out), in one
        lookup without reading the sources: what a connector compares a page's records with before
        publishing them again."""
        ...

    def get_many(self, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored source of each of ``doc_ids`` that is in the index, by id, in one round trip;
        as current as ``get`` (Elasticsearch reads it in real time, before a refresh)."""
        ...

    def search(self, request: SearchRequest) -> SearchResult: ...

    def count(self, filters: Sequence[Filter] = ()) -> int: ...

    def refresh(self) -> None:
        """Make every finished write visible to searches."""
        ...

    def generation(self) -> Hashable | None:
        """A value that changes whenever what searches see may have changed; None when the adapter cannot
        tell cheaply (then nothing caches its answers)."""
        ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...

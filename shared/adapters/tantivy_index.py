"""Search-index port over tantivy (embedded shape).

Why tantivy: BM25 with block-max pruning keeps top-k queries fast on terms
that occur in most job records (普工, 包吃住), where SQLite FTS5 scores every
match. Text fields use tantivy's ``whitespace`` tokenizer because the text
arrives already segmented by ``shared.text.pipeline``.

One writer per index lives as long as the adapter (tantivy allows one per
directory); every ``upsert``/``delete`` commits, so an accepted write
survives a restart. Other processes open the same directory read-only: each
read first compares the index's ``meta.json`` (which every commit replaces)
with the one its searcher was loaded at and reloads when it changed, so a
commit is visible to every process on its next read, and the file's identity
is the index's generation (what the response cache keys on).

A delete only marks a document deleted in its segment; its stored record stays
in the segment's files until the segment is rewritten, and tantivy's merge
policy never rewrites a segment for its deletes alone (nor do the Python
bindings offer a merge). ``purge_deleted`` therefore rewrites every live
document itself, rebuilt from its stored record: deleted again and added anew,
so every old segment is left with no live document, is dropped at the commit
and has its files removed. That is a rewrite of the whole index (1.3 s for
10,000 seekers), paid only when a segment holds a deleted document.

An index an earlier release wrote with another schema is rebuilt the same way
when the writer opens it, into a new directory swapped in for the old one
(``tantivy_upgrade``); readers wait for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import tantivy

from shared.json_codec import dumps_bytes
from shared.ports.search_index import (
    Alternative,
    AnyOf,
    Exists,
    Facet,
    Filter,
    Hit,
    IndexDoc,
    IndexSchema,
    Not,
    Purge,
    Range,
    Rebuild,
    SearchRequest,
    SearchResult,
    SumFacet,
    Terms,
    TermsFacet,
    TextQuery,
    WriteOutcome,
)

log = logging.getLogger(__name__)

ID_FIELD = "_id"
VERSION_FIELD = "_version"
SOURCE_FIELD = "_source"
WRITER_HEAP_BYTES = 64 * 1024 * 1024

_FIELD_TYPES = {
    "int": tantivy.FieldType.Integer,
    "date": tantivy.FieldType.Integer,
    "float": tantivy.FieldType.Float,
}


def tantivy_schema(schema: IndexSchema) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(ID_FIELD, stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field(VERSION_FIELD, stored=True, indexed=True, fast=True)
    builder.add_bytes_field(SOURCE_FIELD, stored=True)
    for name, kind in schema.fields.items():
        if kind == "text":
            builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
        elif kind == "keyword":
            builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
        elif kind in ("int", "date"):
            builder.add_integer_field(name, indexed=True, fast=True)
        elif kind == "float":
            builder.add_float_field(name, indexed=True, fast=True)
        else:  # pragma: no cover - FieldKind is closed
            raise ValueError(f"unknown field kind {kind!r}")
    return builder.build()


def _match_count(found: tantivy.SearchResult) -> int:
    # ``count`` exists when searching with count=True; the package's type stubs leave it out.
    return int(getattr(found, "count", 0) or 0)


_SUM = "sum"
"""The name of a ``SumFacet``'s metric inside each of its buckets."""


def _aggregation(facet: Facet) -> dict[str, Any]:
    """tantivy's aggregation request (Elasticsearch's syntax) for one facet."""
    if isinstance(facet, SumFacet):
        spec = _aggregation(facet.by)
        if isinstance(facet.by, TermsFacet):
            spec["terms"]["order"] = {_SUM: "desc"}
        return {**spec, "aggs": {_SUM: {"sum": {"field": facet.sum_field}}}}
    if isinstance(facet, TermsFacet):
        return {"terms": {"field": facet.field, "size": facet.size, "min_doc_count": facet.min_count}}
    ranges = []
    for key, low, high in facet.ranges:
        bucket: dict[str, Any] = {"key": key}
        if low is not None:
            bucket["from"] = low
        if high is not None:
            bucket["to"] = high
        ranges.append(bucket)
    return {"range": {"field": facet.field, "ranges": ranges}}


def _buckets(facet: Facet, buckets: list[dict[str, Any]]) -> list[tuple[str, int]]:
    by = facet.by if isinstance(facet, SumFacet) else facet
    if isinstance(facet, SumFacet):
        # A sum of int fields, as a double: exact up to 2**53.
        values = {str(b["key"]): round(b[_SUM]["value"] or 0) for b in buckets}
    else:
        values = {str(b["key"]): int(b["doc_count"]) for b in buckets}
    if isinstance(by, TermsFacet):
        return sorted(values.items(), key=lambda pair: (-pair[1], pair[0]))
    return [(key, values.get(key, 0)) for key, _, _ in by.ranges]


def _stored_source(doc: tantivy.Document) -> dict[str, Any]:
    stored = doc.get_first(SOURCE_FIELD)
    if not isinstance(stored, bytes):
        raise TypeError(f"document has no stored record: {doc.get_first(ID_FIELD)!r}")
    return orjson.loads(stored)


def _stored_document(doc: tantivy.Document) -> tuple[str, int, dict[str, Any] | None]:
    source = doc.get_first(SOURCE_FIELD)
    return (
        str(doc.get_first(ID_FIELD)),
        int(doc.get_first(VERSION_FIELD) or 0),
        orjson.loads(source) if isinstance(source, bytes) else None,
    )


class TantivyIndex:
    def __init__(
        self,
        schema: IndexSchema,
        path: Path,
        *,
        read_only: bool = False,
        rebuild: Rebuild | None = None,
        reader_wait_s: float | None = None,
    ) -> None:
        """``read_only``: search an index another process writes (tantivy allows one writer, many readers);
        such a reader waits up to ``reader_wait_s`` for the writer to create the index or upgrade it.
        ``rebuild``: how this index's documents are rebuilt, which lets the writer upgrade an index an
        earlier release wrote with another schema (``tantivy_upgrade``)."""
        from shared.adapters import tantivy_upgrade

        self.schema = schema
        self._tschema = tantivy_schema(schema)
        if read_only:
            wait_s = tantivy_upgrade.READER_WAIT_S if reader_wait_s is None else reader_wait_s
            tantivy_upgrade.wait_until_current(path, self._tschema, timeout_s=wait_s)
        else:
            tantivy_upgrade.upgrade_in_place(
                path, self._tschema, rebuild=rebuild, stored=_stored_document, to_tantivy=self._to_tantivy
            )
            path.mkdir(parents=True, exist_ok=True)
        self._index = tantivy.Index(self._tschema, path=str(path), reuse=True)
        # Reloads happen here, on a changed meta.json, not on tantivy's own file watcher (it polls
        # every 500 ms: too late for a kiosk that searches right after a push).
        self._index.config_reader(reload_policy="Manual", num_warmers=0)
        self._meta = path / "meta.json"
        self._loaded_at: tuple[int, int, int] | None = None
        self._reload_lock = threading.Lock()
        self._writer = None if read_only else self._index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        self._write_lock = threading.Lock()
        self._reload()

    @property
    def _writable(self) -> tantivy.IndexWriter:
        if self._writer is None:
            raise RuntimeError("this index was opened read-only")
        return self._writer

    # --- writes ------------------------------------------------------------

    def upsert(self, docs: Sequence[IndexDoc]) -> list[WriteOutcome]:
        outcomes: list[WriteOutcome] = []
        with self._write_lock:
            searcher = self._searcher()
            written: dict[str, int] = {}
            for doc in docs:
                try:
                    stored = written.get(doc.id)
                    if stored is None:
                        stored = self._stored_version(searcher, doc.id)
                    if stored is not None and doc.version < stored:
                        outcomes.append(WriteOutcome(doc.id, "stale"))
                        continue
                    self._writable.delete_documents_by_term(ID_FIELD, doc.id)
                    self._writable.add_document(self._to_tantivy(doc))
                    written[doc.id] = doc.version
                    outcomes.append(WriteOutcome(doc.id, "created" if stored is None else "updated"))
                except (ValueError, TypeError) as exc:
                    outcomes.append(WriteOutcome(doc.id, "error", str(exc)))
            self._writable.commit()
        return outcomes

    def delete(self, ids: Sequence[str]) -> None:
        with self._write_lock:
            for doc_id in ids:
                self._writable.delete_documents_by_term(ID_FIELD, doc_id)
            self._writable.commit()

    def purge_deleted(self, rebuild: Rebuild) -> Purge:
        with self._write_lock:
            if not self._deleted_docs():
                return Purge(dropped=0, left=0)
            # A merge under way may be copying a deleted document into its new segment (marked
            # deleted there too); let it finish so the segments read below are the final ones. Waiting
            # consumes the writer, so a new one takes its place (the lock file passes to it).
            self._writable.wait_merging_threads()
            self._writer = self._index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
            deleted = self._deleted_docs()
            self._reload()
            searcher = self._index.searcher()
            found = searcher.search(tantivy.Query.all_query(), limit=max(searcher.num_docs, 1), count=False)
            kept = 0
            for _, address in found.hits:
                stored = searcher.doc(address)
                doc_id = str(stored.get_first(ID_FIELD))
                source = _stored_source(stored)
                try:
                    fields, source = rebuild(source)
                except Exception as exc:  # noqa: BLE001 - any defect: this document stays, the rest go on
                    # Left where it is: its segment then keeps its deleted documents too (reported below).
                    # The error's type only: a validation error's text quotes the values (a name, a phone).
                    log.error(
                        "cannot rebuild the index document %s (%s); its segment is not rewritten",
                        doc_id,
                        type(exc).__name__,
                    )
                    kept += 1
                    continue
                # The same id and version, the source as this release stores it: only where the bytes live
                # changes (and what an older release kept that this one does not).
                version = int(stored.get_first(VERSION_FIELD) or 0)
                self._writable.delete_documents_by_term(ID_FIELD, doc_id)
                self._writable.add_document(self._to_tantivy(IndexDoc(doc_id, version, fields, source)))
            self._writable.commit()
            # Commits collect garbage already; asking again makes the removal of the old files explicit.
            self._writable.garbage_collect_files()
            self._reload()
            left = self._deleted_docs()
            if left:
                log.error(
                    "index %s: %d deleted documents remain after the purge (%d live documents kept)",
                    self.schema.name,
                    left,
                    kept,
                )
            return Purge(dropped=deleted - left, left=left)

    def _deleted_docs(self) -> int:
        """Documents marked deleted in the committed segments, from ``meta.json`` (the bindings do not tell)."""
        meta = orjson.loads(self._meta.read_bytes())
        return sum((segment.get("deletes") or {}).get("num_deleted_docs", 0) for segment in meta["segments"])

    def _stored_version(self, searcher: tantivy.Searcher, doc_id: str) -> int | None:
        found = searcher.search(
            tantivy.Query.term_query(self._tschema, ID_FIELD, doc_id), limit=1, count=False
        )
        if not found.hits:
            return None
        return searcher.doc(found.hits[0][1]).get_first(VERSION_FIELD)

    def _to_tantivy(self, doc: IndexDoc) -> tantivy.Document:
        out = tantivy.Document()
        out.add_text(ID_FIELD, doc.id)
        out.add_integer(VERSION_FIELD, int(doc.version))
        out.add_bytes(SOURCE_FIELD, dumps_bytes(doc.source))
        for name, value in doc.fields.items():
            kind = self.schema.fields.get(name)
            if kind is None or value is None:
                continue
            for item in value if isinstance(value, list | tuple) else [value]:
                if item is None:
                    continue
                if kind in ("text", "keyword"):
                    out.add_text(name, str(item))
                elif kind in ("int", "date"):
                    out.add_integer(name, int(item))
                else:
                    out.add_float(name, float(item))
        return out

    # --- reads -------------------------------------------------------------

    def get(self, doc_id: str) -> dict[str, Any] | None:
        return self.get_many([doc_id]).get(doc_id)

    def versions(self, doc_ids: Sequence[str]) -> dict[str, int]:
        searcher = self._searcher()
        found = {doc_id: self._stored_version(searcher, doc_id) for doc_id in dict.fromkeys(doc_ids)}
        return {doc_id: int(version) for doc_id, version in found.items() if version is not None}

    def get_many(self, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        searcher = self._searcher()  # one searcher: every answer from the same commit
        found: dict[str, dict[str, Any]] = {}
        for doc_id in dict.fromkeys(doc_ids):
            hits = searcher.search(
                tantivy.Query.term_query(self._tschema, ID_FIELD, doc_id), limit=1, count=False
            ).hits
            if hits:
                found[doc_id] = self._source(searcher, hits[0][1])
        return found

    def count(self, filters: Sequence[Filter] = ()) -> int:
        return _match_count(self._searcher().search(self._filtered(None, filters), limit=1, count=True))

    def search(self, request: SearchRequest) -> SearchResult:
        query = self._filtered(request.text, request.filters)
        searcher = self._searcher()
        order_by: str | None = None
        descending = True
        if request.sort is not None:
            # Documents without the field come last in either direction, as in Elasticsearch.
            order_by, descending = request.sort.field, request.sort.descending
        elif request.text is None:
            # Every match scores alike: order by the unique id instead, as Elasticsearch does.
            order_by, descending = ID_FIELD, False
        # tantivy cuts the page itself (TopDocs with an offset) from its total order: the sort
        # key (the score when order_by is None), then the document address for ties. Cutting a
        # longer list here and re-sorting it would let the cut and the order disagree on ties.
        found = searcher.search(
            query,
            # tantivy refuses a limit of 0; such a request still wants the total and the facets.
            limit=max(request.limit, 1),
            count=request.count_total,
            order_by_field=order_by,
            offset=request.offset,
            order=tantivy.Order.Desc if descending else tantivy.Order.Asc,
        )
        scored = order_by is None
        hits = []
        for key, address in found.hits[: request.limit]:
            stored = searcher.doc(address)
            hits.append(
                Hit(
                    id=str(stored.get_first(ID_FIELD)),
                    score=float(key) if scored else 0.0,
                    source=_stored_source(stored),
                )
            )
        facets = self._facets(searcher, query, request) if request.facets else {}
        total = _match_count(found) if request.count_total else len(hits)
        return SearchResult(total=total, hits=hits, facets=facets)

    def _source(self, searcher: tantivy.Searcher, address: tantivy.DocAddress) -> dict[str, Any]:
        return _stored_source(searcher.doc(address))

    # --- query building ------------------------------------------------------

    def _filtered(self, text: TextQuery | None, filters: Sequence[Filter]) -> tantivy.Query:
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if text is not None:
            clauses.append((tantivy.Occur.Must, self._text_query(text)))
        for item in filters:
            if isinstance(item, Not):
                # Excluded beside the other clauses: only the excluded documents are visited, where
                # "everything but them" would be a set of nearly every document.
                clauses.append((tantivy.Occur.MustNot, self._filter_query(item.filter)))
                continue
            # Filters restrict without scoring, as in Elasticsearch's filter context.
            clauses.append(
                (tantivy.Occur.Must, tantivy.Query.const_score_query(self._filter_query(item), 0.0))
            )
        if not clauses:
            return tantivy.Query.all_query()
        if not any(occur == tantivy.Occur.Must for occur, _ in clauses):
            # Nothing to include from: everything, less what is excluded.
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        if len(clauses) == 1 and text is not None:
            return clauses[0][1]
        return tantivy.Query.boolean_query(clauses)

    def _text_query(self, text: TextQuery) -> tantivy.Query:
        group_occur = tantivy.Occur.Must if text.require_all else tantivy.Occur.Should
        groups = [
            (
                group_occur,
                tantivy.Query.boolean_query(
                    [(tantivy.Occur.Should, self._alternative_query(a, text.fields)) for a in group]
                ),
            )
            for group in text.groups
            if group
        ]
        if not groups:
            return tantivy.Query.empty_query()
        return tantivy.Query.boolean_query(groups)

    def _alternative_query(self, alternative: Alternative, boosts: dict[str, float]) -> tantivy.Query:
        if isinstance(alternative, tuple):
            parts = [(tantivy.Occur.Must, self._token_query(token, boosts)) for token in alternative]
            return tantivy.Query.boolean_query(parts)
        return self._token_query(alternative, boosts)

    def _token_query(self, token: str, boosts: dict[str, float]) -> tantivy.Query:
        return tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.boost_query(tantivy.Query.term_query(self._tschema, field, token), boost),
                )
                for field, boost in boosts.items()
            ]
        )

    def _filter_query(self, item: Filter) -> tantivy.Query:
        if isinstance(item, Terms):
            kind = self.schema.fields[item.field]
            values = [self._coerce(kind, value) for value in item.values]
            if not values:
                return tantivy.Query.empty_query()
            return tantivy.Query.term_set_query(self._tschema, item.field, values)
        if isinstance(item, Range):
            kind = self.schema.fields[item.field]
            if item.gte is None and item.lte is None:
                return tantivy.Query.exists_query(item.field)
            return tantivy.Query.range_query(
                self._tschema,
                item.field,
                _FIELD_TYPES[kind],
                None if item.gte is None else self._coerce(kind, item.gte),
                None if item.lte is None else self._coerce(kind, item.lte),
            )
        if isinstance(item, Exists):
            return tantivy.Query.exists_query(item.field)
        if isinstance(item, Not):
            return tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, tantivy.Query.all_query()),
                    (tantivy.Occur.MustNot, self._filter_query(item.filter)),
                ]
            )
        if isinstance(item, AnyOf):
            return tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, self._filter_query(f)) for f in item.filters]
            )
        raise TypeError(f"unknown filter {item!r}")

    @staticmethod
    def _coerce(kind: str, value: Any) -> Any:
        if kind in ("int", "date"):
            return int(value)
        if kind == "float":
            return float(value)
        return str(value)

    # --- facets ------------------------------------------------------------

    def _facets(
        self, searcher: tantivy.Searcher, query: tantivy.Query, request: SearchRequest
    ) -> dict[str, list[tuple[str, int]]]:
        spec = {name: _aggregation(facet) for name, facet in request.facets.items()}
        result = searcher.aggregate(query, spec)
        return {
            name: _buckets(facet, result.get(name, {}).get("buckets", []))
            for name, facet in request.facets.items()
        }

    # --- lifecycle -----------------------------------------------------------

    def refresh(self) -> None:
        self._reload()

    def generation(self) -> tuple[int, int, int] | None:
        self._reload_if_committed()
        return self._loaded_at

    def _meta_identity(self) -> tuple[int, int, int] | None:
        try:
            meta = self._meta.stat()
        except FileNotFoundError:
            return None
        # A commit writes a new file and renames it over the old one: a new inode, or at least a new
        # modification time or size.
        return meta.st_ino, meta.st_mtime_ns, meta.st_size

    def _reload(self) -> None:
        with self._reload_lock:
            # Read the identity first: a commit landing during the reload is then seen again next time.
            identity = self._meta_identity()
            self._index.reload()
            self._loaded_at = identity

    def _reload_if_committed(self) -> None:
        """See every commit made before this call, by this process or another."""
        if self._meta_identity() != self._loaded_at:
            self._reload()

    def _searcher(self) -> tantivy.Searcher:
        self._reload_if_committed()
        return self._index.searcher()

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        with self._write_lock:
            if self._writer is not None:
                self._writer.wait_merging_threads()

"""The Elasticsearch adapter of the search-index port.

Reads and writes go through the alias ``{prefix}-{schema.name}``; the physical
index behind it is ``{alias}-NNNNNN`` so ``es_reindex`` can build a new one
and swap the alias atomically. Text fields use the built-in ``whitespace``
analyzer: the caller has already segmented and lower-cased the text.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from shared.errors import BackendUnavailable, JobmatchError
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
    RangeFacet,
    Rebuild,
    SearchRequest,
    SearchResult,
    SortBy,
    SumFacet,
    Terms,
    TermsFacet,
    TextQuery,
    WriteOutcome,
)

log = logging.getLogger(__name__)

ID_FIELD = "doc_id"
"""The record's id as a keyword with doc values: the unique tie-break of every sort."""
SOURCE_FIELD = "doc_source"
# elastic_transport logs every request at INFO (``POST …/_bulk [status:200 …]``) and, at DEBUG,
# every request and response body: hundreds of lines a minute under ingest. Its warnings
# (retries, dead nodes) are worth keeping; the adapter logs one DEBUG line per bulk write instead.
_TRANSPORT_LOGGER = "elastic_transport"

_FIELD_MAPPINGS: dict[str, dict[str, Any]] = {
    "text": {"type": "text", "analyzer": "whitespace"},
    "keyword": {"type": "keyword"},
    "int": {"type": "long"},
    "float": {"type": "double"},
    # Epoch seconds as a plain long: ranges, sorting and range facets then take
    # the same numbers as on tantivy, with no date-format conversion anywhere.
    "date": {"type": "long"},
}
_UNAVAILABLE_STATUSES = {429, 502, 503, 504}
_BULK_CHUNK_DOCS = 500
_BULK_RETRIES = 5
# A forced merge rewrites every segment holding deleted documents; a large shard takes longer than an
# ordinary request may.
_PURGE_TIMEOUT_S = 600.0
_EXPUNGE_ALL_DELETES = {"index.merge.policy.expunge_deletes_allowed": 0}
"""Expunging deletes skips a segment with fewer than this percentage of deleted documents (10 by
default): one erased profile among thousands would stay. 0 rewrites every segment holding one."""


def alias_name(prefix: str, schema: IndexSchema) -> str:
    return f"{prefix}-{schema.name}"


def physical_index_name(alias: str, generation: int) -> str:
    return f"{alias}-{generation:06d}"


def index_generation(alias: str, index: str) -> int | None:
    """The counter of a physical index behind ``alias``, None for an unrelated index."""
    matched = re.fullmatch(re.escape(alias) + r"-(\d{6})", index)
    return int(matched.group(1)) if matched else None


def index_body(schema: IndexSchema) -> dict[str, Any]:
    """Settings and mappings of a physical index for ``schema``."""
    reserved = {ID_FIELD, SOURCE_FIELD} & schema.fields.keys()
    if reserved:
        raise ValueError(f"schema {schema.name!r} uses reserved field names {sorted(reserved)}")
    properties: dict[str, Any] = {
        ID_FIELD: {"type": "keyword"},
        SOURCE_FIELD: {"type": "object", "enabled": False},
    }
    properties.update({name: _FIELD_MAPPINGS[kind] for name, kind in schema.fields.items()})
    return {
        # One shard keeps facet counts exact and BM25 statistics index-wide, as on
        # tantivy; one province's postings fit in a shard many times over.
        "settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1", **_EXPUNGE_ALL_DELETES},
        "mappings": {"dynamic": "strict", "properties": properties},
    }


def quiet_transport_logs() -> None:
    """Show elastic_transport's warnings only, unless its level was set on purpose."""
    transport = logging.getLogger(_TRANSPORT_LOGGER)
    if transport.level == logging.NOTSET:
        transport.setLevel(logging.WARNING)


@contextmanager
def backend_errors() -> Iterator[None]:
    """Turn "cannot reach Elasticsearch" into the port's BackendUnavailable."""
    try:
        yield
    except TransportError as error:
        raise BackendUnavailable(f"Elasticsearch unreachable: {error}") from error
    except ApiError as error:
        if error.status_code in _UNAVAILABLE_STATUSES:
            raise BackendUnavailable(f"Elasticsearch unavailable: {error}") from error
        raise


def ensure_alias(client: Elasticsearch, schema: IndexSchema, prefix: str) -> str:
    """Create the first physical index with its alias unless the alias exists; returns the alias."""
    alias = alias_name(prefix, schema)
    with backend_errors():
        if client.indices.exists_alias(name=alias):
            return alias
        body = index_body(schema)
        try:
            # A fixed first name makes processes starting together collide on
            # one index instead of each creating its own behind the alias.
            client.indices.create(
                index=physical_index_name(alias, 1),
                settings=body["settings"],
                mappings=body["mappings"],
                aliases={alias: {"is_write_index": True}},
            )
        except ApiError as error:
            if _error_type(error) != "resource_already_exists_exception":
                raise
            client.cluster.health(index=alias, wait_for_status="yellow", timeout="30s")
    return alias


class MappingConflict(JobmatchError):
    """A field of the live index is mapped otherwise than this release maps it: only a reindex changes it."""

    code = "INDEX_MAPPING_CONFLICT"


def ensure_mapping(client: Elasticsearch, schema: IndexSchema, alias: str) -> list[str]:
    """Add to the live mapping the fields of ``schema`` it lacks (a release that adds fields upgrades in
    place); the names added. Documents written before keep the fields they were written with until they
    are written again (``es_reindex --rebuild`` rewrites them all)."""
    wanted: dict[str, dict[str, Any]] = index_body(schema)["mappings"]["properties"]
    with backend_errors():
        live = client.indices.get_mapping(index=alias)
    missing: set[str] = set()
    for index, body in sorted(live.items()):
        properties = body["mappings"].get("properties", {})
        for name, mapping in wanted.items():
            current = properties.get(name)
            if current is None:
                missing.add(name)
            elif any(current.get(key) != value for key, value in mapping.items()):
                raise MappingConflict(
                    f"field {name!r} of the Elasticsearch index {index} is mapped as {current}, this release "
                    f"maps it as {mapping}; a mapping cannot change in place: rebuild the index with "
                    f"`python -m shared.adapters.es_reindex --schema {schema.name} --rebuild`, then start again"
                )
    if missing:
        with backend_errors():
            client.indices.put_mapping(
                index=alias, properties={name: wanted[name] for name in sorted(missing)}
            )
        log.warning(
            "added %s to the mapping of %s; documents written before have them only once written again "
            "(or after `python -m shared.adapters.es_reindex --schema %s --rebuild`)",
            ", ".join(sorted(missing)),
            alias,
            schema.name,
            extra={"index": alias, "fields": sorted(missing)},
        )
    return sorted(missing)


def document_source(doc: IndexDoc) -> dict[str, Any]:
    """What an Elasticsearch document of ``doc`` holds: its index fields, its id and its record."""
    fields = {name: value for name, value in doc.fields.items() if value is not None}
    return {**fields, ID_FIELD: doc.id, SOURCE_FIELD: doc.source}


class ElasticsearchIndex:
    def __init__(
        self,
        schema: IndexSchema,
        *,
        client: Elasticsearch,
        prefix: str,
        owns_client: bool = False,
        bulk_retries: int = _BULK_RETRIES,
    ) -> None:
        quiet_transport_logs()
        self.schema = schema
        self.alias = ensure_alias(client, schema, prefix)
        ensure_mapping(client, schema, self.alias)
        self._client = client
        self._owns_client = owns_client
        self._bulk_retries = bulk_retries

    def upsert(self, docs: Sequence[IndexDoc]) -> list[WriteOutcome]:
        started = time.monotonic()
        outcomes_by_id: dict[str, deque[WriteOutcome]] = defaultdict(deque)
        with backend_errors():
            for _, item in helpers.streaming_bulk(
                self._client,
                (self._index_action(doc) for doc in docs),
                chunk_size=_BULK_CHUNK_DOCS,
                raise_on_error=False,
                max_retries=self._bulk_retries,
                initial_backoff=0.5,
                max_backoff=10,
            ):
                result = item["index"]
                if _is_transient(result):
                    # Not the document's fault: fail the batch so the consumer retries it uncommitted,
                    # rather than dead-lettering a good record. Items already written are idempotent.
                    raise BackendUnavailable(
                        f"Elasticsearch refused a write for now: {_reason(result.get('error'))}"
                    )
                outcomes_by_id[result["_id"]].append(_write_outcome(result))
        # Retried items come back late, so results are matched to docs by id;
        # the same id twice in a batch is applied, and answered, in batch order.
        outcomes = [outcomes_by_id[doc.id].popleft() for doc in docs]
        statuses = Counter(outcome.status for outcome in outcomes)
        log.debug(
            "bulk upsert of %d docs to %s in %.3fs: %s",
            len(docs),
            self.alias,
            time.monotonic() - started,
            ", ".join(f"{count} {status}" for status, count in sorted(statuses.items())) or "nothing",
            extra={"index": self.alias, "docs": len(docs), "statuses": dict(statuses)},
        )
        return outcomes

    def _index_action(self, doc: IndexDoc) -> dict[str, Any]:
        return {
            "_op_type": "index",
            "_index": self.alias,
            "_id": doc.id,
            "version": doc.version,
            "version_type": "external_gte",
            "_source": document_source(doc),
        }

    def delete(self, ids: Sequence[str]) -> None:
        started = time.monotonic()
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": doc_id} for doc_id in ids)
        with backend_errors():
            failures = [
                item["delete"]
                for ok, item in helpers.streaming_bulk(
                    self._client,
                    actions,
                    chunk_size=_BULK_CHUNK_DOCS,
                    raise_on_error=False,
                    max_retries=_BULK_RETRIES,
                    initial_backoff=0.5,
                    max_backoff=10,
                )
                if not ok and item["delete"]["status"] != 404
            ]
        log.debug(
            "bulk delete of %d ids from %s in %.3fs: %d failed",
            len(ids),
            self.alias,
            time.monotonic() - started,
            len(failures),
            extra={"index": self.alias, "docs": len(ids), "failed": len(failures)},
        )
        if failures:
            raise BackendUnavailable(
                f"{len(failures)} deletes failed in {self.alias}",
                details=[{"id": f["_id"], "error": str(f.get("error"))} for f in failures],
            )

    def purge_deleted(self, rebuild: Rebuild) -> Purge:
        # Lucene rewrites segments from their own data: rebuild is not needed here.
        deleted = self._deleted_docs()
        if not deleted:
            return Purge(dropped=0, left=0)
        started = time.monotonic()
        with backend_errors():
            # Set here as well as at creation: indexes made before this setting existed get it too.
            self._client.indices.put_settings(index=self.alias, settings=_EXPUNGE_ALL_DELETES)
            # Flushes afterwards (the default), so the translog no longer holds the deleted sources either.
            self._client.options(request_timeout=_PURGE_TIMEOUT_S).indices.forcemerge(
                index=self.alias, only_expunge_deletes=True, wait_for_completion=True
            )
            self._client.indices.refresh(index=self.alias)
        left = self._deleted_docs()
        # Another writer of the index may have deleted more meanwhile.
        dropped = max(deleted - left, 0)
        log.info(
            "purged %d deleted documents from %s in %.3fs (%d left)",
            dropped,
            self.alias,
            time.monotonic() - started,
            left,
            extra={"index": self.alias, "docs": dropped, "left": left},
        )
        return Purge(dropped=dropped, left=left)

    def _deleted_docs(self) -> int:
        """Deleted documents still held by the index's segments, on every copy of every shard.

        Soft deletes count too: a delete keeps the document, marked, while a retention lease (a
        replica's, or the primary's own until its renewal every 30 s) may still need the operation;
        a forced merge keeps those, so they stay ``left`` until a later purge.
        """
        with backend_errors():
            stats = self._client.indices.stats(index=self.alias, metric="docs")
        return int(stats["_all"]["total"]["docs"]["deleted"])

    def get(self, doc_id: str) -> dict[str, Any] | None:
        with backend_errors():
            try:
                response = self._client.get(index=self.alias, id=doc_id, source_includes=[SOURCE_FIELD])
            except NotFoundError as error:
                if isinstance(error.body, dict) and error.body.get("found") is False:
                    return None
                raise
        return response["_source"][SOURCE_FIELD]

    def versions(self, doc_ids: Sequence[str]) -> dict[str, int]:
        if not doc_ids:
            return {}
        with backend_errors():
            # The external version each document was written with; realtime, like get.
            response = self._client.mget(index=self.alias, ids=list(dict.fromkeys(doc_ids)), source=False)
        return {doc["_id"]: int(doc["_version"]) for doc in response["docs"] if doc.get("found")}

    def get_many(self, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return {}
        with backend_errors():
            response = self._client.mget(index=self.alias, ids=ids, source_includes=[SOURCE_FIELD])
        failed = [doc["error"] for doc in response["docs"] if "error" in doc]
        if failed:
            raise BackendUnavailable(f"Elasticsearch mget on {self.alias} failed: {failed[0]}")
        return {doc["_id"]: doc["_source"][SOURCE_FIELD] for doc in response["docs"] if doc.get("found")}

    def search(self, request: SearchRequest) -> SearchResult:
        with backend_errors():
            response = self._client.search(
                index=self.alias,
                query=build_query(request.text, request.filters),
                sort=_sort_clauses(request.sort),
                from_=request.offset,
                size=request.limit,
                track_total_hits=request.count_total,
                track_scores=True,
                source_includes=[SOURCE_FIELD],
                aggs=_aggregations(request) or None,
            )
        hits = [
            Hit(id=hit["_id"], score=float(hit["_score"] or 0.0), source=hit["_source"][SOURCE_FIELD])
            for hit in response["hits"]["hits"]
        ]
        return SearchResult(
            total=response["hits"]["total"]["value"] if request.count_total else len(hits),
            hits=hits,
            facets=_facet_buckets(request, response.get("aggregations", {})),
        )

    def count(self, filters: Sequence[Filter] = ()) -> int:
        with backend_errors():
            return int(self._client.count(index=self.alias, query=build_query(None, filters))["count"])

    def refresh(self) -> None:
        with backend_errors():
            self._client.indices.refresh(index=self.alias)

    def generation(self) -> None:
        # Several search replicas write and refresh the index; none can tell cheaply what changed.
        return None

    def ping(self) -> bool:
        return index_healthy(self._client, self.alias)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()


def elasticsearch_client(url: str, *, request_timeout: float = 10.0) -> Elasticsearch:
    """The client every adapter of this project opens: timeouts retried, three retries."""
    return Elasticsearch(url, request_timeout=request_timeout, retry_on_timeout=True, max_retries=3)


def index_healthy(client: Elasticsearch, index: str) -> bool:
    """True when the index answers and its primary shard is assigned: what the adapters' ``ping`` says."""
    # Cluster health rather than ``client.ping()``: the root endpoint that
    # ping uses is a module some distributions (the test zip) leave out.
    try:
        health = client.cluster.health(index=index, timeout="2s")
    except (ApiError, TransportError):
        return False
    return health["status"] in ("green", "yellow")


def open_elasticsearch_index(
    schema: IndexSchema, *, url: str, prefix: str, request_timeout: float = 10.0
) -> ElasticsearchIndex:
    """An adapter with its own client; ``close()`` closes that client."""
    client = elasticsearch_client(url, request_timeout=request_timeout)
    try:
        return ElasticsearchIndex(schema, client=client, prefix=prefix, owns_client=True)
    except Exception:
        client.close()
        raise


# --- request translation -----------------------------------------------------


def build_query(text: TextQuery | None, filters: Sequence[Filter]) -> dict[str, Any]:
    groups = [group for group in (text.groups if text else ()) if group]
    scoring: dict[str, Any]
    if text and groups:
        group_queries = [_group_query(group, text.fields) for group in groups]
        if text.require_all:
            scoring = {"must": group_queries}
        else:
            scoring = {"should": group_queries, "minimum_should_match": 1}
    else:
        scoring = {"must": [{"match_all": {}}]}
    return {"bool": {**scoring, "filter": [filter_query(f) for f in filters]}}


def _group_query(alternatives: Sequence[Alternative], boosts: dict[str, float]) -> dict[str, Any]:
    return {
        "bool": {"should": [_alternative_query(a, boosts) for a in alternatives], "minimum_should_match": 1}
    }


def _alternative_query(alternative: Alternative, boosts: dict[str, float]) -> dict[str, Any]:
    if isinstance(alternative, tuple):
        return {"bool": {"must": [_token_query(token, boosts) for token in alternative]}}
    return _token_query(alternative, boosts)


def _token_query(token: str, boosts: dict[str, float]) -> dict[str, Any]:
    fields = [{"term": {field: {"value": token, "boost": boost}}} for field, boost in boosts.items()]
    return {"bool": {"should": fields, "minimum_should_match": 1}}


def filter_query(condition: Filter) -> dict[str, Any]:
    match condition:
        case Terms(field=field, values=values):
            return {"terms": {field: list(values)}}
        case Range(field=field, gte=gte, lte=lte):
            bounds = {name: value for name, value in (("gte", gte), ("lte", lte)) if value is not None}
            return {"range": {field: bounds}}
        case Exists(field=field):
            return {"exists": {"field": field}}
        case Not(filter=inner):
            return {"bool": {"must_not": [filter_query(inner)]}}
        case AnyOf(filters=alternatives):
            return {"bool": {"should": [filter_query(f) for f in alternatives], "minimum_should_match": 1}}
    raise TypeError(f"unknown filter {condition!r}")


def _sort_clauses(sort: SortBy | None) -> list[dict[str, Any]]:
    # The unique id last makes the order total, so from/size pages never repeat or skip a tie.
    # (Sorting on ``_id`` itself would need fielddata; the keyword copy has doc values.)
    tie_break = {ID_FIELD: {"order": "asc"}}
    if sort is None:
        return [{"_score": {"order": "desc"}}, tie_break]
    order = "desc" if sort.descending else "asc"
    return [{sort.field: {"order": order, "missing": "_last"}}, tie_break]


_SUM = "sum"
"""The name of a ``SumFacet``'s metric inside each of its buckets."""


def _aggregations(request: SearchRequest) -> dict[str, Any]:
    return {name: _aggregation(facet) for name, facet in request.facets.items()}


def _aggregation(facet: Facet) -> dict[str, Any]:
    match facet:
        case SumFacet(by=by, sum_field=sum_field):
            spec = _aggregation(by)
            if isinstance(by, TermsFacet):
                # The largest sums, ties by value: the order the port promises, cut where it says.
                spec["terms"]["order"] = [{_SUM: "desc"}, {"_key": "asc"}]
            return {**spec, "aggs": {_SUM: {"sum": {"field": sum_field}}}}
        case TermsFacet(field=field, size=size, min_count=min_count):
            return {"terms": {"field": field, "size": size, "min_doc_count": min_count}}
        case RangeFacet(field=field, ranges=ranges):
            buckets = [
                {
                    "key": key,
                    **({"from": low} if low is not None else {}),
                    **({"to": high} if high is not None else {}),
                }
                for key, low, high in ranges
            ]
            # Keyed buckets: Elasticsearch sorts ranges by bound, the port keeps the given order.
            return {"range": {"field": field, "keyed": True, "ranges": buckets}}
    raise TypeError(f"unknown facet {facet!r}")


def _facet_buckets(request: SearchRequest, aggregations: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    return {name: _buckets(facet, aggregations[name]["buckets"]) for name, facet in request.facets.items()}


def _buckets(facet: Facet, buckets: Any) -> list[tuple[str, int]]:
    by = facet.by if isinstance(facet, SumFacet) else facet

    def value(bucket: dict[str, Any]) -> int:
        # A sum of long fields comes back as a double: exact up to 2**53.
        return round(bucket[_SUM]["value"] or 0) if isinstance(facet, SumFacet) else int(bucket["doc_count"])

    if isinstance(by, RangeFacet):
        return [(key, value(buckets[key])) for key, _, _ in by.ranges]
    pairs = [(_bucket_key(b), value(b)) for b in buckets]
    # Sorted again as on tantivy: a sum ties with another more often than a count does.
    return sorted(pairs, key=lambda pair: (-pair[1], pair[0])) if isinstance(facet, SumFacet) else pairs


def _bucket_key(bucket: dict[str, Any]) -> str:
    key = bucket.get("key_as_string", bucket["key"])
    if isinstance(key, float) and key.is_integer():
        key = int(key)
    return str(key)


def _is_transient(result: dict[str, Any]) -> bool:
    """Overload (429), node trouble (5xx) and index blocks pass; a 400 is the document's own fault."""
    error_type = result.get("error", {}).get("type") if isinstance(result.get("error"), dict) else None
    return (
        result["status"] in _UNAVAILABLE_STATUSES
        or result["status"] >= 500
        or (error_type == "cluster_block_exception")
    )


def _write_outcome(result: dict[str, Any]) -> WriteOutcome:
    if 200 <= result["status"] < 300:
        return WriteOutcome(
            id=result["_id"], status="created" if result["result"] == "created" else "updated"
        )
    if result["status"] == 409:
        return WriteOutcome(id=result["_id"], status="stale")
    return WriteOutcome(id=result["_id"], status="error", error=_reason(result.get("error")))


def _reason(error: Any) -> str:
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return str(error)


def _error_type(error: ApiError) -> str | None:
    body = error.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("type")
    return None

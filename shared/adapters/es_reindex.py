"""Rebuild an Elasticsearch index with the current mapping, behind its alias.

    python -m shared.adapters.es_reindex --schema postings [--rebuild] [--url URL] [--prefix PREFIX]

Creates the next physical index ``{alias}-NNNNNN``, copies every document
with its version, swaps the alias in one atomic step, copies what was
written to the old index during the first copy, then deletes the old index.
A document deleted during the copy may come back; run it off-peak.

``--rebuild`` makes each copy from its stored record as this release indexes
it (``shared.index.rebuild``) instead of copying its fields: what a field whose
type changed needs, and what gives documents written by an earlier release the
fields added since (a posting's duplicate band tokens).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from elasticsearch import ApiError, Elasticsearch, helpers

from shared.adapters.es_index import (
    SOURCE_FIELD,
    backend_errors,
    document_source,
    ensure_alias,
    index_body,
    index_generation,
    physical_index_name,
)
from shared.errors import JobmatchError
from shared.ports.search_index import IndexDoc, IndexSchema, Rebuild

log = logging.getLogger(__name__)

_COPY_TIMEOUT_S = 3600.0
_COPY_BATCH_DOCS = 500


class ReindexError(JobmatchError):
    code = "REINDEX_FAILED"


@dataclass(frozen=True)
class ReindexReport:
    alias: str
    old_indexes: tuple[str, ...]
    new_index: str
    copied: int
    caught_up: int
    """Documents written to the old index while the first copy ran."""


def reindex(
    schema: IndexSchema, *, client: Elasticsearch, prefix: str, rebuild: Rebuild | None = None
) -> ReindexReport:
    """``rebuild``: make each document again from its stored record rather than copy its fields."""
    alias = ensure_alias(client, schema, prefix)
    with backend_errors():
        old_indexes = tuple(sorted(client.indices.get_alias(name=alias)))
        new_index = physical_index_name(alias, _next_generation(client, alias))
        body = index_body(schema)
        client.indices.create(index=new_index, settings=body["settings"], mappings=body["mappings"])
        try:
            copied = copy_documents(client, old_indexes, new_index, rebuild=rebuild)
            client.indices.refresh(index=new_index)
        except Exception:
            client.indices.delete(index=new_index)
            raise
        swap = [{"add": {"index": new_index, "alias": alias, "is_write_index": True}}]
        swap += [{"remove": {"index": name, "alias": alias}} for name in old_indexes]
        client.indices.update_aliases(actions=swap)
        # Versions make the second pass copy only documents newer than their copy.
        caught_up = copy_documents(client, old_indexes, new_index, rebuild=rebuild)
        client.indices.refresh(index=new_index)
        client.indices.delete(index=",".join(old_indexes))
    return ReindexReport(alias, old_indexes, new_index, copied, caught_up)


def _next_generation(client: Elasticsearch, alias: str) -> int:
    existing = client.indices.get(index=f"{alias}-*", expand_wildcards="all")
    generations = [index_generation(alias, name) for name in existing]
    return max((g for g in generations if g is not None), default=0) + 1


def copy_documents(
    client: Elasticsearch, sources: Sequence[str], dest: str, *, rebuild: Rebuild | None = None
) -> int:
    """Copy documents keeping their versions; one already stored at the same or a newer version is skipped."""
    # Both ways of copying read what searches see, so unrefreshed writes would be missed.
    client.indices.refresh(index=",".join(sources))
    if rebuild is not None or not _has_reindex_module(client):
        return _copy_through_client(client, sources, dest, rebuild)
    response = client.options(request_timeout=_COPY_TIMEOUT_S, max_retries=0).reindex(
        source={"index": list(sources)},
        dest={"index": dest, "version_type": "external"},
        conflicts="proceed",
        wait_for_completion=True,
    )
    if response["failures"]:
        raise ReindexError(f"copy into {dest} failed", details=list(response["failures"])[:20])
    return int(response["created"]) + int(response["updated"])


def _has_reindex_module(client: Elasticsearch) -> bool:
    """False on distributions without the reindex module (the test zip); there the client copies."""
    try:
        nodes = client.nodes.info(metric="plugins", filter_path="nodes.*.modules.name")["nodes"]
    except ApiError:
        return True  # Not allowed to look: assume a full distribution.
    return all(any(m["name"] == "reindex" for m in node["modules"]) for node in nodes.values())


def _rebuilt(hit: dict[str, Any], rebuild: Rebuild) -> dict[str, Any]:
    record = hit["_source"][SOURCE_FIELD]
    try:
        fields, record = rebuild(record)
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the copy of the others
        # Copied with its record and no fields: found by its id, out of searches until written again.
        # The error's type only: a validation error's text quotes the values (a name, a phone).
        log.error(
            "cannot rebuild document %s (%s); copied without its fields", hit["_id"], type(exc).__name__
        )
        fields = {}
    return document_source(IndexDoc(hit["_id"], hit["_version"], fields, record))


def _copy_through_client(
    client: Elasticsearch, sources: Sequence[str], dest: str, rebuild: Rebuild | None = None
) -> int:
    hits = helpers.scan(client, index=",".join(sources), version=True, size=_COPY_BATCH_DOCS)
    actions = (
        {
            "_op_type": "index",
            "_index": dest,
            "_id": hit["_id"],
            "version": hit["_version"],
            "version_type": "external",
            "_source": hit["_source"] if rebuild is None else _rebuilt(hit, rebuild),
        }
        for hit in hits
    )
    copied = 0
    failures: list[dict[str, Any]] = []
    for ok, item in helpers.streaming_bulk(
        client, actions, chunk_size=_COPY_BATCH_DOCS, raise_on_error=False, max_retries=5, initial_backoff=0.5
    ):
        result = item["index"]
        if ok:
            copied += 1
        elif result["status"] != 409:
            failures.append({"id": result["_id"], "error": str(result.get("error"))})
    if failures:
        raise ReindexError(f"copy into {dest} failed for {len(failures)} documents", details=failures[:20])
    return copied


def main(argv: Sequence[str] | None = None) -> int:
    from shared.index.documents import POSTINGS, SEEKERS
    from shared.index.rebuild import rebuild_of
    from shared.settings import get_settings

    schemas = {schema.name: schema for schema in (POSTINGS, SEEKERS)}
    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="python -m shared.adapters.es_reindex", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--schema", required=True, choices=sorted(schemas))
    parser.add_argument(
        "--rebuild", action="store_true", help="make each document again from its stored record"
    )
    parser.add_argument("--url", default=settings.elasticsearch_url)
    parser.add_argument("--prefix", default=settings.index_prefix)
    args = parser.parse_args(argv)

    with Elasticsearch(args.url, request_timeout=30, retry_on_timeout=True, max_retries=3) as client:
        try:
            schema = schemas[args.schema]
            rebuild = rebuild_of(schema) if args.rebuild else None
            report = reindex(schema, client=client, prefix=args.prefix, rebuild=rebuild)
        except JobmatchError as error:
            print(f"reindex failed: {error.message}", file=sys.stderr)
            return 1
    print(
        f"{report.alias}: {', '.join(report.old_indexes)} -> {report.new_index}; "
        f"copied {report.copied}, caught up {report.caught_up}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

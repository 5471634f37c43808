"""What duplicate detection adds to indexing, per posting.

    .venv/bin/python -m benchmarks.bench_dedup [--postings 20000] [--elasticsearch URL]

Indexes the demo postings in the consumer's batches of 500 twice, each time
into an empty index: through ``apply_events`` (fingerprints, candidate
queries, links, band tokens in the documents), and as the indexer did
before (the same documents without band tokens, no linking). Reports
milliseconds per posting for both, the share of the linking step, and how
many postings were linked. The demo set repeats its employers, so a real
share of postings have candidates to compare.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from services.ingest.batch import check_record
from services.search import dedup
from services.search.consumer import apply_events
from shared.adapters.tantivy_index import TantivyIndex
from shared.demo.generator import generate_postings
from shared.domain.records import PostingRecord
from shared.index.documents import OPEN, SEEKERS, indexed_status, posting_doc
from shared.index.fields import POSTINGS, PostingField
from shared.ports.event_log import TOPIC_POSTINGS, Event
from shared.ports.search_index import SearchIndex, Terms

BATCH = 500


def _records(count: int) -> list[PostingRecord]:
    now = datetime.now(UTC)
    records = []
    for raw in generate_postings(count, seed=7):
        record, _ = check_record("postings", raw, received_at=now)
        if isinstance(record, PostingRecord):
            records.append(record)
    return records


PREFIX = f"bench-dedup-{uuid.uuid4().hex[:8]}"


def _open(kind: str, path: Path, url: str | None) -> SearchIndex:
    schema = POSTINGS if kind == "postings" else SEEKERS
    if url is None:
        return TantivyIndex(schema, path / kind)
    from shared.adapters.es_index import open_elasticsearch_index

    return open_elasticsearch_index(schema, url=url, prefix=f"{PREFIX}-{path.name}")


def _drop_elasticsearch_indexes(url: str) -> None:
    from shared.adapters.es_index import elasticsearch_client

    with elasticsearch_client(url) as client:
        # By name: the server refuses wildcard deletes.
        names = [row["index"] for row in client.cat.indices(index=f"{PREFIX}-*", format="json")]
        for name in names:
            client.indices.delete(index=name)


def _with_dedup(
    records: list[PostingRecord], postings: SearchIndex, seekers: SearchIndex, *, verify: bool
) -> tuple[float, float]:
    linking = 0.0
    original = dedup.link_postings

    def timed(*args: object, **kwargs: object) -> dedup.Links:
        nonlocal linking
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            linking += time.perf_counter() - started

    from services.search import consumer

    consumer.link_postings = timed  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        for start in range(0, len(records), BATCH):
            events = [
                Event(TOPIC_POSTINGS, 0, start + i, r.id, r.model_dump(mode="json"))
                for i, r in enumerate(records[start : start + BATCH])
            ]
            apply_events(events, postings=postings, seekers=seekers, verify_links=verify)
        return time.perf_counter() - started, linking
    finally:
        consumer.link_postings = original


def _without_dedup(records: list[PostingRecord], postings: SearchIndex) -> float:
    started = time.perf_counter()
    for start in range(0, len(records), BATCH):
        postings.upsert([posting_doc(r, bands=[]) for r in records[start : start + BATCH]])
        postings.refresh()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=20_000)
    parser.add_argument("--elasticsearch", metavar="URL", default=None)
    parser.add_argument(
        "--verify",
        action="store_true",
        help="check links again after each write, as search replicas on Elasticsearch do",
    )
    args = parser.parse_args()
    records = _records(args.postings)
    now = time.time()
    taking_part = sum(indexed_status(r, now) == OPEN for r in records)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            base = _open("postings", Path(tmp) / "plain", args.elasticsearch)
            plain = _without_dedup(records, base)
            base.close()
            postings = _open("postings", Path(tmp) / "dedup", args.elasticsearch)
            seekers = _open("seekers", Path(tmp) / "dedup", args.elasticsearch)
            total, linking = _with_dedup(records, postings, seekers, verify=args.verify)
            linked = postings.count([Terms(PostingField.STATUS, ("duplicate",))])
            postings.close()
            seekers.close()
    finally:
        if args.elasticsearch:
            _drop_elasticsearch_indexes(args.elasticsearch)
    per = 1000 / len(records)
    backend = "elasticsearch" if args.elasticsearch else "tantivy"
    checked = ", links checked after each write" if args.verify else ""
    print(f"{len(records)} postings ({taking_part} open) on {backend}, batches of {BATCH}{checked}")
    print(f"  without dedup: {plain * per:.2f} ms/posting")
    print(f"  with dedup:    {total * per:.2f} ms/posting (linking {linking * per:.2f} ms/posting)")
    print(f"  added:         {(total - plain) * per:.2f} ms/posting; {linked} postings linked as duplicates")


if __name__ == "__main__":
    main()

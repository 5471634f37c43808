"""What the supply-demand figures cost on the demo data, tantivy or Elasticsearch.

    .venv/bin/python -m benchmarks.bench_stats [--postings 20000] [--seekers 20000] [--shared 0.05]
                                               [--elasticsearch URL]

Indexes demo postings and seekers, gives a share (``--shared``) of the seekers a second record in another
place with the same person hash (someone registered at two offices), then times each query shape five
times and prints the median in milliseconds, with the number of shared persons the exact count read.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from services.ingest.batch import check_record
from services.matcher.stats.partner_recruiting import partner_recruiting
from services.matcher.stats.supply_demand import GroupBy, Scope, supply_demand
from shared.adapters.tantivy_index import TantivyIndex
from shared.demo.generator import generate_postings, generate_seekers
from shared.domain.records import PostingRecord, SeekerRecord
from shared.index.documents import posting_doc, seeker_doc
from shared.index.fields import POSTINGS, SEEKERS
from shared.ports.search_index import IndexSchema, SearchIndex
from shared.settings import Settings


def _open(schema: IndexSchema, root: Path, url: str | None) -> SearchIndex:
    if url is None:
        return TantivyIndex(schema, root / schema.name)
    from shared.adapters.es_index import open_elasticsearch_index

    return open_elasticsearch_index(schema, url=url, prefix=f"bench-stats-{uuid.uuid4().hex[:8]}")


def _fill(postings: SearchIndex, seekers: SearchIndex, args: argparse.Namespace, now: datetime) -> None:
    docs = []
    for raw in generate_postings(args.postings, now=now):
        record, _ = check_record("postings", raw, received_at=now)
        if isinstance(record, PostingRecord):
            docs.append(posting_doc(record))
    for start in range(0, len(docs), 500):
        postings.upsert(docs[start : start + 500])
    people = []
    for number, raw in enumerate(generate_seekers(args.seekers, now=now)):
        raw.pop("id_number", None)
        record, _ = check_record("seekers", raw, received_at=now)
        if isinstance(record, SeekerRecord):
            people.append(record.model_copy(update={"id_number_hash": f"person-{number}"}))
    twice = people[: int(len(people) * args.shared)]
    elsewhere = [p.model_copy(update={"id": f"{p.id}-again", "region_code": "410305"}) for p in twice]
    seeker_docs = [seeker_doc(record) for record in [*people, *elsewhere]]
    for start in range(0, len(seeker_docs), 500):
        seekers.upsert(seeker_docs[start : start + 500])
    postings.refresh()
    seekers.refresh()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postings", type=int, default=20000)
    parser.add_argument("--seekers", type=int, default=20000)
    parser.add_argument("--shared", type=float, default=0.05)
    parser.add_argument("--elasticsearch", default=None)
    args = parser.parse_args()
    now = datetime.now(UTC)
    settings = Settings(environment="test")
    with tempfile.TemporaryDirectory() as tmp:
        postings = _open(POSTINGS, Path(tmp), args.elasticsearch)
        seekers = _open(SEEKERS, Path(tmp), args.elasticsearch)
        started = time.perf_counter()
        _fill(postings, seekers, args, now)
        print(f"indexed in {time.perf_counter() - started:.1f} s")
        shapes: list[tuple[str, str | None, GroupBy | None, int | None]] = [
            ("country by province", None, "region", None),
            ("province by city, 12 weeks", "410000", "region", 12),
            ("one county", "410305", None, None),
        ]
        for label, region, group_by, weeks in shapes:
            timings = []
            for _ in range(5):
                began = time.perf_counter()
                supply_demand(
                    postings=postings,
                    seekers=seekers,
                    scope=Scope({"region": region}),
                    group_by=group_by,
                    weeks=weeks,
                    settings=settings,
                    now=now,
                )
                timings.append((time.perf_counter() - began) * 1000)
            print(f"{label}: {statistics.median(timings):.0f} ms")
        timings = []
        for _ in range(5):
            began = time.perf_counter()
            partner_recruiting(postings=postings, province="410000", now=now)
            timings.append((time.perf_counter() - began) * 1000)
        print(f"partner recruiting: {statistics.median(timings):.0f} ms")
        for index in (postings, seekers):
            alias = getattr(index, "alias", None)
            if alias is not None and args.elasticsearch:
                from elasticsearch import Elasticsearch

                with Elasticsearch(args.elasticsearch) as client:
                    for name in client.indices.get_alias(name=alias):
                        client.indices.delete(index=name)
            index.close()


if __name__ == "__main__":
    main()

"""Benchmark of the embedded shape's hot paths (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_search.py [--postings 20000] [--queries 300]

Measures, on the demo generator's postings in a fresh tantivy index:
normalise + segment + index throughput, search latency (p50/p95) for a rare
term, a very common term, a filtered and faceted query, and /v1/match
latency (retrieval of 200 candidates + re-ranking).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from services.ingest.batch import check_record
from services.matcher.matching import match_postings
from services.matcher.scoring import Profile
from services.search.query import PostingSearch, build_posting_request
from shared.adapters.tantivy_index import TantivyIndex
from shared.demo.generator import generate_postings
from shared.index.documents import POSTINGS, posting_doc


def timed(label: str, runs: int, action: Callable[[], object]) -> None:
    action()  # warm caches
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{label:<46} p50 {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms   ({runs} runs)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postings", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    now = datetime.now(UTC)
    raw = generate_postings(args.postings, seed=7, now=now)
    started = time.perf_counter()
    records = [
        record for record, _ in (check_record("postings", item, received_at=now) for item in raw) if record
    ]
    normalised_s = time.perf_counter() - started
    started = time.perf_counter()
    docs = [posting_doc(record) for record in records]
    segmented_s = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        index = TantivyIndex(POSTINGS, Path(tmp))
        started = time.perf_counter()
        for offset in range(0, len(docs), 500):  # the consumer's batch size
            index.upsert(docs[offset : offset + 500])
        index.refresh()
        indexed_s = time.perf_counter() - started
        total = len(docs)
        print(f"postings: {total}")
        print(f"validate + normalise                           {total / normalised_s:9.0f} records/s")
        print(f"segment into index documents                   {total / segmented_s:9.0f} records/s")
        print(f"tantivy upsert (batches of 500, commit each)   {total / indexed_s:9.0f} records/s")

        def query(**params: object) -> Callable[[], object]:
            request, _ = build_posting_request(PostingSearch(**params))  # type: ignore[arg-type]
            return lambda: index.search(request)

        timed("search q=焊工 (rare), top 10, no facets", args.queries, query(q="焊工", facets=()))
        timed("search q=普工 (common), top 10, no facets", args.queries, query(q="普工", facets=()))
        timed("search q=包吃住 (very common), top 10, no facets", args.queries, query(q="包吃住", facets=()))
        timed(
            "search q=电工 region=410000 salary>=5000, 4 facets",
            args.queries,
            query(q="电工", region="410000", salary_min=5000),
        )
        timed("search no q, newest first, 4 facets", args.queries, query(sort="newest"))
        profile = Profile(
            desired_titles=["电工"],
            certificates=["电工证"],
            region_code="410105",
            expected_salary_min=5000,
            willing_to_relocate=True,
        )
        timed(
            "match: 200 candidates re-ranked, top 20",
            max(20, args.queries // 5),
            lambda: match_postings(profile, postings=index, limit=20),
        )
        index.close()


if __name__ == "__main__":
    main()

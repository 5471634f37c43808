"""nDCG@10 of search and matching on both index backends, over the hand-labelled demo set.

    python benchmarks/eval_quality.py [--elasticsearch URL] [--per-query]

The demo set (``benchmarks/quality_demo.py``) is indexed the way the indexing consumer
indexes it (``apply_events``: duplicate linking included), into tantivy in a temporary
directory and into Elasticsearch (``--elasticsearch`` or ``JOBMATCH_TEST_ELASTICSEARCH_URL``;
without either, tantivy only) under a fresh prefix, removed afterwards. Each labelled
query goes through the search service's request builder (``build_posting_request``) and
the index, each labelled seeker through ``match_postings``, both at the labels' ``NOW``.
Grades come from ``tests/data/quality/*_qrels.tsv`` (tools/quality_labels.py): gain
2^grade − 1, discount log2(rank + 1), ideal from the qrels, unjudged postings 0.
Agreement: the share of queries (or seekers) whose top 5 ids are the same set on both
backends, and the same list.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.quality_demo import LABELS_DIR, NOW, demo_set
from services.matcher.matching import match_postings, profile_from_seeker
from services.search.consumer import apply_events
from services.search.query import PostingSearch, build_posting_request
from shared.adapters.tantivy_index import TantivyIndex
from shared.index.fields import POSTINGS
from shared.ports.event_log import TOPIC_POSTINGS, Event
from shared.ports.search_index import SearchIndex

DEPTH = 10
AGREEMENT_DEPTH = 5
BATCH = 500
"""Postings per indexing batch: what the consumer polls at a time."""

Qrels = dict[str, dict[str, int]]


def read_qrels(path: Path) -> Qrels:
    qrels: Qrels = defaultdict(dict)
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    for line in lines[1:]:
        key, posting_id, grade = line.split("\t")
        qrels[key][posting_id] = int(grade)
    return dict(qrels)


def labelled_queries() -> dict[str, str]:
    """Query id → the text a user typed."""
    judgments = yaml.safe_load((LABELS_DIR / "search_judgments.yaml").read_text(encoding="utf-8"))
    return {entry["id"]: str(entry["q"]) for entry in judgments["queries"]}


def labelled_seekers() -> list[str]:
    judgments = yaml.safe_load((LABELS_DIR / "match_judgments.yaml").read_text(encoding="utf-8"))
    return [entry["id"] for entry in judgments["seekers"]]


def ndcg(ranked: Sequence[str], grades: Mapping[str, int], depth: int = DEPTH) -> float:
    def dcg(gains: Sequence[int]) -> float:
        return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(gains[:depth]))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(posting_id, 0) for posting_id in ranked]) / ideal if ideal else 0.0


def index_demo(index: SearchIndex) -> None:
    """The demo postings written as the indexing consumer writes them, in consumer-sized batches."""
    postings = demo_set().postings
    events = [
        Event(TOPIC_POSTINGS, 0, offset, record.id, record.model_dump(mode="json"))
        for offset, record in enumerate(postings)
    ]
    for start in range(0, len(events), BATCH):
        dead = apply_events(events[start : start + BATCH], postings=index, seekers=index)
        assert not dead, dead[:3]
    index.refresh()


def search_ids(index: SearchIndex, q: str) -> list[str]:
    request, _ = build_posting_request(PostingSearch(q=q, size=DEPTH, facets=()), now=NOW.timestamp())
    return [hit.id for hit in index.search(request).hits]


def match_ids(index: SearchIndex, seeker_id: str) -> list[str]:
    seeker = next(s for s in demo_set().seekers if s.id == seeker_id)
    scored = match_postings(profile_from_seeker(seeker), postings=index, limit=DEPTH, now=NOW.timestamp())
    return [s.posting.id for s in scored]


@dataclass(frozen=True)
class Run:
    """One backend's ranked ids per query and per seeker."""

    backend: str
    search: dict[str, list[str]]
    match: dict[str, list[str]]
    index_seconds: float
    query_seconds: float


def run(backend: str, index: SearchIndex) -> Run:
    started = time.perf_counter()
    index_demo(index)
    indexed = time.perf_counter()
    search = {qid: search_ids(index, q) for qid, q in labelled_queries().items()}
    match = {sid: match_ids(index, sid) for sid in labelled_seekers()}
    return Run(backend, search, match, indexed - started, time.perf_counter() - indexed)


def mean_ndcg(ranked: Mapping[str, list[str]], qrels: Qrels) -> float:
    scores = [ndcg(ranked[key], qrels.get(key, {})) for key in ranked]
    return sum(scores) / len(scores)


def agreement(a: Mapping[str, list[str]], b: Mapping[str, list[str]]) -> tuple[float, float]:
    """Share of keys whose top 5 are the same set, and the same list, on both runs."""
    keys = sorted(a)
    same_set = sum(set(a[k][:AGREEMENT_DEPTH]) == set(b[k][:AGREEMENT_DEPTH]) for k in keys)
    same_list = sum(a[k][:AGREEMENT_DEPTH] == b[k][:AGREEMENT_DEPTH] for k in keys)
    return same_set / len(keys), same_list / len(keys)


@dataclass(frozen=True)
class Figures:
    search_ndcg: dict[str, float]
    match_ndcg: dict[str, float]
    search_agreement: tuple[float, float] | None
    match_agreement: tuple[float, float] | None


def figures(runs: Sequence[Run]) -> Figures:
    search_qrels = read_qrels(LABELS_DIR / "search_qrels.tsv")
    match_qrels = read_qrels(LABELS_DIR / "match_qrels.tsv")
    search_agree = match_agree = None
    if len(runs) == 2:
        search_agree = agreement(runs[0].search, runs[1].search)
        match_agree = agreement(runs[0].match, runs[1].match)
    return Figures(
        search_ndcg={r.backend: mean_ndcg(r.search, search_qrels) for r in runs},
        match_ndcg={r.backend: mean_ndcg(r.match, match_qrels) for r in runs},
        search_agreement=search_agree,
        match_agreement=match_agree,
    )


@contextmanager
def tantivy_index() -> Iterator[SearchIndex]:
    with tempfile.TemporaryDirectory(prefix="jobmatch-quality-") as directory:
        index = TantivyIndex(POSTINGS, Path(directory) / "postings")
        try:
            yield index
        finally:
            index.close()


@contextmanager
def elasticsearch_index(url: str) -> Iterator[SearchIndex]:
    from elasticsearch import Elasticsearch

    from shared.adapters.es_index import open_elasticsearch_index

    index = open_elasticsearch_index(POSTINGS, url=url, prefix=f"quality-{uuid.uuid4().hex[:8]}")
    try:
        yield index
    finally:
        index.close()
        with Elasticsearch(url) as client:
            for name in client.indices.get_alias(name=index.alias):
                client.indices.delete(index=name)


def report(runs: Sequence[Run], result: Figures) -> str:
    names = [r.backend for r in runs]
    lines = [f"{'':<26}" + "".join(f"{name:>15}" for name in names)]
    lines.append(f"{'search nDCG@10':<26}" + "".join(f"{result.search_ndcg[n]:>15.3f}" for n in names))
    lines.append(f"{'match nDCG@10':<26}" + "".join(f"{result.match_ndcg[n]:>15.3f}" for n in names))
    lines.append(
        f"{'index / query time (s)':<26}"
        + "".join(f"{f'{r.index_seconds:.1f} / {r.query_seconds:.1f}':>15}" for r in runs)
    )
    for label, agree in (("search", result.search_agreement), ("match", result.match_agreement)):
        if agree is not None:
            lines.append(f"top-5 agreement, {label}: {agree[0]:.3f} as sets, {agree[1]:.3f} as ordered lists")
    queries, seekers = len(runs[0].search), len(runs[0].match)
    lines.append(f"{queries} queries, {seekers} seekers; demo set seed 20161, now {NOW.isoformat()}")
    return "\n".join(lines)


def per_query(runs: Sequence[Run]) -> str:
    search_qrels = read_qrels(LABELS_DIR / "search_qrels.tsv")
    match_qrels = read_qrels(LABELS_DIR / "match_qrels.tsv")
    queries = labelled_queries()
    lines = []
    for key in runs[0].search:
        scores = " ".join(f"{ndcg(r.search[key], search_qrels.get(key, {})):.3f}" for r in runs)
        lines.append(f"{key}\t{scores}\t{queries[key]}")
    for key in runs[0].match:
        scores = " ".join(f"{ndcg(r.match[key], match_qrels.get(key, {})):.3f}" for r in runs)
        lines.append(f"{key}\t{scores}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--elasticsearch", default=os.environ.get("JOBMATCH_TEST_ELASTICSEARCH_URL"))
    parser.add_argument("--per-query", action="store_true", help="each query's and seeker's nDCG@10 too")
    args = parser.parse_args(argv)
    runs = []
    with tantivy_index() as index:
        runs.append(run("tantivy", index))
    if args.elasticsearch:
        with elasticsearch_index(args.elasticsearch) as index:
            runs.append(run("elasticsearch", index))
    if args.per_query:
        print(per_query(runs))
    print(report(runs, figures(runs)))


if __name__ == "__main__":
    main()

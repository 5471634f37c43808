"""Throughput of index_tokens with each segmentation engine (a benchmark, not a test).

Run from the repository root:
    .venv/bin/python benchmarks/bench_text.py [--repeat N]
Each corpus line is tokenised as one document, as the indexer does with postings.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from shared.text.pipeline import Segmenter, index_tokens

CORPUS_PATH = REPO_ROOT / "tests" / "data" / "text_corpus.txt"


def chars_per_second(segmenter: Segmenter, documents: list[str]) -> tuple[float, int]:
    index_tokens(documents[0], segmenter=segmenter)  # warm caches outside the timing
    started = time.perf_counter()
    token_count = sum(len(index_tokens(document, segmenter=segmenter)) for document in documents)
    elapsed = time.perf_counter() - started
    return sum(map(len, documents)) / elapsed, token_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="times the corpus is tokenised")
    args = parser.parse_args()
    documents = CORPUS_PATH.read_text(encoding="utf-8").splitlines() * args.repeat
    total_chars = sum(map(len, documents))
    print(f"corpus: {len(documents)} documents, {total_chars} characters")
    results = {}
    for engine in ("rjieba", "jieba"):
        started = time.perf_counter()
        segmenter = Segmenter(engine)
        load_seconds = time.perf_counter() - started
        rate, tokens = chars_per_second(segmenter, documents)
        results[engine] = rate
        print(f"{engine:>7}: {rate:12,.0f} chars/s  ({tokens} tokens; dictionary load {load_seconds:.2f} s)")
    print(f"rjieba / jieba: {results['rjieba'] / results['jieba']:.1f}x")


if __name__ == "__main__":
    main()

"""Precision and recall of cross-source duplicate detection on the labelled pairs.

    python -m benchmarks.eval_dedup [--pairs tests/data/dedup_pairs.jsonl] [--show-errors]

Each pair's postings go through ingest's normalisation (``check_record``, as
a push does) and the decision the indexer takes (``same_vacancy`` on their
fingerprints: a shared LSH band, city, employer, text and title).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.ingest.batch import check_record
from shared.dedup.fingerprint import Fingerprint, bands_layout, fingerprint, jaccard, same_vacancy
from shared.dedup.text import title_similarity
from shared.domain.records import PostingRecord

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "data" / "dedup_pairs.jsonl"
RECEIVED_AT = datetime(2026, 11, 20, tzinfo=UTC)


@dataclass(frozen=True)
class Judged:
    id: str
    kind: str
    duplicate: bool
    predicted: bool
    jaccard: float
    title: float


@dataclass(frozen=True)
class Scores:
    judged: list[Judged]

    @property
    def counts(self) -> Counter[str]:
        return Counter(
            ("t" if j.predicted == j.duplicate else "f") + ("p" if j.predicted else "n") for j in self.judged
        )

    @property
    def precision(self) -> float:
        counts = self.counts
        return counts["tp"] / max(counts["tp"] + counts["fp"], 1)

    @property
    def recall(self) -> float:
        counts = self.counts
        return counts["tp"] / max(counts["tp"] + counts["fn"], 1)


def _record(raw: dict[str, Any]) -> PostingRecord:
    record, outcome = check_record("postings", raw, received_at=RECEIVED_AT)
    if record is None or not isinstance(record, PostingRecord):
        raise ValueError(f"labelled posting {raw.get('source_id')} rejected: {outcome}")
    return record


def _print(a: Fingerprint | None, b: Fingerprint | None) -> tuple[float, float]:
    if a is None or b is None:
        return 0.0, 0.0
    return jaccard(a, b), title_similarity(a.title, b.title)


def evaluate(path: Path = PAIRS) -> Scores:
    judged = []
    cache: dict[str, Fingerprint | None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        pair = json.loads(line)
        prints = []
        for side in ("a", "b"):
            raw = pair[side]
            key = json.dumps(raw, sort_keys=True, ensure_ascii=False)
            if key not in cache:
                cache[key] = fingerprint(_record(raw))
            prints.append(cache[key])
        a, b = prints
        predicted = a is not None and b is not None and same_vacancy(a, b)
        similarity, title = _print(a, b)
        judged.append(Judged(pair["id"], pair["kind"], pair["duplicate"], predicted, similarity, title))
    return Scores(judged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    scores = evaluate(args.pairs)
    counts = scores.counts
    bands, rows = bands_layout()
    print(f"{len(scores.judged)} pairs, LSH {bands} bands x {rows} rows")
    print(f"precision {scores.precision:.3f}  recall {scores.recall:.3f}  ({dict(sorted(counts.items()))})")
    for kind in dict.fromkeys(j.kind for j in scores.judged):
        of_kind = [j for j in scores.judged if j.kind == kind]
        right = sum(j.predicted == j.duplicate for j in of_kind)
        jaccards = sorted(j.jaccard for j in of_kind)
        print(
            f"  {kind:<28} {right:>3}/{len(of_kind):<3} right   "
            f"jaccard min {jaccards[0]:.2f} median {jaccards[len(jaccards) // 2]:.2f}"
        )
    if args.show_errors:
        for j in scores.judged:
            if j.predicted != j.duplicate:
                print(f"  wrong: {j.id} (jaccard {j.jaccard:.2f}, title {j.title:.2f})")


if __name__ == "__main__":
    main()

"""Precision and recall of the review flags per kind, on the hand-labelled set.

    python -m benchmarks.eval_flags [--set tests/data/flag_postings.jsonl] [--split dev|holdout] [--errors]

Each posting of the set goes through the production path (``PostingIn`` then
``normalise_posting``), and its flag kinds are compared with the kinds it is
labelled with. ``--errors`` lists every false flag and every miss. The set has
two splits: ``dev``, written with the rules, and ``holdout``, written after them
and first measured before any rule was changed for it.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.domain.flags import FLAG_KINDS
from shared.domain.inputs import PostingIn
from shared.domain.normalise import normalise_posting

DEFAULT_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "flag_postings.jsonl"


@dataclass
class KindScore:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positive + self.false_negative
        return self.true_positive / labelled if labelled else 1.0


@dataclass
class Evaluation:
    postings: int = 0
    kinds: dict[str, KindScore] = field(default_factory=lambda: {kind: KindScore() for kind in FLAG_KINDS})
    errors: list[str] = field(default_factory=list)

    @property
    def overall(self) -> KindScore:
        total = KindScore()
        for score in self.kinds.values():
            total.true_positive += score.true_positive
            total.false_positive += score.false_positive
            total.false_negative += score.false_negative
        return total


def labelled_set(path: Path = DEFAULT_SET) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(entries: list[dict[str, Any]]) -> Evaluation:
    result = Evaluation()
    received_at = datetime.now(UTC)
    for entry in entries:
        record, _ = normalise_posting(PostingIn.model_validate(entry["posting"]), received_at=received_at)
        found = {flag.kind for flag in record.flags}
        expected = set(entry["expected"])
        result.postings += 1
        for kind in FLAG_KINDS:
            score = result.kinds[kind]
            if kind in found and kind in expected:
                score.true_positive += 1
            elif kind in found:
                score.false_positive += 1
                evidence = next(flag.evidence for flag in record.flags if flag.kind == kind)
                result.errors.append(f"false {kind}: {record.id} {record.title} {evidence}")
            elif kind in expected:
                score.false_negative += 1
                result.errors.append(f"missed {kind}: {record.id} {record.title} {record.description}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--split", choices=("dev", "holdout"), help="only this part of the set")
    parser.add_argument("--errors", action="store_true", help="list false flags and misses")
    args = parser.parse_args(argv)
    entries = [e for e in labelled_set(args.set) if args.split in (None, e.get("split"))]
    result = evaluate(entries)
    print(f"{result.postings} postings")
    print(f"{'kind':<22}{'labelled':>9}{'flagged':>9}{'precision':>11}{'recall':>8}")
    for kind, score in [*result.kinds.items(), ("all", result.overall)]:
        labelled = score.true_positive + score.false_negative
        flagged = score.true_positive + score.false_positive
        print(f"{kind:<22}{labelled:>9}{flagged:>9}{score.precision:>11.3f}{score.recall:>8.3f}")
    if args.errors:
        print("\n".join(result.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())

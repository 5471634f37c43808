"""What review flags cost at normalisation (a benchmark, not a test).

Run from the repository root:
    .venv/bin/python -m benchmarks.bench_flags [--postings N] [--repeat R]

Times ``normalise_posting`` on the demo generator's postings with the flags and with
``posting_flags`` replaced by a function finding none, and ``posting_flags`` alone on other demo
postings and on the hand-labelled set (tests/data/flag_postings.jsonl, where most postings carry
something to find). Each figure is the best of ``--repeat`` rounds, in µs of CPU time per posting.
Every round has demo postings of its own (another seed), as an import meets postings it has not seen:
what the flags keep from one text (``shared.domain.flags`` caches by the characters a text holds)
does not speed the next round. The labelled set is the same in every round. The runs take turns
within a round, so a busy machine weighs on all of them alike.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from benchmarks.eval_flags import labelled_set
from shared.demo.generator import generate_postings
from shared.domain import normalise
from shared.domain.inputs import PostingIn
from shared.domain.normalise import normalise_posting
from shared.domain.regions import get_region

RECEIVED_AT = datetime(2024, 5, 1, tzinfo=UTC)
SEED = 20161


def best_us_per_item(rounds: list[dict[str, tuple[Callable[[], None], int]]]) -> dict[str, float]:
    """The best round of each run; within a round the runs take turns, so that the load of a shared
    machine falls on all of them alike."""
    best: dict[str, float] = {}
    for runs in rounds:
        for name, (run, count) in runs.items():
            started = time.process_time()
            run()
            best[name] = min(best.get(name, float("inf")), (time.process_time() - started) / count * 1e6)
    return best


def demo_postings(count: int, seed: int) -> list[PostingIn]:
    return [PostingIn.model_validate(raw) for raw in generate_postings(count, seed=seed, now=RECEIVED_AT)]


def normalise_all(postings: Sequence[PostingIn]) -> Callable[[], None]:
    def run() -> None:
        for posting in postings:
            normalise_posting(posting, received_at=RECEIVED_AT)

    return run


def flags_all(postings: Sequence[PostingIn]) -> Callable[[], None]:
    # A fixed salary top and region: posting_flags alone, without the rest of normalisation.
    region = get_region("410100")

    def run() -> None:
        for posting in postings:
            normalise.posting_flags(posting, salary_top=8000.0, region=region)

    return run


def without_flags(postings: Sequence[PostingIn]) -> Callable[[], None]:
    real_flags = normalise.posting_flags

    def no_flags(*_args: Any, **_kwargs: Any) -> list[Any]:
        return []

    def run() -> None:
        normalise.posting_flags = no_flags  # type: ignore[assignment]
        try:
            normalise_all(postings)()
        finally:
            normalise.posting_flags = real_flags

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=2000, help="demo postings generated per round")
    parser.add_argument("--repeat", type=int, default=5, help="rounds (the best is kept)")
    args = parser.parse_args()
    labelled = [PostingIn.model_validate(entry["posting"]) for entry in labelled_set()]
    # Each round has postings of its own (another seed), as an import meets new postings: what the
    # flags cache of one posting's texts must not make the next round's faster.
    rounds = []
    for index in range(args.repeat):
        demo, alone = (demo_postings(args.postings, SEED + 2 * index + part) for part in (0, 1))
        rounds.append(
            {
                "with": (normalise_all(demo), len(demo)),
                "without": (without_flags(demo), len(demo)),
                "demo": (flags_all(alone), len(alone)),
                "labelled": (flags_all(labelled), len(labelled)),
            }
        )
    normalise_all(demo_postings(50, SEED - 1))()  # vocabularies and compiled rules loaded outside the timing
    best = best_us_per_item(rounds)

    print(
        f"demo postings: {args.postings} per round, labelled postings: {len(labelled)}, best of {args.repeat}"
    )
    print(f"normalise_posting with flags     {best['with']:8.1f} µs/posting")
    print(f"normalise_posting without flags  {best['without']:8.1f} µs/posting")
    print(f"flags' share                     {best['with'] - best['without']:8.1f} µs/posting")
    print(f"posting_flags, demo postings     {best['demo']:8.1f} µs/posting")
    print(f"posting_flags, labelled set      {best['labelled']:8.1f} µs/posting")


if __name__ == "__main__":
    main()

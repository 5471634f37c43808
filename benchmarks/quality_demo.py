"""The demo set the quality labels were written over: fixed seed, sizes and ``now``.

The embedded shape loads ``generate_postings(2000)`` and ``generate_seekers(500)`` with the
configured seed and today's date; the labels hold for one seed and one date, so both are
fixed here (a moving ``now`` would shift posting ids, dates and what has expired).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from services.ingest.batch import check_record
from shared.demo.generator import generate_postings, generate_seekers
from shared.domain.records import PostingRecord, SeekerRecord
from shared.security.secret import id_number_hash

DEMO_SEED = 20161
DEMO_POSTINGS = 2000
DEMO_SEEKERS = 500
NOW = datetime(2026, 11, 20, tzinfo=UTC)
LABELS_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "quality"


@dataclass(frozen=True)
class DemoSet:
    raw_postings: list[dict]
    raw_seekers: list[dict]
    postings: list[PostingRecord]
    seekers: list[SeekerRecord]


@cache
def demo_set() -> DemoSet:
    """The demo records as a client sends them and as ingest normalises them (same order)."""
    raw_postings = generate_postings(DEMO_POSTINGS, seed=DEMO_SEED, now=NOW)
    raw_seekers = generate_seekers(DEMO_SEEKERS, seed=DEMO_SEED, now=NOW)
    postings: list[PostingRecord] = []
    seekers: list[SeekerRecord] = []
    for raw in raw_postings:
        record, outcome = check_record("postings", raw, received_at=NOW)
        assert isinstance(record, PostingRecord), outcome
        postings.append(record)
    # Matching never reads the ID number; any secret gives the same profiles otherwise.
    hasher = id_number_hash(b"quality-evaluation-secret-not-a-deployment-one")
    for raw in raw_seekers:
        record, outcome = check_record("seekers", raw, received_at=NOW, id_number_hash=hasher.hexdigest)
        assert isinstance(record, SeekerRecord), outcome
        seekers.append(record)
    return DemoSet(raw_postings, raw_seekers, postings, seekers)

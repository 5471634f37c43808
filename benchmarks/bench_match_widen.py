"""What the requirements gate and the widen hints cost: 2,000 demo postings on tantivy, 50 runs each."""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from services.ingest.batch import check_record
from services.matcher.matching import run_match
from services.matcher.scoring import Profile
from services.matcher.widen import widen_hints
from shared.adapters.tantivy_index import TantivyIndex
from shared.demo.generator import generate_postings
from shared.index.documents import posting_doc
from shared.index.fields import POSTINGS

now = datetime(2026, 11, 20, tzinfo=UTC)
index = TantivyIndex(POSTINGS, Path(tempfile.mkdtemp()) / "p")
docs = []
for raw in generate_postings(2000, now=now):
    record, _ = check_record("postings", raw, received_at=now)
    if record:
        docs.append(posting_doc(record, now=now.timestamp()))
index.upsert(docs)
index.refresh()
p = Profile(
    desired_titles=["普工"],
    region_code="410105",
    education="高中",
    experience_years=1,
    expected_salary_min=6000,
)


def ms(f, n=50):
    t = []
    for _ in range(n):
        s = time.perf_counter()
        f()
        t.append((time.perf_counter() - s) * 1000)
    t.sort()
    return statistics.median(t), t[int(n * 0.95) - 1]


ts = now.timestamp()
print("match gated   median/p95 ms", ms(lambda: run_match(p, postings=index, limit=20, now=ts)))
print("match stretch median/p95 ms", ms(lambda: run_match(p, postings=index, limit=20, now=ts, stretch=True)))
print("widen         median/p95 ms", ms(lambda: widen_hints(p, postings=index, now=ts)))
print([h.text for h in widen_hints(p, postings=index, now=ts)])

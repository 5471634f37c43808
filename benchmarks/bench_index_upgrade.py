"""How long the embedded shape's first start after the upgrade takes: rebuilding a postings index the previous
release wrote.

    .venv/bin/python -m benchmarks.bench_index_upgrade [--postings 10000]

Writes the demo postings as the previous release indexed them (its schema, from
``tests/test_index_upgrade.py``), then opens the directory as this release's
writer does, and reports the time of that open (the rebuild and the swap) and
postings per second. Peak RSS: run it under ``/usr/bin/time -v``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from services.ingest.batch import check_record
from shared.adapters.tantivy_index import TantivyIndex
from shared.demo.generator import generate_postings
from shared.domain.records import PostingRecord
from shared.index.fields import POSTINGS
from shared.index.rebuild import rebuilt_posting
from tests.test_index_upgrade import PREVIOUS_POSTINGS, previous_release_doc, write_previous_release_index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postings", type=int, default=10_000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    records = [
        check_record("postings", raw, received_at=now)[0] for raw in generate_postings(args.postings, seed=7)
    ]
    docs = [previous_release_doc(record) for record in records if isinstance(record, PostingRecord)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "postings"
        write_previous_release_index(path, PREVIOUS_POSTINGS, docs)
        started = time.monotonic()
        index = TantivyIndex(POSTINGS, path, rebuild=rebuilt_posting)
        took = time.monotonic() - started
        assert index.count() == len(docs)
        index.close()
    print(
        f"{len(docs)} postings of the previous release rebuilt at open in {took:.1f} s ({len(docs) / took:.0f}/s)"
    )


if __name__ == "__main__":
    main()

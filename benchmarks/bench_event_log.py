"""How long one indexing-consumer poll takes from the SQLite event log, by size of the unread backlog.

    .venv/bin/python benchmarks/bench_event_log.py --backlog 100000

A poll must cost what it returns, not what is waiting: the figure should not
grow with ``--backlog``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from shared.adapters.sqlite_log import SqliteEventLog
from shared.ports.event_log import TOPIC_POSTINGS, TOPIC_SEEKERS

BATCH = 500  # what the indexing consumer asks for


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backlog", type=int, default=100_000)
    parser.add_argument("--polls", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = SqliteEventLog(Path(tmp) / "events.sqlite3")
        log.ensure_topics()
        value = {"title": "普工", "description": "包吃住" * 100}
        for start in range(0, args.backlog, 5000):
            keys = range(start, min(start + 5000, args.backlog))
            log.publish(TOPIC_POSTINGS, [(f"p:{n}", value) for n in keys])
        log.publish(TOPIC_SEEKERS, [(f"s:{n}", {"n": n}) for n in range(args.backlog // 10)])
        consumer = log.consumer([TOPIC_POSTINGS, TOPIC_SEEKERS], "bench")
        samples = []
        for _ in range(min(args.polls, args.backlog // BATCH)):
            started = time.perf_counter()
            events = consumer.poll(max_records=BATCH, timeout_s=0)
            samples.append((time.perf_counter() - started) * 1000)
            assert len(events) == BATCH
        consumer.close()
        log.close()
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(
        f"backlog {args.backlog}: poll of {BATCH} p50 {statistics.median(samples):.2f} ms, p95 {p95:.2f} ms"
    )


if __name__ == "__main__":
    main()

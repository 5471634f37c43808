"""The embedded shape: ingest, search and matcher in one process on one port.

A tantivy index and a SQLite event log under ``JOBMATCH_DATA_DIR``: what an
offline job-fair laptop or a county office runs. The indexing consumer runs
in a background thread; on first start the demo data set can be loaded.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import FastAPI

from services.ingest.batch import ingest_batch
from services.ingest.routes import router as ingest_router
from services.matcher.routes import router as matcher_router
from services.search.app import start_consumer, stop_consumer
from services.search.routes import router as search_router
from shared.runtime import Runtime
from shared.settings import Settings
from shared.web.app_factory import build_app

log = logging.getLogger(__name__)

DEMO_MARKER = "demo-data-loaded"
DEMO_POSTINGS = 2000
DEMO_SEEKERS = 500


def load_demo_data(runtime: Runtime) -> None:
    """Publish the demo set once per data directory; the consumer indexes it like any other batch."""
    settings = runtime.settings
    marker = settings.data_dir / DEMO_MARKER
    if marker.exists():
        return
    from shared.demo.generator import generate_postings, generate_seekers

    assert runtime.event_log is not None
    now = datetime.now(UTC)
    postings = generate_postings(DEMO_POSTINGS, seed=settings.demo_seed)
    seekers = generate_seekers(DEMO_SEEKERS, seed=settings.demo_seed)
    for kind, items in (("postings", postings), ("seekers", seekers)):
        result = ingest_batch(kind, items, event_log=runtime.event_log, received_at=now)  # type: ignore[arg-type]
        log.info("demo %s: %d accepted, %d rejected", kind, result["accepted"], result["rejected"])
    marker.write_text(now.isoformat())


def _start(app: FastAPI, runtime: Runtime) -> None:
    start_consumer(app, runtime)
    if runtime.settings.demo_data:
        load_demo_data(runtime)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    return build_app(
        title="jobmatch embedded",
        routers=[ingest_router, search_router, matcher_router],
        settings=settings,
        runtime=runtime,
        needs_event_log=True,
        needs_indexes=True,
        on_start=_start,
        on_stop=stop_consumer,
    )

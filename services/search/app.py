"""Search service: indexes posting and seeker events, answers the search API."""

from __future__ import annotations

from fastapi import FastAPI

from services.search.consumer import IndexingConsumer
from services.search.routes import router
from shared.runtime import Runtime
from shared.settings import Settings
from shared.web.app_factory import build_app


def start_consumer(app: FastAPI, runtime: Runtime) -> None:
    assert runtime.event_log and runtime.postings and runtime.seekers
    consumer = IndexingConsumer(
        event_log=runtime.event_log,
        postings=runtime.postings,
        seekers=runtime.seekers,
        group=runtime.settings.consumer_group,
    )
    consumer.start()
    app.state.consumer = consumer
    app.state.extra_ready_checks = {"indexing_consumer": consumer.healthy}


def stop_consumer(app: FastAPI, runtime: Runtime) -> None:
    consumer = getattr(app.state, "consumer", None)
    if consumer is not None:
        consumer.stop()


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    return build_app(
        title="jobmatch search",
        routers=[router],
        settings=settings,
        runtime=runtime,
        needs_event_log=True,
        needs_indexes=True,
        on_start=start_consumer,
        on_stop=stop_consumer,
    )

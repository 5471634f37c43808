"""What the sources endpoints answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from services.ingest.connectors.checkpoint import Checkpoint, Counts, Outcome, Run, RunError, Trigger
from services.ingest.connectors.config import Kind, SourceType, shown_url
from services.ingest.connectors.scheduler import Source


class RunView(BaseModel):
    started_at: datetime
    finished_at: datetime | None = Field(description="None while it runs")
    outcome: Outcome
    trigger: Trigger
    holder: str = Field(description="the process that ran it (host:pid:random)")
    counts: Counts


class SourceView(BaseModel):
    name: str
    type: SourceType
    kind: Kind
    url: str = Field(description="the platform's address, without its query string (never a secret)")
    interval_s: float | None = Field(description="how often the scheduler runs it; None: only on request")
    running: bool = Field(description="a run of it is going on (in any process of the deployment)")
    cursor: str | None = Field(description="cursor paging: where the next run resumes")
    page: int | None = Field(description="page paging: the page the next run resumes at (None: the first)")
    last_run: RunView | None
    last_error: RunError | None = Field(description="the last run that failed: why (kept after a success)")
    totals: Counts = Field(description="summed over every run")
    next_run_at: datetime | None = Field(description="when the scheduler runs it next; None: not scheduled")


class SourcesResponse(BaseModel):
    sources: list[SourceView]


def source_view(source: Source, checkpoint: Checkpoint, *, running: bool) -> SourceView:
    run = checkpoint.last_run
    return SourceView(
        name=source.config.name,
        type=source.type,
        kind=source.config.kind,
        url=shown_url(source.config.url),
        interval_s=source.config.interval_s,
        running=running,
        cursor=checkpoint.cursor,
        page=checkpoint.page,
        last_run=_run_view(run, running=running) if run is not None else None,
        last_error=checkpoint.last_error,
        totals=checkpoint.totals,
        next_run_at=checkpoint.next_run_at if source.config.interval_s is not None else None,
    )


def _run_view(run: Run, *, running: bool) -> RunView:
    view = RunView(**run.model_dump())
    if view.outcome == "running" and not running:
        # Its lease lapsed with the run unfinished: the process running it stopped or crashed mid-run.
        view.outcome = "interrupted"
    return view

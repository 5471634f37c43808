"""One checkpoint per source in the state store (kind ``sources``): where to resume, and how runs went.

Written after each page whose records are durably in the event log, never before: a run stopped or
crashed at any point resumes at the first page whose records were not all published. A page fetched
again adds nothing (records are keyed ``source:source_id`` and the newer version wins).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.ports.state_store import StateStore

STATE_KIND = "sources"
MAX_VALIDATORS = 1000
"""Validators kept per source (one per page position): enough for 100,000 records in pages of 100."""


class Counts(BaseModel):
    pages: int = 0
    unchanged_pages: int = 0
    """Pages the platform answered 304 (Not Modified) to."""
    fetched: int = 0
    """Items read from the platform's pages."""
    accepted: int = 0
    """Records validated and published (new, or newer than the version indexed)."""
    rejected: int = 0
    """Items that failed validation or could not be read: counted and dead-lettered, the page went on."""
    deleted: int = 0
    unchanged: int = 0
    """Records whose version is not newer than the one indexed (or published earlier in the run)."""

    def add(self, other: Counts) -> Counts:
        return Counts(**{name: getattr(self, name) + getattr(other, name) for name in Counts.model_fields})


class RunError(BaseModel):
    at: datetime
    code: str
    message: str


Outcome = Literal["running", "succeeded", "failed", "interrupted"]
Trigger = Literal["schedule", "request"]


class Run(BaseModel):
    started_at: datetime
    finished_at: datetime | None = None
    outcome: Outcome = "running"
    trigger: Trigger
    holder: str
    """Which process ran it (host, process id and a random part)."""
    counts: Counts = Field(default_factory=Counts)


class PageValidators(BaseModel):
    etag: str | None = None
    last_modified: str | None = None
    next: str | None = None
    """Cursor paging: the next cursor that page named, so a 304 still says where to go on."""
    items: int | None = None
    """Page paging: how many items that page held, so a 304 still says whether it was the last."""
    total: int | None = None
    """Page paging: the total the page's answer gave (``total_path``)."""


class Checkpoint(BaseModel):
    source: str
    cursor: str | None = None
    """Cursor paging: the cursor the next request carries (kept at the end of a run: the next run asks
    for what changed since)."""
    page: int | None = None
    """Page paging: the page the next request asks for (back to the first once a pass is complete)."""
    validators: dict[str, PageValidators] = Field(default_factory=dict)
    """By page position (the page number, or the cursor sent)."""
    last_run: Run | None = None
    last_error: RunError | None = None
    totals: Counts = Field(default_factory=Counts)
    next_run_at: datetime | None = None
    """When the scheduler runs it next (None: only on request)."""

    def keep_validators(self, position: str, validators: PageValidators) -> None:
        self.validators.pop(position, None)
        self.validators[position] = validators
        while len(self.validators) > MAX_VALIDATORS:
            self.validators.pop(next(iter(self.validators)))


def load_checkpoint(state: StateStore, source: str) -> Checkpoint:
    found = state.get(STATE_KIND, source)
    if found is None:
        return Checkpoint(source=source)
    return Checkpoint.model_validate(found.doc)


def save_checkpoint(state: StateStore, checkpoint: Checkpoint) -> None:
    outcome = checkpoint.last_run.outcome if checkpoint.last_run else "never"
    state.put(STATE_KIND, checkpoint.source, checkpoint.model_dump(mode="json"), labels={"outcome": outcome})


def load_checkpoints(state: StateStore, sources: list[str]) -> dict[str, Checkpoint]:
    found = state.get_many(STATE_KIND, sources)
    return {
        name: Checkpoint.model_validate(found[name].doc) if name in found else Checkpoint(source=name)
        for name in sources
    }

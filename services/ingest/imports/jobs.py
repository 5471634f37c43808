"""Import jobs as documents in the state store (kind ``imports``), so any ingest replica answers for them.

A running job rewrites its document at each checkpoint (every batch published) and at least every
``JOBMATCH_IMPORT_HEARTBEAT_S`` (its heartbeat). One whose heartbeat stopped, its process killed, is
answered ``interrupted`` with how far it got, never ``done``.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from services.ingest.imports.detect import Format
from services.ingest.imports.vocabulary import Kind
from shared.ports.state_store import StateStore

STATE_KIND = "imports"
Status = Literal["running", "done", "failed", "interrupted"]

OWNER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
"""This process, as a job's owner: the one that writes its heartbeat."""


class RowError(BaseModel):
    row: int = Field(description="the row as the file shows it, from 1, header and title rows counted")
    sheet: str | None = Field(default=None, description="the XLSX sheet's name")
    field: str
    code: str
    message: str


class JobError(BaseModel):
    code: str
    message: str


class SheetSummary(BaseModel):
    name: str | None = Field(default=None, description="the XLSX sheet's name; null for CSV and NDJSON")
    header_row: int | None = Field(default=None, description="null: no recognisable header, not imported")
    ignored_columns: list[str] = Field(default_factory=list, description="headers that name no field")


class ImportJob(BaseModel):
    id: str
    kind: Kind
    source: str
    mapping: str | None = None
    format: Format
    encoding: str | None = None
    filename: str | None = None
    size_bytes: int = 0
    status: Status = "running"
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    errors: list[RowError] = Field(default_factory=list)
    errors_total: int = 0
    error: JobError | None = None
    sheets: list[SheetSummary] = Field(default_factory=list)
    position: int = 0
    """Data rows (accepted, rejected or skipped blank) fully published: where a resumed run starts."""
    resumed: int = 0
    owner: str = OWNER
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None = None


def now() -> datetime:
    return datetime.now(UTC)


def new_job_id(at: datetime) -> str:
    """Sortable by start time, so a listing's newest-first order is the key's."""
    return f"imp-{at:%Y%m%d%H%M%S%f}-{secrets.token_hex(4)}"


def is_job_id(value: str) -> bool:
    head, _, tail = value.rpartition("-")
    return value.startswith("imp-") and len(tail) == 8 and len(head) == 24 and value.isascii()


def save(state: StateStore, job: ImportJob) -> None:
    labels = {"status": job.status, "kind": job.kind, "source": job.source}
    state.put(STATE_KIND, job.id, job.model_dump(mode="json"), labels=labels)


def load(state: StateStore, job_id: str) -> ImportJob | None:
    found = state.get(STATE_KIND, job_id)
    return ImportJob.model_validate(found.doc) if found else None


def is_stale(job: ImportJob, *, stale_after_s: float, at: datetime | None = None) -> bool:
    return (at or now()) - job.heartbeat_at > timedelta(seconds=stale_after_s)


def answered_status(job: ImportJob, *, stale_after_s: float) -> Status:
    """A running job whose heartbeat stopped is interrupted: its process is gone."""
    if job.status == "running" and is_stale(job, stale_after_s=stale_after_s):
        return "interrupted"
    return job.status

"""What the import endpoints answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.ingest.imports.detect import Format
from services.ingest.imports.jobs import ImportJob, JobError, RowError, SheetSummary, Status, answered_status
from services.ingest.imports.vocabulary import Kind


class ImportAccepted(BaseModel):
    id: str
    status: Literal["running"]


class ImportSummary(BaseModel):
    id: str
    status: Status = Field(
        description="running; done (every row read: accepted or rejected); failed (see error); interrupted "
        "(the run stopped: rows_read says how far it got; resumed where its file is on the service's disk)"
    )
    kind: Kind
    source: str
    mapping: str | None
    format: Format
    encoding: str | None
    filename: str | None
    rows_read: int
    accepted: int
    rejected: int
    errors_total: int = Field(description="row errors in all (errors holds the first of them)")
    error: JobError | None = Field(description="why the job failed or was interrupted")
    resumed: int = Field(description="times the job was taken up again after an interruption")
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: ImportJob, *, stale_after_s: float) -> ImportSummary:
        return cls.model_validate(
            {**job.model_dump(), "status": answered_status(job, stale_after_s=stale_after_s)}
        )


class ImportStatus(ImportSummary):
    errors: list[RowError] = Field(
        description="the rejected rows' errors, in file order, the first ones only"
    )
    sheets: list[SheetSummary] = Field(description="what was found in each sheet (CSV, NDJSON: one entry)")

    @classmethod
    def of(cls, job: ImportJob, *, stale_after_s: float) -> ImportStatus:
        return cls.model_validate(
            {**job.model_dump(), "status": answered_status(job, stale_after_s=stale_after_s)}
        )


class ImportList(BaseModel):
    items: list[ImportSummary] = Field(description="newest first")
    next: str | None = Field(description="pass as after= for the next page; null on the last")

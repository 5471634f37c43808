"""What the ingest endpoints answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from shared.domain.problems import Problem


class RecordResult(BaseModel):
    index: int = Field(description="position of the record in the batch, from 0")
    status: Literal["accepted", "rejected"]
    id: str | None = Field(default=None, description="source:source_id, when the record names them")
    errors: list[Problem] | None = Field(default=None, description="why it was rejected (rejected only)")
    warnings: list[Problem] | None = Field(default=None, description="what lost precision (accepted only)")


class BatchResponse(BaseModel):
    accepted: int
    rejected: int
    results: list[RecordResult] = Field(description="one per record, in batch order")


class DeleteResponse(BaseModel):
    id: str
    status: Literal["deleted"]

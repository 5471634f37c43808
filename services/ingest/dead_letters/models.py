"""What the dead-letter routes take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.problems import Problem

LETTER_ID_PATTERN = r"^\d{13}-\d{1,5}-\d{12}$"
MAX_PAGE = 200
MAX_REPLAY = 100

Kind = Literal["postings", "seekers"]
Status = Literal["open", "replayed", "discarded"]
Origin = Literal["push", "import", "connector", "consumer", "unknown"]
Code = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]
Stage = Annotated[
    str,
    Field(
        pattern=r"^[a-z_]{1,32}$", description="normalise, or the indexer's decode, validate, document, index"
    ),
]
Source = Annotated[str, Field(max_length=64)]


class LetterFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind | None = None
    stage: Stage | None = None
    code: Code | None = Field(default=None, description="the letter's first error code")
    source: Source | None = None
    origin: Origin | None = None


class LetterQuery(LetterFilter):
    status: Status | None = None
    order: Literal["newest", "oldest"] = "newest"
    after: Annotated[str | None, Field(pattern=LETTER_ID_PATTERN, description="the last page's `next`")] = (
        None
    )
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 50


class ReplayFilter(LetterFilter):
    """Open letters matching every given field, oldest first."""

    limit: Annotated[int, Field(ge=1, le=MAX_REPLAY, description=f"at most {MAX_REPLAY} letters a call")] = (
        MAX_REPLAY
    )


class LetterOutcome(BaseModel):
    action: Literal["replay", "discard"]
    status: Literal["accepted", "rejected", "discarded"]
    record_id: str | None
    errors: list[Problem]
    key_id: str = Field(description="the API key's id that acted (never the key)")
    at: datetime


class DeadLetter(BaseModel):
    id: str = Field(
        description="stable: append time (ms), then the letter's partition and offset in ingest.dlq"
    )
    at: datetime
    kind: Kind | None
    stage: str
    origin: dict[str, Any] = Field(
        description="type push, import (import_id, sheet, row, mapping, raw) or connector"
    )
    errors: list[Problem]
    payload: dict[str, Any] | None = Field(
        description="the record as kept: a seeker's identifiers and field names only"
    )
    source: str | None
    record_id: str | None
    position: dict[str, Any]
    record_position: dict[str, Any] | None = Field(description="the indexer's letters: where the record sat")
    status: Status
    outcome: LetterOutcome | None = Field(description="the last replay or discard")


class LetterPage(BaseModel):
    letters: list[DeadLetter]
    next: str | None = Field(description="pass as `after` for the next page; null at the end")


class ReplayResult(BaseModel):
    id: str
    status: Literal["accepted", "rejected"]
    record_id: str | None = Field(description="the record published (accepted), or the one the letter names")
    errors: list[Problem] = Field(description="why it is still rejected")
    letter_status: Status


class BulkReplayResult(BaseModel):
    results: list[ReplayResult]

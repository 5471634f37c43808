"""The audit port: who read which seeker profile, when, which fields, for what (README "Security").

Durable records, not log lines: staff list them (``GET /v1/audit``), and an
erasure rewrites them (``erase_subject``) so that what remains says a
deletion happened, by whom and when, without the erased id.
Adapters: SQLite beside the embedded event log, an Elasticsearch index in
the distributed shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, Field

AuditAction = Literal["read", "search", "match", "delete", "review"]
"""``review``: a staff decision on a flagged posting (its subject ``posting/<id>``)."""


class AuditEntry(BaseModel):
    id: str
    at: datetime
    key_id: str = Field(description="the API key's id (never the key)")
    role: str
    action: AuditAction
    purpose: str = Field(description="what the read was for: the operation that made it")
    subject: str = Field(
        description="the seeker's id; erased:<keyed hash> once the seeker was deleted; posting/<id> for a review"
    )
    fields: list[str] = Field(
        default_factory=list,
        description="the profile's fields the caller got, personal ones with how (name:masked)",
    )
    erased: bool = Field(default=False, description="the subject was deleted since; its id is no longer kept")


class AuditLog(Protocol):
    def record(self, entries: Sequence[AuditEntry]) -> None:
        """Durably written when this returns (an unaudited read must not be answered)."""
        ...

    def entries(
        self,
        *,
        subject: str | None = None,
        key_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """Newest first."""
        ...

    def erase_subject(self, subject: str, replacement: str) -> int:
        """Replace ``subject`` by ``replacement`` in every entry about it, physically; the count rewritten."""
        ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...

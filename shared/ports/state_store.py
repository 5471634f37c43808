"""The state-store port: small documents the services keep about their own work.

Import jobs, connector checkpoints, leases, review decisions, dead-letter
outcomes and deletion versions: state that any replica must read and that
must survive a restart, but that is neither a record (the event log) nor
searched (the indexes). A document is addressed by a kind and a key and
replaced whole; ``labels`` are the few values a listing filters on.

Adapters: SQLite beside the embedded shape's files, an Elasticsearch index
in the distributed shape. A write is durable when ``put`` returns and visible
to every reader at once (Elasticsearch: written with ``refresh=wait_for``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class StoredState:
    key: str
    doc: dict[str, Any]
    labels: dict[str, str]
    updated_at: datetime


class StateStore(Protocol):
    def put(
        self, kind: str, key: str, doc: dict[str, Any], *, labels: Mapping[str, str] | None = None
    ) -> None:
        """Write (replace) one document; durable and visible when this returns."""
        ...

    def put_many(self, kind: str, docs: Mapping[str, dict[str, Any]]) -> None:
        """Several documents of one kind, without labels, in one write."""
        ...

    def get(self, kind: str, key: str) -> StoredState | None: ...

    def get_many(self, kind: str, keys: Sequence[str]) -> dict[str, StoredState]:
        """The documents found, by key; missing keys are left out."""
        ...

    def list(
        self,
        kind: str,
        *,
        labels: Mapping[str, str] | None = None,
        after: str | None = None,
        limit: int = 100,
        descending: bool = False,
    ) -> list[StoredState]:
        """Ordered by key (callers choose sortable keys); ``after``: keys past this one, for paging."""
        ...

    def delete(self, kind: str, key: str) -> bool:
        """Whether there was a document to delete."""
        ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...

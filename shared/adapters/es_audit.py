"""The audit port on Elasticsearch: one index, ``{prefix}-audit``, in the distributed shape.

Each record is written with the cluster's default durability (the translog
is fsynced before the write is acknowledged). A listing sees records about a
second after they are written (the index's refresh). An erasure rewrites the
subject's records with ``update_by_query`` and then expunges the deleted
versions from the segments (a forced merge of deletes), so the old id is not
left in a segment either.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch, helpers

from shared.adapters.es_index import backend_errors
from shared.ports.audit_log import AuditEntry

_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "at": {"type": "date"},
        "key_id": {"type": "keyword"},
        "role": {"type": "keyword"},
        "action": {"type": "keyword"},
        "purpose": {"type": "keyword"},
        "subject": {"type": "keyword"},
        "fields": {"type": "keyword"},
        "erased": {"type": "boolean"},
    },
}


class ElasticsearchAuditLog:
    def __init__(self, *, url: str, prefix: str, request_timeout: float = 10.0) -> None:
        self.index = f"{prefix}-audit"
        self._client = Elasticsearch(
            url, request_timeout=request_timeout, retry_on_timeout=True, max_retries=3
        )
        try:
            with backend_errors():
                if not self._client.indices.exists(index=self.index):
                    self._client.options(ignore_status=400).indices.create(
                        index=self.index, mappings=_MAPPING, settings={"number_of_shards": 1}
                    )
        except Exception:
            self._client.close()
            raise

    def record(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        actions = [
            {"_index": self.index, "_id": entry.id, "_source": entry.model_dump(mode="json")}
            for entry in entries
        ]
        with backend_errors():
            helpers.bulk(self._client, actions, raise_on_error=True)

    def entries(
        self,
        *,
        subject: str | None = None,
        key_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        filters: list[dict[str, Any]] = []
        for field, value in (("subject", subject), ("key_id", key_id)):
            if value is not None:
                filters.append({"term": {field: value}})
        at: dict[str, str] = {}
        if since is not None:
            at["gte"] = since.isoformat()
        if until is not None:
            at["lt"] = until.isoformat()
        if at:
            filters.append({"range": {"at": at}})
        with backend_errors():
            answer = self._client.search(
                index=self.index,
                query={"bool": {"filter": filters}},
                sort=[{"at": "desc"}, {"id": "desc"}],
                size=limit,
            )
        return [AuditEntry.model_validate(hit["_source"]) for hit in answer["hits"]["hits"]]

    def erase_subject(self, subject: str, replacement: str) -> int:
        with backend_errors():
            # Entries written in the last second are not searchable yet: refresh first, so none is missed.
            self._client.indices.refresh(index=self.index)
            answer = self._client.update_by_query(
                index=self.index,
                query={"term": {"subject": subject}},
                script={
                    "source": "ctx._source.subject = params.replacement; ctx._source.erased = true",
                    "params": {"replacement": replacement},
                },
                conflicts="proceed",
                refresh=True,
            )
            if answer.get("updated"):
                self._client.indices.forcemerge(index=self.index, only_expunge_deletes=True)
        return int(answer.get("updated", 0))

    def ping(self) -> bool:
        with backend_errors():
            return bool(self._client.ping())

    def close(self) -> None:
        self._client.close()

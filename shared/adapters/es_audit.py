"""The audit port on Elasticsearch: one index, ``{prefix}-audit``, in the distributed shape.

Each record is written with the cluster's default durability (the translog
is fsynced before the write is acknowledged). A listing sees records about a
second after they are written (the index's refresh). An erasure rewrites the
subject's records (read, then written again under the same ids) and then expunges the deleted
versions from the segments (a forced merge of deletes), so the old id is not
left in a segment either.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from elasticsearch import helpers

from shared.adapters.es_index import backend_errors, elasticsearch_client, index_healthy
from shared.errors import BackendUnavailable
from shared.ports.audit_log import AuditEntry

log = logging.getLogger(__name__)

EXPUNGE_AGAIN_S = 40.0
"""After an erasure, when the forced merge runs again: past the shard's retention lease (about 30 s)."""

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
        self._later: threading.Timer | None = None
        self._client = elasticsearch_client(url, request_timeout=request_timeout)
        try:
            with backend_errors():
                if not self._client.indices.exists(index=self.index):
                    # expunge_deletes_allowed 0: a forced merge of deletes rewrites a segment for one erased
                    # entry too (the default leaves segments under 10 % deleted as they are).
                    self._client.options(ignore_status=400).indices.create(
                        index=self.index,
                        mappings=_MAPPING,
                        settings={"number_of_shards": 1, "index.merge.policy.expunge_deletes_allowed": 0},
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
            try:
                helpers.bulk(self._client, actions, raise_on_error=True)
            except helpers.BulkIndexError as error:
                # An entry refused (a full queue's 429, a closed index): the read is not answered.
                raise BackendUnavailable(
                    f"audit index {self.index}: {len(error.errors)} entries refused"
                ) from error

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
            # Read and rewrite rather than update_by_query: that lives in the reindex module, which not
            # every distribution carries (the test servers' zip does not). A person has few entries.
            found = helpers.scan(
                self._client, index=self.index, query={"query": {"term": {"subject": subject}}}
            )
            rewritten = [
                {
                    "_index": self.index,
                    "_id": hit["_id"],
                    "_source": {**hit["_source"], "subject": replacement, "erased": True},
                }
                for hit in found
            ]
            if rewritten:
                helpers.bulk(self._client, rewritten, raise_on_error=True, refresh=True)
                self._expunge_now_and_later()
        return len(rewritten)

    def _expunge_now_and_later(self) -> None:
        """The replaced versions stay in their segments, marked deleted, until merged away; the shard keeps
        the newest deletions for its retention lease (renewed about every 30 s), so a merge right now may
        not drop them: it runs again once the lease has moved on."""
        self._client.indices.forcemerge(index=self.index, only_expunge_deletes=True)
        if self._later is not None:
            self._later.cancel()
        self._later = threading.Timer(EXPUNGE_AGAIN_S, self._expunge_quietly)
        self._later.daemon = True
        self._later.start()

    def _expunge_quietly(self) -> None:
        try:
            self._client.indices.forcemerge(index=self.index, only_expunge_deletes=True)
        except Exception:
            log.warning("expunging erased audit entries from %s failed", self.index, exc_info=True)

    def ping(self) -> bool:
        return index_healthy(self._client, self.index)

    def close(self) -> None:
        if self._later is not None:
            self._later.cancel()
        self._client.close()

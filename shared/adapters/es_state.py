"""The state-store port on Elasticsearch: one index, ``{prefix}-state``, in the distributed shape.

A document's id is its kind and key. Writes wait for the refresh
(``refresh=wait_for``), so a listing on any replica sees a job's state as
soon as the write is answered; gets are real-time anyway. The documents are
kept, not searched: only the kind, the key and the labels are indexed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from elasticsearch import helpers

from shared.adapters.es_index import backend_errors, elasticsearch_client, index_healthy
from shared.errors import BackendUnavailable
from shared.ports.state_store import StoredState

_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "kind": {"type": "keyword"},
        "key": {"type": "keyword"},
        "doc": {"type": "object", "enabled": False},
        "labels": {"type": "flattened"},
        "updated_at": {"type": "date", "format": "epoch_millis"},
    },
}
_GET_CHUNK = 1000


def _doc_id(kind: str, key: str) -> str:
    return f"{kind}/{key}"


def _state(source: dict[str, Any]) -> StoredState:
    return StoredState(
        key=source["key"],
        doc=source["doc"],
        labels=source.get("labels") or {},
        updated_at=datetime.fromtimestamp(int(source["updated_at"]) / 1000, UTC),
    )


def _source(kind: str, key: str, doc: dict[str, Any], labels: Mapping[str, str] | None) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp() * 1000)
    return {"kind": kind, "key": key, "doc": doc, "labels": dict(labels or {}), "updated_at": now}


class ElasticsearchStateStore:
    def __init__(self, *, url: str, prefix: str, request_timeout: float = 10.0) -> None:
        self.index = f"{prefix}-state"
        self._client = elasticsearch_client(url, request_timeout=request_timeout)
        try:
            with backend_errors():
                if not self._client.indices.exists(index=self.index):
                    # 400: another replica created it between the check and here.
                    self._client.options(ignore_status=400).indices.create(
                        index=self.index, mappings=_MAPPING, settings={"number_of_shards": 1}
                    )
        except Exception:
            self._client.close()
            raise

    def put(
        self, kind: str, key: str, doc: dict[str, Any], *, labels: Mapping[str, str] | None = None
    ) -> None:
        with backend_errors():
            self._client.index(
                index=self.index,
                id=_doc_id(kind, key),
                document=_source(kind, key, doc, labels),
                refresh="wait_for",
            )

    def put_many(self, kind: str, docs: Mapping[str, dict[str, Any]]) -> None:
        if not docs:
            return
        actions = [
            {"_index": self.index, "_id": _doc_id(kind, key), "_source": _source(kind, key, doc, None)}
            for key, doc in docs.items()
        ]
        with backend_errors():
            try:
                helpers.bulk(self._client, actions, raise_on_error=True, refresh="wait_for")
            except helpers.BulkIndexError as error:
                raise BackendUnavailable(
                    f"state index {self.index}: {len(error.errors)} writes refused"
                ) from error

    def get(self, kind: str, key: str) -> StoredState | None:
        return self.get_many(kind, [key]).get(key)

    def get_many(self, kind: str, keys: Sequence[str]) -> dict[str, StoredState]:
        found: dict[str, StoredState] = {}
        unique = list(dict.fromkeys(keys))
        with backend_errors():
            for start in range(0, len(unique), _GET_CHUNK):
                ids = [_doc_id(kind, key) for key in unique[start : start + _GET_CHUNK]]
                answer = self._client.mget(index=self.index, ids=ids)
                for hit in answer["docs"]:
                    if hit.get("found"):
                        state = _state(hit["_source"])
                        found[state.key] = state
        return found

    def list(
        self,
        kind: str,
        *,
        labels: Mapping[str, str] | None = None,
        after: str | None = None,
        limit: int = 100,
        descending: bool = False,
    ) -> list[StoredState]:
        filters: list[dict[str, Any]] = [{"term": {"kind": kind}}]
        filters += [{"term": {f"labels.{name}": value}} for name, value in (labels or {}).items()]
        if after is not None:
            filters.append({"range": {"key": {"lt" if descending else "gt": after}}})
        with backend_errors():
            answer = self._client.search(
                index=self.index,
                query={"bool": {"filter": filters}},
                sort=[{"key": {"order": "desc" if descending else "asc"}}],
                size=limit,
            )
        return [_state(hit["_source"]) for hit in answer["hits"]["hits"]]

    def delete(self, kind: str, key: str) -> bool:
        with backend_errors():
            answer = self._client.options(ignore_status=404).delete(
                index=self.index, id=_doc_id(kind, key), refresh="wait_for"
            )
        return answer.get("result") == "deleted"

    def ping(self) -> bool:
        return index_healthy(self._client, self.index)

    def close(self) -> None:
        self._client.close()

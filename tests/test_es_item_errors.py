"""Which per-item bulk answers fail a batch for retry and which are the document's own error (no server)."""

from __future__ import annotations

import pytest

from shared.adapters.es_index import _is_transient, _write_outcome


@pytest.mark.parametrize(
    "result",
    [
        {
            "_id": "a",
            "status": 429,
            "error": {"type": "es_rejected_execution_exception", "reason": "queue full"},
        },
        {
            "_id": "a",
            "status": 503,
            "error": {"type": "unavailable_shards_exception", "reason": "primary down"},
        },
        {
            "_id": "a",
            "status": 403,
            "error": {"type": "cluster_block_exception", "reason": "index write (api)"},
        },
    ],
)
def test_overload_node_trouble_and_blocks_are_transient(result: dict) -> None:
    assert _is_transient(result)


def test_a_mapping_error_is_the_documents_own_and_a_conflict_is_stale() -> None:
    bad = {"_id": "a", "status": 400, "error": {"type": "document_parsing_exception", "reason": "salary"}}
    assert not _is_transient(bad)
    assert _write_outcome(bad).status == "error"
    assert _write_outcome(
        {"_id": "a", "status": 409, "error": {"type": "version_conflict_engine_exception"}}
    ).status == ("stale")

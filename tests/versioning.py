"""Versioned upserts and deletions, as a client sees them: one scenario run on both shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.helpers import posting, wait_for

Call = Callable[..., Any]


def check_versions_and_deletions(*, post: Call, delete: Call, get: Call, timeout_s: float) -> None:
    """``post(kind, records)`` pushes; ``delete(path)``; ``get(path)`` reads from search: each an httpx-like
    call answering a response."""

    def title(record_id: str) -> str | None:
        response = get(f"/v1/postings/{record_id}")
        return response.json()["title"] if response.status_code == 200 else None

    def indexed(record_id: str) -> bool:
        return title(record_id) is not None

    def settle(marker: str) -> None:
        # Events of one key stay ordered, but different keys may sit on different partitions: the marker is
        # pushed under the same key's neighbours and waited for, and the checked record is read after.
        assert post("postings", [posting(marker, "仓库管理员")]).json()["accepted"] == 1
        wait_for(lambda: indexed(f"test:{marker}"), timeout_s=timeout_s)

    older = posting("v1", "叉车司机（旧）", updated_at="2026-11-01T08:00:00+08:00")
    newer = posting("v1", "叉车司机（新）", updated_at="2026-11-02T08:00:00+08:00")
    assert post("postings", [newer]).json()["accepted"] == 1
    wait_for(lambda: title("test:v1") == "叉车司机（新）", timeout_s=timeout_s)
    # An older edit arriving after a newer one is ignored.
    assert post("postings", [older]).json()["accepted"] == 1
    settle("m1")
    assert title("test:v1") == "叉车司机（新）"

    assert delete("/v1/postings/test:v1").status_code == 202
    wait_for(lambda: not indexed("test:v1"), timeout_s=timeout_s)
    # A copy made before the deletion (a late retry, a replayed feed page) does not re-create it.
    assert post("postings", [newer, older]).json()["accepted"] == 2
    settle("m2")
    assert not indexed("test:v1")

    # The source posting it again, edited after the deletion, does.
    again = posting("v1", "叉车司机（重新发布）")  # updated now, after the deletion
    assert post("postings", [again]).json()["accepted"] == 1
    wait_for(lambda: title("test:v1") == "叉车司机（重新发布）", timeout_s=timeout_s)

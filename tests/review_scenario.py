"""Review flags as staff and kiosks see them: one scenario run on both shapes (tests/test_review_flags.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.helpers import posting, wait_for

Call = Callable[..., Any]
"""``call(service, method, path, role="admin", **httpx_kwargs)`` → a response; service is ingest, search or
matcher."""


def _at(minutes_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def check_review_flags(call: Call, *, timeout_s: float) -> None:
    def push(*records: dict) -> None:
        response = call("ingest", "POST", "/v1/postings", json=list(records))
        assert response.status_code == 200 and response.json()["rejected"] == 0, response.text

    def public(posting_id: str) -> int:
        return int(call("search", "GET", f"/v1/postings/{posting_id}", role="kiosk").status_code)

    def queue(**params: str) -> dict[str, dict]:
        response = call("search", "GET", "/v1/review/flags", role="staff", params=params)
        assert response.status_code == 200, response.text
        return {item["id"]: item for item in response.json()["items"]}

    def searched(q: str) -> list[str]:
        hits = call("search", "GET", "/v1/postings/search", role="kiosk", params={"q": q}).json()["hits"]
        return [hit["id"] for hit in hits]

    def matched(title: str) -> list[str]:
        body = {"desired_titles": [title], "location": "郑州"}
        response = call("matcher", "POST", "/v1/match", role="kiosk", json=body)
        return [match["posting"]["id"] for match in response.json()["matches"]]

    def decide(posting_id: str, decision: str, note: str = "") -> Any:
        body = {"decision": decision, "note": note}
        return call("search", "POST", f"/v1/review/flags/{posting_id}/decision", role="staff", json=body)

    push(
        posting("r1", "电子厂普工", description="限男性，包吃住。", updated_at=_at(60)),
        posting(
            "r2", "仓库管理员", description="年龄18-35周岁，会用电脑。", location="洛阳市", updated_at=_at(60)
        ),
        posting("r3", "维修电工", description="持低压电工证，包吃住。"),
        {**posting("r4", "网店客服", description="有意者加微信详聊。"), "source": "e2e"},
    )
    wait_for(lambda: set(queue()) == {"test:r1", "test:r2", "e2e:r4"}, timeout_s=timeout_s)
    listed = queue()
    assert listed["test:r1"]["flags"] == [
        {
            "kind": "gender",
            "evidence": ["限男性"],
            "fields": ["description"],
            "message": listed["test:r1"]["flags"][0]["message"],
        }
    ]
    assert listed["test:r2"]["flags"][0]["evidence"] == ["年龄18-35周岁"]
    assert {item["review"] for item in listed.values()} == {"pending"}
    assert set(queue(kind="gender")) == {"test:r1"}
    assert set(queue(region="410300")) == {"test:r2"}  # 洛阳市: a city includes its districts
    assert set(queue(source="e2e")) == {"e2e:r4"}
    # Flagged is not hidden: until staff decide, the posting is served like any other.
    wait_for(lambda: "test:r1" in searched("普工"), timeout_s=timeout_s)
    assert public("test:r1") == 200

    # A well-formed but unknown region is a 400 (as in search), not an empty page.
    assert (
        call("search", "GET", "/v1/review/flags", role="staff", params={"region": "999999"}).status_code
        == 400
    )
    assert decide("test:nope", "upheld").json()["error"]["code"] == "POSTING_NOT_FOUND"
    assert decide("test:r3", "upheld").json()["error"]["code"] == "POSTING_NOT_FLAGGED"
    assert decide("test:r1", "maybe").status_code == 422
    assert call("search", "GET", "/v1/review/flags", role="kiosk").status_code == 403

    # Upheld: recorded, audited, and the posting leaves search, matching and the public view.
    answer = decide("test:r1", "upheld", note="性别限制，已联系企业整改")
    assert answer.status_code == 200, answer.text
    assert answer.json()["review"] == "upheld"
    assert answer.json()["decision"]["role"] == "staff" and answer.json()["decision"]["kinds"] == ["gender"]
    # The distributed audit index answers listings about a second after a write (its refresh).
    audit = wait_for(
        lambda: call("search", "GET", "/v1/audit", params={"subject": "posting/test:r1"}).json()["entries"],
        timeout_s=timeout_s,
    )
    assert [(e["action"], e["purpose"], e["role"]) for e in audit] == [("review", "review_flags", "staff")]
    assert audit[0]["fields"] == ["decision:upheld", "flag:gender"]
    wait_for(lambda: public("test:r1") == 404, timeout_s=timeout_s)
    assert "test:r1" not in searched("普工")
    assert "test:r1" not in matched("普工") and "test:r3" in matched("电工")
    assert set(queue(decision="upheld")) == {"test:r1"}
    assert set(queue(decision="pending")) == {"test:r2", "e2e:r4"}

    # Dismissed: stays visible and leaves the pending queue.
    assert decide("test:r2", "dismissed").json()["review"] == "dismissed"
    wait_for(lambda: set(queue(decision="pending")) == {"e2e:r4"}, timeout_s=timeout_s)
    assert set(queue(decision="dismissed")) == {"test:r2"} and public("test:r2") == 200

    # The source edits the upheld posting: the same kind of restriction in other words keeps it hidden…
    push(posting("r1", "电子厂普工（急招）", description="只招男工，包吃住。", updated_at=_at(30)))
    wait_for(
        lambda: queue(decision="upheld").get("test:r1", {}).get("title") == "电子厂普工（急招）",
        timeout_s=timeout_s,
    )
    assert public("test:r1") == 404
    # …a new kind of flag sends it back to pending, served again until staff decide on the new text…
    push(posting("r1", "电子厂普工（急招）", description="只招男工，年龄45岁以下。", updated_at=_at(20)))
    wait_for(lambda: public("test:r1") == 200, timeout_s=timeout_s)
    assert queue()["test:r1"]["review"] == "pending"
    assert [flag["kind"] for flag in queue()["test:r1"]["flags"]] == ["gender", "age"]
    # …and an edit without the flagged phrases leaves nothing to review.
    push(
        posting("r2", "仓库管理员", description="会用电脑，做事细心。", location="洛阳市", updated_at=_at(10))
    )
    wait_for(lambda: "test:r2" not in queue(), timeout_s=timeout_s)
    assert public("test:r2") == 200

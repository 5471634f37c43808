"""Dead letters on both shapes: a rejected push, a record the indexer could not use and an import row show up
for staff, with filters and paging and no personal data; a replay after the fix publishes the record, one
still wrong stays open with its errors, a discard closes it; each is audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.embedded import EMBEDDED
from services.ingest.batch import check_record
from shared.domain import normalise
from shared.ports.event_log import TOPIC_POSTINGS
from shared.settings import Settings
from shared.web.app_factory import create_app
from tests.feed_shapes import RATES, SHAPES, Shape, open_shape
from tests.helpers import posting, role_keys, wait_for
from tests.import_files import csv_bytes, imported
from tests.test_feeds import PEOPLE, seeker

TIMEOUT_S = 40.0
LETTERS = "/v1/review/dead-letters"


@pytest.fixture(params=SHAPES)
def shape(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shape]:
    with open_shape(request, tmp_path) as opened:
        yield opened


def letters(shape: Shape, **params: Any) -> dict:
    response = shape.get(LETTERS, role="staff", **params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def letters_of(shape: Shape, count: int, **params: Any) -> list[dict]:
    found: list[dict] = wait_for(
        lambda: (page := letters(shape, **params)["letters"]) and len(page) >= count and page,
        timeout_s=TIMEOUT_S,
    )
    return found


def post(shape: Shape, path: str, body: Any = None) -> Any:
    return shape.ingest.post(path, json=body, headers=shape.headers("staff"))


def in_an_hour() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


def searchable(shape: Shape, record_id: str) -> bool:
    return bool(shape.get(f"/v1/postings/{record_id}", role="staff").status_code == 200)


def test_a_rejected_push_is_listed_replayed_after_the_fix_and_audited(
    shape: Shape, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = shape.push(
        "postings", [posting("future", "夜班保安", posted_at=in_an_hour()), posting("ok", "保洁员")]
    )
    assert answer["rejected"] == 1

    [letter] = letters_of(shape, 1)
    assert (letter["kind"], letter["stage"], letter["origin"], letter["status"]) == (
        "postings",
        "normalise",
        {"type": "push"},
        "open",
    )
    assert [e["code"] for e in letter["errors"]] == ["POSTED_IN_FUTURE"]
    assert (letter["payload"]["title"], letter["record_id"], letter["source"]) == (
        "夜班保安",
        "test:future",
        "test",
    )

    # Still early: today's rules still refuse it; the letter stays open, with its errors.
    still = post(shape, f"{LETTERS}/{letter['id']}/replay")
    assert still.status_code == 200, still.text
    assert (still.json()["status"], still.json()["letter_status"]) == ("rejected", "open")
    assert [e["code"] for e in still.json()["errors"]] == ["POSTED_IN_FUTURE"]

    monkeypatch.setattr(normalise, "MAX_CLOCK_SKEW", timedelta(hours=2))  # the rule the fix relaxes
    replayed = post(shape, f"{LETTERS}/{letter['id']}/replay")
    assert replayed.json() == {
        "id": letter["id"],
        "status": "accepted",
        "record_id": "test:future",
        "errors": [],
        "letter_status": "replayed",
    }
    wait_for(lambda: searchable(shape, "test:future"), timeout_s=TIMEOUT_S)
    again = post(shape, f"{LETTERS}/{letter['id']}/replay")
    assert (again.status_code, again.json()["error"]["code"]) == (400, "DEAD_LETTER_CLOSED")
    [listed] = letters(shape, status="replayed")["letters"]
    assert listed["outcome"]["status"] == "accepted" and listed["outcome"]["record_id"] == "test:future"
    assert letters(shape, status="open")["letters"] == []

    def both_audited() -> list[dict] | None:
        answer = shape.search.get(
            "/v1/audit", params={"subject": f"dead_letter/{letter['id']}"}, headers=shape.headers("staff")
        )
        entries = answer.json()["entries"]
        return entries if len(entries) >= 2 else None

    # The distributed audit index answers listings about a second after a write (its refresh).
    entries = wait_for(both_audited, timeout_s=TIMEOUT_S)
    assert sorted(entry["fields"][0] for entry in entries) == ["outcome:accepted", "outcome:rejected"]
    assert {entry["action"] for entry in entries} == {"review"}


def test_filters_paging_discard_and_bulk_replay(shape: Shape, monkeypatch: pytest.MonkeyPatch) -> None:
    shape.push(
        "postings",
        [
            posting("f1", "电工", posted_at=in_an_hour()),
            posting("f2", "焊工", posted_at=in_an_hour(), source="e2e"),
            posting("r1", "厨师", region_code="999999"),
        ],
    )
    shape.push("seekers", [seeker("s1", PEOPLE[0], consent=True, birth_year=1900)])
    every = letters_of(shape, 4)
    assert [letter["at"] for letter in every] == sorted((letter["at"] for letter in every), reverse=True)

    def ids(**params: Any) -> list[str | None]:
        return sorted(letter["record_id"] for letter in letters(shape, **params)["letters"])

    assert ids(kind="postings") == ["e2e:f2", "test:f1", "test:r1"]
    assert ids(kind="seekers") == ["henan-rsj:s1"]
    assert ids(code="POSTED_IN_FUTURE") == ["e2e:f2", "test:f1"]
    assert ids(code="REGION_CODE_UNKNOWN") == ["test:r1"]
    assert ids(source="e2e") == ["e2e:f2"]
    assert ids(stage="normalise", origin="push") == sorted(ids())
    assert ids(stage="index") == []
    for bad in ({"status": "lost"}, {"limit": 201}, {"after": "x"}, {"code": "lower"}, {"kind": "matches"}):
        assert shape.get(LETTERS, role="staff", **bad).status_code == 422, bad
    assert shape.get(LETTERS, role="kiosk").status_code == 403
    assert shape.get(LETTERS, role="partner").status_code == 403

    # Paging: newest first or oldest first, one letter a page, each once.
    for order in ("newest", "oldest"):
        seen, after = [], None
        while True:
            body = letters(shape, order=order, limit=1, **({"after": after} if after else {}))
            seen += [letter["id"] for letter in body["letters"]]
            if body["next"] is None:
                break
            after = body["next"]
        expected = [letter["id"] for letter in every]
        assert seen == (expected if order == "newest" else expected[::-1])

    region = next(letter for letter in every if letter["record_id"] == "test:r1")
    discarded = post(shape, f"{LETTERS}/{region['id']}/discard")
    assert discarded.status_code == 200 and discarded.json()["status"] == "discarded"
    assert ids(status="discarded") == ["test:r1"]
    assert post(shape, f"{LETTERS}/{region['id']}/discard").json()["error"]["code"] == "DEAD_LETTER_CLOSED"
    for missing in ("1764632400000-0-000000000042", "not-an-id"):
        response = post(shape, f"{LETTERS}/{missing}/replay")
        assert (response.status_code, response.json()["error"]["code"]) == (404, "DEAD_LETTER_NOT_FOUND")

    monkeypatch.setattr(normalise, "MAX_CLOCK_SKEW", timedelta(hours=2))
    bulk = post(shape, f"{LETTERS}/replay", {"kind": "postings"})
    assert bulk.status_code == 200, bulk.text
    outcomes = {result["record_id"]: result["status"] for result in bulk.json()["results"]}
    assert outcomes == {"test:f1": "accepted", "e2e:f2": "accepted"}  # the discarded one is not replayed
    wait_for(lambda: searchable(shape, "test:f1") and searchable(shape, "e2e:f2"), timeout_s=TIMEOUT_S)
    assert post(shape, f"{LETTERS}/replay", {"kind": "postings"}).json() == {"results": []}
    too_many = post(shape, f"{LETTERS}/replay", {"limit": 101})
    assert too_many.status_code == 422

    # A seeker's letter keeps no profile: it cannot be replayed, and says so.
    [seeker_letter] = letters(shape, kind="seekers")["letters"]
    result = post(shape, f"{LETTERS}/{seeker_letter['id']}/replay").json()
    assert (result["status"], [e["code"] for e in result["errors"]]) == ("rejected", ["PAYLOAD_SCRUBBED"])


def test_the_listing_holds_no_personal_data(shape: Shape) -> None:
    broken = [
        seeker("p1", PEOPLE[0], consent=True, birth_year=1900),
        seeker("p2", PEOPLE[1], consent=False, phone="12345"),
        seeker("p3", PEOPLE[2], consent=True, id_number="410105199003071230"),
    ]
    assert shape.push("seekers", broken)["rejected"] == 3
    found = letters_of(shape, 3)
    raw = json.dumps(found, ensure_ascii=False)
    for person in PEOPLE:
        for personal in (person["name"], person["phone"], person["id_number"], "花园路", "身体有旧伤"):
            assert personal not in raw, personal
    assert "410105199003071230" not in raw
    assert all(
        set(letter["payload"]) <= {"source", "source_id", "id", "version", "updated_at", "fields_present"}
        for letter in found
    )
    assert "name" in found[0]["payload"]["fields_present"]  # what it had is said, not what it was


def test_a_record_the_indexer_could_not_use_is_replayed_and_republished(shape: Shape) -> None:
    record, _ = check_record("postings", posting("drift", "仓库理货员"), received_at=datetime.now(UTC))
    assert record is not None
    drifted = record.model_dump(mode="json") | {"written_by": "a newer release"}  # a stored record it refuses
    event_log = shape.ingest.app.state.backends.event_log  # type: ignore[attr-defined]
    event_log.publish(TOPIC_POSTINGS, [(record.id, drifted)])

    [letter] = letters_of(shape, 1, stage="validate")
    assert letter["origin"] == {"type": "consumer"} and letter["record_id"] == "test:drift"
    assert letter["record_position"]["topic"] == "postings" and letter["errors"][0]["code"]
    assert not searchable(shape, "test:drift")

    result = post(shape, f"{LETTERS}/{letter['id']}/replay").json()
    assert (result["status"], result["record_id"]) == ("accepted", "test:drift")
    wait_for(lambda: searchable(shape, "test:drift"), timeout_s=TIMEOUT_S)
    assert shape.get("/v1/postings/test:drift").json()["updated_at"] == drifted["updated_at"]  # same version


WRONG_MAPPING = """\
kind: postings
columns:
  招工岗位名: title
  有效期至: posted_at
"""
"""The sheet's closing date taken for the date of posting: every row is posted in the future."""


def test_an_import_row_rejected_by_a_wrong_mapping_is_accepted_by_replay_once_the_mapping_is_fixed(
    tmp_path: Path,
) -> None:
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "fair-sheet.yaml").write_text(WRONG_MAPPING, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", environment="test", import_mappings_dir=mappings, **RATES)
    keys = role_keys(settings)
    with TestClient(create_app(EMBEDDED, settings=settings)) as client:
        shape = Shape("embedded", settings, client, client, keys)
        rows = [
            ["岗位编号", "招工岗位名", "工作地点", "薪资待遇（元/月）", "单位名称", "有效期至"],
            ["F01", "叉车司机", "河南省郑州市中牟县", "4500-6000", "丙物流有限公司", "2099-12-31"],
            ["F02", "仓库保管员", "河南省郑州市中牟县", "3800-4500", "丙物流有限公司", "2099-12-31"],
        ]
        client.headers.update(shape.headers("staff"))
        job = imported(client, csv_bytes(rows), source="fair", mapping="fair-sheet")
        assert (job["status"], job["accepted"], job["rejected"]) == ("done", 0, 2), job
        assert {(error["row"], error["field"], error["code"]) for error in job["errors"]} == {
            (2, "posted_at", "POSTED_IN_FUTURE"),
            (3, "posted_at", "POSTED_IN_FUTURE"),
        }
        found = letters_of(shape, 2, origin="import")
        assert {letter["origin"]["row"] for letter in found} == {2, 3}
        assert all(letter["origin"]["mapping"] == "fair-sheet" for letter in found)

        # Replayed while the mapping is still wrong: rejected again, for the same reason, and kept open.
        again = post(shape, f"{LETTERS}/{found[0]['id']}/replay").json()
        assert (again["status"], again["letter_status"]) == ("rejected", "open")
        assert [e["code"] for e in again["errors"]] == ["POSTED_IN_FUTURE"]

        (mappings / "fair-sheet.yaml").write_text(
            WRONG_MAPPING.replace("有效期至: posted_at", "有效期至: expires_at"), encoding="utf-8"
        )
        results = {
            letter["origin"]["row"]: post(shape, f"{LETTERS}/{letter['id']}/replay").json()
            for letter in found
        }
        assert {row: (r["status"], r["record_id"]) for row, r in results.items()} == {
            2: ("accepted", "fair:F01"),
            3: ("accepted", "fair:F02"),
        }
        wait_for(lambda: searchable(shape, "fair:F01") and searchable(shape, "fair:F02"), timeout_s=TIMEOUT_S)
        shown = shape.get("/v1/postings/fair:F01", role="kiosk").json()
        assert (shown["title"], shown["employer"]["name"], shown["source"]) == (
            "叉车司机",
            "丙物流有限公司",
            "fair",
        )
        hits = shape.get("/v1/postings/search", role="kiosk", q="叉车司机").json()["hits"]
        assert [hit["id"] for hit in hits] == ["fair:F01"]
        assert shown["expires_at"].startswith("2099-12-31")
        assert letters(shape, origin="import", status="open")["letters"] == []

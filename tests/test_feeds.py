"""The partner feeds on both shapes: every change in order, resumable from any cursor, stable under concurrent
writes, consenting seekers only and without personal data, closures, expiries and deletions, bad cursors,
and the committed JSON Schema."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from services.search.feeds.schema import SCHEMA_PATH, page_schema
from shared.domain.inputs import PostingIn, SeekerIn
from shared.domain.normalise import normalise_posting, normalise_seeker
from shared.security.secret import deployment_secret, id_number_hash
from tests.feed_shapes import SHAPES, Shape, open_shape
from tests.helpers import posting, wait_for

SOURCE = "henan-rsj"
"""Records of another source than the tests' partner key's (test, e2e): what the partner's feed carries."""
TIMEOUT_S = 40.0


@pytest.fixture
def shape(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shape]:
    with open_shape(request, tmp_path) as opened:
        yield opened


def page(shape: Shape, feed: str, since: str | None = None, limit: int = 100, role: str = "partner") -> dict:
    params: dict[str, Any] = {"limit": limit}
    if since is not None:
        params["since"] = since
    response = shape.get(f"/v1/feeds/{feed}", role=role, **params)
    assert response.status_code == 200, response.text
    body = response.json()
    jsonschema.validate(body, page_schema(feed))  # every page any test reads holds to the committed schema
    return dict(body)


def read_to_end(
    shape: Shape, feed: str, since: str | None = None, limit: int = 100
) -> tuple[list[list[dict]], list[str | None]]:
    """The pages from ``since`` until one brings nothing new, and the cursor each page was read from."""
    pages: list[list[dict]] = []
    cursors: list[str | None] = []
    for _ in range(1000):
        body = page(shape, feed, since, limit)
        if since is not None and body["next"] == since:
            assert body["items"] == []
            return pages, cursors
        pages.append(body["items"])
        cursors.append(since)
        since = body["next"]
    raise AssertionError("the feed never ended")


def latest(items: list[dict], state: dict[str, dict] | None = None) -> dict[str, dict]:
    """What a partner keeps: each id's last item (each is the record's state when it was read)."""
    state = {} if state is None else state
    for item in items:
        state[item["id"]] = item
    return state


def flat(pages: list[list[dict]]) -> list[dict]:
    return [item for items in pages for item in items]


def feed_state(shape: Shape, feed: str) -> dict[str, dict]:
    return latest(flat(read_to_end(shape, feed, limit=500)[0]))


def state_when(shape: Shape, feed: str, done: Callable[[dict[str, dict]], bool]) -> dict[str, dict] | None:
    state = feed_state(shape, feed)
    return state if done(state) else None


def henan(source_id: str, title: str, **extra: Any) -> dict:
    return posting(source_id, title, source=SOURCE, **extra)


def minutes_ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


# --- postings -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, indirect=True)
def test_every_change_is_listed_in_order_and_any_cursor_resumes_with_the_same_items(shape: Shape) -> None:
    start = page(shape, "postings")
    assert start["items"] == [] and start["next"]
    assert (
        page(shape, "postings", since=start["next"])["next"] == start["next"]
    )  # nothing new: the same cursor

    shape.push(
        "postings",
        [
            henan("p1", "维修电工", updated_at=minutes_ago(30)),
            henan("p2", "电焊工", updated_at=minutes_ago(30)),
            henan("p3", "叉车司机", updated_at=minutes_ago(30)),
            henan("p4", "仓库管理员", updated_at=minutes_ago(30)),
            henan(
                "p5",
                "电工学徒",
                posted_at="2020-01-01T00:00:00+08:00",
                expires_at="2020-01-31T00:00:00+08:00",
                updated_at="2020-01-01T00:00:00+08:00",
            ),
            henan("p6", "数控车床操作工", salary="面议", updated_at=minutes_ago(30)),
            posting("own", "partner's own record", updated_at=minutes_ago(30)),  # source test: the key's own
        ],
    )
    shape.push(
        "postings",
        [
            henan("p2", "电焊工（氩弧焊）", updated_at=minutes_ago(20)),
            henan("p3", "叉车司机", status="closed", updated_at=minutes_ago(20)),
        ],
    )
    shape.delete("postings", f"{SOURCE}:p4")

    def settled() -> dict[str, dict] | None:
        state = feed_state(shape, "postings")
        done = state.get(f"{SOURCE}:p4", {}).get("op") == "delete" and len(state) == 6
        done = done and state[f"{SOURCE}:p2"]["record"]["title"] == "电焊工（氩弧焊）"
        return state if done and state[f"{SOURCE}:p3"]["status"] == "closed" else None

    state = wait_for(settled, timeout_s=TIMEOUT_S)
    assert set(state) == {f"{SOURCE}:p{n}" for n in range(1, 7)}  # the partner's own record is left out
    summary = {
        key[len(SOURCE) + 1 :]: (item["op"], item["status"], item["reason"]) for key, item in state.items()
    }
    assert summary == {
        "p1": ("upsert", "open", None),
        "p2": ("upsert", "open", None),
        "p3": ("upsert", "closed", None),
        "p4": ("delete", None, "deleted"),
        "p5": ("upsert", "expired", None),
        "p6": ("upsert", "open", None),
    }
    assert state[f"{SOURCE}:p4"]["record"] is None

    pages, cursors = read_to_end(shape, "postings", limit=2)
    items = flat(pages)
    assert all(len(items) <= 2 for items in pages)
    # Each id's items come in the order of its changes, and a page holds one item per id.
    for key in state:
        versions = [item["version"] for item in items if item["id"] == key]
        assert versions == sorted(versions), key
    for items_of_page in pages:
        assert len({item["id"] for item in items_of_page}) == len(items_of_page)
    assert latest(items) == state
    if shape.name == "embedded":
        # One partition: the items follow the log's order exactly (each id at its last change in the page).
        first_seen = list(dict.fromkeys(item["id"].removeprefix(f"{SOURCE}:") for item in items))
        assert first_seen == ["p1", "p2", "p3", "p4", "p5", "p6"]

    # Resuming from the cursor taken after any page gives exactly the pages that followed it.
    for n, cursor in enumerate(cursors):
        resumed, _ = read_to_end(shape, "postings", since=cursor, limit=2)
        assert resumed == pages[n:], f"resumed from the cursor before page {n}"

    # Each record validates as a push and normalises to what this instance stored.
    for key, item in state.items():
        if item["op"] != "upsert":
            continue
        record, _ = normalise_posting(PostingIn.model_validate(item["record"]), received_at=datetime.now(UTC))
        public = shape.get(f"/v1/postings/{key}").json()
        assert record.id == key
        assert record.version == item["version"]
        # Links between copies of one vacancy are the index's, not the record's.
        derived = {"salary", "duplicates", "duplicates_of"}
        assert record.model_dump(mode="json", include=set(public) - derived) == {
            k: v for k, v in public.items() if k not in derived
        }
        assert record.salary.model_dump(mode="json", exclude={"note"}) == public["salary"]


@pytest.mark.parametrize("shape", SHAPES, indirect=True)
def test_concurrent_writes_while_paging_leave_the_reader_with_the_index_state(shape: Shape) -> None:
    ids = [f"c{n}" for n in range(12)]
    stop = threading.Event()
    errors: list[Exception] = []

    def writer() -> None:
        try:
            for round_no in range(15):
                batch = [henan(ids[(round_no * 5 + n) % 12], f"普工 第{round_no}轮") for n in range(5)]
                shape.push("postings", batch)
                shape.delete("postings", f"{SOURCE}:{ids[(round_no * 7) % 12]}")
                time.sleep(0.05)
        except Exception as exc:  # noqa: BLE001 - reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    state: dict[str, dict] = {}
    cursor = page(shape, "postings")["next"]
    pages_read = 0
    while not stop.is_set():
        body = page(shape, "postings", since=cursor, limit=4)
        latest(body["items"], state)
        cursor = body["next"]
        pages_read += 1
    thread.join()
    assert not errors, errors

    def index_state() -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for source_id in ids:
            response = shape.get(f"/v1/postings/{SOURCE}:{source_id}")
            found[f"{SOURCE}:{source_id}"] = response.json()["title"] if response.status_code == 200 else None
        return found

    def reader_state() -> dict[str, str | None]:
        return {
            key: state[key]["record"]["title"] if key in state and state[key]["op"] == "upsert" else None
            for key in (f"{SOURCE}:{source_id}" for source_id in ids)
        }

    # Paging on from where the reader stood while writes went on: it ends with what the index holds.
    def settle() -> bool:
        nonlocal cursor
        while True:
            body = page(shape, "postings", since=cursor, limit=4)
            latest(body["items"], state)
            if body["next"] == cursor:
                break
            cursor = body["next"]
        return reader_state() == index_state()

    wait_for(settle, timeout_s=TIMEOUT_S, interval_s=0.5)
    assert pages_read > 1
    assert any(value is None for value in index_state().values())
    assert any(value is not None for value in index_state().values())


@pytest.fixture
def fast_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The expiry sweep every 0.2 s rather than every minute: set before the app (its consumer) starts."""
    from services.search import consumer

    monkeypatch.setattr(consumer, "SWEEP_INTERVAL_S", 0.2)


@pytest.mark.parametrize("shape", SHAPES, indirect=True)
def test_an_expiry_is_a_change_the_feed_lists(fast_sweep: None, shape: Shape) -> None:
    deadline = datetime.now(UTC) + timedelta(seconds=4)
    shape.push("postings", [henan("soon", "临时搬运工", expires_at=deadline.isoformat())])
    key = f"{SOURCE}:soon"
    state = wait_for(lambda: state_when(shape, "postings", lambda s: key in s), timeout_s=TIMEOUT_S)
    assert state[key]["status"] == "open"
    cursor = page(shape, "postings", limit=500)["next"]

    def expired_item() -> dict | None:
        items = flat(read_to_end(shape, "postings", since=cursor)[0])
        return next((item for item in items if item["id"] == key and item["status"] == "expired"), None)

    item = wait_for(expired_item, timeout_s=TIMEOUT_S, interval_s=0.3)
    assert item["op"] == "upsert" and item["version"] == state[key]["version"]
    assert datetime.fromisoformat(item["changed_at"]) == deadline


@pytest.mark.parametrize("shape", SHAPES, indirect=True)
def test_a_posting_hidden_by_a_review_decision_is_a_deletion(shape: Shape) -> None:
    shape.push(
        "postings", [henan("shown", "保洁员"), henan("hidden", "保洁员", description="限男性，35岁以下")]
    )
    wait_for(lambda: state_when(shape, "postings", lambda s: len(s) == 2), timeout_s=TIMEOUT_S)
    decided = shape.search.post(
        f"/v1/review/flags/{SOURCE}:hidden/decision",
        json={"decision": "upheld"},
        headers=shape.headers("staff"),
    )
    assert decided.status_code == 200, decided.text

    state = wait_for(
        lambda: state_when(shape, "postings", lambda s: s[f"{SOURCE}:hidden"]["op"] == "delete"),
        timeout_s=TIMEOUT_S,
    )

    assert state[f"{SOURCE}:shown"]["op"] == "upsert"
    assert {k: state[f"{SOURCE}:hidden"][k] for k in ("op", "reason", "record")} == {
        "op": "delete",
        "reason": "hidden",
        "record": None,
    }
    withdrawn = state[f"{SOURCE}:hidden"]["version"]

    # Dismissed after all: the posting comes back at its own version, newer than the withdrawal.
    redecided = shape.search.post(
        f"/v1/review/flags/{SOURCE}:hidden/decision",
        json={"decision": "dismissed"},
        headers=shape.headers("staff"),
    )
    assert redecided.status_code == 200, redecided.text
    state = wait_for(
        lambda: state_when(shape, "postings", lambda s: s[f"{SOURCE}:hidden"]["op"] == "upsert"),
        timeout_s=TIMEOUT_S,
    )
    assert state[f"{SOURCE}:hidden"]["version"] > withdrawn


# --- seekers --------------------------------------------------------------------------------------------


def id_number(prefix17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(prefix17, weights, strict=True)) % 11]
    return prefix17 + check


PEOPLE = [
    {"name": "张三丰", "phone": "13912345678", "id_number": id_number("41010519900307123")},
    {"name": "李秀英", "phone": "13698765432", "id_number": id_number("41030219881111234")},
    {"name": "王建国", "phone": "0371-65432109", "id_number": id_number("41010219750505345")},
]


def seeker(source_id: str, person: dict, *, consent: bool, **extra: Any) -> dict:
    return {
        "source": SOURCE,
        "source_id": source_id,
        **person,
        "birth_year": 1990,
        "region_code": "410105",
        "location": "郑州市金水区花园路 88 号 3 单元",
        "hukou_region_code": "410302",
        "desired_titles": ["电工", "维修工"],
        "skills": ["低压电工"],
        "certificates": ["电工证"],
        "education": "大专",
        "major": "电气自动化",
        "work_history": f"2015-2020 在郑州某厂任电工，联系人{person['name']}，电话{person['phone']}，身体有旧伤",
        "groups": ["rural_migrant"],
        "consent_share_with_partners": consent,
        **extra,
    }


@pytest.mark.parametrize("shape", SHAPES, indirect=True)
def test_seekers_feed_carries_only_consenting_seekers_and_no_personal_data(shape: Shape) -> None:
    shape.push(
        "seekers",
        [
            seeker("s1", PEOPLE[0], consent=True, updated_at=minutes_ago(30)),
            seeker("s2", PEOPLE[1], consent=False, updated_at=minutes_ago(30)),
            seeker("s3", PEOPLE[2], consent=True, updated_at=minutes_ago(30)),
        ],
    )
    state = wait_for(lambda: state_when(shape, "seekers", lambda s: len(s) == 3), timeout_s=TIMEOUT_S)
    assert {key: (item["op"], item["reason"]) for key, item in state.items()} == {
        f"{SOURCE}:s1": ("upsert", None),
        f"{SOURCE}:s2": ("delete", "not_shared"),
        f"{SOURCE}:s3": ("upsert", None),
    }
    assert state[f"{SOURCE}:s2"]["record"] is None

    # Consent withdrawn and given: the newer versions are listed as such.
    shape.push(
        "seekers",
        [
            seeker("s1", PEOPLE[0], consent=False, updated_at=minutes_ago(10)),
            seeker("s2", PEOPLE[1], consent=True, updated_at=minutes_ago(10)),
        ],
    )
    state = wait_for(
        lambda: state_when(shape, "seekers", lambda s: s[f"{SOURCE}:s1"]["op"] == "delete"),
        timeout_s=TIMEOUT_S,
    )
    assert {key: item["op"] for key, item in state.items()} == {
        f"{SOURCE}:s1": "delete",
        f"{SOURCE}:s2": "upsert",
        f"{SOURCE}:s3": "upsert",
    }

    raw = json.dumps([page(shape, "seekers", limit=500)], ensure_ascii=False)
    raw += json.dumps(read_to_end(shape, "seekers", limit=1)[0], ensure_ascii=False)
    hashes = id_number_hash(deployment_secret(shape.settings))
    for person in PEOPLE:
        number = person["id_number"]
        for personal in (
            person["name"],
            person["phone"],
            number,
            hashes.hexdigest(number),
            number[-4:] + '"',
        ):
            assert personal not in raw, personal
    for left_out in (
        "花园路",
        "身体有旧伤",
        "id_number",
        "phone",
        '"name"',
        "hukou",
        "work_history",
        "masked",
    ):
        assert left_out not in raw, left_out

    for item in state.values():
        if item["op"] != "upsert":
            continue
        sent = SeekerIn.model_validate(item["record"])
        record, _ = normalise_seeker(sent, received_at=datetime.now(UTC), id_number_hash=hashes.hexdigest)
        assert record.id == item["id"] and record.version == item["version"]
        assert (record.region_code, record.education, record.desired_titles) == (
            "410105",
            "大专",
            ["电工", "维修工"],
        )
        assert record.consent_share_with_partners is True
        assert (record.name, record.phone, record.id_number_hash, record.work_history) == (
            None,
            None,
            None,
            "",
        )


# --- cursors, limits, roles -----------------------------------------------------------------------------


def forged(body: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("shape", SHAPES, indirect=True)
def test_a_cursor_this_feed_did_not_issue_is_refused(shape: Shape) -> None:
    shape.push("postings", [henan("x1", "保安")])
    wait_for(lambda: feed_state(shape, "postings"), timeout_s=TIMEOUT_S)
    postings_cursor = page(shape, "postings")["next"]
    seekers_cursor = page(shape, "seekers")["next"]
    last_partition = 2 if shape.name == "distributed" else 0
    refused = [
        "not a cursor!",
        "e30",  # {}
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        forged([1, 2]),
        forged({"v": 2, "feed": "postings", "p": [[0, 0]]}),
        forged({"v": 1, "feed": "postings", "p": [[0, -1]]}),
        forged({"v": 1, "feed": "postings", "p": [[0, True]]}),
        forged({"v": 1, "feed": "postings", "p": [[0, 0], [0, 1]]}),
        forged({"v": 1, "feed": "postings", "p": [[last_partition + 1, 0]]}),  # a partition the log lacks
        forged({"v": 1, "feed": "postings", "p": [[0, 10**9]]}),  # past what the log has indexed
        seekers_cursor,  # another feed's
    ]
    for cursor in refused:
        response = shape.get("/v1/feeds/postings", role="partner", since=cursor)
        assert response.status_code == 400, (cursor, response.text)
        assert response.json()["error"]["code"] == "BAD_CURSOR", cursor
    assert shape.get("/v1/feeds/seekers", role="partner", since=postings_cursor).status_code == 400

    for limit in (0, 501, "ten"):
        response = shape.get("/v1/feeds/postings", role="partner", limit=limit)
        assert response.status_code == 422, limit
    assert shape.get("/v1/feeds/postings", role="partner", limit=500).status_code == 200
    for role in ("kiosk", "staff"):
        assert shape.get("/v1/feeds/postings", role=role).status_code == 403
        assert shape.get("/v1/feeds/seekers", role=role).status_code == 403


# --- the schema -------------------------------------------------------------------------------------------


def test_the_committed_schema_is_what_the_models_generate() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "feed_schema_tool", SCHEMA_PATH.parents[2] / "tools" / "feed_schema.py"
    )
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)

    assert SCHEMA_PATH.read_text(encoding="utf-8") == tool.render(), "run python tools/feed_schema.py"
    document = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    assert document["$id"] == "urn:jobmatch:feed:v1"


def test_the_schema_refuses_what_a_partner_must_not_receive() -> None:
    item = {
        "op": "upsert",
        "id": "a:1",
        "kind": "seeker",
        "version": 1,
        "changed_at": "2026-11-20T09:00:00+08:00",
        "reason": None,
        "status": "seeking",
        "record": None,
    }
    schema = page_schema("seekers")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"items": [item], "next": "x"}, schema)  # an upsert without its record
    deleted = {**item, "op": "delete", "status": None, "reason": "not_shared"}
    jsonschema.validate({"items": [deleted], "next": "x"}, schema)
    record = {
        "source": "a",
        "source_id": "1",
        "birth_year": None,
        "region_code": None,
        "desired_titles": [],
        "desired_region_codes": [],
        "willing_to_relocate": False,
        "expected_salary_min": None,
        "skills": [],
        "certificates": [],
        "education": None,
        "major": None,
        "graduation_year": None,
        "experience_years": None,
        "groups": [],
        "consent_share_with_partners": True,
        "status": "seeking",
        "updated_at": "2026-11-20T09:00:00+08:00",
    }
    jsonschema.validate({"items": [{**item, "record": record}], "next": "x"}, schema)
    for extra in ({"name": "张三"}, {"phone": "13912345678"}, {"consent_share_with_partners": False}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"items": [{**item, "record": record | extra}], "next": "x"}, schema)

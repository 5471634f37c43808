"""Cross-source duplicates: detected on the labelled pairs, linked by the indexer on both index backends.

Postings take the real path: ingest's normalisation (``check_record``), the event log, the indexing
consumer, the index; then search, matching and the public view read them back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from benchmarks.eval_dedup import evaluate
from services.ingest.batch import check_record
from services.matcher.matching import match_postings
from services.matcher.scoring import Profile
from services.search.consumer import IndexingConsumer, apply_events
from services.search.dedup import link_postings, relink_removed
from services.search.expiry import sweep_expired
from services.search.query import PostingSearch, build_posting_request
from services.search.routes import get_posting
from shared.adapters.sqlite_log import SqliteEventLog
from shared.adapters.tantivy_index import TantivyIndex
from shared.dedup.employer import employer_key
from shared.dedup.fingerprint import bands_layout, fingerprint, same_vacancy
from shared.dedup.text import description_text, title_similarity, title_words
from shared.domain.records import PostingRecord
from shared.index.documents import SEEKERS, posting_doc
from shared.index.fields import PostingField
from shared.index.posting_queries import open_postings
from shared.ports.event_log import TOPIC_POSTINGS, Event
from shared.ports.search_index import SearchIndex
from tests.helpers import postings_index

PAIRS = Path(__file__).parent / "data" / "dedup_pairs.jsonl"
RECEIVED_AT = datetime.now(UTC)
GROUP = "indexer"


def _pairs() -> list[dict[str, Any]]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]


def _base(number: int) -> dict[str, dict[str, Any]]:
    """One base posting of the labelled set and its variants by kind: original, d1…d4, n1…n3."""
    found: dict[str, dict[str, Any]] = {}
    for pair in _pairs():
        if pair["id"].startswith(f"{number:02d}-"):
            found["original"] = pair["a"]
            found[pair["b"]["source_id"].removeprefix(f"b{number:02d}")] = pair["b"]
    return found


def record(raw: dict[str, Any], **changes: Any) -> PostingRecord:
    normalised, outcome = check_record("postings", {**raw, **changes}, received_at=RECEIVED_AT)
    assert isinstance(normalised, PostingRecord), outcome
    return normalised


# --- the decision -------------------------------------------------------------------------------


def test_labelled_set_is_large_and_balanced() -> None:
    pairs = _pairs()
    kinds = {pair["kind"] for pair in pairs}
    assert len(pairs) >= 300
    assert sum(pair["duplicate"] for pair in pairs) >= 150 and sum(not p["duplicate"] for p in pairs) >= 120
    assert {"same_employer_other_role", "same_role_other_employer", "same_role_other_city"} <= kinds


def test_precision_and_recall_on_the_labelled_pairs() -> None:
    # Measured (benchmarks/eval_dedup.py): precision 1.000, recall 0.898 on 308 pairs.
    scores = evaluate()
    assert scores.precision >= 0.97
    assert scores.recall >= 0.87
    missed_near = [j.id for j in scores.judged if not j.duplicate and j.predicted]
    assert missed_near == []


def test_what_the_fingerprint_leaves_out() -> None:
    text = description_text(
        "本信息由某某招聘网提供。负责装卸，月薪5000-6000元/月！联系我时请说是在本平台上看到的。"
    )
    assert text == description_text("负责装卸，月薪5-6k")
    assert title_words("招聘叉车工（若干名）") == title_words("叉车司机")
    assert title_similarity(title_words("普工"), title_words("仓库管理员")) == 0
    assert title_similarity(title_words("钢筋工"), title_words("钢筋师傅")) == 1


def test_employer_key_keeps_the_trade_name() -> None:
    assert employer_key("郑州宇通客车股份有限公司") == "宇通客车"
    assert employer_key("河南富士康精密电子有限公司郑州分公司") == employer_key(
        "富士康精密电子（郑州）有限公司"
    )
    # A county's "people's" bodies are told apart by the county.
    assert employer_key("河南省郑州市中原区人民政府") == "中原区人民政府"
    assert employer_key(None) is None and employer_key("有限公司") is None


def test_postings_without_an_employer_or_a_city_are_never_linked() -> None:
    base = _base(1)
    assert fingerprint(record(base["original"], employer={})) is None
    assert fingerprint(record(base["original"], location="火星")) is None
    assert fingerprint(record(base["original"], description="", title="普工")) is None


def test_band_layout() -> None:
    bands, rows = bands_layout()
    assert bands * rows <= 128 and bands >= 16


# --- the indexer, on both backends ------------------------------------------------------------


@pytest.fixture(params=["tantivy", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    with postings_index(request, tmp_path, "dedup") as opened:
        yield opened


@pytest.fixture
def indexer(index: SearchIndex, tmp_path: Path) -> Iterator[tuple[SqliteEventLog, IndexingConsumer]]:
    log = SqliteEventLog(tmp_path / "events.sqlite3")
    seekers = TantivyIndex(SEEKERS, tmp_path / "seekers")
    yield log, IndexingConsumer(event_log=log, postings=index, seekers=seekers, group=GROUP)
    seekers.close()
    log.close()


def push(indexer: tuple[SqliteEventLog, IndexingConsumer], *records: PostingRecord) -> None:
    log, _ = indexer
    log.publish(TOPIC_POSTINGS, [(r.id, r.model_dump(mode="json")) for r in records])
    consume(indexer)


def delete(indexer: tuple[SqliteEventLog, IndexingConsumer], posting_id: str) -> None:
    log, _ = indexer
    log.publish(TOPIC_POSTINGS, [(posting_id, None)])
    consume(indexer)


def consume(indexer: tuple[SqliteEventLog, IndexingConsumer]) -> None:
    log, consumer_loop = indexer
    consumer = log.consumer([TOPIC_POSTINGS], GROUP)
    try:
        while consumer_loop.run_once(consumer, timeout_s=0.2):
            pass
    finally:
        consumer.close()


def searched(index: SearchIndex, q: str) -> list[str]:
    request, _ = build_posting_request(PostingSearch(q=q, facets=()))
    return sorted(hit.id for hit in index.search(request).hits)


def shown(index: SearchIndex) -> list[str]:
    """Every posting search and matching show."""
    request, _ = build_posting_request(PostingSearch(facets=()))
    return sorted(hit.id for hit in index.search(request).hits)


def matched(index: SearchIndex, title: str) -> list[str]:
    return sorted(
        s.posting.id for s in match_postings(Profile(desired_titles=[title]), postings=index, limit=50)
    )


def test_duplicates_show_once_and_link_to_the_earliest(
    index: SearchIndex, indexer: tuple[SqliteEventLog, IndexingConsumer]
) -> None:
    base = _base(1)
    original, d1, d2, d4 = (record(base[k]) for k in ("original", "d1", "d2", "d4"))
    near = [record(base[k]) for k in ("n1", "n2", "n3")]
    # One batch: duplicates of each other inside it link too.
    push(indexer, d1, original, d2, d4, *near)

    assert searched(index, "普工") == sorted([original.id, near[1].id, near[2].id])
    assert searched(index, "操作工") == sorted([original.id, near[1].id, near[2].id])
    assert matched(index, "普工") == sorted([original.id, near[1].id, near[2].id])
    assert searched(index, "仓库管理员") == [near[0].id]  # the employer's other role stays its own
    total = index.count(open_postings((), has_text=False))
    assert total == 4

    view = get_posting(original.id, index)
    assert view.duplicates == sorted([d1.id, d2.id, d4.id]) and view.duplicates_of is None
    linked = get_posting(d2.id, index)
    assert linked.duplicates_of == original.id and linked.duplicates == []
    assert get_posting(near[1].id, index).duplicates == []


def test_deleting_the_canonical_hands_the_group_on(
    index: SearchIndex, indexer: tuple[SqliteEventLog, IndexingConsumer]
) -> None:
    base = _base(2)
    original, d1, d2 = (record(base[k]) for k in ("original", "d1", "d2"))
    push(indexer, original, d1, d2)
    assert searched(index, "叉车") == [original.id]

    delete(indexer, original.id)
    # d1 and d2 were posted at the same time: the smaller id is canonical.
    first, second = sorted([d1.id, d2.id])
    assert searched(index, "叉车") == [first]
    assert get_posting(first, index).duplicates == [second]
    assert get_posting(second, index).duplicates_of == first


def test_a_canonical_edited_away_and_closed_hands_the_group_on(
    index: SearchIndex, indexer: tuple[SqliteEventLog, IndexingConsumer]
) -> None:
    base = _base(3)
    original, d1, d3 = (record(base[k]) for k in ("original", "d1", "d3"))
    push(indexer, original, d1, d3)
    assert searched(index, "电工") == [original.id]

    edited = record(
        base["original"], title="电工（已调岗）", description="岗位调整为夜间值班，负责监控室的巡视和记录。"
    )
    edited = edited.model_copy(update={"version": original.version + 1})
    push(indexer, edited)
    first, second = sorted([d1.id, d3.id])
    assert searched(index, "电工") == sorted([edited.id, first])
    assert get_posting(second, index).duplicates_of == first

    closed = record(base["d1"], status="closed") if first == d1.id else record(base["d3"], status="closed")
    push(indexer, closed.model_copy(update={"version": closed.version + 10}))
    assert searched(index, "电工") == sorted([edited.id, second])
    assert get_posting(second, index).duplicates_of is None


def test_an_earlier_posting_arriving_later_becomes_canonical(
    index: SearchIndex, indexer: tuple[SqliteEventLog, IndexingConsumer]
) -> None:
    base = _base(5)
    original, d1, d2 = (record(base[k]) for k in ("original", "d1", "d2"))
    push(indexer, d1, d2)
    assert len(searched(index, "保洁")) == 1
    push(indexer, original)  # posted two days before the copies
    assert searched(index, "保洁") == [original.id]
    assert get_posting(original.id, index).duplicates == sorted([d1.id, d2.id])


def test_the_canonical_expiring_hands_the_group_on(index: SearchIndex) -> None:
    base = _base(6)
    deadline = RECEIVED_AT + timedelta(days=2)
    original = record(base["original"], expires_at=deadline.isoformat())
    d1 = record(base["d1"], expires_at=(deadline + timedelta(days=30)).isoformat())
    apply_events(events([original, d1]), postings=index, seekers=index)
    assert searched(index, "分拣") == [original.id]

    later = (deadline + timedelta(days=1)).timestamp()
    swept = sweep_expired(index, now=later, on_swept=lambda ids: relink_removed(index, ids, now=later))
    index.refresh()
    assert swept == 1
    request, _ = build_posting_request(PostingSearch(q="分拣", facets=()), now=later)
    assert [hit.id for hit in index.search(request).hits] == [d1.id]


def events(records: list[PostingRecord]) -> list[Event]:
    return [
        Event(topic=TOPIC_POSTINGS, partition=0, offset=i, key=r.id, value=r.model_dump(mode="json"))
        for i, r in enumerate(records)
    ]


def test_two_replicas_indexing_copies_at_once_end_linked(index: SearchIndex) -> None:
    """Two replicas each link their batch before the other's write is visible: both copies would stay
    canonical; each one's check after its write links them."""
    base = _base(8)
    original, copy = record(base["original"]), record(base["d1"])
    first = link_postings(index, {original.id: original}, now=RECEIVED_AT.timestamp())
    second = link_postings(index, {copy.id: copy}, now=RECEIVED_AT.timestamp())
    assert first.links == {original.id: None} and second.links == {copy.id: None}  # neither saw the other
    index.upsert([posting_doc(copy, bands=second.bands[copy.id])])
    index.upsert([posting_doc(original, bands=first.bands[original.id])])
    index.refresh()
    assert shown(index) == sorted([original.id, copy.id])

    for mine, written in ((copy, second), (original, first)):
        check = link_postings(index, {mine.id: mine}, now=RECEIVED_AT.timestamp(), written=written.links)
        index.upsert(check.rewrites)
        index.refresh()
    assert shown(index) == [original.id]
    assert get_posting(copy.id, index).duplicates_of == original.id


def test_verify_links_runs_in_the_consumer(index: SearchIndex) -> None:
    base = _base(9)
    original, copy = record(base["original"]), record(base["d1"])
    apply_events(events([original, copy]), postings=index, seekers=index, verify_links=True)
    assert searched(index, "护工") == [original.id]
    hits = index.search(build_posting_request(PostingSearch(q="护工", facets=()))[0]).hits
    assert PostingField.DEDUP_BANDS not in hits[0].source


def test_same_vacancy_needs_a_shared_band() -> None:
    base = _base(10)
    a, b = fingerprint(record(base["original"])), fingerprint(record(base["d4"]))
    assert a is not None and b is not None and same_vacancy(a, b)
    assert not same_vacancy(a, type(b)(**{**b.__dict__, "tokens": frozenset()}))


def test_embedded_shape_over_http(tmp_path: Path) -> None:
    """Pushed as a platform pushes them, searched and matched as a kiosk does, deleted as staff do."""
    from services.embedded import EMBEDDED
    from shared.settings import Settings
    from shared.web.app_factory import create_app
    from tests.helpers import keyed_client, wait_for

    base = _base(13)
    pushed = [base[k] for k in ("original", "d1", "d4", "n1", "n2")]
    settings = Settings(data_dir=tmp_path / "data", environment="test")
    with keyed_client(create_app(EMBEDDED, settings=settings), settings) as client:
        assert client.post("/v1/postings", json=pushed).json()["accepted"] == 5

        def found(q: str) -> list[str]:
            return sorted(
                hit["id"] for hit in client.get("/v1/postings/search", params={"q": q}).json()["hits"]
            )

        original, d1, d3, n2 = (f"{p['source']}:{p['source_id']}" for p in (*pushed[:3], pushed[4]))
        wait_for(lambda: len(found("会计")) == 2 and found("出纳"))
        assert found("会计") == sorted([original, n2])
        matches = client.post("/v1/match", json={"desired_titles": ["会计"], "location": "郑州"}).json()
        assert {m["posting"]["id"] for m in matches["matches"]} & {d1, d3} == set()
        assert client.get(f"/v1/postings/{original}").json()["duplicates"] == sorted([d1, d3])
        assert client.get(f"/v1/postings/{d1}").json()["duplicates_of"] == original

        assert client.delete(f"/v1/postings/{original}").status_code == 202
        heir = min(d1, d3)
        wait_for(lambda: found("会计") == sorted([heir, n2]))
        assert client.get(f"/v1/postings/{max(d1, d3)}").json()["duplicates_of"] == heir

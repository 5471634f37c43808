"""The search box reads what people type (a place, pay, an education level, a job type; the rest is the trade),
relaxes a query that found nothing, weighs title matches above description matches and highlights every
token a query matched with: on tantivy and Elasticsearch alike, and through the embedded shape's HTTP API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.embedded import EMBEDDED
from services.search.query import PostingSearch, posting_hit
from services.search.relaxation import MAX_RELAXATIONS, PostingAnswer, search_postings
from services.search.understanding import read_query
from shared.index.documents import stored_posting
from shared.ports.search_index import SearchIndex
from shared.settings import Settings
from shared.web.app_factory import create_app
from tests.helpers import checked_posting_docs, keyed_client, posting, postings_index, wait_for

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def day(offset: int) -> str:
    return (NOW - timedelta(days=offset)).isoformat()


CORPUS = [
    posting(
        "ly1", "普工", description="电子厂流水线，包吃住。", location="河南省洛阳市涧西区", salary="4000-5000"
    ),
    posting(
        "ly2", "普工", description="机械加工车间。", location="洛阳市", salary="6000-9000", posted_at=day(1)
    ),
    posting("ks1", "电子厂普工", description="电子元件插件。", location="昆山市", salary="5000-6500"),
    posting("zz1", "保安", description="小区巡逻。", location="郑州市金水区", salary="3500-4500"),
    posting("zz2", "保安", description="厂区门岗。", location="郑州市二七区", salary="3000-4000"),
    posting("hz", "电焊工", description="二保焊熟练。", location="郑州市二七区", salary="7000-9000"),
    posting("lm", "兰州拉面师傅", description="会拉面、熬汤。", location="郑州市中原区", salary="6000-8000"),
    posting(
        "pt", "促销员", description="周末卖场促销。", location="郑州市", job_type="兼职", salary="150元/天"
    ),
    posting("rj", "装卸工", description="物流园装卸，当天结算。", location="郑州市", job_type="临时"),
    posting("wy", "文员", description="录入资料。", location="郑州市", education_min="大专"),
    posting("wy2", "文员", description="合同管理。", location="郑州市", education_min="本科"),
    posting("cc", "叉车司机", description="仓库装卸，持证。", location="郑州市", salary="5000-6000"),
    posting("ck", "仓库管理员", description="会开叉车，叉车证优先。", location="郑州市", salary="4000-5000"),
    posting("sk", "车床操作工", description="使用数控系统加工零件。", location="郑州市", salary="3000-3500"),
]


@pytest.fixture(params=["tantivy", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    docs = checked_posting_docs(CORPUS, received_at=NOW, now=NOW.timestamp())
    with postings_index(request, tmp_path, "understand") as opened:
        opened.upsert(docs)
        opened.refresh()
        yield opened


def answer(index: SearchIndex, q: str, **params: object) -> PostingAnswer:
    return search_postings(index, PostingSearch(q=q, facets=(), size=20, **params), now=NOW.timestamp())  # type: ignore[arg-type]


def ids(found: PostingAnswer) -> set[str]:
    return {hit.id.removeprefix("test:") for hit in found.result.hits}


# --- reading, without an index -----------------------------------------------------------------------------

# q → (region code, salary_min, salary_max, education, job_type, text left)
READINGS: list[tuple[str, tuple[str | None, int | None, int | None, str | None, str | None, str]]] = [
    ("洛阳 普工", ("410300", None, None, None, None, "普工")),
    ("洛阳普工", ("410300", None, None, None, None, "普工")),
    ("昆山 电子厂", ("320583", None, None, None, None, "电子厂")),
    ("郑州市金水区 保安", ("410105", None, None, None, None, "保安")),
    ("郑州 金水区 保安", ("410105", None, None, None, None, "保安")),
    ("河南 叉车司机", ("410000", None, None, None, None, "叉车司机")),
    ("广西电子厂", ("450000", None, None, None, None, "电子厂")),
    ("苏州工业园区 普工", ("320500", None, None, None, None, "普工")),
    ("月薪8000以上", (None, 8000, None, None, None, "")),
    ("8000+ 普工", (None, 8000, None, None, None, "普工")),
    ("8k 普工", (None, 8000, None, None, None, "普工")),
    ("普工8K以上", (None, 8000, None, None, None, "普工")),
    ("工资5000-7000 保安", (None, 5000, 7000, None, None, "保安")),
    ("日薪200 保安", (None, 4350, None, None, None, "保安")),
    ("时薪25", (None, 4350, None, None, None, "")),
    ("年薪10万 电工", (None, 8333, None, None, None, "电工")),
    ("月薪过万", (None, 10000, None, None, None, "")),
    ("五千以上 保洁", (None, 5000, None, None, None, "保洁")),
    ("200元/天 装卸", (None, 4350, None, None, None, "装卸")),
    ("5000以下 文员", (None, None, 5000, None, None, "文员")),
    ("8000左右 电工", (None, 8000, 8000, None, None, "电工")),
    ("大专 文员", (None, None, None, "大专", None, "文员")),
    ("文员大专", (None, None, None, "大专", None, "文员")),
    ("中专以上 电工", (None, None, None, "高中", None, "电工")),
    ("本科学历 会计", (None, None, None, "本科", None, "会计")),
    ("初中 普工", (None, None, None, "初中", None, "普工")),
    ("学历不限 保洁", (None, None, None, "不限", None, "保洁")),
    ("日结 普工", (None, None, None, None, "临时", "普工")),
    ("临时工", (None, None, None, None, "临时", "")),
    ("兼职 促销", (None, None, None, None, "兼职", "促销")),
    ("小时工", (None, None, None, None, "兼职", "")),
    ("郑州 月薪6000以上 大专 兼职 文员", ("410100", 6000, None, "大专", "兼职", "文员")),
    # Unknown pay forms and bare numbers stay text: a model, a year or a count as much as pay.
    ("工资高 普工", (None, None, None, None, None, "工资高 普工")),
    ("8000", (None, None, None, None, None, "8000")),
    ("2024届 毕业生", (None, None, None, None, None, "2024届 毕业生")),
    ("5000-7000", (None, None, None, None, None, "5000-7000")),
    ("10万公里 司机", (None, None, None, None, None, "10万公里 司机")),
    ("c1司机", (None, None, None, None, None, "c1司机")),
    ("8小时 保安", (None, None, None, None, None, "8小时 保安")),
    # Place words inside trade words, and ordinary words that name a place, are not a place.
    ("洛阳铲", (None, None, None, None, None, "洛阳铲")),
    ("兰州拉面师傅", (None, None, None, None, None, "兰州拉面师傅")),
    ("沙县小吃 厨师", (None, None, None, None, None, "沙县小吃 厨师")),
    ("合作社 会计", (None, None, None, None, None, "合作社 会计")),
    ("平安保险 业务员", (None, None, None, None, None, "平安保险 业务员")),
    ("东风 司机", (None, None, None, None, None, "东风 司机")),
    ("吉利汽车 普工", (None, None, None, None, None, "吉利汽车 普工")),
    # Education words that name a trade (a high-school teacher), a person or a post stay text.
    ("高中老师", (None, None, None, None, None, "高中老师")),
    ("大学生 暑假工", (None, None, None, None, None, "大学生 暑假工")),
    ("博士后", (None, None, None, None, None, "博士后")),
    # A place the words do not narrow is left as typed: 洛阳 is not in 郑州, and 朝阳区 is in several cities.
    ("郑州 洛阳 普工", ("410100", None, None, None, None, "洛阳 普工")),
    ("朝阳区 保安", (None, None, None, None, None, "朝阳区 保安")),
    ("北京 朝阳区 保安", ("110105", None, None, None, None, "保安")),
]


@pytest.mark.parametrize(("q", "expected"), READINGS, ids=[q for q, _ in READINGS])
def test_reading(q: str, expected: tuple[object, ...]) -> None:
    reading = read_query(q)
    got = (
        reading.place.region.code if reading.place else None,
        reading.pay.salary_min if reading.pay else None,
        reading.pay.salary_max if reading.pay else None,
        reading.education.level if reading.education else None,
        reading.job_type,
        reading.text,
    )
    assert got == expected


# --- filters on both backends --------------------------------------------------------------------------------


def test_place_narrows_the_region(index: SearchIndex) -> None:
    found = answer(index, "洛阳 普工")
    assert ids(found) == {"ly1", "ly2"}  # not the 昆山 电子厂普工
    assert found.understood is not None and found.understood.region is not None
    assert (found.understood.region.code, found.understood.region.name) == ("410300", "洛阳市")
    assert found.understood.text == "普工" and found.understood.notes == ["已按 洛阳市 筛选"]
    assert found.relaxed == []
    assert ids(answer(index, "昆山 电子厂")) == {"ks1"}
    county = answer(index, "郑州市金水区 保安")
    assert ids(county) == {"zz1"}
    assert county.understood is not None and county.understood.notes == ["已按 郑州市金水区 筛选"]


def test_place_inside_a_trade_stays_text(index: SearchIndex) -> None:
    # 兰州 is part of the trade: the 郑州 noodle cook is found, the query is not sent to 兰州.
    found = answer(index, "兰州拉面师傅")
    assert ids(found) == {"lm"}
    assert found.understood is not None and found.understood.region is None


def test_pay_phrases_filter_by_monthly_pay(index: SearchIndex) -> None:
    at_least = answer(index, "月薪8000以上 普工")
    assert ids(at_least) == {"ly2"}
    assert at_least.understood is not None and at_least.understood.salary_min == 8000
    assert at_least.understood.notes == ["已按 月薪8000元以上 筛选"]
    assert ids(answer(index, "8k 普工")) == {"ly2"}
    # A range finds the posts whose pay overlaps it.
    assert ids(answer(index, "工资7000-8000 普工")) == {"ly2"}
    assert ids(answer(index, "工资5000-5500 普工")) == {"ly1", "ks1"}
    # 日薪200 is 4350 a month (21.75 days): the post paying up to 4500 reaches it, the one up to 4000 does not.
    daily = answer(index, "日薪200 保安")
    assert ids(daily) == {"zz1"}
    assert daily.understood is not None and daily.understood.notes == [
        "已按 月薪4350元以上 筛选（日薪200 按月折算）"
    ]


def test_education_and_job_type_words_filter(index: SearchIndex) -> None:
    found = answer(index, "大专 文员")
    assert ids(found) == {"wy"}  # the post asking for 本科 is left out
    assert found.understood is not None and found.understood.education == "大专"
    daily = answer(index, "日结")
    assert ids(daily) == {"rj"}
    assert daily.understood is not None and daily.understood.job_type == "临时"
    assert daily.understood.notes == ["已按 临时岗位 筛选（日结）"]
    assert ids(answer(index, "兼职")) == {"pt"}


def test_explicit_parameters_win(index: SearchIndex) -> None:
    found = answer(index, "月薪8000以上 普工", salary_min=4500)
    assert ids(found) == {"ly1", "ly2", "ks1"}
    assert found.understood is not None and found.understood.salary_min is None
    assert found.understood.notes == ["「月薪8000以上」以所选条件为准"]
    assert ids(answer(index, "大专 文员", education="本科")) == {"wy", "wy2"}
    assert ids(answer(index, "兼职 促销员", job_type="全职")) == set()
    # An explicit region: the place typed stays a word of the text, matched against the posts' places.
    inside = answer(index, "洛阳 普工", region="410000")
    assert ids(inside) == {"ly1", "ly2"}
    assert inside.understood is not None and inside.understood.region is None
    assert inside.understood.text == "洛阳 普工"


# --- relaxation on both backends ------------------------------------------------------------------------------


def test_a_query_that_finds_something_is_not_relaxed(index: SearchIndex) -> None:
    assert answer(index, "普工 包吃住").relaxed == []
    assert ids(answer(index, "普工 包吃住")) == {"ly1"}


def test_relaxation_drops_the_rarest_term(index: SearchIndex) -> None:
    found = answer(index, "洛阳 普工 空调")
    assert ids(found) == {"ly1", "ly2"}
    ((step,),) = [found.relaxed]
    assert (step.kind, step.term, step.note) == (
        "dropped_term",
        "空调",
        "没有同时符合全部词语的岗位，已去掉「空调」",
    )
    assert step.model_dump(mode="json")["kind"] == "dropped_term"


def test_relaxation_widens_the_region(index: SearchIndex) -> None:
    found = answer(index, "惠济区 电焊工")  # 郑州市惠济区 has no welder; 二七区 has
    assert ids(found) == {"hz"}
    (step,) = found.relaxed
    assert step.kind == "widened_region"
    assert step.from_region is not None and step.to_region is not None
    assert (step.from_region.code, step.to_region.code, step.to_region.name) == ("410108", "410100", "郑州市")
    assert step.note == "郑州市惠济区暂无符合的岗位，已扩大到郑州市"
    assert set(step.model_dump(mode="json")) == {"kind", "term", "from", "to", "note"}
    # A term first, then the region, each step on top of the last.
    both = answer(index, "惠济区 电焊工 空调")
    assert [(s.kind, s.term) for s in both.relaxed] == [("dropped_term", "空调"), ("widened_region", None)]
    assert ids(both) == {"hz"}


def test_relaxation_is_bounded(index: SearchIndex) -> None:
    found = answer(index, "惠济区 飞行员 宇航员 潜水员")
    assert len(found.relaxed) == MAX_RELAXATIONS and found.result.total == 0
    assert [s.kind for s in found.relaxed] == ["dropped_term", "dropped_term", "widened_region"]
    # Nothing to relax: one word, no region.
    assert answer(index, "宇航员").relaxed == []


# --- title weight and highlights on both backends ----------------------------------------------------------


def test_title_matches_weigh_more_than_description_matches(index: SearchIndex) -> None:
    # 叉车 is in 叉车司机's title once and in 仓库管理员's description twice: the title match ranks first.
    hits = answer(index, "叉车", region="410100").result.hits
    assert [hit.id.removeprefix("test:") for hit in hits] == ["cc", "ck"]
    assert hits[0].score > hits[1].score


def test_synonyms_and_compound_parts_are_highlighted(index: SearchIndex) -> None:
    synonym = answer(index, "叉车工")
    assert ids(synonym) == {"cc"}
    hit = synonym.result.hits[0]
    marked = posting_hit(stored_posting(hit.source), hit.score, synonym.tokens).highlights
    assert marked["title"] == "<em>叉车司机</em>"
    compound = answer(index, "数控车床操作工")
    assert ids(compound) == {"sk"}
    hit = compound.result.hits[0]
    marked = posting_hit(stored_posting(hit.source), hit.score, compound.tokens).highlights
    assert marked == {
        "title": "<em>车床</em><em>操作工</em>",
        "description": "使用<em>数控</em>系统加工零件。",
    }
    # After a relaxation the dropped word is not highlighted.
    relaxed = answer(index, "洛阳 普工 空调")
    assert "空调" not in relaxed.tokens and "普工" in relaxed.tokens


# --- through HTTP, embedded shape ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("embedded") / "data", environment="test")
    with keyed_client(create_app(EMBEDDED, settings=settings), settings) as client:
        batch = [raw for raw in CORPUS if raw["source_id"] in {"ly1", "ly2", "ks1", "hz"}]
        written = client.post("/v1/postings", json=batch)
        assert written.status_code == 200 and written.json()["accepted"] == 4, written.text
        wait_for(lambda: client.get("/v1/postings/search", params={"q": "电焊工"}).json()["total"] == 1)
        yield client


def test_http_answer_says_how_it_read_and_relaxed(seeded: TestClient) -> None:
    body = seeded.get("/v1/postings/search", params={"q": "洛阳 普工"}).json()
    assert {hit["id"] for hit in body["hits"]} == {"test:ly1", "test:ly2"}
    assert body["understood"] == {
        "region": {"code": "410300", "name": "洛阳市"},
        "salary_min": None,
        "salary_max": None,
        "job_type": None,
        "education": None,
        "text": "普工",
        "notes": ["已按 洛阳市 筛选"],
    }
    assert body["relaxed"] == []
    widened = seeded.get("/v1/postings/search", params={"q": "惠济区 电焊工"}).json()
    assert [hit["id"] for hit in widened["hits"]] == ["test:hz"]
    assert widened["relaxed"] == [
        {
            "kind": "widened_region",
            "term": None,
            "from": {"code": "410108", "name": "郑州市惠济区"},
            "to": {"code": "410100", "name": "郑州市"},
            "note": "郑州市惠济区暂无符合的岗位，已扩大到郑州市",
        }
    ]
    assert "<em>电焊工</em>" in widened["hits"][0]["highlights"]["title"]
    assert seeded.get("/v1/postings/search", params={"region": "410300"}).json()["understood"] is None


def test_openapi_documents_the_reading(seeded: TestClient) -> None:
    schemas = seeded.get("/openapi.json").json()["components"]["schemas"]
    assert {"understood", "relaxed"} <= set(schemas["SearchResponse"]["properties"])
    assert {"region", "salary_min", "job_type", "education", "text", "notes"} <= set(
        schemas["Understood"]["properties"]
    )
    assert {"kind", "term", "from", "to", "note"} == set(schemas["Relaxation"]["properties"])

"""Supply-demand figures and the partner-province recruiting view, on hand-made data with known answers,
on both backends (and equal between them)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.embedded import EMBEDDED
from services.ingest.batch import check_record
from services.matcher.stats.partner_recruiting import partner_recruiting
from services.matcher.stats.supply_demand import GroupBy, Scope, supply_demand
from shared.adapters.tantivy_index import TantivyIndex
from shared.domain.records import PostingRecord, SeekerRecord
from shared.errors import BadRequest
from shared.index.documents import posting_doc, seeker_doc
from shared.index.fields import POSTINGS, SEEKERS
from shared.ports.search_index import IndexSchema, SearchIndex
from shared.settings import Settings
from shared.web.app_factory import create_app
from tests.helpers import bearer, keyed_client, posting, role_keys

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Beijing
SETTINGS = Settings(environment="test", stats_active_days=90)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat()


POSTINGS_IN = [
    posting("p1", "维修电工", location="河南省郑州市金水区", headcount=10, posted_at=ago(1)),
    posting("p2", "电焊工", location="河南省郑州市中原区", headcount=5, posted_at=ago(8)),
    posting("p3", "叉车司机", location="河南省洛阳市西工区", posted_at=ago(2)),  # no headcount: one
    posting("p4", "电工", location="河南省郑州市金水区", headcount=100, status="closed", posted_at=ago(3)),
    posting("p5", "普工", location="河南省郑州市金水区", headcount=50, posted_at=ago(30), expires_at=ago(1)),
    posting(
        "p6",
        "电子厂普工",
        location="江苏省苏州市昆山市",
        headcount=20,
        posted_at=ago(3),
        target_provinces=["410000"],
    ),
    posting(
        "p7",
        "电子厂普工",
        location="广东省深圳市宝安区",
        headcount=7,
        posted_at=ago(4),
        target_provinces=["410000"],
    ),
    posting("p8", "仓管员", location="江苏省苏州市昆山市", headcount=4, posted_at=ago(5)),
    posting(
        "p9", "保洁员", location="北京市朝阳区", headcount=3, posted_at=ago(6), target_provinces=["420000"]
    ),
]

# (source id, person, region, days since the last registration, status); A, C and D are registered twice.
SEEKERS_IN = [
    ("s1", "A", "410105", 10, "seeking"),  # 郑州金水; A's later record is in 洛阳
    ("s2", "A", "410303", 2, "seeking"),  # 洛阳西工: where A counts
    ("s3", "B", "410102", 5, "seeking"),  # 郑州中原
    ("s4", None, "410105", 1, "seeking"),  # no ID number: the record is the person
    ("s5", "E", "410105", 1, "employed"),
    ("s6", "F", "410105", 200, "seeking"),  # not registered again for 200 days: inactive
    ("s7", "C", "410105", 3, "seeking"),  # C twice in one county: once
    ("s8", "C", "410105", 4, "seeking"),
    ("s9", "D", "410105", 6, "seeking"),  # D's later record says employed: D counts here
    ("s10", "D", "410303", 1, "employed"),
]


def posting_records() -> list[PostingRecord]:
    records = []
    for raw in POSTINGS_IN:
        record, outcome = check_record("postings", raw, received_at=NOW)
        assert isinstance(record, PostingRecord), outcome
        records.append(record)
    return records


def seeker_records() -> list[SeekerRecord]:
    records = []
    for source_id, person, region, days, status in SEEKERS_IN:
        raw = {"source": f"office-{source_id}", "source_id": source_id, "region_code": region}
        raw |= {"desired_titles": ["电工"], "status": status, "updated_at": ago(days)}
        record, outcome = check_record("seekers", raw, received_at=NOW)
        assert isinstance(record, SeekerRecord), outcome
        records.append(record.model_copy(update={"id_number_hash": person and f"hash-{person}"}))
    return records


@contextmanager
def opened(
    backend: str, schema: IndexSchema, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[SearchIndex]:
    if backend == "tantivy":
        index: SearchIndex = TantivyIndex(schema, tmp_path / backend / schema.name)
        try:
            yield index
        finally:
            index.close()
        return
    from shared.adapters.es_index import open_elasticsearch_index

    client = request.getfixturevalue("es_client")
    es = open_elasticsearch_index(
        schema, url=request.getfixturevalue("elasticsearch_url"), prefix=f"stats-{uuid.uuid4().hex[:8]}"
    )
    try:
        yield es
    finally:
        es.close()
        for name in client.indices.get_alias(name=es.alias):
            client.indices.delete(index=name)


@contextmanager
def filled(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[SearchIndex, SearchIndex]]:
    with ExitStack() as stack:
        postings = stack.enter_context(opened(backend, POSTINGS, tmp_path, request))
        seekers = stack.enter_context(opened(backend, SEEKERS, tmp_path, request))
        postings.upsert([posting_doc(record, now=NOW.timestamp()) for record in posting_records()])
        seekers.upsert([seeker_doc(record) for record in seeker_records()])
        postings.refresh()
        seekers.refresh()
        yield postings, seekers


@pytest.fixture(params=["tantivy", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def indexes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[SearchIndex, SearchIndex]]:
    with filled(request.param, tmp_path, request) as both:
        yield both


def figures(
    indexes: tuple[SearchIndex, SearchIndex],
    *,
    region: str | None = None,
    group_by: GroupBy | None = None,
    weeks: int | None = None,
) -> dict[str, Any]:
    postings, seekers = indexes
    answer = supply_demand(
        postings=postings,
        seekers=seekers,
        scope=Scope({"region": region}),
        group_by=group_by,
        weeks=weeks,
        settings=SETTINGS,
        now=NOW,
    )
    return answer.model_dump(mode="json")


def row(answer: dict[str, Any]) -> tuple[str | None, int, int, float | None]:
    return ((answer["region"] or {}).get("code"), answer["vacancies"], answer["seekers"], answer["ratio"])


def test_a_province_counts_open_vacancies_and_each_active_person_once(
    indexes: tuple[SearchIndex, SearchIndex],
) -> None:
    answer = figures(indexes, region="410000")

    # 10 + 5 + 1 (a post naming no headcount counts one); closed and expired posts left out.
    # Persons A, B, C, D and the record without an ID number: C's and A's second records count once,
    # s5 (employed) and s6 (inactive) not at all.
    assert row(answer["total"]) == ("410000", 16, 5, 3.2)
    assert answer["total"]["region"] == {"code": "410000", "name": "河南省"}
    assert answer["total"]["occupation"] is None
    assert answer["rows"] == [] and answer["series"] is None
    assert answer["active_days"] == 90


def test_drill_down_by_region_adds_up_with_each_person_where_they_registered_last(
    indexes: tuple[SearchIndex, SearchIndex],
) -> None:
    province = figures(indexes, region="410000", group_by="region")
    zhengzhou = figures(indexes, region="410100", group_by="region")
    jinshui = figures(indexes, region="410105", group_by="region")

    # A counts in 洛阳 (their latest registration), not in 郑州 as well: the cities add up to the province.
    assert [row(r) for r in province["rows"]] == [("410100", 15, 4, 3.75), ("410300", 1, 1, 1.0)]
    assert [row(r) for r in zhengzhou["rows"]] == [("410105", 10, 3, 3.33), ("410102", 5, 1, 5.0)]
    assert row(zhengzhou["total"]) == ("410100", 15, 4, 3.75)
    # A county has no finer level.
    assert row(jinshui["total"]) == ("410105", 10, 3, 3.33) and jinshui["rows"] == []


def test_ratio_is_null_where_there_are_no_seekers(indexes: tuple[SearchIndex, SearchIndex]) -> None:
    country = figures(indexes, group_by="region")

    assert row(country["total"]) == (None, 50, 5, 10.0)
    assert [row(r) for r in country["rows"]] == [
        ("320000", 24, 0, None),
        ("410000", 16, 5, 3.2),
        ("440000", 7, 0, None),
        ("110000", 3, 0, None),
    ]
    assert row(figures(indexes, region="320500")["total"]) == ("320500", 24, 0, None)


def test_weekly_series_counts_new_posts_and_latest_registrations(
    indexes: tuple[SearchIndex, SearchIndex],
) -> None:
    series = figures(indexes, region="410000", weeks=3)["series"]

    assert [(w["week_start"], w["week_end"]) for w in series] == [
        ("2026-11-02", "2026-11-08"),
        ("2026-11-09", "2026-11-15"),
        ("2026-11-16", "2026-11-22"),
    ]
    # Last week: p2 (5) posted; B and D registered (and A, who registered again this week: counted then).
    # This week: p1 (10), p3 (1); A, C (twice this week: once) and the record without an ID number.
    assert [(w["vacancies"], w["seekers"], w["ratio"]) for w in series] == [
        (0, 0, None),
        (5, 2, 2.5),
        (11, 3, 3.67),
    ]


def test_partner_provinces_list_their_posts_recruiting_in_the_province(
    indexes: tuple[SearchIndex, SearchIndex],
) -> None:
    postings, _ = indexes
    answer = partner_recruiting(postings=postings, province="410000", now=NOW).model_dump(mode="json")

    assert answer["province"] == {"code": "410000", "name": "河南省"}
    partners = [(p["province"]["code"], p["postings"], p["vacancies"]) for p in answer["partners"]]
    # Every partner, most vacancies first; 江苏's post not recruiting in Henan and 北京's recruiting in
    # Hubei are left out.
    assert partners[:2] == [("320000", 1, 20), ("440000", 1, 7)]
    assert sorted(code for code, *_ in partners) == [
        "110000",
        "120000",
        "310000",
        "320000",
        "330000",
        "350000",
        "370000",
        "440000",
    ]
    assert all(count == vacancies == 0 for _, count, vacancies in partners[2:])


@pytest.mark.elasticsearch
def test_both_backends_give_the_same_figures(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    answers = []
    for backend in ("tantivy", "elasticsearch"):
        with filled(backend, tmp_path, request) as both:
            answers.append(
                [
                    figures(both, group_by="region", weeks=12),
                    figures(both, region="410000", group_by="region", weeks=4),
                    figures(both, region="410100", group_by="region"),
                    partner_recruiting(postings=both[0], province="410000", now=NOW).model_dump(mode="json"),
                ]
            )

    assert answers[0] == answers[1]


# --- through HTTP ---------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", environment="test")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with keyed_client(create_app(EMBEDDED, settings=settings), settings, role="staff") as test_client:
        yield test_client


def test_staff_read_the_figures_and_bad_parameters_answer_stable_codes(
    client: TestClient, settings: Settings
) -> None:
    answer = client.get(
        "/v1/stats/supply-demand", params={"region": "410000", "group_by": "region", "period": "4w"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert row(body["total"]) == ("410000", 0, 0, None)
    assert len(body["series"]) == 4
    assert client.get("/v1/stats/partner-recruiting", params={"province": "410000"}).status_code == 200

    def code(path: str, **params: str) -> tuple[int, str]:
        response = client.get(path, params=params)
        return response.status_code, response.json()["error"]["code"]

    assert code("/v1/stats/supply-demand", region="419999") == (400, "UNKNOWN_REGION")
    assert code("/v1/stats/supply-demand", period="53w") == (422, "VALIDATION_FAILED")
    assert code("/v1/stats/supply-demand", period="12d") == (422, "VALIDATION_FAILED")
    assert code("/v1/stats/supply-demand", group_by="county") == (422, "VALIDATION_FAILED")
    assert code("/v1/stats/partner-recruiting", province="410100") == (400, "NOT_A_PROVINCE")
    assert code("/v1/stats/partner-recruiting", province="419999") == (400, "UNKNOWN_REGION")
    assert code("/v1/stats/partner-recruiting") == (422, "VALIDATION_FAILED")
    kiosk = bearer(role_keys(settings)["kiosk"])
    assert client.get("/v1/stats/supply-demand", headers=kiosk).status_code == 403


def test_more_shared_persons_than_the_bound_are_refused_not_miscounted(
    indexes: tuple[SearchIndex, SearchIndex],
) -> None:
    postings, seekers = indexes
    # A and C each hold two active records.
    bounded = Settings(environment="test", stats_max_shared_persons=1)
    with pytest.raises(BadRequest) as refused:
        supply_demand(
            postings=postings,
            seekers=seekers,
            scope=Scope({"region": None}),
            group_by=None,
            weeks=None,
            settings=bounded,
            now=NOW,
        )

    assert refused.value.code == "TOO_MANY_SHARED_PERSONS" and refused.value.details == [{"limit": 1}]
    exact = Settings(environment="test", stats_max_shared_persons=2)
    answer = supply_demand(
        postings=postings,
        seekers=seekers,
        scope=Scope({"region": None}),
        group_by=None,
        weeks=None,
        settings=exact,
        now=NOW,
    )
    assert answer.total.seekers == 5

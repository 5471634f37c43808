"""Matching that offers the right posts, on both search-index adapters: the requirements gate, named
features and their reasons, the weights file, widen hints, programmes, co-operation and fairness."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.ingest.batch import check_record
from services.matcher.matching import profile_from_input, profile_from_seeker, run_match
from services.matcher.scoring import Profile, Scored
from services.matcher.weights import FEATURES, WEIGHTS_PATH, WeightsInvalid, read_weights
from services.matcher.widen import widen_hints
from shared.domain.inputs import MatchProfileIn
from shared.domain.records import SeekerRecord
from shared.ports.search_index import SearchIndex
from shared.security.secret import id_number_hash
from tests.helpers import checked_posting_docs, posting, postings_index

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ZHENGZHOU_JINSHUI, LANKAO = "410105", "410225"
Load = Callable[[list[dict]], SearchIndex]


def day(offset: int) -> str:
    return (NOW - timedelta(days=offset)).isoformat()


def worker(source_id: str, title: str = "普工", **extra: object) -> dict:
    """A posting whose every feature but those given is the same as its neighbours'."""
    fields: dict = {"description": "车间生产，长白班。", "salary": "6000-7000", "posted_at": day(2)}
    return posting(source_id, title, **{**fields, **extra})


@pytest.fixture(params=["tantivy", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def load(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Load]:
    if request.param == "elasticsearch":
        # Set up before the indexes, so the client outlives their removal at the end.
        request.getfixturevalue("es_client")
    with ExitStack() as stack:

        def loaded(corpus: list[dict]) -> SearchIndex:
            docs = checked_posting_docs(corpus, received_at=NOW, now=NOW.timestamp())
            index = stack.enter_context(postings_index(request, tmp_path, "matchq"))
            index.upsert(docs)
            index.refresh()
            return index

        yield loaded


def ranked(index: SearchIndex, profile: Profile, *, stretch: bool = False, limit: int = 20) -> list[Scored]:
    return run_match(profile, postings=index, limit=limit, now=NOW.timestamp(), stretch=stretch).scored


def ids(scored: list[Scored]) -> list[str]:
    return [s.posting.source_id for s in scored]


# --- the requirements gate ----------------------------------------------------------------------

GATE_CORPUS = [
    worker("open"),
    worker("bachelor", education_min="本科及以上"),
    worker("college", education_min="大专"),
    worker("three_years", experience_min_years=3),
    worker("two_years", experience_min_years=2),
    worker("closed", status="closed"),
    worker("expired", expires_at="2026-11-01", posted_at=day(30)),
]
HIGH_SCHOOL_ONE_YEAR = Profile(
    desired_titles=["普工"], region_code=ZHENGZHOU_JINSHUI, education="高中", experience_years=1
)


def test_posts_asking_more_education_or_two_more_years_are_not_offered(load: Load) -> None:
    index = load(GATE_CORPUS)
    answer = run_match(HIGH_SCHOOL_ONE_YEAR, postings=index, limit=20, now=NOW.timestamp())
    # 3 years asked of someone with 1 is a gap of 2: out; 2 years is a gap of 1: offered.
    assert sorted(ids(answer.scored)) == ["open", "two_years"]
    assert answer.gate == ("applied", "applied")
    assert all(not s.shortfalls for s in answer.scored)


def test_the_gate_is_a_filter_so_the_top_n_is_full(load: Load) -> None:
    # Ten posts the seeker fails whose titles fit better than the two they pass: a post-filter on the
    # top 2 would leave nothing.
    failing = [worker(f"f{n}", "普工普工", education_min="本科") for n in range(10)]
    index = load([*failing, worker("a", description="普工岗位。"), worker("b")])
    top = ranked(index, HIGH_SCHOOL_ONE_YEAR, limit=2)
    assert sorted(ids(top)) == ["a", "b"]


def test_stretch_posts_are_offered_marked_with_what_they_ask_beyond_the_seeker(load: Load) -> None:
    index = load(GATE_CORPUS)
    answer = run_match(HIGH_SCHOOL_ONE_YEAR, postings=index, limit=20, now=NOW.timestamp(), stretch=True)
    shortfalls = {s.posting.source_id: s.shortfalls for s in answer.scored}
    assert shortfalls == {
        "open": [],
        "two_years": [],
        "bachelor": ["学历要求高于您的学历"],
        "college": ["学历要求高于您的学历"],
        "three_years": ["经验要求3年，高于您的1年"],
    }
    assert answer.gate == ("stretch", "stretch")
    # Closed and expired posts never match, stretch or not.
    assert "closed" not in shortfalls and "expired" not in shortfalls


def test_what_the_seeker_did_not_say_is_not_held_against_them(load: Load) -> None:
    index = load(GATE_CORPUS)
    silent = Profile(desired_titles=["普工"], region_code=ZHENGZHOU_JINSHUI)
    answer = run_match(silent, postings=index, limit=20, now=NOW.timestamp())
    assert sorted(ids(answer.scored)) == ["bachelor", "college", "open", "three_years", "two_years"]
    assert answer.gate == ("unknown", "unknown")


# --- named features, reasons and weights ---------------------------------------------------------


def test_explain_names_every_feature_and_sums_to_the_score(load: Load) -> None:
    index = load(
        [
            worker(
                "e",
                "维修电工",
                description="负责配电维护，持电工证上岗。",
                certificates=["电工证"],
                location="河南省郑州市金水区",
            )
        ]
    )
    profile = Profile(
        desired_titles=["电工"],
        certificates=["电工证"],
        region_code=ZHENGZHOU_JINSHUI,
        expected_salary_min=6000,
        education="高中",
        experience_years=3,
    )
    (top,) = ranked(index, profile)
    assert list(top.features) == list(FEATURES)
    assert top.score == pytest.approx(sum(top.features.values()), abs=0.01)
    assert {"同县区", "持电工证", "薪资符合期望", "新发布"} <= set(top.reasons)
    weights = read_weights()
    assert all(0 <= top.features[name] <= weights[name] for name in FEATURES)


def test_the_weights_file_names_each_feature_once_with_a_reason(tmp_path: Path) -> None:
    weights = read_weights()
    assert set(weights) == set(FEATURES) and sum(weights.values()) == pytest.approx(100)
    shipped = WEIGHTS_PATH.read_text(encoding="utf-8")
    assert shipped.count("why = ") == len(FEATURES)
    broken = {
        "negative": shipped.replace("[freshness]\nweight = 3", "[freshness]\nweight = -3"),
        "unknown": shipped.replace("[freshness]", "[freshnes]"),
        "no reason": shipped.replace(shipped[shipped.index('why = "New posts') :].split("\n")[0], 'why = ""'),
        "not 100": shipped.replace("[freshness]\nweight = 3", "[freshness]\nweight = 4"),
        "not toml": shipped + "\n[[[",
    }
    for name, text in broken.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(WeightsInvalid):
            read_weights(path)


# --- programmes: boosts with reasons, never exclusions ----------------------------------------------


PROGRAMME_CORPUS = [
    worker(
        "workshop",
        description="村口扶贫车间，计件工资。",
        location="河南省开封市兰考县",
        programmes=["poverty_workshop"],
    ),
    worker("plain", description="村口扶贫车间，计件工资。", location="河南省开封市兰考县"),
    worker(
        "welfare",
        "保洁员",
        location="河南省开封市兰考县",
        programmes=["public_welfare_post"],
        job_type="公益性岗位",
    ),
    worker("welfare_plain", "保洁员", location="河南省开封市兰考县"),
    worker("veteran", "保安", location="河南省开封市兰考县", programmes=["veteran_friendly"]),
    worker("veteran_plain", "保安", location="河南省开封市兰考县"),
    worker(
        "intern", "行政助理", location="河南省开封市兰考县", programmes=["internship_base"], job_type="见习"
    ),
    worker("intern_plain", "行政助理", location="河南省开封市兰考县", job_type="全职"),
]


@pytest.mark.parametrize(
    ("title", "group", "boosted", "plain", "reason"),
    [
        ("普工", "registered_poor", "workshop", "plain", "扶贫车间就近就业"),
        ("保洁员", "zero_employment_family", "welfare", "welfare_plain", "公益性岗位托底安置就业困难人员"),
        ("保洁员", "hard_to_employ", "welfare", "welfare_plain", "公益性岗位托底安置就业困难人员"),
        ("保安", "veteran", "veteran", "veteran_plain", "退役军人优先录用"),
        ("行政助理", "college_graduate", "intern", "intern_plain", "就业见习岗位面向高校毕业生"),
    ],
)
def test_a_programme_lifts_its_posts_for_its_group_and_excludes_no_one(
    load: Load, title: str, group: str, boosted: str, plain: str, reason: str
) -> None:
    index = load(PROGRAMME_CORPUS)
    member = Profile(desired_titles=[title], region_code=LANKAO, groups=[group])
    order = ranked(index, member)
    by_id = {s.posting.source_id: s for s in order}
    assert ids(order).index(boosted) < ids(order).index(plain)
    assert reason in by_id[boosted].reasons and by_id[boosted].features["programme"] > 0
    assert by_id[plain].features["programme"] == 0
    outsider = {s.posting.source_id: s for s in ranked(index, replace(member, groups=[]))}
    assert boosted in outsider and outsider[boosted].features["programme"] == 0


def test_a_workshop_far_from_home_still_serves_but_less(load: Load) -> None:
    index = load(PROGRAMME_CORPUS)
    near = Profile(desired_titles=["普工"], region_code=LANKAO, groups=["registered_poor"])
    far = replace(near, region_code="411702", willing_to_relocate=True)  # 驻马店, another city
    near_top = next(s for s in ranked(index, near) if s.posting.source_id == "workshop")
    far_top = next(s for s in ranked(index, far) if s.posting.source_id == "workshop")
    assert far_top.features["programme"] < near_top.features["programme"]
    assert "扶贫车间就近就业" not in far_top.reasons and "扶贫车间优先吸纳建档立卡人员" in far_top.reasons


# --- inter-provincial co-operation ---------------------------------------------------------------


def test_a_henan_mover_sees_partner_posts_recruiting_in_henan_ahead_of_other_distant_posts(
    load: Load,
) -> None:
    index = load(
        [
            worker("sichuan", "电焊工", location="四川省成都市武侯区"),
            worker("guangdong", "电焊工", location="广东省广州市天河区"),
            worker("sichuan_recruits", "电焊工", location="四川省成都市武侯区", target_provinces=["410000"]),
            worker("jiangsu_recruits", "电焊工", location="江苏省苏州市昆山市", target_provinces=["410000"]),
        ]
    )
    mover = Profile(desired_titles=["电焊工"], region_code=LANKAO, willing_to_relocate=True)
    order = ranked(index, mover)
    assert ids(order) == ["jiangsu_recruits", "sichuan_recruits", "guangdong", "sichuan"]
    assert "省际劳务协作" in order[0].reasons
    assert all("省际劳务协作" not in s.reasons for s in order[1:])


# --- widen hints -----------------------------------------------------------------------------------


WIDEN_CORPUS = [
    worker("fits"),
    worker("college", education_min="大专"),
    worker("bachelor", education_min="本科"),
    *(worker(f"forklift{n}", "叉车司机", certificates=["叉车证"]) for n in range(3)),
    *(worker(f"suzhou{n}", location="江苏省苏州市昆山市", target_provinces=["410000"]) for n in range(2)),
    worker("chengdu", location="四川省成都市武侯区"),
    *(worker(f"low{n}", salary="4500-5500") for n in range(2)),
    worker("too_low", salary="3000-3500"),
]
WIDEN_SEEKER = Profile(
    desired_titles=["普工"],
    region_code=ZHENGZHOU_JINSHUI,
    education="高中",
    experience_years=1,
    expected_salary_min=6000,
)


def test_widen_hints_are_the_three_changes_adding_most_with_their_counts(load: Load) -> None:
    index = load(WIDEN_CORPUS)
    hints = widen_hints(WIDEN_SEEKER, postings=index, now=NOW.timestamp())
    assert [(h.kind, h.value, h.count) for h in hints] == [
        ("certificate", "叉车证", 3),
        ("place", "320500", 2),
        ("salary", "5500", 2),
    ]
    assert [h.text for h in hints] == [
        "持叉车证可多匹配 3 个岗位",
        "愿意到苏州可多匹配 2 个岗位",
        "期望薪资降到5500可多匹配 2 个岗位",
    ]
    # Holding the certificate already, the next best change comes in: one education step.
    holder = replace(WIDEN_SEEKER, certificates=["叉车证"])
    kinds = [(h.kind, h.value, h.count) for h in widen_hints(holder, postings=index, now=NOW.timestamp())]
    assert kinds == [("place", "320500", 2), ("salary", "5500", 2), ("education", "大专", 1)]
    assert widen_hints(Profile(), postings=index, now=NOW.timestamp())[0].value == "叉车证"


# --- fairness --------------------------------------------------------------------------------------


def stored(**extra: object) -> SeekerRecord:
    raw = {
        "source": "test",
        "source_id": "fair",
        "region_code": ZHENGZHOU_JINSHUI,
        "desired_titles": ["普工", "叉车司机"],
        "certificates": ["叉车证"],
        "education": "高中",
        "experience_years": 2,
        "expected_salary_min": 5500,
        "groups": ["rural_migrant"],
        **extra,
    }
    hasher = id_number_hash(b"fairness test secret, 32 bytes or more").hexdigest
    record, outcome = check_record("seekers", raw, received_at=NOW, id_number_hash=hasher)
    assert isinstance(record, SeekerRecord), outcome
    return record


def answer_of(index: SearchIndex, profile: Profile) -> tuple[list[tuple[str, float, list[str]]], list[str]]:
    scored = ranked(index, profile)
    hints = widen_hints(profile, postings=index, now=NOW.timestamp())
    return [(s.posting.id, s.score, s.reasons) for s in scored], [h.text for h in hints]


def test_gender_ethnicity_and_household_registration_change_nothing(load: Load) -> None:
    index = load(WIDEN_CORPUS)
    # Stored profiles differing only in those: hukou, the ID number's sex digit, and fields a platform
    # might send (gender, ethnicity), which the input ignores.
    variants = [
        stored(),
        stored(hukou_region_code="510107", id_number="11010519491231002X", gender="女", ethnicity="彝族"),
        stored(hukou_region_code="410225", id_number="110105194912310011", gender="男", ethnicity="汉族"),
    ]
    answers = [answer_of(index, profile_from_seeker(record)) for record in variants]
    assert answers[0][0] and all(answer == answers[0] for answer in answers)
    base = {
        "desired_titles": ["普工"],
        "location": "郑州市金水区",
        "education": "高中",
        "expected_salary_min": 6000,
    }
    bodies = [
        base,
        {**base, "gender": "女", "ethnicity": "回族", "hukou_region_code": "510107"},
        {**base, "sex": "male", "nation": "汉族", "hukou": "四川省"},
    ]
    adhoc = [answer_of(index, profile_from_input(MatchProfileIn.model_validate(body))[0]) for body in bodies]
    assert adhoc[0][0] and all(answer == adhoc[0] for answer in adhoc)

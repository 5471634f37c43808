from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, get_args

import pytest

from shared.demo.generator import OCCUPATIONS, generate_postings, generate_seekers
from shared.domain.credit_code import is_valid_credit_code
from shared.domain.id_number import is_valid_id_number
from shared.domain.inputs import PostingIn, SeekerGroup, SeekerIn
from shared.domain.normalise import normalise_posting, normalise_seeker
from shared.domain.regions import get_region, resolve_location

NOW = datetime(2025, 3, 1, tzinfo=UTC)
CHINA = timezone(timedelta(hours=8))
_DECORATIONS = re.compile(r"^扶贫车间|（扶贫车间）$|^公益性岗位(?!护林员)")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
# Tool and licence names that Chinese postings write in Latin letters; salary "k" is not in descriptions.
_ALLOWED_LATIN = {"Java", "Python", "MySQL", "PLC", "A", "B"}


@pytest.fixture(scope="module")
def postings() -> list[dict[str, Any]]:
    return generate_postings(2000, now=NOW)


@pytest.fixture(scope="module")
def seekers() -> list[dict[str, Any]]:
    return generate_seekers(500, now=NOW)


def _occupation_of(title: str) -> str | None:
    bare = _DECORATIONS.sub("", title)
    for occupation in OCCUPATIONS:
        if bare in occupation.variants:
            return occupation.title
    return None


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() == timedelta(hours=8), text
    return moment


def test_same_arguments_give_identical_records() -> None:
    assert generate_postings(300, now=NOW) == generate_postings(300, now=NOW)
    assert generate_seekers(200, now=NOW) == generate_seekers(200, now=NOW)
    assert generate_postings(50, seed=7, now=NOW) != generate_postings(50, now=NOW)
    assert generate_seekers(50, seed=7, now=NOW) != generate_seekers(50, now=NOW)


def test_default_now_is_today_so_postings_are_fresh() -> None:
    first = generate_postings(200)
    assert first == generate_postings(200)
    newest = max(_moment(posting["posted_at"]) for posting in first)
    assert datetime.now(UTC) - newest < timedelta(days=3)


@pytest.mark.parametrize("n", [0, 1, 37])
def test_counts(n: int) -> None:
    assert len(generate_postings(n, now=NOW)) == n
    assert len(generate_seekers(n, now=NOW)) == n


def test_ids_are_unique(postings: list[dict[str, Any]], seekers: list[dict[str, Any]]) -> None:
    assert len({(p["source"], p["source_id"]) for p in postings}) == len(postings)
    assert len({(s["source"], s["source_id"]) for s in seekers}) == len(seekers)


def test_every_title_belongs_to_one_of_at_least_40_occupations(postings: list[dict[str, Any]]) -> None:
    occupations = [_occupation_of(posting["title"]) for posting in postings]
    assert None not in occupations
    assert len(set(occupations)) >= 40


def test_descriptions_are_varied_natural_chinese(postings: list[dict[str, Any]]) -> None:
    descriptions = [posting["description"] for posting in postings]
    assert len(set(descriptions)) > 0.95 * len(descriptions)
    for text in descriptions:
        assert 2 <= text.count("。") <= 5, text
        assert text.endswith("。"), text
        assert set(_LATIN_WORD.findall(text)) <= _ALLOWED_LATIN, text
        assert "{" not in text and "None" not in text, text


def test_locations_resolve_to_at_least_30_cities_and_counties(postings: list[dict[str, Any]]) -> None:
    regions = [resolve_location(posting["location"]) for posting in postings]
    assert all(region is not None for region in regions)
    below_province = {region.code for region in regions if region and region.level != "province"}
    henan = {code for code in below_province if code.startswith("41")}
    assert len(henan) >= 30
    assert {code[:2] for code in below_province} >= {"41", "32", "33", "44", "31", "11", "35"}


def test_records_pass_the_input_models_and_normalise_without_warnings(
    postings: list[dict[str, Any]], seekers: list[dict[str, Any]]
) -> None:
    received = NOW + timedelta(hours=1)
    for posting in postings:
        record, warnings = normalise_posting(PostingIn.model_validate(posting), received_at=received)
        assert warnings == [], (posting, warnings)
        assert record.salary_negotiable or record.salary_min, posting["salary"]
    for seeker in seekers:
        _, warnings = normalise_seeker(
            SeekerIn.model_validate(seeker), received_at=received, id_number_hash=str.upper
        )
        assert warnings == [], (seeker, warnings)


def test_credit_codes_are_valid_and_one_per_employer(postings: list[dict[str, Any]]) -> None:
    codes_by_name: dict[str, set[str]] = {}
    for posting in postings:
        employer = posting["employer"]
        assert is_valid_credit_code(employer["credit_code"]), employer
        codes_by_name.setdefault(employer["name"], set()).add(employer["credit_code"])
    assert all(len(codes) == 1 for codes in codes_by_name.values())
    # Firms post more than one vacancy.
    assert len(codes_by_name) < 0.97 * len(postings)


def test_dates_and_statuses_are_consistent(postings: list[dict[str, Any]]) -> None:
    expired = 0
    for posting in postings:
        posted, expires, updated = (
            _moment(posting[key]) for key in ("posted_at", "expires_at", "updated_at")
        )
        assert posted <= updated <= NOW, posting
        assert expires > posted, posting
        expired += posting["status"] == "open" and expires < NOW
    closed = sum(posting["status"] == "closed" for posting in postings)
    assert 0.02 * len(postings) < closed < 0.09 * len(postings)
    assert 0.02 * len(postings) < expired < 0.09 * len(postings)


def test_electronics_and_ecommerce_postings_never_say_dian_gong(postings: list[dict[str, Any]]) -> None:
    guarded = [p for p in postings if _occupation_of(p["title"]) in ("电子厂操作工", "电商运营")]
    assert len(guarded) > 50
    for posting in guarded:
        assert "电工" not in json.dumps(posting, ensure_ascii=False), posting
    electricians = [p for p in postings if _occupation_of(p["title"]) == "电工"]
    assert electricians and all("电工" in p["title"] for p in electricians)


def test_programmes_match_job_types_and_places(postings: list[dict[str, Any]]) -> None:
    programmes = Counter(programme for posting in postings for programme in posting["programmes"])
    assert set(programmes) == {
        "poverty_workshop",
        "public_welfare_post",
        "internship_base",
        "disability_friendly",
        "veteran_friendly",
    }
    for posting in postings:
        assert (posting["job_type"] == "公益性岗位") == ("public_welfare_post" in posting["programmes"]), (
            posting
        )
        assert (posting["job_type"] == "见习") == ("internship_base" in posting["programmes"]), posting
        if "poverty_workshop" in posting["programmes"]:
            assert "扶贫车间" in posting["title"] + posting["description"]
            region = resolve_location(posting["location"])
            assert region is not None and region.code.startswith("41")


def test_partner_province_postings_recruit_henan_workers(postings: list[dict[str, Any]]) -> None:
    outside = [p for p in postings if not resolve_location(p["location"]).code.startswith("41")]  # type: ignore[union-attr]
    assert 0.1 * len(postings) < len(outside) < 0.45 * len(postings)
    recruiting = [p for p in outside if "410000" in p["target_provinces"]]
    assert len(recruiting) > 0.6 * len(outside)
    inside = [p for p in postings if p not in outside]
    assert not any(p["target_provinces"] for p in inside)


def test_seeker_codes_ids_and_phones_are_valid(seekers: list[dict[str, Any]]) -> None:
    for seeker in seekers:
        for code in (seeker["region_code"], seeker["hukou_region_code"], *seeker["desired_region_codes"]):
            assert get_region(code) is not None, (code, seeker)
        number = seeker["id_number"]
        assert is_valid_id_number(number), seeker
        assert number[:6] == seeker["hukou_region_code"]
        assert int(number[6:10]) == seeker["birth_year"]
        assert re.fullmatch(r"1[3-9]\d{9}", seeker["phone"]), seeker
        assert 2 <= len(seeker["name"]) <= 3
        assert 1 <= seeker["work_history"].count("。") <= 3, seeker["work_history"]
        assert _LATIN_WORD.search(seeker["work_history"]) is None or "B2" in seeker["work_history"]
    henan_residents = sum(seeker["region_code"].startswith("41") for seeker in seekers)
    assert henan_residents > 0.8 * len(seekers)


def test_seeker_groups_are_consistent_and_realistically_mixed(seekers: list[dict[str, Any]]) -> None:
    groups = Counter(group for seeker in seekers for group in seeker["groups"])
    assert 0.25 < groups["rural_migrant"] / len(seekers) < 0.6
    assert 0.1 < groups["college_graduate"] / len(seekers) < 0.35
    for name in set(get_args(SeekerGroup)) - {"rural_migrant", "college_graduate"}:
        assert 0 < groups[name] < 0.2 * len(seekers), name
    for seeker in seekers:
        if "college_graduate" in seeker["groups"]:
            assert seeker["education"] in ("大专", "本科", "硕士研究生")
            assert NOW.year - 2 <= seeker["graduation_year"] <= NOW.year
            assert "rural_migrant" not in seeker["groups"]
        if "zero_employment_family" in seeker["groups"]:
            assert "hard_to_employ" in seeker["groups"]
        if "registered_poor" in seeker["groups"]:
            assert seeker["hukou_region_code"].startswith("41")
        if "graduation_year" in seeker:
            assert seeker["birth_year"] < seeker["graduation_year"] <= NOW.year
        assert _moment(seeker["updated_at"]) <= NOW
    statuses = Counter(seeker["status"] for seeker in seekers)
    assert statuses["seeking"] > 0.75 * len(seekers) and statuses["employed"] > 0


def test_generation_is_fast() -> None:
    started = time.perf_counter()
    generate_postings(2000, now=NOW)
    generate_seekers(500, now=NOW)
    # About 0.2 s on an idle laptop; the bound leaves room for a busy CI machine.
    assert time.perf_counter() - started < 2.0

"""The words demo records are made of, read once at import from ``data/`` beside this module.

``places.tsv`` and ``provinces.tsv`` say where records are set; ``occupations.json`` holds
each occupation's titles, duties, requirements, skills, certificates, pay and the lines a
seeker writes about it; ``postings.json``, ``employers.json`` and ``seekers.json`` hold the
remaining word pools. The generator picks from every sequence by index, so reordering an
entry changes the records that a given seed produces.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_DATA_DIR = Path(__file__).resolve().parent / "data"

HENAN = "410000"


@dataclass(frozen=True)
class Place:
    code: str
    """GB/T 2260 code of the city, county or district."""
    city: str
    """Code of the prefecture-level city (or the place itself for direct-administered ones)."""
    full: str
    """Formal name used in public employers' names."""
    short: str
    """Prefix of company names: 郑州, 兰考, 昆山."""
    names: tuple[str, ...]
    """Location strings a posting may carry, in the styles real platforms use."""
    province: str
    rural: bool = False
    poor: bool = False
    """A county that had national poverty-county status; its people may be registered poor."""


@dataclass(frozen=True)
class Occupation:
    title: str
    variants: tuple[str, ...]
    industry: str
    sector: str
    """Picks the benefit pool: factory, service, catering, care, logistics, office,
    construction, agri, public, education."""
    firm_words: tuple[str, ...]
    duties: tuple[str, ...]
    requirements: tuple[str, ...]
    skills: tuple[str, ...]
    certificates: tuple[str, ...]
    pay: tuple[int, int]
    """Typical monthly pay in Henan, CNY; partner provinces pay about a fifth more."""
    pay_styles: tuple[str, ...]
    """Repeated entries weigh a style: range, floor, negotiable, commission, day, hour, year."""
    education: tuple[str, ...]
    experience: tuple[int, ...]
    job_types: tuple[str, ...]
    headcount: tuple[int, int]
    majors: tuple[str, ...]
    history: tuple[str, ...]
    """Sentences a seeker who did this job might write about it."""
    weight: int
    partner_share: float
    """Share of postings placed in a partner province."""
    graduate: bool = False
    """A job college graduates look for."""
    programme: str | None = None


def _tsv(name: str) -> list[dict[str, str]]:
    with (_DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def _json(name: str) -> Any:
    with (_DATA_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


def _place(row: dict[str, str]) -> Place:
    return Place(
        code=row["code"],
        city=row["city"],
        full=row["full"],
        short=row["short"],
        names=tuple(row["names"].split()),
        province=row["province"],
        rural=row["rural"] == "yes",
        poor=row["poor"] == "yes",
    )


def _occupation(row: dict[str, Any]) -> Occupation:
    # JSON has only lists; the dataclass is frozen and hashable, so every sequence becomes a tuple.
    fields: dict[str, Any] = {
        key: tuple(value) if isinstance(value, list) else value for key, value in row.items()
    }
    return Occupation(**fields)


def _pools(table: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(words) for key, words in table.items()}


PLACES: tuple[Place, ...] = tuple(_place(row) for row in _tsv("places.tsv"))
HENAN_PLACES = tuple(place for place in PLACES if place.province == HENAN)
PARTNER_PLACES = tuple(place for place in PLACES if place.province != HENAN)

_provinces = _tsv("provinces.tsv")
PROVINCE_NAMES = {row["code"]: row["name"] for row in _provinces}
PARTNER_SOURCES = {row["code"]: row["source"] for row in _provinces if row["role"] == "partner"}
"""Source name of each partner province's own feed."""
OTHER_SENDING_PROVINCES = tuple(row["code"] for row in _provinces if row["role"] == "sending")
"""Provinces that, besides Henan, send workers to the coastal partners."""

OCCUPATIONS: tuple[Occupation, ...] = tuple(_occupation(row) for row in _json("occupations.json"))

_postings = _json("postings.json")
BENEFITS = _pools(_postings["benefits"])
"""Benefit pool of each occupation sector."""
PROGRAMME_SENTENCES = _pools(_postings["programme_sentences"])
TRAVEL_SENTENCES = _pools(_postings["travel_sentences"])
"""What partner-province employers tell Henan workers, for factories and for the rest."""
CLOSING_SENTENCES: tuple[str, ...] = tuple(_postings["closing_sentences"])
POVERTY_WORKSHOP_JOBS: tuple[str, ...] = tuple(_postings["poverty_workshop_jobs"])
DISABILITY_FRIENDLY_JOBS: tuple[str, ...] = tuple(_postings["disability_friendly_jobs"])
VETERAN_FRIENDLY_JOBS: tuple[str, ...] = tuple(_postings["veteran_friendly_jobs"])

_employers = _json("employers.json")
BRAND_FIRST: str = _employers["brand_first"]
BRAND_SECOND: str = _employers["brand_second"]
"""A company brand is one character of each; neither holds 电, so that no employer name
can spell 电工 next to an industry word."""
STREETS: tuple[str, ...] = tuple(_employers["streets"])
PUBLIC_OFFICES = _pools(_employers["public_offices"])
"""Offices that post an occupation's public-welfare vacancies; ``{street}`` takes a street."""
FIRM_INDUSTRIES: dict[str, str] = _employers["firm_industries"]
"""A firm's industry follows its name, whichever vacancy it posts; these words serve several occupations."""

_seekers = _json("seekers.json")
SURNAMES: str = _seekers["surnames"]
"""Henan's commonest surnames come first."""
MALE_GIVEN_NAMES: str = _seekers["male_given_names"]
FEMALE_GIVEN_NAMES: str = _seekers["female_given_names"]
PHONE_PREFIXES: tuple[str, ...] = tuple(_seekers["phone_prefixes"])
JOBS_BY_KIND = _pools(_seekers["jobs_by_kind"])
"""Jobs each kind of seeker looks for; kinds not listed look for any open-market job."""
RELATED_JOBS: tuple[tuple[str, ...], ...] = tuple(tuple(group) for group in _seekers["related_jobs"])
"""Jobs a seeker would name side by side on a registration form."""
MINING_CITIES: tuple[str, ...] = tuple(_seekers["mining_cities"])
"""Homes of workers laid off when coal and steel capacity was cut."""
SCHOOL_CITIES: tuple[str, ...] = tuple(_seekers["school_cities"])
SCHOOLS: dict[str, str] = _seekers["schools"]
GENERIC_MAJORS: tuple[str, ...] = tuple(_seekers["generic_majors"])
"""Majors of graduates whose occupation names none."""
YEAR_WORDS: tuple[str, ...] = tuple(_seekers["year_words"])
EXPERIENCE_SENTENCES: tuple[str, ...] = tuple(_seekers["experience_sentences"])
FRESH_GRADUATE_SENTENCES: tuple[str, ...] = tuple(_seekers["fresh_graduate_sentences"])
LAID_OFF_SENTENCES: tuple[str, ...] = tuple(_seekers["laid_off_sentences"])

"""Deterministic demo postings and seeker profiles in natural Chinese.

Loaded into the embedded shape on first start and used by tests and
benchmarks. Records are the raw JSON bodies a client POSTs (see API.md,
"Records"), not normalised ones. The same ``(n, seed, now)`` always gives
the same records: every choice comes from one ``random.Random(seed)`` and
every vocabulary (``shared.demo.vocabulary``) is an ordered sequence. This
module holds how records are put together and how often each case occurs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from shared.demo.vocabulary import (
    BENEFITS,
    BRAND_FIRST,
    BRAND_SECOND,
    CLOSING_SENTENCES,
    DISABILITY_FRIENDLY_JOBS,
    EXPERIENCE_SENTENCES,
    FEMALE_GIVEN_NAMES,
    FIRM_INDUSTRIES,
    FRESH_GRADUATE_SENTENCES,
    GENERIC_MAJORS,
    HENAN,
    HENAN_PLACES,
    JOBS_BY_KIND,
    LAID_OFF_SENTENCES,
    MALE_GIVEN_NAMES,
    MINING_CITIES,
    OCCUPATIONS,
    OTHER_SENDING_PROVINCES,
    PARTNER_PLACES,
    PARTNER_SOURCES,
    PHONE_PREFIXES,
    PLACES,
    POVERTY_WORKSHOP_JOBS,
    PROGRAMME_SENTENCES,
    PROVINCE_NAMES,
    PUBLIC_OFFICES,
    RELATED_JOBS,
    SCHOOL_CITIES,
    SCHOOLS,
    STREETS,
    SURNAMES,
    TRAVEL_SENTENCES,
    VETERAN_FRIENDLY_JOBS,
    YEAR_WORDS,
    Occupation,
    Place,
)

__all__ = ["OCCUPATIONS", "PLACES", "generate_postings", "generate_seekers"]

CHINA_TZ = timezone(timedelta(hours=8))

_HENAN_COUNTIES = tuple(place for place in HENAN_PLACES if place.rural)
_POOR_COUNTIES = tuple(place for place in HENAN_PLACES if place.poor)
_HENAN_URBAN = tuple(place for place in HENAN_PLACES if not place.rural)
# Cities and their districts carry more vacancies than counties.
_HENAN_POSTING_WEIGHTS = [1 if place.rural else 3 for place in HENAN_PLACES]
_BY_TITLE = {occupation.title: occupation for occupation in OCCUPATIONS}
# Sectors whose vacancies partner provinces fill with workers recruited in Henan.
_MIGRANT_SECTORS = ("factory", "construction", "logistics", "care", "catering", "service")


def _round_to(value: float, step: int) -> int:
    return max(step, round(value / step) * step)


def _office_hours(rng: random.Random, now: datetime, days_ago: int) -> datetime:
    """A moment between 08:00 and 19:00 China time, ``days_ago`` days back, never after ``now``."""
    midnight = now.astimezone(CHINA_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    moment = midnight - timedelta(days=days_ago) + timedelta(seconds=rng.randint(8 * 3600, 19 * 3600))
    return moment - timedelta(days=1) if moment > now else moment


def _iso(moment: datetime) -> str:
    return moment.astimezone(CHINA_TZ).replace(microsecond=0).isoformat()


def _default_now(now: datetime | None) -> datetime:
    if now is None:
        # Demo postings must look fresh, so "now" moves with the calendar, one step per day.
        return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def _org_code(rng: random.Random) -> str:
    """Nine-character organisation code (GB 11714): eight digits and a check character."""
    digits = [int(char) for char in str(rng.randrange(10_000_000, 100_000_000))]
    remainder = 11 - sum(d * w for d, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    check = "X" if remainder == 10 else "0" if remainder == 11 else str(remainder)
    return "".join(map(str, digits)) + check


@dataclass(frozen=True)
class _Employer:
    name: str
    credit_code: str
    industry: str


class _EmployerBook:
    """Invents employers and reuses them, as one firm posts several vacancies."""

    def __init__(self, rng: random.Random) -> None:
        from shared.domain.credit_code import make_credit_code

        self._rng = rng
        self._make_credit_code = make_credit_code
        self._by_kind: dict[tuple[str, str], list[_Employer]] = {}
        self._by_name: dict[str, _Employer] = {}

    def pick(self, occupation: Occupation, place: Place, *, public: bool) -> _Employer:
        word = "" if public else self._rng.choice(occupation.firm_words)
        known = self._by_kind.setdefault((place.code, word or occupation.title), [])
        if known and self._rng.random() < 0.5:
            return self._rng.choice(known)
        employer = self._invent(occupation, place, word)
        known.append(employer)
        return employer

    def _invent(self, occupation: Occupation, place: Place, word: str) -> _Employer:
        name, authority = self._name(occupation, place, word)
        if name not in self._by_name:
            # One name, one credit code: a name invented twice is the same employer.
            code = self._make_credit_code(authority + place.code + _org_code(self._rng))
            industry = FIRM_INDUSTRIES.get(word, occupation.industry)
            self._by_name[name] = _Employer(name, code, industry)
        return self._by_name[name]

    def _name(self, occupation: Occupation, place: Place, word: str) -> tuple[str, str]:
        """A name and its credit-code prefix: 91 company, 11 government body, 12 public
        institution, 52 private non-enterprise unit, 93 farmers' co-operative. No firm word
        means a public body."""
        rng = self._rng
        if not word:
            office = rng.choice(PUBLIC_OFFICES[occupation.title]).format(street=rng.choice(STREETS))
            office = office.replace("镇办事处", "镇人民政府").replace("街道人民政府", "街道办事处")
            authority = "12" if office.endswith("中心") else "11"
            return place.full + office, authority
        brand = rng.choice(BRAND_FIRST) + rng.choice(BRAND_SECOND)
        if word.endswith("幼儿园"):
            return f"{place.full}{brand}{word}", "52"
        if word.endswith("合作社"):
            return f"{place.short}{brand}{word}", "93"
        province = PROVINCE_NAMES[place.province]
        styles = [f"{place.short}{brand}{word}有限公司"] * 5 + [
            f"{brand}{word}（{place.short}）有限公司",
            f"{place.short}{brand}{word}股份有限公司",
        ]
        if province != place.short:
            styles += [f"{province}{brand}{word}有限公司"] * 2 + [
                f"{province}{brand}{word}有限公司{place.short}分公司"
            ]
        return rng.choice(styles), "91"


def _salary(rng: random.Random, occupation: Occupation, place: Place) -> tuple[str, str]:
    """Salary text as platforms write it, and a phrase for the description that agrees with it."""
    low, high = occupation.pay
    if place.province != HENAN:
        low, high = int(low * 1.2), int(high * 1.2)
    middle = (low + high) / 2
    start = _round_to(rng.uniform(low, middle), 500)
    end = max(start + 500, _round_to(rng.uniform(middle, high * 1.1), 500))
    style = rng.choice(occupation.pay_styles)
    if occupation.programme == "internship_base":
        return f"{start}-{end}元/月", f"见习期间每月发放生活补贴{start}到{end}元"
    if style == "floor":
        return rng.choice((f"{start}以上", f"{start}元以上")), f"月收入{start}元以上"
    if style == "negotiable":
        return "面议", "薪资面议，可面试时详谈"
    if style == "commission":
        base = _round_to(low * rng.uniform(0.45, 0.75), 500)
        return f"底薪{base}+提成", f"底薪{base}元加提成，多劳多得"
    if style == "day":
        day_low, day_high = _round_to(start / 26, 10), _round_to(end / 26, 10) + 10
        return f"{day_low}-{day_high}元/天", f"日薪{day_low}至{day_high}元，工资按月结清"
    if style == "hour":
        # Hourly work is paid below the monthly equivalent: no paid leave, no overtime premium.
        hourly = max(16, round(start / 174 * 0.8))
        return f"{hourly}元/小时", f"每小时{hourly}元，工资按月发放"
    if style == "year":
        year_low, year_high = round(start * 13 / 10000), round(end * 14 / 10000)
        if year_high > year_low and rng.random() < 0.5:
            return f"年薪{year_low}-{year_high}万", f"年薪{year_low}到{year_high}万"
        return f"年薪{year_high}万", f"年薪{year_high}万左右"
    formats = [f"{start}-{end}元/月", f"{start}-{end}元/月", f"{start}-{end}"]
    if start % 1000 == 0 and end % 1000 == 0:
        formats.append(f"{start // 1000}k-{end // 1000}k")
    if start >= 10000 and start % 1000 == 0 and end % 1000 == 0:
        formats.append(f"{start / 10000:g}万-{end / 10000:g}万")
    phrase = rng.choice((f"月薪{start}-{end}元", f"综合工资{start}到{end}元", f"每月到手{start}至{end}元"))
    return rng.choice(formats), phrase


def _benefit_sentence(rng: random.Random, phrase: str, benefits: list[str], *, public: bool) -> str:
    if not benefits:
        return phrase + "。"
    joined = "、".join(benefits)
    lead = rng.choice(("享受", "另有") if public else ("公司提供", "享受", "另有", "福利有"))
    return f"{phrase}，{lead}{joined}。"


def _description(
    rng: random.Random,
    occupation: Occupation,
    pay_phrase: str,
    benefits: list[str],
    programmes: list[str],
    extra: str | None,
) -> str:
    duty_count = rng.choice((1, 1, 2))
    requirement_count = 1 if duty_count == 2 or extra else rng.choice((1, 2))
    sentences = rng.sample(occupation.duties, duty_count) + rng.sample(
        occupation.requirements, requirement_count
    )
    if rng.random() < 0.9:
        public = "public_welfare_post" in programmes
        sentences.append(_benefit_sentence(rng, pay_phrase, benefits, public=public))
    if extra is None and len(sentences) < 5 and rng.random() < 0.4:
        extra = rng.choice(CLOSING_SENTENCES)
    if extra:
        sentences.append(extra)
    return "".join(sentences)


def _posting_times(rng: random.Random, now: datetime) -> tuple[datetime, datetime, datetime, str]:
    """posted_at, expires_at, updated_at and status: ~5% closed, ~5% past expiry but still open."""
    roll = rng.random()
    if roll < 0.05:
        age = rng.randint(40, 120)
        posted = _office_hours(rng, now, age)
        expires = posted + timedelta(days=rng.randint(15, age - 1))
        updated = posted + (expires - posted) * rng.random()
        return posted, expires, updated, "open"
    age = rng.randint(0, 45) if roll >= 0.1 else rng.randint(5, 90)
    posted = _office_hours(rng, now, age)
    expires = posted + timedelta(days=max(rng.choice((30, 45, 60, 90)), age + rng.randint(7, 30)))
    if roll < 0.1:
        updated = posted + (now - posted) * rng.uniform(0.2, 1.0)
        return posted, expires, updated, "closed"
    updated = posted if rng.random() < 0.5 else posted + (now - posted) * rng.random()
    return posted, expires, updated, "open"


def _posting_place(rng: random.Random, occupation: Occupation) -> Place:
    if rng.random() < occupation.partner_share:
        return rng.choice(PARTNER_PLACES)
    if occupation.sector in ("public", "agri"):
        return rng.choice(_HENAN_COUNTIES)
    return rng.choices(HENAN_PLACES, _HENAN_POSTING_WEIGHTS)[0]


HENAN_SOURCES = ("henan-ggjy", "zhengzhou-rsj", "henan-kiosk")
"""The Henan platforms demo records come from; partner provinces' postings come from PARTNER_SOURCES."""
DEMO_SOURCES = tuple(sorted({*HENAN_SOURCES, *PARTNER_SOURCES.values()}))
"""Every source a demo record may name: the embedded shape binds its first partner key to them."""


def _posting_source(rng: random.Random, place: Place) -> str:
    if place.province != HENAN:
        return PARTNER_SOURCES[place.province] if rng.random() < 0.8 else "henan-ggjy"
    if place.city == "410100" and rng.random() < 0.5:
        return "zhengzhou-rsj"
    return "henan-ggjy"


def _programmes(rng: random.Random, occupation: Occupation, place: Place) -> list[str]:
    if occupation.programme:
        return [occupation.programme]
    if occupation.title in POVERTY_WORKSHOP_JOBS and place.rural and rng.random() < 0.35:
        return ["poverty_workshop"]
    if occupation.title == "保洁员" and place.province == HENAN and rng.random() < 0.25:
        return ["public_welfare_post"]
    if occupation.title in DISABILITY_FRIENDLY_JOBS and rng.random() < 0.15:
        return ["disability_friendly"]
    return []


def _title(rng: random.Random, occupation: Occupation, programmes: list[str]) -> str:
    variant = rng.choice(occupation.variants)
    if "poverty_workshop" in programmes:
        return rng.choice((f"扶贫车间{variant}", f"{variant}（扶贫车间）"))
    if "public_welfare_post" in programmes and occupation.programme is None:
        return f"公益性岗位{variant}"
    return variant


def _job_type(rng: random.Random, occupation: Occupation, programmes: list[str]) -> str:
    if "public_welfare_post" in programmes:
        return "公益性岗位"
    if "internship_base" in programmes:
        return "见习"
    return rng.choice(occupation.job_types)


def _make_posting(
    rng: random.Random, index: int, now: datetime, employers: _EmployerBook, weights: list[int]
) -> dict[str, Any]:
    occupation = rng.choices(OCCUPATIONS, weights)[0]
    place = _posting_place(rng, occupation)
    programmes = _programmes(rng, occupation, place)
    employer = employers.pick(occupation, place, public="public_welfare_post" in programmes)
    salary_text, pay_phrase = _salary(rng, occupation, place)
    pool = BENEFITS[occupation.sector]
    benefits = rng.sample(pool, rng.randint(2, min(4, len(pool))))
    if "public_welfare_post" in programmes:
        benefits = list(BENEFITS["public"])
    target_provinces: list[str] = []
    extra = rng.choice(PROGRAMME_SENTENCES[programmes[0]]) if programmes else None
    if place.province != HENAN and rng.random() < (0.9 if occupation.sector in _MIGRANT_SECTORS else 0.3):
        target_provinces = [HENAN]
        if rng.random() < 0.3:
            target_provinces.append(rng.choice(OTHER_SENDING_PROVINCES))
        if extra is None and rng.random() < 0.6:
            extra = rng.choice(TRAVEL_SENTENCES["factory" if occupation.sector == "factory" else "other"])
    certificates: list[str] = []
    if occupation.certificates and rng.random() < 0.7:
        certificates = rng.sample(
            occupation.certificates, rng.randint(1, min(2, len(occupation.certificates)))
        )
    posted, expires, updated, status = _posting_times(rng, now)
    low, high = occupation.headcount
    record: dict[str, Any] = {
        "source": _posting_source(rng, place),
        "source_id": f"{posted.astimezone(CHINA_TZ):%Y%m%d}{index + 1:05d}",
        "title": _title(rng, occupation, programmes),
        "description": _description(rng, occupation, pay_phrase, benefits, programmes, extra),
        "employer": {
            "name": employer.name,
            "credit_code": employer.credit_code,
            "industry": employer.industry,
        },
        "location": rng.choice(place.names),
        "salary": salary_text,
        "education_min": rng.choice(occupation.education),
        "experience_min_years": rng.choice(occupation.experience),
        "headcount": rng.randint(low, high),
        "job_type": _job_type(rng, occupation, programmes),
        "skills": rng.sample(occupation.skills, min(len(occupation.skills), rng.randint(2, 4))),
        "certificates": certificates,
        "benefits": benefits,
        "programmes": programmes,
        "target_provinces": target_provinces,
        "posted_at": _iso(posted),
        "expires_at": _iso(expires),
        "status": status,
        "updated_at": _iso(updated),
    }
    short = record["description"].count("。") < _MAX_SENTENCES
    if not programmes and occupation.title in VETERAN_FRIENDLY_JOBS and index % _VETERAN_EVERY == 0 and short:
        _mark_veteran_friendly(record, index)
    return record


# Veteran-friendly posts were added after the others: chosen by position and phrased without drawing from
# ``rng``, so every other record of a seed stays what it was.
_VETERAN_EVERY = 3
_MAX_SENTENCES = 5


def _mark_veteran_friendly(record: dict[str, Any], index: int) -> None:
    sentences = PROGRAMME_SENTENCES["veteran_friendly"]
    record["programmes"] = ["veteran_friendly"]
    record["description"] += sentences[index % len(sentences)]


def generate_postings(
    n: int = 2000, *, seed: int = 20161, now: datetime | None = None
) -> list[dict[str, Any]]:
    """``n`` job postings as a client would POST them; the same arguments give the same list."""
    rng = random.Random(seed)
    moment = _default_now(now)
    employers = _EmployerBook(rng)
    weights = [occupation.weight for occupation in OCCUPATIONS]
    return [_make_posting(rng, index, moment, employers, weights) for index in range(n)]


# ---- seekers -----------------------------------------------------------------------------------

# 王, 李, 张, 刘 lead Henan's provincial rolls; the vocabulary lists the commonest surnames first.
_SURNAME_WEIGHTS = [12, 11, 11, 8, 5, 4, 4, 3, 3, 3] + [2] * 20 + [1] * (len(SURNAMES) - 30)

# Profile kinds and how often each walks into a public employment service.
_KIND_WEIGHTS = {
    "graduate": 22,
    "migrant": 34,
    "poor": 8,
    "laid_off": 5,
    "veteran": 5,
    "disabled": 4,
    "hard": 6,
    "general": 16,
}
# Public-welfare posts and internships are for the groups that programmes target.
_OPEN_MARKET_JOBS = tuple(occupation.title for occupation in OCCUPATIONS if occupation.programme is None)
_GRADUATE_JOBS = tuple(occupation.title for occupation in OCCUPATIONS if occupation.graduate)
_EDUCATION_BY_KIND = {
    "graduate": (("大专", 45), ("本科", 45), ("硕士研究生", 10)),
    "migrant": (("小学", 5), ("初中", 50), ("高中", 20), ("中专", 20), ("大专", 5)),
    "poor": (("小学", 15), ("初中", 60), ("高中", 15), ("中专", 10)),
    "laid_off": (("初中", 35), ("高中", 35), ("中专", 25), ("大专", 5)),
    "veteran": (("高中", 50), ("中专", 20), ("大专", 30)),
    "disabled": (("初中", 30), ("高中", 30), ("中专", 20), ("大专", 20)),
    "hard": (("小学", 20), ("初中", 50), ("高中", 30)),
    "general": (("初中", 25), ("高中", 25), ("中专", 25), ("大专", 25)),
}
_SCHOOL_LEAVING_AGE = {
    "小学": 12,
    "初中": 15,
    "高中": 18,
    "中专": 18,
    "大专": 21,
    "本科": 22,
    "硕士研究生": 25,
}


def _seeker_name(rng: random.Random, male: bool) -> str:
    surname = rng.choices(SURNAMES, _SURNAME_WEIGHTS)[0]
    given = MALE_GIVEN_NAMES if male else FEMALE_GIVEN_NAMES
    if rng.random() < 0.25:
        return surname + rng.choice(given)
    return surname + rng.choice(given) + rng.choice(given)


def _pick_education(rng: random.Random, kind: str, occupation: Occupation) -> str:
    options = _EDUCATION_BY_KIND[kind]
    if kind == "general" and occupation.graduate:
        options = (("大专", 55), ("本科", 45))
    return rng.choices([label for label, _ in options], [weight for _, weight in options])[0]


def _groups(rng: random.Random, kind: str) -> list[str]:
    groups = {
        "graduate": ["college_graduate"],
        "migrant": ["rural_migrant"],
        "poor": ["rural_migrant", "registered_poor"],
        "laid_off": ["overcapacity_laid_off"],
        "veteran": ["veteran"],
        "disabled": ["disabled"],
        "hard": ["hard_to_employ"],
        "general": [],
    }[kind]
    if kind == "migrant" and rng.random() < 0.08:
        groups.append("low_income")
    if kind in ("laid_off", "disabled") and rng.random() < 0.4:
        groups.append("hard_to_employ")
    if kind == "hard":
        if rng.random() < 0.3:
            groups.append("zero_employment_family")
        if rng.random() < 0.35:
            groups.append("low_income")
    if kind == "general" and rng.random() < 0.12:
        groups.append("low_income")
    return groups


def _homes(rng: random.Random, kind: str) -> tuple[Place, Place]:
    """Where the seeker lives and where their household is registered."""
    if kind == "poor":
        hukou = rng.choice(_POOR_COUNTIES)
        return (hukou if rng.random() < 0.75 else rng.choice(PARTNER_PLACES)), hukou
    if kind == "migrant":
        hukou = rng.choice(_HENAN_COUNTIES)
        roll = rng.random()
        lives = (
            hukou if roll < 0.4 else rng.choice(_HENAN_URBAN) if roll < 0.7 else rng.choice(PARTNER_PLACES)
        )
        return lives, hukou
    if kind == "laid_off":
        mining = tuple(place for place in HENAN_PLACES if place.code in MINING_CITIES)
        home = rng.choice(mining)
        return home, home
    if kind == "graduate":
        hukou = rng.choice(HENAN_PLACES)
        return (rng.choice(_HENAN_URBAN) if rng.random() < 0.7 else hukou), hukou
    home = rng.choice(HENAN_PLACES)
    return home, home


def _years_text(rng: random.Random, years: int) -> str:
    if years <= len(YEAR_WORDS) and rng.random() < 0.6:
        return f"{YEAR_WORDS[years - 1]}年"
    return f"{years}年"


def _work_history(
    rng: random.Random,
    kind: str,
    occupation: Occupation,
    place: Place,
    education: str,
    major: str | None,
    graduation_year: int | None,
    experience: int,
    now_year: int,
) -> str:
    sentences: list[str] = []
    if graduation_year is not None and education in SCHOOLS and now_year - graduation_year <= 3:
        city = rng.choice(SCHOOL_CITIES)
        sentences.append(f"{graduation_year}年毕业于{city}{SCHOOLS[education]}，所学专业是{major}。")
    if experience > 0:
        years_in_job = min(experience, rng.randint(1, 12))
        where = rng.choice(PARTNER_PLACES).short if rng.random() < 0.4 else place.short
        template = rng.choice(EXPERIENCE_SENTENCES)
        sentences.append(
            template.format(
                start=now_year - years_in_job,
                where=where,
                title=occupation.title,
                years=_years_text(rng, years_in_job),
            )
        )
        sentences.append(rng.choice(occupation.history))
    elif kind == "graduate":
        sentences.append(rng.choice(FRESH_GRADUATE_SENTENCES).format(title=occupation.title))
    if kind == "laid_off":
        sentences.insert(0, rng.choice(LAID_OFF_SENTENCES))
    if kind == "veteran":
        sentences.insert(0, "退役军人，服役期间表现良好。")
    if not sentences:
        sentences.append(f"想找一份{occupation.title}的工作，能吃苦，服从安排。")
    return "".join(sentences[:3])


def _make_seeker(rng: random.Random, index: int, now: datetime, kind: str) -> dict[str, Any]:
    from shared.domain.id_number import make_id_number

    title = rng.choice(_GRADUATE_JOBS if kind == "graduate" else JOBS_BY_KIND.get(kind, _OPEN_MARKET_JOBS))
    occupation = _BY_TITLE[title]
    education = _pick_education(rng, kind, occupation)
    if kind == "graduate":
        graduated = now.year - rng.choice((0, 0, 1, 1, 2))
        graduation_year: int | None = graduated
        birth_year = graduated - _SCHOOL_LEAVING_AGE[education] - rng.choice((0, 0, 1))
    else:
        low_age, high_age = (40, 55) if kind == "laid_off" else (18, 58)
        birth_year = now.year - rng.randint(max(low_age, _SCHOOL_LEAVING_AGE[education] + 2), high_age)
        graduation_year = birth_year + _SCHOOL_LEAVING_AGE[education] + rng.choice((0, 0, 1))
    age = now.year - birth_year
    if kind == "graduate":
        experience = max(0, now.year - 1 - (graduation_year or now.year))
    else:
        working_age = max(16, _SCHOOL_LEAVING_AGE[education])
        experience = max(0, min(30, age - working_age - rng.randint(0, 8)))
    major: str | None = None
    if education in ("中专", "大专", "本科", "硕士研究生"):
        major = rng.choice(occupation.majors or GENERIC_MAJORS)
    male = rng.random() < (0.3 if title in ("月嫂", "育婴师", "缝纫工", "幼儿教师", "收银员") else 0.55)
    lives, hukou = _homes(rng, kind)
    birth = f"{birth_year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    sequence = rng.randrange(1 if male else 0, 1000, 2)
    willing = rng.random() < {"migrant": 0.6, "poor": 0.35, "graduate": 0.4}.get(kind, 0.15)
    desired_regions = [lives.code]
    if lives.city != lives.code:
        desired_regions.append(lives.city)
    if willing:
        for place in rng.sample(PARTNER_PLACES, rng.randint(1, 2)):
            if place.code not in desired_regions:
                desired_regions.append(place.code)
    desired_titles = [title]
    related = [other for group in RELATED_JOBS if title in group for other in group if other != title]
    if related and rng.random() < 0.35:
        desired_titles.append(rng.choice(related))
    low_pay = occupation.pay[0] * (1.2 if lives.province != HENAN else 1.0)
    certificates: list[str] = []
    if occupation.certificates and rng.random() < 0.55:
        certificates = [rng.choice(occupation.certificates)]
    updated = _office_hours(rng, now, rng.randint(0, 120))
    record: dict[str, Any] = {
        "source": rng.choices(("henan-ggjy", "zhengzhou-rsj", "henan-kiosk"), (6, 2, 2))[0]
        if lives.city == "410100"
        else rng.choices(("henan-ggjy", "henan-kiosk"), (8, 2))[0],
        "source_id": f"{index + 1:07d}",
        "name": _seeker_name(rng, male),
        "id_number": make_id_number(hukou.code, birth, f"{sequence:03d}"),
        "phone": rng.choice(PHONE_PREFIXES) + f"{rng.randrange(100_000_000):08d}",
        "birth_year": birth_year,
        "region_code": lives.code,
        "hukou_region_code": hukou.code,
        "desired_titles": desired_titles,
        "desired_region_codes": desired_regions,
        "willing_to_relocate": willing,
        "expected_salary_min": _round_to(low_pay + rng.choice((-500, 0, 0, 500, 1000)), 500),
        "skills": rng.sample(occupation.skills, min(len(occupation.skills), rng.randint(1, 4))),
        "certificates": certificates,
        "education": education,
        "experience_years": experience,
        "work_history": _work_history(
            rng, kind, occupation, lives, education, major, graduation_year, experience, now.year
        ),
        "groups": _groups(rng, kind),
        "consent_share_with_partners": rng.random() < (0.85 if kind in ("migrant", "poor") else 0.6),
        "status": "seeking" if rng.random() < 0.88 else "employed",
        "updated_at": _iso(updated),
    }
    if major:
        record["major"] = major
    if graduation_year is not None and education != "小学":
        record["graduation_year"] = graduation_year
    return record


def generate_seekers(n: int = 500, *, seed: int = 20161, now: datetime | None = None) -> list[dict[str, Any]]:
    """``n`` seeker profiles as a client would POST them; the same arguments give the same list."""
    rng = random.Random(seed)
    moment = _default_now(now)
    kinds = list(_KIND_WEIGHTS)
    weights = list(_KIND_WEIGHTS.values())
    return [_make_seeker(rng, index, moment, rng.choices(kinds, weights)[0]) for index in range(n)]

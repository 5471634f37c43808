"""Expands the hand-written quality judgments into per-posting grades (run once, by hand).

    python tools/quality_labels.py            # writes tests/data/quality/search_qrels.tsv, match_qrels.tsv
    python tools/quality_labels.py --show s017 --show henan-ggjy:0000042   # a query's or a seeker's grades

The judgments (``search_judgments.yaml``, ``match_judgments.yaml``) are rules a reader
wrote per query and per seeker after reading the demo postings; this script applies
them to the demo set (``benchmarks/quality_demo.py``) with plain comparisons over the
postings' own fields: titles, descriptions, places, pay, education. It never calls
the project's search or matching code, so the grades cannot echo the ranking.
Closed postings and those past their deadline at ``NOW`` are never graded: no reader
is shown them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.quality_demo import LABELS_DIR, NOW, demo_set
from shared.demo.vocabulary import OCCUPATIONS, PLACES, PROVINCE_NAMES, Place
from shared.domain.records import SeekerRecord

SEARCH_JUDGMENTS = LABELS_DIR / "search_judgments.yaml"
MATCH_JUDGMENTS = LABELS_DIR / "match_judgments.yaml"
SEARCH_QRELS = LABELS_DIR / "search_qrels.tsv"
MATCH_QRELS = LABELS_DIR / "match_qrels.tsv"

# The demo's education words on one ladder (a post's minimum, a seeker's own level).
EDUCATION_STEP = {
    "不限": 0,
    "小学": 1,
    "初中": 2,
    "初中及以上": 2,
    "高中": 3,
    "中专": 3,
    "高中/中专及以上": 3,
    "大专": 4,
    "大专及以上": 4,
    "本科": 5,
    "本科及以上": 5,
    "硕士研究生": 6,
}
_WRAPPERS = ("（扶贫车间）", "扶贫车间", "（公益性岗位）", "公益性岗位")
_PLACE_BY_CODE = {place.code: place for place in PLACES}
_OCCUPATION_OF_TITLE = {variant: o.title for o in OCCUPATIONS for variant in o.variants}


@dataclass(frozen=True)
class Posting:
    id: str
    occupation: str
    title: str
    text: str
    place: Place
    pay_top: float | None
    education: int
    experience: float
    job_type: str
    programmes: tuple[str, ...]
    target_provinces: tuple[str, ...]


def occupation_of(title: str) -> str:
    bare = title
    for wrapper in _WRAPPERS:
        bare = bare.replace(wrapper, "")
    return _OCCUPATION_OF_TITLE[bare]


def open_postings() -> list[Posting]:
    demo = demo_set()
    place_of = {name: place for place in PLACES for name in place.names}
    out = []
    for raw, record in zip(demo.raw_postings, demo.postings):
        if record.status != "open" or (record.expires_at is not None and record.expires_at <= NOW):
            continue
        out.append(
            Posting(
                id=record.id,
                occupation=occupation_of(raw["title"]),
                title=raw["title"],
                text=" ".join([raw["title"], raw["description"], *raw["skills"], *raw["certificates"]]),
                place=place_of[raw["location"]],
                pay_top=record.salary_top,
                education=EDUCATION_STEP[raw["education_min"]],
                experience=raw["experience_min_years"],
                job_type=raw["job_type"],
                programmes=tuple(raw["programmes"]),
                target_provinces=tuple(raw["target_provinces"]),
            )
        )
    return out


def region_code(name: str) -> str:
    """A place name as judgments write it (郑州, 兰考, 江苏, 上海) → its code in the demo's places."""
    for code, province in PROVINCE_NAMES.items():
        if name in (province, province + "省", province + "市"):
            return code
    named = [p for p in PLACES if name in (p.short, p.full, *p.names)]
    for place in named:
        if place.code == place.city:
            return place.code
    cities = {place.city for place in named}
    if len(named) == 1 or len(cities) == 1:
        return named[0].code if len(named) == 1 else cities.pop()
    raise ValueError(f"place {name!r} is not one demo place: {[p.code for p in named]}")


def within(place: Place, codes: Iterable[str]) -> bool:
    return any(code in (place.code, place.city, place.province) for code in codes)


def _listed(rule: Mapping[str, Any], key: str) -> list[Any]:
    value = rule.get(key, [])
    return list(value) if isinstance(value, list) else [value]


def rule_holds(rule: Mapping[str, Any], posting: Posting) -> bool:
    """Every condition the rule names holds (a list means any of its items)."""
    checks = {
        "occupation": lambda items: posting.occupation in items,
        "title": lambda items: any(word in posting.title for word in items),
        "text": lambda items: any(word in posting.text for word in items),
        "not_text": lambda items: not any(word in posting.text for word in items),
        "place": lambda items: within(posting.place, map(region_code, items)),
        "not_place": lambda items: not within(posting.place, map(region_code, items)),
        "job_type": lambda items: posting.job_type in items,
        "programme": lambda items: any(p in posting.programmes for p in items),
        "recruits_in": lambda items: (
            any(map(region_code, items))
            and bool(set(map(region_code, items)) & set(posting.target_provinces))
        ),
        "pay_at_least": lambda items: posting.pay_top is not None and posting.pay_top >= items[0],
        "pay_below": lambda items: posting.pay_top is None or posting.pay_top < items[0],
        "education_at_most": lambda items: posting.education <= EDUCATION_STEP[items[0]],
        "education_above": lambda items: posting.education > EDUCATION_STEP[items[0]],
    }
    unknown = set(rule) - set(checks) - {"grade"}
    if unknown:
        raise ValueError(f"unknown condition(s) {sorted(unknown)} in rule {dict(rule)}")
    return all(check(_listed(rule, key)) for key, check in checks.items() if key in rule)


def search_grades(judgment: Mapping[str, Any], postings: list[Posting]) -> dict[str, int]:
    """The first rule that holds gives a posting its grade; overrides (after reading) win."""
    grades: dict[str, int] = {}
    for posting in postings:
        for rule in judgment["grades"]:
            if rule_holds(rule, posting):
                grades[posting.id] = int(rule["grade"])
                break
    known = {posting.id for posting in postings}
    for posting_id, grade in (judgment.get("overrides") or {}).items():
        if posting_id not in known:
            raise ValueError(f"{judgment['id']}: override for {posting_id}, not an open demo posting")
        grades[posting_id] = int(grade)
    return grades


def match_grade(entry: Mapping[str, Any], seeker: SeekerRecord, posting: Posting) -> int | None:
    """The match rubric (match_judgments.yaml's header says it in words); None: not considered."""
    fit = (entry["occupations"] or {}).get(posting.occupation)
    if fit is None:
        return None
    grade = int(fit)
    near = [region_code(name) for name in entry["near"]]
    home_province = _PLACE_BY_CODE[seeker.region_code].province if seeker.region_code else "410000"
    if not within(posting.place, near):
        if posting.place.province == home_province:
            grade -= 1 if seeker.willing_to_relocate else 2
        elif not seeker.willing_to_relocate:
            return 0
        else:
            grade -= 1 if "410000" in posting.target_provinces else 2
    level = EDUCATION_STEP[seeker.education] if seeker.education else 0
    if posting.education > level:
        return 0
    if posting.experience - (seeker.experience_years or 0) >= 2:
        return 0
    if (
        seeker.expected_salary_min
        and posting.pay_top is not None
        and posting.pay_top < seeker.expected_salary_min
    ):
        grade -= 1
    return max(grade, 0)


def match_grades(entry: Mapping[str, Any], seeker: SeekerRecord, postings: list[Posting]) -> dict[str, int]:
    grades = {}
    for posting in postings:
        grade = match_grade(entry, seeker, posting)
        if grade is not None:
            grades[posting.id] = grade
    for posting_id, grade in (entry.get("overrides") or {}).items():
        grades[posting_id] = int(grade)
    return grades


def _load(path: Path, key: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))[key])


def _table(header: str, column: str, rows: list[tuple[str, str, int]]) -> str:
    lines = [f"# {line}" if line else "#" for line in header.strip().splitlines()]
    lines.append(f"{column}\tposting_id\tgrade")
    lines += [f"{a}\t{b}\t{g}" for a, b, g in rows]
    return "\n".join(lines) + "\n"


SEARCH_HEADER = """
Graded judgments (0-3) of demo postings for the queries in search_judgments.yaml.
Made by tools/quality_labels.py from the rules written there by hand per query (no search code
involved), over the demo set of benchmarks/quality_demo.py (seed 20161, 2,000 postings, now
2026-11-20T00:00Z; only postings open at that moment). Reviewed: every query's grade-3 and
grade-2 rows and a sample of its grade-1 and grade-0 rows read by eye against the postings'
titles, places and pay (--show QUERY_ID); rules fixed and overrides added where a grade was
wrong. Regenerate with the script after editing the rules, never by hand.
"""
MATCH_HEADER = """
Graded judgments (0-3) of demo postings for the demo seekers in match_judgments.yaml.
Made by tools/quality_labels.py from each seeker's title-fit table and places written there by
hand, and the rubric in that file's header (place vs home and willingness to move, education and
experience minimums, pay), over the demo set of benchmarks/quality_demo.py (no matching code
involved). Reviewed: each seeker's grade-3 rows and a sample of the rest read by eye against the
profile (--show SEEKER_ID). Regenerate with the script after editing the judgments.
"""


def all_grades() -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Each query's and each seeker's grades, in the judgments files' order."""
    postings = open_postings()
    seekers = {s.id: s for s in demo_set().seekers}
    search = {j["id"]: search_grades(j, postings) for j in _load(SEARCH_JUDGMENTS, "queries")}
    match = {e["id"]: match_grades(e, seekers[e["id"]], postings) for e in _load(MATCH_JUDGMENTS, "seekers")}
    return search, match


def expanded() -> tuple[str, str]:
    """The text of search_qrels.tsv and of match_qrels.tsv, as the judgments give them now."""
    search, match = all_grades()
    search_rows = [(key, pid, g) for key, grades in search.items() for pid, g in sorted(grades.items())]
    match_rows = [(key, pid, g) for key, grades in match.items() for pid, g in sorted(grades.items())]
    return _table(SEARCH_HEADER, "query_id", search_rows), _table(MATCH_HEADER, "seeker_id", match_rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--show", action="append", default=[], help="print one query's or seeker's grades")
    args = parser.parse_args(argv)
    if args.show:
        by_id = {p.id: p for p in open_postings()}
        search, match = all_grades()
        for key in args.show:
            ranked = sorted({**search, **match}[key].items(), key=lambda item: (-item[1], item[0]))
            for pid, grade in ranked:
                p = by_id[pid]
                pay = f"{p.pay_top:.0f}" if p.pay_top else "-"
                print(
                    f"{key}\t{grade}\t{pid}\t{p.title}\t{p.place.full}\t{pay}\tedu{p.education}\texp{p.experience}"
                )
        return
    search_text, match_text = expanded()
    SEARCH_QRELS.write_text(search_text, encoding="utf-8")
    MATCH_QRELS.write_text(match_text, encoding="utf-8")
    rows = [text.count("\n") for text in (search_text, match_text)]
    print(f"wrote {SEARCH_QRELS.name} ({rows[0]} lines) and {MATCH_QRELS.name} ({rows[1]} lines)")


if __name__ == "__main__":
    main()

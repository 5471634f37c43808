"""How stored records become index documents: the two index schemas and the mapping.

Text fields get ``shared.text.pipeline`` tokens so the index and the queries see the
same words. A region is indexed as its whole path (province, city, county
codes), so a filter on a province or city code finds everything below it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.domain.education import education_rank
from shared.domain.regions import region_path, short_forms
from shared.ports.search_index import IndexDoc, IndexSchema
from shared.text.pipeline import index_text

# Expiry stored for postings without one, so "not expired" is one range filter.
NEVER_EXPIRES = 4102444800  # 2100-01-01

POSTINGS = IndexSchema(
    "postings",
    {
        "title": "text",
        "body": "text",
        "place": "text",
        "region_path": "keyword",
        "region_code": "keyword",
        "city_code": "keyword",
        "target_provinces": "keyword",
        "job_type": "keyword",
        "education_min": "keyword",
        "education_rank": "int",
        "programmes": "keyword",
        "status": "keyword",
        "source": "keyword",
        "salary_top": "int",
        "salary_bottom": "int",
        "posted_at": "date",
        "expires_at": "date",
    },
)

SEEKERS = IndexSchema(
    "seekers",
    {
        "title": "text",
        "body": "text",
        "region_path": "keyword",
        "desired_region_path": "keyword",
        "city_code": "keyword",
        "groups": "keyword",
        "education": "keyword",
        "education_rank": "int",
        "status": "keyword",
        "consent": "keyword",
        "source": "keyword",
        "expected_salary_min": "int",
        "updated_at": "date",
    },
)


def epoch_seconds(value: str | None) -> int | None:
    return int(datetime.fromisoformat(value).timestamp()) if value else None


def _city_code(path: list[str]) -> str | None:
    return path[1] if len(path) > 1 else (path[0] if path else None)


def place_names(location: dict[str, Any]) -> str:
    """Names of the posting's place at every level, full and short, so 「电工 郑州」 finds it."""
    names = [location.get(level) for level in ("province", "city", "district")]
    return " ".join(dict.fromkeys(n for name in names if name for n in (name, *short_forms(name))))


def posting_doc(record: dict[str, Any]) -> IndexDoc:
    code = record["location"]["region_code"]
    path = region_path(code) if code else []
    body = " ".join(
        part
        for part in (
            record["description"],
            " ".join(record["skills"]),
            " ".join(record["certificates"]),
            " ".join(record["benefits"]),
            record["employer"].get("name") or "",
            record["employer"].get("industry") or "",
        )
        if part
    )
    salary_bottom = record["salary_min"]
    salary_top = record["salary_max"] if record["salary_max"] is not None else salary_bottom
    fields = {
        "title": index_text(record["title"]),
        "body": index_text(body),
        "place": index_text(place_names(record["location"])),
        "region_path": path,
        "region_code": code,
        "city_code": _city_code(path),
        "target_provinces": record["target_provinces"],
        "job_type": record["job_type"],
        "education_min": record["education_min"] or "不限",
        "education_rank": education_rank(record["education_min"]) if record["education_min"] else 0,
        "programmes": record["programmes"],
        "status": record["status"],
        "source": record["source"],
        "salary_top": salary_top,
        "salary_bottom": salary_bottom,
        "posted_at": epoch_seconds(record["posted_at"]),
        "expires_at": epoch_seconds(record["expires_at"]) or NEVER_EXPIRES,
    }
    return IndexDoc(id=record["id"], version=record["version"], fields=fields, source=record)


def seeker_doc(record: dict[str, Any]) -> IndexDoc:
    code = record["region_code"]
    path = region_path(code) if code else []
    desired_path = sorted({c for d in record["desired_region_codes"] for c in region_path(d)})
    body = " ".join(
        part
        for part in (
            " ".join(record["skills"]),
            " ".join(record["certificates"]),
            record.get("major") or "",
            record["work_history"],
        )
        if part
    )
    fields = {
        "title": index_text(" ".join(record["desired_titles"])),
        "body": index_text(body),
        "region_path": path,
        "desired_region_path": desired_path,
        "city_code": _city_code(path),
        "groups": record["groups"],
        "education": record["education"] or "不限",
        "education_rank": education_rank(record["education"]) if record["education"] else 0,
        "status": record["status"],
        "consent": "yes" if record["consent_share_with_partners"] else "no",
        "source": record["source"],
        "expected_salary_min": int(record["expected_salary_min"]) if record["expected_salary_min"] else None,
        "updated_at": epoch_seconds(record["updated_at"]),
    }
    return IndexDoc(id=record["id"], version=record["version"], fields=fields, source=record)

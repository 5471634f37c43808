"""What searching and matching postings have in common.

Both services ask the postings index and answer with posting summaries, and
both check the region codes and education levels callers type; keeping that
here means neither service imports the other (DESIGN.md, "Shape").
"""

from __future__ import annotations

import time
from typing import Any

from shared.domain.education import parse_education
from shared.domain.regions import get_region
from shared.errors import BadRequest
from shared.ports.search_index import Filter, Range, Terms

POSTING_TEXT_FIELDS = {"title": 3.0, "body": 1.0, "place": 1.0}


def open_posting_filters(now: float | None = None) -> list[Filter]:
    """What every public search and every match requires: open and not expired."""
    now = time.time() if now is None else now
    return [Terms("status", ("open",)), Range("expires_at", gte=int(now))]


def known_region_code(code: str, field: str) -> str:
    """The current code for ``code`` (renamed codes resolve); 400 UNKNOWN_REGION when there is none."""
    region = get_region(code)
    if region is None:
        raise BadRequest(f"{field}: 未知的行政区划代码 {code}", code="UNKNOWN_REGION")
    return region.code


def education_label(text: str) -> str:
    """The level on the education scale; 400 UNKNOWN_EDUCATION when the text names none."""
    label = parse_education(text)
    if label is None:
        raise BadRequest(f"无法识别学历「{text}」", code="UNKNOWN_EDUCATION")
    return label


def posting_summary(record: dict[str, Any]) -> dict[str, Any]:
    location = record["location"]
    return {
        "id": record["id"],
        "title": record["title"],
        "employer": {"name": record["employer"].get("name")},
        "region": {key: location.get(key) for key in ("region_code", "province", "city", "district")},
        "salary": {
            "min": record["salary_min"],
            "max": record["salary_max"],
            "negotiable": record["salary_negotiable"],
            "text": record["salary"].get("text"),
        },
        "job_type": record["job_type"],
        "education_min": record["education_min"],
        "posted_at": record["posted_at"],
        "expires_at": record["expires_at"],
    }

"""What searching and matching postings have in common.

Both services ask the postings index for open postings and both check the
region codes and education levels callers type; keeping that here means
neither service imports the other (DESIGN.md, "Shape").
"""

from __future__ import annotations

import time
import unicodedata

from shared.domain.education import parse_education
from shared.domain.regions import get_region
from shared.errors import BadRequest
from shared.index.fields import POSTING_TEXT_FIELDS, PostingField
from shared.ports.search_index import Filter, Range, Terms

__all__ = ["POSTING_TEXT_FIELDS", "education_label", "known_region_code", "open_posting_filters"]


def open_posting_filters(now: float | None = None) -> list[Filter]:
    """What every public search and every match requires: open and not expired."""
    now = time.time() if now is None else now
    return [Terms(PostingField.STATUS, ("open",)), Range(PostingField.EXPIRES_AT, gte=int(now))]


def known_region_code(code: str, field: str) -> str:
    """The current code for ``code`` (renamed codes resolve); 400 UNKNOWN_REGION when there is none."""
    # Full-width digits (what a Chinese input method types) are the digits they are.
    region = get_region(unicodedata.normalize("NFKC", code))
    if region is None:
        raise BadRequest(f"{field}: 未知的行政区划代码 {code}", code="UNKNOWN_REGION")
    return region.code


def education_label(text: str) -> str:
    """The level on the education scale; 400 UNKNOWN_EDUCATION when the text names none."""
    label = parse_education(text)
    if label is None:
        raise BadRequest(f"无法识别学历「{text}」", code="UNKNOWN_EDUCATION")
    return label

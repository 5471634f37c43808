"""What searching and matching postings have in common.

Both services ask the postings index for open postings and both check the
region codes and education levels callers type; keeping that here means
neither service imports the other (DESIGN.md, "Shape").
"""

from __future__ import annotations

import time
import unicodedata

from shared.domain.education import EducationLevel, parse_education
from shared.domain.problems import Problem, shown
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
    """The current code for ``code`` (renamed codes resolve); 400 UNKNOWN_REGION when there is none.

    The detail carries the field code a batch record gets for the same value (REGION_CODE_UNKNOWN).
    """
    # Full-width digits (what a Chinese input method types) are the digits they are.
    region = get_region(unicodedata.normalize("NFKC", code))
    if region is None:
        message = f"行政区划代码 {shown(code)} 不存在"
        problem = Problem.of(field, "REGION_CODE_UNKNOWN", message)
        raise BadRequest(message, code="UNKNOWN_REGION", details=[problem.model_dump()])
    return region.code


def education_label(text: str, field: str = "education") -> EducationLevel:
    """The level on the education scale; 400 UNKNOWN_EDUCATION when the text names none."""
    label = parse_education(text)
    if label is None:
        message = f"无法识别学历「{shown(text)}」"
        problem = Problem.of(field, "EDUCATION_UNKNOWN", message)
        raise BadRequest(message, code="UNKNOWN_EDUCATION", details=[problem.model_dump()])
    return label

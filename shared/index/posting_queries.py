"""What searching and matching postings have in common.

Both services ask the postings index for open postings and both check the
region codes and education levels callers type; keeping that here means
neither service imports the other (DESIGN.md, "Shape").
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Sequence

from shared.domain.education import EducationLevel, parse_education
from shared.domain.problems import Problem, shown
from shared.domain.regions import get_region
from shared.errors import BadRequest
from shared.index.documents import OPEN
from shared.index.fields import POSTING_TEXT_FIELDS, PostingField
from shared.ports.search_index import Filter, Not, Range, Terms

__all__ = ["POSTING_TEXT_FIELDS", "education_label", "known_region_code", "open_postings"]


def open_postings(
    filters: Sequence[Filter], *, has_text: bool, now: float | None = None
) -> tuple[Filter, ...]:
    """``filters`` restricted to postings that are open and not expired, at next to no cost.

    What every public search and every match asks for. Only open postings are in the searchable
    set: a posting closed, or already past its deadline when indexed, keeps only its id, its record
    and its status in the index (``shared.index.documents.posting_doc``), and the expiry sweep
    (``services.search.expiry``) takes postings out of the set as their deadlines pass. So any
    query term or filter on a posting's fields already leaves the others out, and what remains is
    to exclude the few postings that expired since the last sweep: a small set, excluded beside
    the query. (Filtering on "status is open and the deadline is after now" instead touched nearly
    every document and cost more than the text match itself.) Only a request with neither text nor
    a filter needs the status term, to have something to match.
    """
    now = time.time() if now is None else now
    narrowed = has_text or any(not isinstance(item, Not) for item in filters)
    open_only: list[Filter] = [] if narrowed else [Terms(PostingField.STATUS, (OPEN,))]
    return (*open_only, *filters, Not(Range(PostingField.EXPIRES_AT, lte=int(now) - 1)))


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

"""Every field an imported row may fill, per kind: how a cell becomes its value, and how several columns
naming one field are put together.

One entry per field of ``PostingIn`` (with ``EmployerIn`` and ``SalaryIn`` as dotted paths) and of
``SeekerIn``; ``tests/test_imports_mapping.py`` holds this table to the models, so a field added there
is added here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from services.ingest.imports import cells
from services.ingest.imports.vocabulary import Kind

Merge = Literal["first", "lines", "range", "concat"]
"""Several columns for one field: the first filled one; joined by lines (several description columns);
joined by "-" (a salary split into 最低/最高 columns under one merged header); lists concatenated."""


@dataclass(frozen=True)
class FieldRule:
    convert: Callable[[str], Any]
    merge: Merge = "first"


_TEXT = FieldRule(cells.text)
_LIST = FieldRule(cells.listed, "concat")
_WHEN = FieldRule(cells.when)

_COMMON: dict[str, FieldRule] = {
    "source": _TEXT,
    "source_id": _TEXT,
    "updated_at": _WHEN,
}

POSTING_FIELDS: dict[str, FieldRule] = {
    **_COMMON,
    "title": _TEXT,
    "description": FieldRule(cells.text, "lines"),
    "employer.name": _TEXT,
    "employer.credit_code": _TEXT,
    "employer.industry": _TEXT,
    "location": _TEXT,
    "region_code": FieldRule(cells.region),
    "salary": FieldRule(cells.text, "range"),
    "salary.min": FieldRule(cells.number),
    "salary.max": FieldRule(cells.number),
    "salary.period": FieldRule(cells.closed("salary.period")),
    "education_min": _TEXT,
    "experience_min_years": FieldRule(cells.years),
    "headcount": FieldRule(cells.count),
    "job_type": FieldRule(cells.closed("job_type")),
    "skills": _LIST,
    "certificates": _LIST,
    "benefits": _LIST,
    "programmes": FieldRule(cells.closed_list("programmes"), "concat"),
    "target_provinces": FieldRule(cells.provinces, "concat"),
    "posted_at": _WHEN,
    "expires_at": _WHEN,
    "status": FieldRule(cells.closed("postings.status")),
}

SEEKER_FIELDS: dict[str, FieldRule] = {
    **_COMMON,
    "name": _TEXT,
    "id_number": _TEXT,
    "phone": _TEXT,
    "birth_year": FieldRule(cells.year),
    "region_code": FieldRule(cells.region),
    "location": _TEXT,
    "hukou_region_code": FieldRule(cells.region),
    "desired_titles": _LIST,
    "desired_region_codes": FieldRule(cells.regions, "concat"),
    "willing_to_relocate": FieldRule(cells.yes_no),
    "expected_salary_min": FieldRule(cells.at_least),
    "skills": _LIST,
    "certificates": _LIST,
    "education": _TEXT,
    "major": _TEXT,
    "graduation_year": FieldRule(cells.year),
    "experience_years": FieldRule(cells.years),
    "work_history": FieldRule(cells.text, "lines"),
    "groups": FieldRule(cells.closed_list("groups"), "concat"),
    "consent_share_with_partners": FieldRule(cells.yes_no),
    "status": FieldRule(cells.closed("seekers.status")),
}

FIELDS: dict[Kind, dict[str, FieldRule]] = {"postings": POSTING_FIELDS, "seekers": SEEKER_FIELDS}

LABELLED_INTO: dict[Kind, str] = {"postings": "description", "seekers": "work_history"}
"""Where a labelled column (``description+`` in the vocabulary: 联系电话 of a posting) is appended."""

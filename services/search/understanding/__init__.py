"""How the search box reads what people type: a place, pay, an education level and a job type come out of
the text as filters, the rest is the trade, searched as text.

``read_query`` finds them (each in its own module: ``pay``, ``terms``, ``places``); ``services.search.reading``
turns a reading into the search's filters, where a parameter given explicitly wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from services.search.understanding.pay import PayReading, read_pay
from services.search.understanding.places import PlaceReading, read_place, word_spans
from services.search.understanding.terms import JOB_TYPE_WORDS, EducationReading, read_education
from shared.domain.inputs import JobType
from shared.text.pipeline import normalize

__all__ = ["EducationReading", "PayReading", "PlaceReading", "QueryReading", "read_query"]


@dataclass(frozen=True)
class QueryReading:
    text: str
    """What is left to search as text: the normalised query without the phrases read, spaces collapsed."""
    place: PlaceReading | None = None
    pay: PayReading | None = None
    education: EducationReading | None = None
    job_type: JobType | None = None
    job_type_word: str | None = None


@lru_cache(maxsize=4096)
def read_query(q: str) -> QueryReading:
    text = normalize(q)
    left = list(text)

    def blank(start: int, end: int) -> str:
        left[start:end] = " " * (end - start)
        return "".join(left)

    masked = text
    pay = read_pay(masked)
    if pay:
        masked = blank(pay.start, pay.end)
    education = read_education(masked)
    if education:
        masked = blank(education.start, education.end)
    spans = word_spans(masked)
    job_type, job_type_word = None, None
    for start, end in spans:
        if masked[start:end] in JOB_TYPE_WORDS:
            job_type_word = masked[start:end]
            job_type = JOB_TYPE_WORDS[job_type_word]
            masked = blank(start, end)
            spans.remove((start, end))
            break
    place = read_place(masked, spans)
    if place:
        for start, end in place.spans:
            masked = blank(start, end)
    return QueryReading(
        text=" ".join(masked.split()),
        place=place,
        pay=pay,
        education=education,
        job_type=job_type,
        job_type_word=job_type_word,
    )

"""Which field a column header names, and which value a cell of a closed-set field means.

Both tables are data files reviewed by hand (``shared/data/import_headers.tsv``, ``import_values.tsv``);
this module reads them once and compares headers and values after one normalisation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"
IGNORED = "-"
"""A recognised column that is dropped (序号, 备注, and what matching never uses: 性别, 民族)."""
LABELLED = "+"
"""A field suffix: the column's text is appended to that field with the header as its label (联系电话：…)."""

Kind = Literal["postings", "seekers"]

# Brackets with what they hold: a unit (（元/月）, (人)) or a note (（必填）). Full-width brackets are folded to
# these by NFKC first.
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|<[^<>]*>|〔[^〔〕]*〕")
# Left once brackets are gone: every character that is not a letter or digit of some script.
_NOT_WORD = re.compile(r"[\W_]+")
_UNIT = re.compile(r"元\s*/\s*(月|年|天|日|小时|时|周)")


def normalised(text: str) -> str:
    """What two spellings of one header have in common: ``薪资待遇（元/月）*`` and ``薪资 待遇`` alike."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _NOT_WORD.sub("", _BRACKETED.sub("", folded))


@lru_cache(maxsize=4096)
def unit_of(header: str) -> str | None:
    """The pay unit a header names (``月薪（元/天）`` → ``元/天``): the cells hold only the amount."""
    found = _UNIT.search(unicodedata.normalize("NFKC", header))
    return f"元/{found.group(1)}" if found else None


@dataclass(frozen=True)
class Target:
    field: str
    """A dotted path into the input model, or ``IGNORED``."""
    labelled: bool = False


def _rows(name: str) -> list[list[str]]:
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]
    return rows[1:]  # the column names


class VocabularyError(ValueError):
    """The data file contradicts itself: a header named for two fields of one kind."""


@cache
def headers(kind: Kind) -> dict[str, Target]:
    """Normalised header → target, for one kind of record."""
    found: dict[str, Target] = {}

    def add(alias: str, target: Target) -> None:
        key = normalised(alias)
        if not key:
            return
        if key in found and found[key] != target:
            raise VocabularyError(f"{kind}: header {alias!r} names {found[key].field} and {target.field}")
        found[key] = target

    for row_kind, field, aliases in _rows("import_headers.tsv"):
        if row_kind not in (kind, "both"):
            continue
        target = Target(field.removesuffix(LABELLED), labelled=field.endswith(LABELLED))
        for alias in aliases.split("|"):
            add(alias, target)
    for row_kind, field, _ in _rows("import_headers.tsv"):
        if row_kind in (kind, "both") and field != IGNORED and not field.endswith(LABELLED):
            # The field's own name (employer.name, employer_name: the same once normalised).
            found.setdefault(normalised(field), Target(field))
    return found


@lru_cache(maxsize=4096)
def header_target(kind: Kind, header: str) -> Target | None:
    return headers(kind).get(normalised(header))


@cache
def _values() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for field, labels, value in _rows("import_values.tsv"):
        for label in labels.split("|"):
            table.setdefault(field, {})[normalised(label) or label] = value
    return table


@lru_cache(maxsize=4096)
def closed_value(field: str, text: str) -> str | None:
    """The model's value for a cell of a closed-set field (``field``: ``job_type``, ``postings.status``,
    ``bool`` …); None when the table does not list it."""
    return _values().get(field, {}).get(normalised(text) or text.strip())

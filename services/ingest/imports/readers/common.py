"""What every reader yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.ingest.imports.detect import ImportRefused
from shared.domain.problems import Problem

REPLACEMENT = "\ufffd"
"""What the decoder puts for bytes that are not text in the file's encoding."""


@dataclass
class Row:
    sheet: str | None
    """The XLSX sheet's name; None for CSV and NDJSON."""
    number: int
    """The row (CSV: the line it starts on; NDJSON: its line) as the file shows it, from 1."""
    cells: dict[str, Any]
    """Header → cell text (NDJSON: the object as sent)."""
    problem: Problem | None = None
    """Set when the row cannot be read at all (ragged, undecodable): it is rejected without mapping."""


@dataclass
class SheetInfo:
    name: str | None
    header_row: int | None = None
    """None: no recognisable header in the first rows; the sheet is not imported."""
    columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    """Headers that name no field (and no mapping names): their cells are not imported."""


def undecodable(cells: dict[str, Any]) -> str | None:
    """The first column holding bytes the encoding could not read."""
    for key, value in cells.items():
        if isinstance(value, str) and REPLACEMENT in value:
            return key
    return None


def undecodable_problem(column: str) -> Problem:
    return Problem.of(column, "UNDECODABLE_TEXT", "含有无法按文件编码读出的字节（编码有误或文件损坏）")


def no_header(sheets: list[SheetInfo]) -> ImportRefused:
    names = "、".join(sheet.name for sheet in sheets if sheet.name) or "文件"
    return ImportRefused(
        "NO_HEADER",
        f"{names}的前几行中没有可识别的表头（如 岗位名称、工作地点、薪资待遇），请检查表头或提供导入映射",
    )

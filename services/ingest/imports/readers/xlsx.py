"""XLSX through openpyxl's read-only mode: every sheet with a recognisable header, row by row.

Read-only worksheets do not expose merged cells, so the ranges are read from the sheet's XML (streamed,
after ``check_zip`` bounded its size): a header merged across columns names each of them, a header two
rows deep (薪资待遇 over 最低 | 最高) is read as one, and a cell merged down over several data rows (one
employer's several posts) fills each of them.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from services.ingest.imports.cells import cell_text
from services.ingest.imports.detect import ImportRefused
from services.ingest.imports.header import HEADER_SCAN_ROWS, column_keys, fields_named, is_header
from services.ingest.imports.mapping import ImportMapping
from services.ingest.imports.readers.common import Row, SheetInfo, no_header
from services.ingest.imports.vocabulary import Kind

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"')
_MERGES_START = re.compile(rb"<(?:\w+:)?mergeCells[\s>]")
_MERGES_END = re.compile(rb"</(?:\w+:)?mergeCells>")
_MAX_MERGE_BYTES = 16 * 1024 * 1024
_CHUNK = 1024 * 1024
_MAX_COLUMNS = 500

Box = tuple[int, int, int, int]
"""A merged range: min column, min row, max column, max row (1-based)."""


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part's path in the zip."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_RELS}Relationship")}
    parts = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(_REL_ID), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        parts[sheet.get("name", "")] = path
    return parts


def _merged_ranges(archive: zipfile.ZipFile, part: str | None) -> list[Box]:
    """The sheet's merged ranges: its ``<mergeCells>`` section, found by streaming the part (it comes after
    the rows) and bounded in size."""
    if part is None or part not in archive.namelist():
        return []
    section = b""
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            data = tail + chunk
            if not section:
                start = _MERGES_START.search(data)
                if start is None:
                    tail = data[-32:]  # a start tag cut between two chunks
                    continue
                data = data[start.start() :]
            tail = b""
            section += data
            if _MERGES_END.search(section) or len(section) > _MAX_MERGE_BYTES:
                break
    boxes = []
    for ref in _MERGE.findall(section):
        min_col, min_row, max_col, max_row = range_boundaries(ref.decode())
        if min_col and min_row and max_col and max_row:
            boxes.append((min_col, min_row, max_col, max_row))
    return boxes


def xlsx_rows(path: Path, *, kind: Kind, mapping: ImportMapping, sheets: list[SheetInfo]) -> Iterator[Row]:
    # A file object, not the path: openpyxl would refuse the spool file's name for its extension.
    with path.open("rb") as file:
        try:
            with zipfile.ZipFile(file) as archive:
                parts = _sheet_parts(archive)
                merges = {name: _merged_ranges(archive, part) for name, part in parts.items()}
            file.seek(0)
            workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except _UNREADABLE as exc:
            raise _unreadable(exc) from None
        try:
            found_header = False
            for worksheet in workbook.worksheets:
                if not hasattr(worksheet, "iter_rows"):
                    continue  # a chart sheet
                sheet = SheetInfo(name=worksheet.title)
                sheets.append(sheet)
                reader = _SheetReader(worksheet, merges.get(worksheet.title, []), kind=kind, mapping=mapping)
                if not reader.find_header(sheet):
                    continue
                found_header = True
                yield from reader.rows()
            if not found_header:
                raise no_header(sheets)
        except _UNREADABLE as exc:
            # Damage past the zip's directory (a part cut short, bad XML) shows only when that row is read:
            # the job fails there, never reported done.
            raise _unreadable(exc) from None
        finally:
            workbook.close()


_UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ElementTree.ParseError,
    OSError,
    InvalidFileException,
)


def _unreadable(exc: BaseException) -> ImportRefused:
    return ImportRefused("XLSX_UNREADABLE", f"Excel 文件已损坏，无法读取（{type(exc).__name__}），请重新导出")


class _SheetReader:
    def __init__(self, worksheet: Any, merges: list[Box], *, kind: Kind, mapping: ImportMapping) -> None:
        self.worksheet = worksheet
        self.merges = merges
        self.kind = kind
        self.mapping = mapping
        self.keys: list[str] = []
        self.data_from = 0
        worksheet.reset_dimensions()  # the stored dimensions are often wrong (files other tools wrote)

    def _values(self, max_row: int) -> list[list[str]]:
        rows = self.worksheet.iter_rows(max_row=max_row, max_col=_MAX_COLUMNS, values_only=True)
        return [[cell_text(value) for value in row] for row in rows]

    def find_header(self, sheet: SheetInfo) -> bool:
        top = self._values(HEADER_SCAN_ROWS)
        for index, values in enumerate(top):
            row = index + 1
            filled = self._spread_across(values, row)
            if not is_header(filled, kind=self.kind, mapping=self.mapping):
                continue
            last = self._header_bottom(row, top)
            labels = filled
            if last > row:
                below = [self._spread_across(top[r - 1], r) for r in range(row + 1, last + 1)]
                labels = self._stacked(filled, below)
            while labels and not labels[-1].strip():
                labels.pop()
            self.keys = column_keys(labels)
            named = fields_named(labels, kind=self.kind, mapping=self.mapping)
            sheet.header_row = row
            sheet.columns = self.keys
            sheet.ignored_columns = [key for key, target in zip(self.keys, named, strict=True) if not target]
            self.data_from = last + 1
            return True
        return False

    def _spread_across(self, values: list[str], row: int) -> list[str]:
        """A header cell merged across columns names each column it covers."""
        spread = list(values)
        for min_col, min_row, max_col, max_row in self.merges:
            if min_row <= row <= max_row and min_col - 1 < len(spread):
                top = spread[min_col - 1] if row == min_row else ""
                for col in range(min_col, max_col + 1):
                    while len(spread) < col:
                        spread.append("")
                    if top and not spread[col - 1]:
                        spread[col - 1] = top
        return spread

    def _header_bottom(self, row: int, top: list[list[str]]) -> int:
        """The header's last row: the lowest row a merge starting on the header row reaches, or the row
        below when a merge across columns has labels under it (薪资待遇 over 最低 | 最高)."""
        bottom = row
        for min_col, min_row, max_col, max_row in self.merges:
            if min_row != row:
                continue
            bottom = max(bottom, max_row)
            if max_col > min_col and max_row == row and row < len(top):
                under = top[row][min_col - 1 : max_col]
                if any(value.strip() for value in under):
                    bottom = max(bottom, row + 1)
        return min(bottom, row + 3)

    def _stacked(self, header: list[str], below: list[list[str]]) -> list[str]:
        labels = []
        for col, name in enumerate(header):
            parts = [name] + [row[col] for row in below if col < len(row) and row[col] and row[col] != name]
            candidates = [parts[-1], "".join(parts), parts[0]]
            known = [c for c in candidates if fields_named([c], kind=self.kind, mapping=self.mapping)[0]]
            labels.append(known[0] if known else "".join(parts))
        return labels

    def rows(self) -> Iterator[Row]:
        # Merges reaching into the data, by first row; a row consults only those covering it.
        pending = deque(
            sorted((box for box in self.merges if box[3] >= self.data_from), key=lambda box: box[1])
        )
        active: list[Box] = []
        shown: dict[Box, str] = {}
        width = len(self.keys)
        rows = self.worksheet.iter_rows(min_row=self.data_from, max_col=width, values_only=True)
        for number, values in enumerate(rows, start=self.data_from):
            texts = [cell_text(value) for value in values]
            texts += [""] * (width - len(texts))
            while pending and pending[0][1] <= number:
                active.append(pending.popleft())
            active = [box for box in active if box[3] >= number]
            for box in active:
                min_col, min_row, max_col, _ = box
                if min_col > width:
                    continue
                if number == min_row:
                    shown[box] = texts[min_col - 1]
                for col in range(min_col, min(max_col, width) + 1):
                    if not texts[col - 1]:
                        texts[col - 1] = shown.get(box, "")
            if not any(text.strip() for text in texts):
                continue
            yield Row(self.worksheet.title, number, dict(zip(self.keys, texts, strict=True)))

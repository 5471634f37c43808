"""CSV (comma, tab or semicolon, sniffed), decoded as it is read: an incremental decoder under ``csv``."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from services.ingest.imports.header import HEADER_SCAN_ROWS, column_keys, fields_named, is_header
from services.ingest.imports.mapping import ImportMapping
from services.ingest.imports.readers.common import Row, SheetInfo, no_header, undecodable, undecodable_problem
from services.ingest.imports.vocabulary import Kind
from shared.domain.problems import Problem

DELIMITERS = ",\t;"
_SNIFF_CHARS = 64 * 1024


def _delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        # The sniffer gives up on short or irregular samples: the delimiter giving most lines the same
        # number of fields (more than one) is the one.
        lines = [line for line in sample.splitlines()[:50] if line.strip()]

        def agreement(delimiter: str) -> int:
            counts = [len(fields) for fields in csv.reader(lines, delimiter=delimiter)]
            widest = max(counts, default=1)
            return sum(1 for count in counts if count == widest) if widest > 1 else 0

        return max(DELIMITERS, key=agreement)


def csv_rows(
    path: Path, encoding: str, *, kind: Kind, mapping: ImportMapping, sheets: list[SheetInfo]
) -> Iterator[Row]:
    sheet = SheetInfo(name=None)
    sheets.append(sheet)
    with path.open("r", encoding=encoding, errors="replace", newline="") as text:
        delimiter = _delimiter(text.read(_SNIFF_CHARS))
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter)
        line = 0
        header: list[str] | None = None
        for _ in range(HEADER_SCAN_ROWS):
            values = next(reader, None)
            if values is None:
                break
            if is_header(values, kind=kind, mapping=mapping):
                header = values
                sheet.header_row = line + 1
                line = reader.line_num
                break
            line = reader.line_num
        if header is None:
            raise no_header(sheets)
        while header and not header[-1].strip():
            header.pop()
        keys = column_keys(header)
        sheet.columns = keys
        named = fields_named(header, kind=kind, mapping=mapping)
        sheet.ignored_columns = [key for key, target in zip(keys, named, strict=True) if target is None]
        while True:
            start = line + 1
            try:
                values = next(reader, None)
            except csv.Error as exc:
                line = reader.line_num
                yield Row(None, start, {}, Problem.of("(record)", "MALFORMED_ROW", f"CSV 行格式错误：{exc}"))
                continue
            line = reader.line_num
            if values is None:
                return
            if not any(value.strip() for value in values):
                continue
            yield _row(start, values, keys)


def _row(number: int, values: list[str], keys: list[str]) -> Row:
    while len(values) > len(keys) and not values[-1].strip():
        values.pop()  # "a,b,c," under three headers: a trailing delimiter, not a fourth cell
    cells = dict(zip(keys, values, strict=False))
    if len(values) != len(keys):
        problem = Problem.of(
            "(record)",
            "RAGGED_ROW",
            f"这一行有 {len(values)} 列，表头有 {len(keys)} 列（可能缺少或多出分隔符）",
        )
        return Row(None, number, cells, problem)
    column = undecodable(cells)
    if column is not None:
        return Row(None, number, cells, undecodable_problem(column))
    return Row(None, number, cells)

"""NDJSON: one JSON object per line, decoded as it is read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from services.ingest.imports.readers.common import Row, SheetInfo, undecodable, undecodable_problem
from shared.domain.problems import Problem
from shared.json_codec import UndecodableJSON, loads


def ndjson_rows(path: Path, encoding: str, *, sheets: list[SheetInfo]) -> Iterator[Row]:
    sheets.append(SheetInfo(name=None, header_row=None))
    with path.open("r", encoding=encoding, errors="replace", newline="\n") as text:
        for number, line in enumerate(text, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            try:
                value = loads(line)
            except UndecodableJSON as exc:
                problem = Problem.of("(record)", "MALFORMED_JSON", f"不是有效的 JSON：{exc.reason}")
                yield Row(None, number, {}, problem)
                continue
            if not isinstance(value, dict):
                yield Row(None, number, {}, Problem.of("(record)", "NOT_AN_OBJECT", "每行应为一个 JSON 对象"))
                continue
            column = undecodable(value)
            if column is not None:
                yield Row(None, number, value, undecodable_problem(column))
                continue
            yield Row(None, number, value)

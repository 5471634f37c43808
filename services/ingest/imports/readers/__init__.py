"""Row-by-row readers, one per format; each yields ``Row``s and never holds the file whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from services.ingest.imports.detect import Detected
from services.ingest.imports.mapping import ImportMapping
from services.ingest.imports.readers.common import Row, SheetInfo
from services.ingest.imports.vocabulary import Kind

__all__ = ["Row", "SheetInfo", "read_rows"]


def read_rows(
    path: Path, detected: Detected, *, kind: Kind, mapping: ImportMapping, sheets: list[SheetInfo]
) -> Iterator[Row]:
    """The file's data rows in order; ``sheets`` is filled with what was found in each sheet as reading
    goes. Raises ``ImportRefused`` when no sheet has a recognisable header."""
    if detected.format == "xlsx":
        from services.ingest.imports.readers.xlsx import xlsx_rows

        return xlsx_rows(path, kind=kind, mapping=mapping, sheets=sheets)
    assert detected.encoding is not None
    if detected.format == "ndjson":
        from services.ingest.imports.readers.ndjson import ndjson_rows

        return ndjson_rows(path, detected.encoding, sheets=sheets)
    from services.ingest.imports.readers.delimited import csv_rows

    return csv_rows(path, detected.encoding, kind=kind, mapping=mapping, sheets=sheets)

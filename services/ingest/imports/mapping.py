"""Per-source mapping files: the headers the shared vocabulary does not know, and fixed values.

A mapping is ``<JOBMATCH_IMPORT_MAPPINGS_DIR>/<name>.yaml`` (the shipped example is
``shared/data/import_mappings/example-jobfair.yaml``); the import form names it by ``name``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from services.ingest.imports.fields import FIELDS
from services.ingest.imports.vocabulary import DATA_DIR, IGNORED, LABELLED, Kind, normalised
from shared.domain.inputs import SourceCode
from shared.domain.problems import problems_from_validation, shown
from shared.errors import BadRequest

SHIPPED_MAPPINGS = DATA_DIR / "import_mappings"
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_NAME = re.compile(NAME_PATTERN)
_MAX_FILE_BYTES = 256 * 1024


class ImportMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    kind: Kind | None = None
    """When set, the mapping refuses an import of the other kind."""
    source: SourceCode | None = None
    """The records' source when the import form names none."""
    columns: dict[str, str] = Field(default_factory=dict)
    """Header as in the file → field (dotted path), ``-`` to drop the column, ``field+`` to append it with
    its header as a label."""
    values: dict[str, Any] = Field(default_factory=dict)
    """Field → value, for rows that leave the field empty (a default region, the job type of a whole fair)."""
    id_columns: list[str] = Field(default_factory=list)
    """Headers whose cells together are the records' source_id (else a hash of the row's content)."""
    _by_header: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _fields_exist(self) -> ImportMapping:
        kinds: list[Kind] = [self.kind] if self.kind else ["postings", "seekers"]
        for header, target in self.columns.items():
            field = target.removesuffix(LABELLED)
            if target != IGNORED and not any(field in FIELDS[kind] for kind in kinds):
                raise ValueError(f"columns: {header!r} → {target!r} is not a field")
        for field in self.values:
            if not any(field in FIELDS[kind] for kind in kinds):
                raise ValueError(f"values: {field!r} is not a field")
        return self

    def column_target(self, header: str) -> str | None:
        if self.columns and not self._by_header:
            self._by_header.update((normalised(name), target) for name, target in self.columns.items())
        return self._by_header.get(normalised(header)) if self._by_header else None

    def with_source(self, source: str | None) -> ImportMapping:
        return self if not source else self.model_copy(update={"source": source})


NO_MAPPING = ImportMapping()


def mappings_dir(configured: Path | None) -> Path:
    return configured if configured is not None else SHIPPED_MAPPINGS


def load_mapping(name: str | None, *, directory: Path, kind: Kind) -> ImportMapping:
    """The named mapping, checked; ``NO_MAPPING`` for none. 400 ``UNKNOWN_MAPPING`` / ``MAPPING_INVALID``."""
    if not name:
        return NO_MAPPING
    path = directory / f"{name}.yaml"
    if not _NAME.fullmatch(name) or not path.is_file():
        raise BadRequest(f"没有名为「{shown(name)}」的导入映射（{directory}）", code="UNKNOWN_MAPPING")
    try:
        if path.stat().st_size > _MAX_FILE_BYTES:
            raise ValueError(f"larger than {_MAX_FILE_BYTES} bytes")
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise TypeError("not a mapping of keys to values")
        mapping = ImportMapping.model_validate({**loaded, "name": name})
    except ValidationError as exc:
        details = [problem.model_dump() for problem in problems_from_validation(exc)]
        raise BadRequest(f"导入映射「{name}」有误", code="MAPPING_INVALID", details=details) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError, TypeError) as exc:
        raise BadRequest(f"导入映射「{name}」无法读取：{exc}", code="MAPPING_INVALID") from None
    if mapping.kind is not None and mapping.kind != kind:
        raise BadRequest(
            f"导入映射「{name}」用于 {mapping.kind}，不能导入 {kind}", code="MAPPING_KIND_MISMATCH"
        )
    return mapping

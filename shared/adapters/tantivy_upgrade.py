"""A tantivy index written with an earlier schema (an upgrade in place): rebuilt at open, then swapped in.

tantivy refuses to open an index with a schema other than its own, but opens it
with the schema it stored, so every live document can be read back (its id,
version and stored source) and rebuilt as this release writes it
(``shared.index.rebuild``). The writer builds the new index beside the old one
and swaps the directories, one rename at a time; at each step one complete index
is on disk under a name that says what it is, and the next start finishes
what a crash cut short:

1. build ``<name>.partial`` (a crash: removed, the old index is untouched);
2. rename it ``<name>.rebuilt``: complete from now on;
3. rename ``<name>`` to ``<name>.old`` and ``<name>.rebuilt`` to ``<name>``;
4. remove ``<name>.old``.

Readers (the other worker processes of the embedded shape, ``read_only``) never
rebuild nor create an index: they wait until the directory holds an index of
the current schema, which the writer leaves there only once it is final.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tantivy

from shared.ports.search_index import IndexDoc, Rebuild

log = logging.getLogger(__name__)

READER_WAIT_S = 900.0
"""How long a reader waits for the writer to create or rebuild the index before its start fails (and
the worker started in its place waits again): a rebuild of 100,000 postings takes well under this."""
_POLL_S = 0.2
_WRITER_HEAP_BYTES = 64 * 1024 * 1024

Stored = Callable[[tantivy.Document], tuple[str, int, dict[str, Any] | None]]
"""A document of the old index → its id, version and stored source (None when it has none)."""
ToTantivy = Callable[[IndexDoc], tantivy.Document]


class IndexSchemaMismatch(RuntimeError):
    """The index on disk has another schema and cannot be upgraded here."""


def _siblings(path: Path) -> tuple[Path, Path, Path]:
    """Where steps 1, 2 and 3 put an index: ``partial``, ``rebuilt``, ``old``."""
    partial, rebuilt, old = (path.with_name(f"{path.name}.{step}") for step in ("partial", "rebuilt", "old"))
    return partial, rebuilt, old


def schema_on_disk(path: Path) -> tantivy.Schema | None:
    """The schema the index at ``path`` was written with; None when there is no index there."""
    if not path.is_dir() or not tantivy.Index.exists(str(path)):
        return None
    return tantivy.Index.open(str(path)).schema


def _sync_directory(path: Path) -> None:
    """Make renames and new entries in ``path`` survive a power cut."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _swap(path: Path, rebuilt: Path, old: Path) -> None:
    if path.exists():
        if old.exists():
            shutil.rmtree(old)  # left by an earlier upgrade whose last step was cut short
        path.rename(old)
    rebuilt.rename(path)
    _sync_directory(path.parent)
    shutil.rmtree(old, ignore_errors=True)


def _finish_interrupted(path: Path) -> None:
    partial, rebuilt, old = _siblings(path)
    if partial.exists():
        log.warning("index %s: removing a rebuild a stop cut short; it starts again", path)
        shutil.rmtree(partial)
    if rebuilt.exists():
        log.warning("index %s: finishing the swap of an index rebuilt before a stop", path)
        _swap(path, rebuilt, old)
    elif old.exists():
        if not path.exists():  # not a state the steps leave, but the old index is the data: keep it
            old.rename(path)
            _sync_directory(path.parent)
        else:
            shutil.rmtree(old)


def upgrade_in_place(
    path: Path, schema: tantivy.Schema, *, rebuild: Rebuild | None, stored: Stored, to_tantivy: ToTantivy
) -> None:
    """Leave at ``path`` an index of ``schema``, or nothing (a new index is created there)."""
    _finish_interrupted(path)
    found = schema_on_disk(path)
    if found is None or found == schema:
        return
    if rebuild is None:
        raise IndexSchemaMismatch(
            f"the index at {path} was written with another schema and nothing here knows how to rebuild "
            "its documents"
        )
    started = time.monotonic()
    partial, rebuilt, old = _siblings(path)
    written, unrebuilt = _rebuild_into(partial, path, schema, rebuild, stored, to_tantivy)
    partial.rename(rebuilt)
    _sync_directory(path.parent)
    _swap(path, rebuilt, old)
    log.info(
        "index %s rebuilt for this release's schema: %d documents in %.1f s (%d kept as they were stored)",
        path,
        written,
        time.monotonic() - started,
        unrebuilt,
        extra={"index": str(path), "docs": written, "unrebuilt": unrebuilt},
    )


def _rebuild_into(
    partial: Path, path: Path, schema: tantivy.Schema, rebuild: Rebuild, stored: Stored, to_tantivy: ToTantivy
) -> tuple[int, int]:
    partial.mkdir(parents=True)
    searcher = tantivy.Index.open(str(path)).searcher()
    writer = tantivy.Index(schema, path=str(partial), reuse=False).writer(
        heap_size=_WRITER_HEAP_BYTES, num_threads=1
    )
    found = searcher.search(tantivy.Query.all_query(), limit=max(searcher.num_docs, 1), count=False)
    written = unrebuilt = 0
    for _, address in found.hits:
        doc_id, version, source = stored(searcher.doc(address))
        if source is None:
            log.error("index %s: document %s has no stored record and cannot be carried over", path, doc_id)
            continue
        try:
            fields, source = rebuild(source)
        except Exception as exc:  # noqa: BLE001 - one bad document must not keep the index from opening
            # Kept by its id with the source it had, out of searches until its record is written again.
            # The error's type only: a validation error's text quotes the values (a name, a phone).
            log.error(
                "index %s: cannot rebuild document %s (%s); it is kept as stored, found by its id only",
                path,
                doc_id,
                type(exc).__name__,
            )
            fields = {}
            unrebuilt += 1
        writer.add_document(to_tantivy(IndexDoc(doc_id, version, fields, source)))
        written += 1
    writer.commit()
    writer.wait_merging_threads()
    _sync_directory(partial)
    return written, unrebuilt


def wait_until_current(path: Path, schema: tantivy.Schema, *, timeout_s: float) -> None:
    """Return once ``path`` holds an index of ``schema``: what the writer leaves there only when final."""
    deadline = time.monotonic() + timeout_s
    waiting = False
    while True:
        try:
            if schema_on_disk(path) == schema:
                if waiting:
                    log.info("index %s: the writer has it ready; opening it read-only", path)
                return
        except (OSError, ValueError):
            pass  # caught mid-rename: look again
        if time.monotonic() > deadline:
            raise IndexSchemaMismatch(
                f"the index at {path} still has no index of this release's schema after {timeout_s:.0f} s: "
                "the process holding writer.lock creates or rebuilds it (see its log)"
            )
        if not waiting:
            log.info("index %s: waiting for the writer to create or rebuild it", path)
            waiting = True
        time.sleep(_POLL_S)

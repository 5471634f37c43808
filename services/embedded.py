"""The embedded shape: ingest, search and matcher in one process on one port.

A tantivy index and a SQLite event log under ``JOBMATCH_DATA_DIR``: what an
offline job-fair laptop or a county office runs. The indexing consumer runs
in a background thread; on first start the demo data set can be loaded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.ingest.batch import Kind, ingest_batch
from services.ingest.service import INGEST
from services.matcher.service import MATCHER
from services.search.service import SEARCH
from shared.adapters.backends import Backends
from shared.security.keys import create_first_keys, write_private
from shared.security.secret import api_key_hash, deployment_secret, id_number_hash
from shared.settings import Settings
from shared.web.service import combined

log = logging.getLogger(__name__)

DEMO_MARKER = "demo-data-loaded"
PLAIN_KEYS_FILE = "api-keys.json"
LOCAL_SOURCE = "local"
"""What the first partner key is bound to when no demo data is loaded (make others with jobmatch keys)."""
DEMO_POSTINGS = 2000
DEMO_SEEKERS = 500


def load_demo_data(backends: Backends) -> None:
    """Publish the demo set once per data directory (when the settings ask for it); the consumer indexes it."""
    settings = backends.settings
    marker = settings.data_dir / DEMO_MARKER
    if not settings.demo_data or marker.exists():
        return
    from shared.demo.generator import generate_postings, generate_seekers

    now = datetime.now(UTC)
    id_numbers = id_number_hash(deployment_secret(settings))
    postings = generate_postings(DEMO_POSTINGS, seed=settings.demo_seed)
    seekers = generate_seekers(DEMO_SEEKERS, seed=settings.demo_seed)
    batches: tuple[tuple[Kind, list[dict[str, Any]]], ...] = (("postings", postings), ("seekers", seekers))
    for kind, items in batches:
        result = ingest_batch(
            kind, items, event_log=backends.event_log, received_at=now, id_number_hash=id_numbers.hexdigest
        )
        log.info("demo %s: %d accepted, %d rejected", kind, result.accepted, result.rejected)
    marker.write_text(now.isoformat())


def provision_first_keys(settings: Settings, *, partner_sources: Sequence[str] | None = None) -> Path | None:
    """On a first start with no keys, one key per role: hashes in the keys file, the keys themselves in
    ``<data dir>/api-keys.json`` (mode 0600) for the operator. None when keys exist (later starts).

    The partner and mobile keys are bound to ``partner_sources``; by default the demo data's sources when
    the demo set loads, else ``local``."""
    from shared.demo.generator import DEMO_SOURCES

    hasher = api_key_hash(deployment_secret(settings))
    if partner_sources is None:
        partner_sources = DEMO_SOURCES if settings.demo_data else (LOCAL_SOURCE,)
    path = settings.data_dir / PLAIN_KEYS_FILE

    def keep(plain: dict[str, str]) -> None:
        write_private(path, json.dumps(plain, indent=2) + "\n")

    made = create_first_keys(
        settings.keys_path, hasher=hasher, partner_sources=partner_sources, keep_plain=keep
    )
    return None if made is None else path


def plain_keys(data_dir: Path) -> dict[str, str]:
    """The keys the first start wrote to ``<data dir>/api-keys.json``, by role."""
    return dict(json.loads((data_dir / PLAIN_KEYS_FILE).read_text(encoding="utf-8")))


EMBEDDED = combined("embedded", "jobmatch embedded", (INGEST, SEARCH, MATCHER), on_start=(load_demo_data,))

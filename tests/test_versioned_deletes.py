"""Same ``source:source_id``: the newer ``updated_at`` wins, and a deletion is versioned too (embedded shape;
the distributed shape runs the same scenario in tests/test_distributed_e2e.py)."""

from __future__ import annotations

from pathlib import Path

from services.embedded import EMBEDDED
from shared.settings import Settings
from shared.web.app_factory import create_app as create_service_app
from tests.helpers import keyed_client
from tests.versioning import check_versions_and_deletions


def test_versions_and_deletions_on_the_embedded_shape(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", environment="test")
    with keyed_client(create_service_app(EMBEDDED, settings=settings), settings) as client:
        check_versions_and_deletions(
            post=lambda kind, records: client.post(f"/v1/{kind}", json=records),
            delete=client.delete,
            get=client.get,
            timeout_s=20,
        )

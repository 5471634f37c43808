"""What a service does once at start for speed: objects alive after startup leave the collector's reach."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from services.embedded import EMBEDDED
from shared.settings import Settings
from shared.web.app_factory import create_app


def test_startup_objects_are_frozen_while_the_service_runs_and_released_after(tmp_path: Path) -> None:
    """Full collections scanned them on every pass: the long pauses behind a match's p95."""
    gc.unfreeze()
    app = create_app(EMBEDDED, settings=Settings(data_dir=tmp_path / "data", environment="test"))
    with TestClient(app):  # no request is made: no key needed
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0

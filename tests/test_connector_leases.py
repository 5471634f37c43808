"""One run of a source at a time across processes: the lease in the state store, on both adapters.

Two ``Connectors`` over one state store stand for two processes of a deployment (two ingest replicas,
or two worker processes of the embedded shape): each has its own holder id, as each process does.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.ingest.connectors.config import load_sources
from services.ingest.connectors.lease import LEASE_KIND
from services.ingest.connectors.scheduler import Connectors, Source, SourceBusy, lease_key
from shared.adapters.backends import Backend, Backends
from shared.settings import Settings
from tests.connector_helpers import TOKEN, TOKEN_ENV, jobs_source, write_sources
from tests.fake_platform import Platform, job, serving
from tests.helpers import wait_for

NEEDS = frozenset({Backend.EVENT_LOG, Backend.POSTINGS_INDEX, Backend.SEEKERS_INDEX, Backend.STATE_STORE})


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def backends(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backends]:
    if request.param == "sqlite":
        settings = Settings(data_dir=tmp_path / "data", environment="test", connector_lease_s=3)
    else:
        client = request.getfixturevalue("es_client")
        settings = Settings(
            data_dir=tmp_path / "data",
            environment="test",
            index_backend="elasticsearch",
            elasticsearch_url=request.getfixturevalue("elasticsearch_url"),
            index_prefix=f"leases-{uuid.uuid4().hex[:8]}",
            connector_lease_s=3,
        )
    opened = Backends.open(settings, NEEDS)
    try:
        yield opened
    finally:
        opened.close()
        if request.param == "elasticsearch":
            for name in client.indices.get(index=f"{settings.index_prefix}-*"):
                client.indices.delete(index=name)


def test_a_source_runs_in_one_process_at_a_time_and_a_stale_lease_is_taken_over(
    backends: Backends, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    held = threading.Event()
    with serving(Platform(jobs=[job(n) for n in range(1, 6)], token=TOKEN, hold={"1": held})) as platform:
        path = write_sources(tmp_path / "sources.yaml", jobs_source(platform.url))
        sources = [Source(kind, config) for kind, config in load_sources(path)]
        first, second = Connectors(sources, backends), Connectors(sources, backends)
        try:
            first.start("fakejobs", "request")
            wait_for(lambda: platform.seen)
            with pytest.raises(SourceBusy):
                second.start("fakejobs", "schedule")
            assert second.busy() == {"fakejobs"}
            held.set()
            wait_for(lambda: not first.busy(), timeout_s=20)
            assert first.checkpoint("fakejobs").last_run.outcome == "succeeded"  # type: ignore[union-attr]

            # A holder that died leaves its lease behind; once expired, another process takes it over.
            expired = datetime.now(UTC) - timedelta(seconds=1)
            lease = {
                "holder": "ghost:1:dead",
                "expires_at": expired.isoformat(),
                "renewed_at": expired.isoformat(),
            }
            backends.state.put(LEASE_KIND, lease_key("fakejobs"), lease)
            assert second.busy() == set()
            second.start("fakejobs", "schedule")
            wait_for(lambda: not second.busy(), timeout_s=20)
            run = second.checkpoint("fakejobs").last_run
            assert run is not None and (run.outcome, run.holder) == ("succeeded", second.holder)
            assert run.counts.unchanged_pages == 1  # the checkpoint (validators) is shared, not per process

            # A live holder's lease (renewed, not expired) keeps everyone else out.
            live = datetime.now(UTC) + timedelta(seconds=30)
            lease = {"holder": "other:2:live", "expires_at": live.isoformat(), "renewed_at": live.isoformat()}
            backends.state.put(LEASE_KIND, lease_key("fakejobs"), lease)
            with pytest.raises(SourceBusy):
                first.start("fakejobs", "request")
        finally:
            first.stop()
            second.stop()

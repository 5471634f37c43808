"""Pull connectors in the distributed shape: the ingest service on Elasticsearch and Kafka pulls the fake
platform; the search service shows what it pulled."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.connector_helpers import TOKEN, TOKEN_ENV, finished_run, jobs_source, sync, write_sources
from tests.fake_platform import Platform, job, serving
from tests.helpers import bearer, distributed_services, wait_for

pytestmark = [pytest.mark.distributed, pytest.mark.elasticsearch, pytest.mark.kafka]


def test_ingest_pulls_through_faults_and_the_records_are_searchable_once(
    elasticsearch_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = Platform(jobs=[job(n) for n in range(1, 26)], token=TOKEN)
    platform.faults = {"2": ["500"], "3": ["429"]}
    platform.retry_after = "1"
    platform.jobs[4] = {"jobId": "J0005", "deleted": True, "updated": "2026-03-05T09:00:00+08:00"}
    with serving(platform):
        sources = write_sources(
            tmp_path / "sources.yaml",
            jobs_source(platform.url),
            jobs_source(platform.url, name="scheduled", record_source="e2e", interval_s=2),
        )
        with distributed_services(
            tmp_path,
            elasticsearch_url=elasticsearch_url,
            kafka_bootstrap=kafka_bootstrap,
            name="connectors",
            partitions=2,
            extra_env={"JOBMATCH_SOURCES_FILE": str(sources), TOKEN_ENV: TOKEN},
        ) as (services, keys):
            ingest = httpx.Client(base_url=services["ingest"].url, headers=bearer(keys["staff"]), timeout=30)
            search = httpx.Client(base_url=services["search"].url, headers=bearer(keys["kiosk"]), timeout=30)
            with ingest, search:
                state = sync(ingest, "fakejobs")
                counts = state["last_run"]["counts"]
                assert state["last_run"]["outcome"] == "succeeded", state
                assert (counts["fetched"], counts["accepted"], counts["deleted"]) == (25, 24, 1)

                def total(source: str) -> int:
                    return sum(
                        1
                        for n in range(1, 26)
                        if search.get(f"/v1/postings/{source}:J{n:04d}").status_code == 200
                    )

                wait_for(lambda: total("test") == 24, timeout_s=60, interval_s=1)
                assert search.get("/v1/postings/test:J0005").status_code == 404

                again = sync(ingest, "fakejobs")
                assert again["last_run"]["counts"]["unchanged_pages"] == 3
                assert again["totals"]["accepted"] == 24

                # The scheduled source runs without a request, every 2 s.
                wait_for(
                    lambda: finished_run(ingest, "scheduled")["totals"]["pages"] >= 6,
                    timeout_s=60,
                    interval_s=1,
                )
                scheduled = finished_run(ingest, "scheduled")
                assert scheduled["last_run"]["trigger"] == "schedule" and scheduled["next_run_at"]
                wait_for(lambda: total("e2e") == 24, timeout_s=60, interval_s=1)
    assert {s.headers.get("authorization") for s in platform.seen} == {f"Bearer {TOKEN}"}

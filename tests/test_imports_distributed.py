"""File imports on the distributed shape: the ingest service on Kafka and an Elasticsearch state store,
the search service indexing what it publishes, and the staff CLI run as a command against it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.ingest.imports.jobs import ImportJob, new_job_id, now, save
from shared.adapters.es_state import ElasticsearchStateStore
from tests.helpers import ROOT, Service, distributed_services, wait_for
from tests.import_files import (
    POSTING_HEADER,
    csv_bytes,
    job_fair_sheet,
    notes_sheet,
    posting_rows,
    xlsx_bytes,
)

pytestmark = [pytest.mark.distributed, pytest.mark.elasticsearch, pytest.mark.kafka]


@pytest.fixture
def services(elasticsearch_url: str, kafka_bootstrap: str, tmp_path: Path) -> Iterator[dict[str, Service]]:
    with distributed_services(
        tmp_path,
        elasticsearch_url=elasticsearch_url,
        kafka_bootstrap=kafka_bootstrap,
        name="imports",
        partitions=2,
        extra_env={"JOBMATCH_IMPORT_STALE_AFTER_S": "5"},
    ) as (started, _):
        yield started


def _import(http: httpx.Client, ingest: str, content: bytes, **form: str) -> dict[str, Any]:
    response = http.post(
        f"{ingest}/v1/imports",
        data={"kind": "postings", "source": "e2e", **form},
        files={"file": ("f", content)},
    )
    assert response.status_code == 202, response.text

    def finished() -> dict[str, Any] | None:
        job = http.get(f"{ingest}/v1/imports/{response.json()['id']}").json()
        return job if job["status"] != "running" else None

    found: dict[str, Any] = wait_for(finished, timeout_s=60)
    return found


def test_imports_through_the_distributed_services(services: dict[str, Service], tmp_path: Path) -> None:
    ingest, search = services["ingest"].url, services["search"].url
    with httpx.Client(headers=services["ingest"].headers("staff"), timeout=30) as http:
        workbook = _import(http, ingest, xlsx_bytes(("说明", notes_sheet), ("岗位", job_fair_sheet)))
        assert (workbook["status"], workbook["format"], workbook["accepted"]) == ("done", "xlsx", 3), workbook
        rows = [POSTING_HEADER, *posting_rows(5, title="电焊工"), ["6", "", "郑州"]]
        table = _import(http, ingest, csv_bytes(rows, encoding="gbk"))
        assert (table["encoding"], table["accepted"], table["rejected"]) == ("gb18030", 5, 1)
        assert [(error["row"], error["code"]) for error in table["errors"]] == [(7, "RAGGED_ROW")]

        def welders() -> list[str]:
            hits = http.get(f"{search}/v1/postings/search", params={"q": "电焊工", "size": 50}).json()["hits"]
            return sorted(hit["id"] for hit in hits)

        wait_for(lambda: len(welders()) == 5, timeout_s=60)
        first = welders()
        again = _import(http, ingest, csv_bytes(rows, encoding="gbk"))
        assert again["accepted"] == 5
        time.sleep(3)  # what the second import published has been indexed by now
        assert welders() == first
        assert wait_for(
            lambda: http.get(f"{search}/v1/postings/search", params={"q": "质检员"}).json()["total"]
        )

        # A job whose process was killed: its heartbeat stops, any replica answers it interrupted.
        env = services["ingest"].env
        state = ElasticsearchStateStore(
            url=env["JOBMATCH_ELASTICSEARCH_URL"], prefix=env["JOBMATCH_INDEX_PREFIX"]
        )
        started = now() - timedelta(minutes=10)
        killed = ImportJob(
            id=new_job_id(started),
            kind="postings",
            source="e2e",
            format="csv",
            position=1500,
            rows_read=1500,
            accepted=1500,
            started_at=started,
            heartbeat_at=started,
            owner="elsewhere:1:x",
        )
        save(state, killed)
        state.close()
        answered = http.get(f"{ingest}/v1/imports/{killed.id}").json()
        assert (answered["status"], answered["rows_read"]) == ("interrupted", 1500)
        listed = http.get(f"{ingest}/v1/imports").json()["items"]
        assert {item["id"] for item in listed} >= {workbook["id"], table["id"], again["id"], killed.id}

    good = tmp_path / "fair.csv"
    good.write_bytes(csv_bytes([POSTING_HEADER, *posting_rows(3, title="钢筋工")], encoding="gbk"))
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.cli",
            "import",
            str(good),
            "--kind",
            "postings",
            "--source",
            "e2e",
            "--url",
            ingest,
        ],
        check=False,
        cwd=ROOT,
        env={
            **os.environ,
            "JOBMATCH_API_KEY": services["ingest"].headers("staff")["Authorization"].split()[1],
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    assert "共 3 行，接受 3，拒绝 0" in cli.stderr

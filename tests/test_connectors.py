"""Pull connectors in the embedded shape, against a fake platform that misbehaves on purpose.

Each test counts what reached the index by id and version: no record lost, none duplicated.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.embedded import EMBEDDED
from services.ingest.connectors.config import SourcesFileError, load_sources
from shared.ports.event_log import TOPIC_DLQ
from shared.ports.search_index import SearchIndex
from shared.settings import Settings
from shared.web.app_factory import create_app
from tests.connector_helpers import (
    TOKEN,
    TOKEN_ENV,
    finished_run,
    jobs_source,
    source_state,
    sync,
    write_sources,
)
from tests.fake_platform import Platform, job, serving
from tests.helpers import bearer, keyed_client, role_keys, wait_for

UPDATED = "2026-03-01T09:00:00+08:00"


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with serving(Platform(jobs=[job(n) for n in range(1, 26)], token=TOKEN)) as started:
        yield started


def settings_for(tmp_path: Path, *sources: dict[str, Any]) -> Settings:
    path = write_sources(tmp_path / "sources.yaml", *sources)
    return Settings(data_dir=tmp_path / "data", environment="test", sources_file=path)


def client_for(settings: Settings) -> TestClient:
    return keyed_client(create_app(EMBEDDED, settings=settings), settings, role="staff")


def postings_index(client: TestClient) -> SearchIndex:
    index: SearchIndex = client.app.state.backends.postings  # type: ignore[attr-defined]
    return index


def current_versions(client: TestClient, ids: list[str]) -> dict[str, int]:
    index = postings_index(client)
    index.refresh()
    return index.versions(ids)


def indexed_versions(client: TestClient, count: int) -> dict[str, int]:
    """The versions of test:J0001 … once every one of them is indexed (and nothing else is)."""
    ids = [f"test:J{n:04d}" for n in range(1, count + 1)]
    index = postings_index(client)

    def all_there() -> dict[str, int] | None:
        index.refresh()
        found = index.versions(ids)
        return found if len(found) == count else None

    found = wait_for(all_there, timeout_s=20)
    assert index.count() == count  # none duplicated, none from elsewhere
    return found


def ms(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text).timestamp() * 1000)


def test_faults_on_pages_lose_nothing_and_the_counts_say_what_happened(
    platform: Platform, tmp_path: Path
) -> None:
    platform.faults = {"2": ["500", "503"], "3": ["timeout"]}
    platform.sleep_s = 1.5  # past the connector's 1 s timeout
    settings = settings_for(tmp_path, jobs_source(platform.url))
    with client_for(settings) as client:
        state = sync(client, "fakejobs")

        assert state["last_run"]["outcome"] == "succeeded", state
        counts = state["last_run"]["counts"]
        assert (counts["pages"], counts["fetched"], counts["accepted"], counts["rejected"]) == (3, 25, 25, 0)
        assert state["last_error"] is None
        assert state["page"] is None  # a pass complete: the next run starts from the first page
        assert state["url"] == f"{platform.url}/jobs"
        versions = indexed_versions(client, 25)
        assert set(versions.values()) == {ms(UPDATED)}
        posting = client.get("/v1/postings/test:J0007").json()
        assert (posting["title"], posting["employer"]["name"], posting["job_type"]) == (
            "普工7号岗",
            "郑州某电子厂7",
            "全职",
        )
    assert platform.pages_requested() == ["1", "2", "2", "2", "3", "3"]
    assert {s.headers.get("authorization") for s in platform.seen} == {f"Bearer {TOKEN}"}


def test_a_malformed_page_fails_the_run_keeps_the_checkpoint_and_the_next_run_resumes_there(
    platform: Platform, tmp_path: Path
) -> None:
    platform.faults = {"2": ["malformed", "not_a_list", "malformed", "malformed"]}
    settings = settings_for(tmp_path, jobs_source(platform.url))
    with client_for(settings) as client:
        failed = sync(client, "fakejobs")
        assert failed["last_run"]["outcome"] == "failed"
        assert failed["last_error"]["code"] == "PAGE_MALFORMED"
        assert failed["page"] == 2
        assert failed["last_run"]["counts"]["accepted"] == 10
        assert client.get("/readyz").status_code == 200  # a platform's fault is not the service's

        resumed = sync(client, "fakejobs")
        assert resumed["last_run"]["outcome"] == "succeeded"
        assert resumed["last_error"]["code"] == "PAGE_MALFORMED"  # kept: the last failure and when
        assert resumed["last_run"]["counts"]["accepted"] == 15
        assert resumed["totals"]["accepted"] == 25
        indexed_versions(client, 25)
    assert platform.pages_requested() == ["1", "2", "2", "2", "2", "2", "3"]


def test_a_page_served_twice_and_a_record_changed_between_pages(platform: Platform, tmp_path: Path) -> None:
    platform.twice = {2: 1}  # page 2 answers page 1's items again

    def edit() -> None:
        platform.jobs[24] = job(25, name="普工25号岗（加急）", updated="2026-03-02T09:00:00+08:00")
        platform.twice.clear()

    platform.after_page = {"2": edit}
    settings = settings_for(tmp_path, jobs_source(platform.url))
    with client_for(settings) as client:
        first = sync(client, "fakejobs")
        counts = first["last_run"]["counts"]
        # Page 2 repeated page 1: those ten are unchanged (published once), and J0011-J0020 are missing
        # from this pass; the edit of J0025 made before page 3 is read with its newer version.
        assert (counts["fetched"], counts["accepted"], counts["unchanged"]) == (25, 15, 10)
        assert postings_index(client).count() <= 15

        second = sync(client, "fakejobs")
        counts = second["last_run"]["counts"]
        # Page 1 and page 3 are as they were served then (304); page 2 now holds J0011-J0020.
        assert (counts["accepted"], counts["unchanged"], counts["unchanged_pages"]) == (10, 0, 2)
        versions = indexed_versions(client, 25)
        assert versions["test:J0025"] == ms("2026-03-02T09:00:00+08:00")
        assert client.get("/v1/postings/test:J0025").json()["title"] == "普工25号岗（加急）"


def test_conditional_requests_answered_304_publish_nothing(platform: Platform, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, jobs_source(platform.url))
    with client_for(settings) as client:
        sync(client, "fakejobs")
        indexed_versions(client, 25)
        platform.jobs[3] = job(4, name="普工4号岗（新）", updated="2026-03-03T09:00:00+08:00")

        again = sync(client, "fakejobs")
        counts = again["last_run"]["counts"]
        assert (counts["pages"], counts["unchanged_pages"], counts["accepted"], counts["unchanged"]) == (
            3,
            2,
            1,
            9,
        )
        newer = {"test:J0004": ms("2026-03-03T09:00:00+08:00")}
        wait_for(lambda: current_versions(client, ["test:J0004"]) == newer)
        assert indexed_versions(client, 25)["test:J0004"] == newer["test:J0004"]
    second_pass = platform.seen[3:]
    assert all("if-none-match" in s.headers and "if-modified-since" in s.headers for s in second_pass)
    assert [s.status for s in second_pass] == [200, 304, 304]


def test_429_waits_for_retry_after(platform: Platform, tmp_path: Path) -> None:
    platform.faults = {"1": ["429"]}
    platform.retry_after = "1"
    settings = settings_for(tmp_path, jobs_source(platform.url))
    with client_for(settings) as client:
        state = sync(client, "fakejobs")
        assert state["last_run"]["outcome"] == "succeeded"
        indexed_versions(client, 25)
    first, retried = platform.seen[0], platform.seen[1]
    assert first.status == 429 and retried.status == 200
    assert retried.at - first.at >= 0.95


def test_the_rate_limit_holds_in_every_window(platform: Platform, tmp_path: Path) -> None:
    platform.jobs = [job(n) for n in range(1, 10)]
    source = jobs_source(platform.url, rate_limit="3/second", paging={"type": "page", "size": 1})
    settings = settings_for(tmp_path, source)
    with client_for(settings) as client:
        state = sync(client, "fakejobs")
        assert state["last_run"]["counts"]["pages"] == 10  # nine items, then an empty page
        indexed_versions(client, 9)
    times = [s.at for s in platform.seen]
    # Any 4 consecutive requests span at least a second: never more than 3 in one.
    assert min(later - earlier for earlier, later in zip(times, times[3:], strict=False)) >= 0.95
    assert times[-1] - times[0] >= 2.9


def test_a_restart_mid_run_resumes_after_the_last_published_page(platform: Platform, tmp_path: Path) -> None:
    held = threading.Event()
    platform.hold = {"3": held}
    settings = settings_for(tmp_path, jobs_source(platform.url))
    with client_for(settings) as client:
        assert client.post("/v1/sources/fakejobs/sync").status_code == 202
        wait_for(lambda: "3" in platform.pages_requested())
        busy = client.post("/v1/sources/fakejobs/sync")
        assert busy.status_code == 409 and busy.json()["error"]["code"] == "SYNC_ALREADY_RUNNING"
        assert source_state(client, "fakejobs")["running"] is True
    # The service stopped while page 3 was being fetched: pages 1 and 2 are published and checkpointed.
    requested_before = len(platform.seen)
    held.set()
    with client_for(settings) as client:
        state = source_state(client, "fakejobs")
        assert state["page"] == 3 and state["last_run"]["outcome"] == "interrupted"
        resumed = sync(client, "fakejobs")
        assert resumed["last_run"]["outcome"] == "succeeded"
        assert resumed["last_run"]["counts"]["accepted"] == 5
        indexed_versions(client, 25)
    assert [s.params["page"] for s in platform.seen[requested_before:]] == ["3"]


def test_the_scheduler_runs_a_source_on_its_interval(platform: Platform, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, jobs_source(platform.url, interval_s=1))
    with client_for(settings) as client:
        wait_for(lambda: platform.pages_requested().count("1") >= 2, timeout_s=20)
        state = finished_run(client, "fakejobs")
        assert state["last_run"]["trigger"] == "schedule"
        assert state["next_run_at"] is not None
        indexed_versions(client, 25)


def test_deletions_rejections_and_dead_letters(platform: Platform, tmp_path: Path) -> None:
    platform.jobs = [job(n) for n in range(1, 6)] + [
        job(6, name=""),  # no title: rejected
        {"jobId": "J0007", "deleted": True, "updated": "2026-03-05T09:00:00+08:00"},
        "not an object",
    ]
    settings = settings_for(tmp_path, jobs_source(platform.url))
    with client_for(settings) as client:
        sync(client, "fakejobs")
        wait_for(lambda: postings_index(client).count() == 5)
        platform.jobs[2] = {"jobId": "J0003", "deleted": True, "updated": "2026-03-05T09:00:00+08:00"}

        state = sync(client, "fakejobs")
        counts = state["last_run"]["counts"]
        assert (counts["accepted"], counts["unchanged"], counts["rejected"], counts["deleted"]) == (
            0,
            5,
            2,
            1,
        )
        wait_for(lambda: current_versions(client, ["test:J0003"]) == {})
        assert state["totals"]["deleted"] == 2  # J0007 in the first run, J0003 in the second

        backends = client.app.state.backends  # type: ignore[attr-defined]
        consumer = backends.event_log.consumer([TOPIC_DLQ], group=f"dlq-{time.time_ns()}")
        letters = [event.value for event in consumer.poll(max_records=100, timeout_s=2)]
        consumer.close()
    connector_letters = [letter for letter in letters if letter.get("origin", {}).get("type") == "connector"]
    assert len(connector_letters) == 4  # two bad items in each of two runs
    untitled = next(letter for letter in connector_letters if letter["record"])
    assert untitled["origin"]["source"] == "fakejobs" and untitled["origin"]["page"] == "1"
    assert untitled["origin"]["raw"]["jobId"] == "J0006"
    assert untitled["errors"][0]["field"] == "title"


def test_unknown_source_and_access(platform: Platform, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, jobs_source(platform.url))
    with client_for(settings) as client:
        missing = client.post("/v1/sources/nowhere/sync")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "SOURCE_NOT_FOUND"
        partner = bearer(role_keys(settings)["partner"])
        assert client.get("/v1/sources", headers=partner).status_code == 403
        assert client.post("/v1/sources/fakejobs/sync", headers=partner).status_code == 403
    assert platform.seen == []


def test_a_missing_secret_fails_the_run_not_the_service(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    settings = settings_for(tmp_path, jobs_source(platform.url))
    with client_for(settings) as client:
        state = sync(client, "fakejobs")
        assert state["last_run"]["outcome"] == "failed"
        assert state["last_error"]["code"] == "AUTH_SECRET_MISSING"
        monkeypatch.setenv(TOKEN_ENV, "wrong")
        state = sync(client, "fakejobs")
        assert state["last_error"]["code"] == "PLATFORM_REFUSED"
        assert TOKEN not in str(state)
    assert [s.status for s in platform.seen] == [401]


def test_a_bad_sources_file_is_an_error_at_start_naming_source_and_field(tmp_path: Path) -> None:
    good = jobs_source("http://127.0.0.1:9")
    path = write_sources(
        tmp_path / "bad.yaml", good, jobs_source("http://127.0.0.1:9", name="other", rate_limit="fast")
    )
    with pytest.raises(SourcesFileError, match=r"source 'other', field rate_limit"):
        load_sources(path)
    write_sources(path, {**good, "paging": {"type": "page", "size": 0}})
    with pytest.raises(SourcesFileError, match=r"source 'fakejobs', field paging.page.size"):
        load_sources(path)
    write_sources(path, {**good, "intervall_s": 5})
    with pytest.raises(SourcesFileError, match=r"field intervall_s"):
        load_sources(path)
    write_sources(path, good, good)
    with pytest.raises(SourcesFileError, match="重复"):
        load_sources(path)
    path.write_text("sources: [", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", environment="test", sources_file=path)
    with pytest.raises(SourcesFileError, match="not valid YAML"), client_for(settings):
        pass


PARTNER_ENV = "JOBMATCH_TEST_PARTNER_KEY"
PARTNER_KEY = "jm_partnerkey_0123456789abcdef"


def feed_item(op: str, record_id: str, version: int, record: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"op": op, "id": record_id, "kind": "posting", "version": version, "record": record}


def test_a_partner_feed_preset_keeps_ids_applies_deletions_and_echoes_nothing_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PARTNER_ENV, PARTNER_KEY)
    ours = {
        "source": "test",
        "source_id": "B1",
        "title": "叉车司机",
        "location": "郑州市",
        "updated_at": "2026-03-01T08:00:00+08:00",
    }
    theirs = [
        {
            "source": "henan",
            "source_id": f"P{n}",
            "title": f"电工{n}",
            "location": "洛阳市",
            "updated_at": UPDATED,
        }
        for n in (1, 2, 3)
    ]
    platform = Platform(token=PARTNER_KEY)
    platform.feed = [
        feed_item("upsert", "henan:P1", ms(UPDATED), theirs[0]),
        feed_item("upsert", "henan:P2", ms(UPDATED), theirs[1]),
        # Our own record, as the partner pulled it from us: the same version, so nothing to publish.
        feed_item("upsert", "test:B1", ms(ours["updated_at"]), ours),
        feed_item("delete", "henan:P2", ms("2026-03-02T09:00:00+08:00")),
        feed_item("upsert", "henan:P3", ms(UPDATED), theirs[2]),
    ]
    source = {
        "name": "henan-feed",
        "type": "jobmatch_feed",
        "kind": "postings",
        "url": "http://placeholder",
        "key_env": PARTNER_ENV,
        "limit": 2,
        "interval_s": None,
        "retry": {"attempts": 2, "initial_s": 0.05, "max_s": 0.1},
    }
    with serving(platform):
        source["url"] = platform.url + "/"
        settings = settings_for(tmp_path, source)
        with client_for(settings) as client:
            admin = bearer(role_keys(settings)["admin"])
            assert client.post("/v1/postings", json=[ours], headers=admin).json()["accepted"] == 1
            wait_for(lambda: postings_index(client).versions(["test:B1"]))

            state = sync(client, "henan-feed")
            counts = state["last_run"]["counts"]
            assert state["type"] == "jobmatch_feed" and state["url"] == f"{platform.url}/v1/feeds/postings"
            assert (counts["fetched"], counts["accepted"], counts["deleted"], counts["unchanged"]) == (
                5,
                3,
                1,
                1,
            )
            assert state["cursor"] == "5"
            index = postings_index(client)

            def settled() -> dict[str, int] | None:
                index.refresh()
                found = index.versions(["henan:P1", "henan:P2", "henan:P3", "test:B1"])
                return found if set(found) == {"henan:P1", "henan:P3", "test:B1"} else None

            wait_for(settled)

            again = sync(client, "henan-feed")
            assert again["last_run"]["counts"]["fetched"] == 0 and again["cursor"] == "5"
    # The first run walks the feed to its end (since=5 answers nothing new); the second asks from there,
    # conditionally, and the feed answers 304.
    assert [s.params.get("since") for s in platform.seen] == [None, "2", "4", "5", "5"]
    assert platform.seen[-1].status == 304
    assert {s.params["limit"] for s in platform.seen} == {"2"}
    assert {s.headers["authorization"] for s in platform.seen} == {f"Bearer {PARTNER_KEY}"}


def test_the_example_sources_file_loads() -> None:
    from tests.helpers import ROOT

    loaded = dict(load_sources(ROOT / "deploy" / "sources.example.yaml"))
    assert set(loaded) == {"json_api", "jobmatch_feed"}
    sources = [config for _, config in load_sources(ROOT / "deploy" / "sources.example.yaml")]
    assert [s.name for s in sources] == ["hr-platform", "county-fair", "jiangsu-exchange"]
    feed = sources[2]
    assert feed.url == "https://jobs.jiangsu.example/v1/feeds/postings"
    assert feed.auth is not None and feed.auth.env == "JIANGSU_PARTNER_KEY"

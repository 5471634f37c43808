"""The README's run command: the embedded shape with demo data, as a real process, and a restart."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from tests.helpers import Service, wait_for


def test_demo_shape_searches_matches_and_survives_a_restart(tmp_path: Path) -> None:
    env = {**os.environ, "JOBMATCH_DATA_DIR": str(tmp_path / "data"), "JOBMATCH_ENVIRONMENT": "test"}
    first = Service("embedded", env, tmp_path, "--demo")
    try:
        wait_for(first.ready, timeout_s=60, interval_s=0.3)
        assert "OpenAPI docs at http://127.0.0.1:" in first.log_path.read_text()

        def electricians() -> dict:
            params = {"q": "电工", "size": 100, "facets": ""}
            return httpx.get(f"{first.url}/v1/postings/search", params=params, timeout=10).json()

        # The demo set is indexed in the background: wait until the count stops growing.
        seen: list[int] = []

        def settled() -> bool:
            seen.append(electricians()["total"])
            return len(seen) > 3 and seen[-1] == seen[-4] > 20

        wait_for(settled, timeout_s=60, interval_s=0.5)
        found = electricians()
        titles = [hit["title"] for hit in found["hits"]]
        assert not any("电子" in title or "电商" in title for title in titles), titles
        for hit in found["hits"]:
            record = httpx.get(f"{first.url}/v1/postings/{hit['id']}", timeout=10).text
            assert "电工" in record, hit  # in the title, or a 电工证 asked for in the text

        match = httpx.post(
            f"{first.url}/v1/match",
            json={"desired_titles": ["叉车司机"], "certificates": ["叉车证"], "location": "郑州"},
            timeout=10,
        ).json()["matches"]
        assert match and all(m["explain"]["features"] and m["explain"]["reasons"] for m in match[:5])
        total = found["total"]
    finally:
        assert first.stop() == "clean"

    second = Service("embedded", env, tmp_path, "--demo")
    try:
        wait_for(second.ready, timeout_s=60, interval_s=0.3)
        again = httpx.get(f"{second.url}/v1/postings/search", params={"q": "电工", "facets": ""}, timeout=10)
        assert again.json()["total"] == total  # kept, and the demo set was not loaded twice
    finally:
        assert second.stop() == "clean"

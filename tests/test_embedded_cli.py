"""The README's run command: the embedded shape with demo data, as a real process, and a restart."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx

from tests.helpers import Service, wait_for


def test_demo_shape_searches_matches_and_survives_a_restart(tmp_path: Path) -> None:
    env = {**os.environ, "JOBMATCH_DATA_DIR": str(tmp_path / "data"), "JOBMATCH_ENVIRONMENT": "test"}
    first = Service("embedded", env, tmp_path, "--demo")
    try:
        wait_for(first.ready, timeout_s=60, interval_s=0.3)
        printed = first.log_path.read_text()
        assert "OpenAPI docs at http://127.0.0.1:" in printed
        # The first start made one key per role, printed where they are and the kiosk key, and logged none.
        keys_file = tmp_path / "data" / "api-keys.json"
        assert keys_file.stat().st_mode & 0o777 == 0o600
        keys = json.loads(keys_file.read_text())
        assert set(keys) == {"kiosk", "mobile", "partner", "staff", "staff_pii", "admin"}
        assert f"kiosk key {keys['kiosk']}" in printed and str(keys_file) in printed
        assert not any(keys[role] in printed for role in keys if role != "kiosk")
        assert httpx.get(f"{first.url}/v1/postings/search", timeout=10).status_code == 401

        def electricians() -> dict:
            params = {"q": "电工", "size": 100, "facets": ""}
            return httpx.get(
                f"{first.url}/v1/postings/search", params=params, headers=first.headers("kiosk"), timeout=10
            ).json()

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
            record = httpx.get(
                f"{first.url}/v1/postings/{hit['id']}", headers=first.headers("kiosk"), timeout=10
            ).text
            assert "电工" in record, hit  # in the title, or a 电工证 asked for in the text

        match = httpx.post(
            f"{first.url}/v1/match",
            json={"desired_titles": ["叉车司机"], "certificates": ["叉车证"], "location": "郑州"},
            headers=first.headers("kiosk"),
            timeout=10,
        ).json()["matches"]
        assert match and all(m["explain"]["features"] and m["explain"]["reasons"] for m in match[:5])
        total = found["total"]
    finally:
        assert first.stop() == "clean"

    second = Service("embedded", env, tmp_path, "--demo")
    try:
        wait_for(second.ready, timeout_s=60, interval_s=0.3)
        again = httpx.get(
            f"{second.url}/v1/postings/search",
            params={"q": "电工", "facets": ""},
            headers=second.headers("kiosk"),
            timeout=10,
        )
        assert again.json()["total"] == total  # kept, and the demo set was not loaded twice
        assert json.loads(keys_file.read_text()) == keys  # and the keys are the same
        assert "kiosk key" not in second.log_path.read_text()
    finally:
        assert second.stop() == "clean"

"""Partner feed pages on the embedded shape: the demo set (2,000 postings, 500 seekers) read whole.

    python benchmarks/bench_feeds.py

Prints the time per page of 500 changes for each feed (median of the walks).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from services.embedded import EMBEDDED, plain_keys, provision_first_keys
from shared.settings import Settings
from shared.web.app_factory import create_app


def walk(client: TestClient, feed: str, headers: dict[str, str]) -> tuple[int, list[float]]:
    since, items, times = None, 0, []
    while True:
        started = time.perf_counter()
        params = {"limit": 500} | ({"since": since} if since else {})
        body = client.get(f"/v1/feeds/{feed}", params=params, headers=headers).json()
        if since is not None and body["next"] == since:
            return items, times
        times.append(time.perf_counter() - started)
        items += len(body["items"])
        since = body["next"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), environment="test", demo_data=True, rate_limit_admin="10000/second"
        )
        provision_first_keys(settings)
        headers = {"Authorization": f"Bearer {plain_keys(settings.data_dir)['admin']}"}
        with TestClient(create_app(EMBEDDED, settings=settings)) as client:
            expected = {"postings": 2000, "seekers": 500}
            deadline = time.monotonic() + 300
            while (
                walk(client, "postings", headers)[0] < expected["postings"]
                or walk(client, "seekers", headers)[0] < expected["seekers"]
            ):
                if time.monotonic() > deadline:
                    raise SystemExit("the demo set was not indexed in time")
                time.sleep(1)
            for feed in expected:
                pages = [t for _ in range(5) for t in walk(client, feed, headers)[1]]
                print(
                    f"{feed}: {len(pages) // 5} pages of up to 500, median {statistics.median(pages) * 1000:.0f} ms a page"
                )


if __name__ == "__main__":
    main()

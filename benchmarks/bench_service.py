"""The embedded shape measured as its users meet it: a real process on loopback, driven over HTTP.

    ./dev bench [--postings N] [--json PATH] [--clients 1,16] [--seconds S]

Starts ``jobmatch embedded`` on a free port with an empty data directory, then:

- ingest: the demo generator's N postings (and N/10 seekers) POSTed in
  batches; postings/s from the first POST until the last one is searchable;
- freshness: one posting at a time, accepted → found by GET, p50/p95;
- search: a fixed mix of kiosk queries (trades, trade + place, filters,
  facets, newest first) drawn Zipf-like, at each client count, from a
  separate driver process (asyncio + aiohttp), with the response cache and
  without it (`Cache-Control: no-cache`); and the same queries straight
  against the index in this process (a read-only tantivy reader), so the
  API's cost is a ratio;
- match: an ad-hoc profile and a stored seeker, p50/p95;
- memory: the server's processes' proportional set size after the queries (summed), and disk per
  100k postings; segmentation: rjieba against
  stock jieba on the test corpus.

Writes the figures as JSON (``--json``) and prints them as a markdown table
with the machine's description. A benchmark, not a test: it asserts only that
what it measures happened (every posting became searchable).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.bench_text import CORPUS_PATH, chars_per_second
from services.embedded import plain_keys, provision_first_keys
from services.search.query import PostingSearch, build_posting_request
from shared.adapters.es_index import open_elasticsearch_index
from shared.adapters.tantivy_index import TantivyIndex
from shared.demo.generator import OCCUPATIONS, PLACES, generate_postings, generate_seekers
from shared.index.fields import POSTINGS
from shared.index.posting_queries import open_postings
from shared.ports.search_index import SearchIndex
from shared.settings import Settings
from shared.text.pipeline import Segmenter
from tests.helpers import Service

BATCH = 1000
KEY_VARIABLE = "JOBMATCH_BENCH_KEY"
FRESHNESS_ROUNDS = 50
MATCH_RUNS = 100
QUERY_MIX_SIZE = 240


# --- the query mix ------------------------------------------------------------------------


def query_mix(seed: int = 7) -> list[dict[str, Any]]:
    """Distinct kiosk searches, most common first: what people type at a job fair, with its filters."""
    rng = random.Random(seed)
    trades = list(dict.fromkeys(v for o in OCCUPATIONS for v in (o.title, *o.variants[:2])))
    places = list(dict.fromkeys(p.short for p in PLACES))
    queries: list[dict[str, Any]] = []
    for trade in trades:
        queries.append({"q": trade})
    for trade in trades[:40]:
        queries.append({"q": f"{rng.choice(places)} {trade}"})
        queries.append({"q": trade, "region": "410000", "salary_min": rng.choice((3000, 4000, 5000, 6000))})
    for trade in trades[:20]:
        queries.append({"q": trade, "sort": "newest", "job_type": "全职"})
        queries.append({"q": trade, "education": rng.choice(("初中", "高中", "大专"))})
    queries += [{"sort": "newest"}, {"region": "410100"}, {"salary_min": 5000}, {"job_type": "兼职"}]
    distinct = list({json.dumps(q, ensure_ascii=False, sort_keys=True): q for q in queries}.values())
    return distinct[:QUERY_MIX_SIZE]


def zipf_draws(count: int, size: int, seed: int) -> list[int]:
    """Indexes into the mix, the k-th most common drawn with weight 1/k, as kiosk traffic is."""
    weights = [1 / (rank + 1) for rank in range(size)]
    return random.Random(seed).choices(range(size), weights=weights, k=count)


# --- the driver (runs in its own process) ---------------------------------------------------


async def _drive(url: str, clients: int, seconds: float, seed: int, cache: bool) -> dict[str, Any]:
    """``clients`` connections, each sending its next search as soon as the last one is answered."""
    mix = query_mix()
    draws = zipf_draws(200_000, len(mix), seed)
    # aiohttp rather than httpx here: a tenth of the client CPU per request (0.1 against 1.6 ms),
    # which on two cores is the difference between measuring the server and measuring the driver.
    # A kiosk's key, handed over in the environment (not on a command line others can read).
    headers = {"Authorization": f"Bearer {os.environ[KEY_VARIABLE]}"}
    if not cache:
        headers["Cache-Control"] = "no-cache"
    latencies: list[float] = []
    errors = hits = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(url, connector=connector, headers=headers) as session:

        async def worker(offset: int) -> None:
            nonlocal errors, hits
            position = offset
            while time.perf_counter() < deadline:
                params = {name: str(value) for name, value in mix[draws[position % len(draws)]].items()}
                position += clients
                started = time.perf_counter()
                async with session.get("/v1/postings/search", params=params) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)
                errors += response.status != 200
                hits += response.headers.get("X-Cache") == "hit"

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": errors,
        "hits": hits,
        "seconds": elapsed,
        "latencies": latencies,
    }


def run_driver(url: str, key: str, clients: int, seconds: float, *, cache: bool) -> dict[str, Any]:
    """The load from a separate process, so the driver's own Python does not share the server's GIL."""
    command = [sys.executable, __file__, "--drive", url, "--clients", str(clients), "--seconds", str(seconds)]
    if not cache:
        command.append("--no-cache")
    environment = os.environ | {KEY_VARIABLE: key}
    finished = subprocess.run(
        command, capture_output=True, text=True, check=True, cwd=REPO_ROOT, env=environment
    )
    return json.loads(finished.stdout)


def search_figures(url: str, key: str, clients: list[int], seconds: float, *, cached: bool) -> dict[str, Any]:
    """At each client count: with the response cache (as kiosks meet it) and without (every search runs).

    ``cached=False``: the shape keeps no answers; the figures without the cache stand for both.
    """
    figures: dict[str, Any] = {}
    passes = ((True, ""), (False, "nocache_")) if cached else ((False, ""),)
    for cache, label in passes:
        for count in clients:
            load = run_driver(url, key, count, seconds, cache=cache)
            latencies = load["latencies"]
            figures[f"search_{label}p50_ms_c{count}"] = ms(statistics.median(latencies))
            figures[f"search_{label}p95_ms_c{count}"] = ms(percentile(latencies, 0.95))
            figures[f"search_{label}p99_ms_c{count}"] = ms(percentile(latencies, 0.99))
            figures[f"search_{label}rps_c{count}"] = round(load["requests"] / load["seconds"])
            if load["errors"]:
                figures[f"search_{label}errors_c{count}"] = load["errors"]
            if cache:
                figures[f"search_cache_hit_rate_c{count}"] = round(load["hits"] / max(1, load["requests"]), 3)
    if not cached:
        figures |= {
            key.replace("search_", "search_nocache_", 1): value for key, value in list(figures.items())
        }
    return figures


# --- helpers --------------------------------------------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def wait_until(probe: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not probe():
        if time.monotonic() > deadline:
            raise SystemExit(f"benchmark: {what} did not happen within {timeout_s:.0f} s")
        time.sleep(0.01)


def process_tree(pid: int) -> list[int]:
    """The server and its worker processes."""
    found = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found += process_tree(int(child))
    return found


def memory_mib(pid: int) -> float:
    """The proportional set size of the server's processes, summed: pages they share (the index's
    mapped files, the interpreter) count once in all, not once per process as summed RSS would."""
    total_kib = 0
    for member in process_tree(pid):
        for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total_kib += int(line.split()[1])
    return round(total_kib / 1024, 1)


def disk_mib(data_dir: Path) -> float:
    return round(sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file()) / 1024 / 1024, 1)


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line
    )
    return f"{os.cpu_count()} cores ({model}), {memory_kib / 1024 / 1024:.0f} GiB, Python {platform.python_version()}"


# --- the measurements -----------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    """Where the benchmark sends each kind of request: one address (embedded) or three (distributed)."""

    ingest: str
    search: str
    matcher: str
    processes: list[int]
    """Process ids of the services (each with its worker processes), for memory."""
    keys: dict[str, str]
    """One API key per role (the searches use the kiosk's, the rest the admin's)."""

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys['admin']}"}


def ids_of(records: list[dict[str, Any]]) -> list[str]:
    return [f"{record['source']}:{record['source_id']}" for record in records]


def all_found(client: httpx.Client, paths: list[str]) -> bool:
    return all(client.get(path).status_code == 200 for path in paths)


def measure_ingest(
    where: Deployment, postings: list[dict[str, Any]], seekers: list[dict[str, Any]]
) -> dict[str, Any]:
    with httpx.Client(timeout=120, headers=where.admin) as client:
        started = time.perf_counter()
        accepted = 0
        for offset in range(0, len(postings), BATCH):
            batch = postings[offset : offset + BATCH]
            accepted += client.post(f"{where.ingest}/v1/postings", json=batch).json()["accepted"]
        accepted_s = time.perf_counter() - started
        # Each partition is indexed in order: once the last few postings (spread over every partition
        # by their keys) are searchable, so is everything before them.
        last = [f"{where.search}/v1/postings/{posting_id}" for posting_id in ids_of(postings[-64:])]
        wait_until(lambda: all_found(client, last), 3600, "indexing every posting")
        searchable_s = time.perf_counter() - started
        for offset in range(0, len(seekers), BATCH):
            client.post(f"{where.ingest}/v1/seekers", json=seekers[offset : offset + BATCH])
        # Everything indexed before the next measurement, so none of them waits behind a backlog.
        last = [f"{where.matcher}/v1/seekers/{seeker_id}/matches" for seeker_id in ids_of(seekers[-16:])]
        wait_until(lambda: all_found(client, last), 3600, "indexing every seeker")
    return {
        "accepted": accepted,
        "accepted_per_s": round(accepted / accepted_s),
        "ingest_per_s": round(len(postings) / searchable_s),
    }


def measure_freshness(where: Deployment) -> dict[str, Any]:
    samples = []
    client = httpx.Client(timeout=60, headers=where.admin)
    for round_no in range(FRESHNESS_ROUNDS):
        record = {
            "source": "bench",
            "source_id": f"fresh-{round_no}",
            "title": "叉车司机",
            "location": "郑州",
        }
        path = f"{where.search}/v1/postings/bench:fresh-{round_no}"
        started = time.perf_counter()
        client.post(f"{where.ingest}/v1/postings", json=[record])
        wait_until(lambda path=path: client.get(path).status_code == 200, 60, "freshness")
        samples.append(time.perf_counter() - started)
    client.close()
    return {
        "freshness_p50_ms": ms(statistics.median(samples)),
        "freshness_p95_ms": ms(percentile(samples, 0.95)),
    }


def measure_raw(index: SearchIndex, runs: int) -> dict[str, Any]:
    """The same queries as the driver's, straight against the index: what the API adds is the rest.

    And the same again without the open-posting filters every public search carries (status open, not
    expired), to show what they cost.
    """
    mix = query_mix()
    now = time.time()
    requests = [build_posting_request(PostingSearch(**params), now=now)[0] for params in mix]  # type: ignore[arg-type]
    always = set(open_postings((), has_text=False, now=now))
    unfiltered = [replace(r, filters=tuple(f for f in r.filters if f not in always)) for r in requests]
    samples: dict[str, list[float]] = {"with": [], "without": []}
    for position in zipf_draws(runs, len(mix), seed=11):
        for label, chosen in (("with", requests), ("without", unfiltered)):
            started = time.perf_counter()
            index.search(chosen[position])
            samples[label].append(time.perf_counter() - started)
    return {
        "raw_search_p50_ms": ms(statistics.median(samples["with"])),
        "raw_search_p50_ms_without_open_filters": ms(statistics.median(samples["without"])),
    }


def measure_match(where: Deployment, seeker_id: str) -> dict[str, Any]:
    profile = {
        "desired_titles": ["电工"],
        "certificates": ["电工证"],
        "location": "郑州",
        "expected_salary_min": 5000,
    }
    adhoc, stored = [], []
    with httpx.Client(base_url=where.matcher, timeout=60, headers=where.admin) as client:
        for _ in range(MATCH_RUNS):
            started = time.perf_counter()
            client.post("/v1/match", json=profile)
            adhoc.append(time.perf_counter() - started)
            started = time.perf_counter()
            client.get(f"/v1/seekers/{seeker_id}/matches")
            stored.append(time.perf_counter() - started)
    return {
        "match_p50_ms": ms(statistics.median(adhoc)),
        "match_p95_ms": ms(percentile(adhoc, 0.95)),
        "stored_match_p95_ms": ms(percentile(stored, 0.95)),
    }


def segmentation_ratio() -> float:
    documents = CORPUS_PATH.read_text(encoding="utf-8").splitlines() * 5
    fast, _ = chars_per_second(Segmenter("rjieba"), documents)
    reference, _ = chars_per_second(Segmenter("jieba"), documents)
    return round(fast / reference, 1)


def measure(
    where: Deployment,
    index: Callable[[], SearchIndex],
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    clients: list[int],
    seconds: float,
    *,
    cached: bool,
) -> dict[str, Any]:
    """Every figure but disk and segmentation, the same way for both shapes."""
    postings, seekers = data
    figures: dict[str, Any] = {"postings": len(postings)}
    figures |= measure_ingest(where, postings, seekers)
    figures |= measure_freshness(where)
    figures |= search_figures(where.search, where.keys["kiosk"], clients, seconds, cached=cached)
    reader = index()
    try:
        figures |= measure_raw(reader, runs=2000)
    finally:
        reader.close()
    if 1 in clients:
        # The same searches run each time: the cache would make the API look faster than the index.
        figures["api_over_raw_p50"] = round(
            figures["search_nocache_p50_ms_c1"] / figures["raw_search_p50_ms"], 2
        )
    figures |= measure_match(where, ids_of(seekers[:1])[0])
    figures["suggest_p95_ms"] = None  # no suggest endpoint yet
    figures["rss_mib"] = round(sum(memory_mib(pid) for pid in where.processes), 1)
    figures["processes"] = sum(len(process_tree(pid)) for pid in where.processes)
    return figures


def demo_data(count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    now = datetime.now(UTC)
    return generate_postings(count, seed=7, now=now), generate_seekers(max(1, count // 10), seed=7, now=now)


def base_env() -> dict[str, str]:
    # The rate limits are lifted for the keys the benchmark uses: it measures the service, not the limiter
    # (whose cost per request is still in every figure).
    unlimited = {f"JOBMATCH_RATE_LIMIT_{role.upper()}": "1000000/second" for role in ("kiosk", "admin")}
    return {key: value for key, value in os.environ.items() if key != "JOBMATCH_DEMO_DATA"} | unlimited


def run_embedded(count: int, clients: list[int], seconds: float, workers: int | None) -> dict[str, Any]:
    data = demo_data(count)
    with tempfile.TemporaryDirectory(prefix="jobmatch-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        env = base_env() | {"JOBMATCH_DATA_DIR": str(data_dir)}
        if workers is not None:
            env["JOBMATCH_WORKERS"] = str(workers)
        # The same way the end-to-end tests start a service: the CLI in a process of its own.
        server = Service("embedded", env, Path(tmp))
        try:
            wait_until(server.ready, 120, "the server answering /readyz")
            keys = plain_keys(data_dir)  # the first start's keys
            where = Deployment(server.url, server.url, server.url, [server.process.pid], keys)

            def reader() -> SearchIndex:
                return TantivyIndex(POSTINGS, data_dir / "index" / "postings", read_only=True)

            figures = measure(where, reader, data, clients, seconds, cached=True)
            figures["disk_mib_per_100k"] = round(disk_mib(data_dir) * 100_000 / count, 1)
        finally:
            server.stop()
    figures["segment_ratio_vs_jieba"] = segmentation_ratio()
    return figures


def run_distributed(count: int, clients: list[int], seconds: float) -> dict[str, Any]:
    """ingest, search and matcher as three processes on Kafka and Elasticsearch, started here
    with the project's servers script (or those named by JOBMATCH_TEST_ELASTICSEARCH_URL and
    JOBMATCH_TEST_KAFKA_BOOTSTRAP)."""
    from tests.conftest import local_servers

    data = demo_data(count)
    started_servers = []
    elasticsearch_url = os.environ.get("JOBMATCH_TEST_ELASTICSEARCH_URL")
    kafka_bootstrap = os.environ.get("JOBMATCH_TEST_KAFKA_BOOTSTRAP")
    with tempfile.TemporaryDirectory(prefix="jobmatch-bench-") as tmp:
        try:
            if not elasticsearch_url:
                started_servers.append(local_servers.start_elasticsearch())
                elasticsearch_url = started_servers[-1].address
            if not kafka_bootstrap:
                started_servers.append(local_servers.start_kafka())
                kafka_bootstrap = started_servers[-1].address
            tag = f"bench-{os.getpid()}"
            env = base_env() | {
                "JOBMATCH_INDEX_BACKEND": "elasticsearch",
                "JOBMATCH_EVENTLOG_BACKEND": "kafka",
                "JOBMATCH_ELASTICSEARCH_URL": elasticsearch_url,
                "JOBMATCH_KAFKA_BOOTSTRAP": kafka_bootstrap,
                "JOBMATCH_INDEX_PREFIX": tag,
                "JOBMATCH_KAFKA_TOPIC_PREFIX": f"{tag}.",
                # One secret and one keys file for the three services (a Kubernetes Secret in production).
                "JOBMATCH_DATA_DIR": str(Path(tmp) / "data"),
                "JOBMATCH_SECRET_KEY": os.urandom(16).hex(),
            }
            settings = Settings(data_dir=Path(tmp) / "data", secret_key=env["JOBMATCH_SECRET_KEY"])
            provision_first_keys(settings)
            services = {name: Service(name, env, Path(tmp)) for name in ("ingest", "search", "matcher")}
            try:
                for service in services.values():
                    wait_until(service.ready, 180, f"{service.name} answering /readyz")
                where = Deployment(
                    services["ingest"].url,
                    services["search"].url,
                    services["matcher"].url,
                    [service.process.pid for service in services.values()],
                    plain_keys(settings.data_dir),
                )

                def reader() -> SearchIndex:
                    return open_elasticsearch_index(POSTINGS, url=str(elasticsearch_url), prefix=tag)

                # Elasticsearch's index has no generation the services can read: nothing is cached.
                figures = measure(where, reader, data, clients, seconds, cached=False)
                figures["servers_rss_mib"] = round(sum(memory_mib(s.pid) for s in started_servers), 1)
            finally:
                for service in services.values():
                    service.stop()
        finally:
            for server in started_servers:
                local_servers.stop_server(server)
    return figures


def markdown(figures: dict[str, dict[str, Any] | None]) -> str:
    shapes = [shape for shape, values in figures.items() if values]
    keys = list(dict.fromkeys(key for shape in shapes for key in figures[shape] or {}))
    header = "| figure | " + " | ".join(shapes) + " |\n|---|" + "---|" * len(shapes)
    rows = "\n".join(
        f"| {key} | " + " | ".join(str((figures[shape] or {}).get(key, "")) for shape in shapes) + " |"
        for key in keys
    )
    return f"On {machine()}\n\n{header}\n{rows}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=10_000)
    parser.add_argument("--clients", default="1,16,64", help="comma-separated concurrent search clients")
    parser.add_argument("--seconds", type=float, default=5.0, help="of search load at each client count")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument(
        "--workers", type=int, help="the embedded server's worker processes (default: its own)"
    )
    parser.add_argument(
        "--shapes",
        default="embedded",
        help="comma-separated: embedded, distributed (starts Elasticsearch and Kafka with deploy/local/servers.py)",
    )
    parser.add_argument("--drive", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--no-cache", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        result = asyncio.run(
            _drive(
                args.drive, int(args.clients), args.seconds, seed=int(args.clients), cache=not args.no_cache
            )
        )
        print(json.dumps(result))
        return
    clients = [int(count) for count in args.clients.split(",") if count.strip()]
    shapes = {shape.strip() for shape in args.shapes.split(",")}
    figures: dict[str, dict[str, Any] | None] = {"embedded": None, "distributed": None}
    if "embedded" in shapes:
        figures["embedded"] = run_embedded(args.postings, clients, args.seconds, args.workers)
    if "distributed" in shapes:
        figures["distributed"] = run_distributed(args.postings, clients, args.seconds)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(markdown(figures))


if __name__ == "__main__":
    main()

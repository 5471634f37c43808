"""File imports measured as staff meet them: a real embedded service, a realistic file, rows/s to searchable.

    .venv/bin/python benchmarks/bench_import.py --rows 100000 --format gbk-csv|xlsx [--json PATH]

Writes a file of ``--rows`` postings from the demo generator (realistic titles, employers, places, pay,
descriptions) with the Chinese headers a job-fair sheet uses, starts ``jobmatch embedded`` (one worker
process) on an empty data directory, uploads the file to ``POST /v1/imports`` and measures:

- rows/s from the start of the upload until every row is searchable (``total`` of a search over all
  open postings), and the parts: upload, import (job done), indexing after it;
- the service process's peak resident memory (``VmHWM`` of /proc/<pid>/status), and its resident
  memory before the upload, so the import's own share shows.

A benchmark, not a test: it checks only that what it measures happened (every row accepted and found).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from shared.demo.generator import generate_postings
from tests.helpers import Service, wait_for

HEADER = [
    "序号",
    "岗位编号",
    "岗位名称",
    "单位名称",
    "统一社会信用代码",
    "所属行业",
    "工作地点",
    "薪资待遇",
    "学历要求",
    "工作经验",
    "招聘人数（人）",
    "用工形式",
    "技能要求",
    "证书要求",
    "福利待遇",
    "岗位职责",
    "发布日期",
    "截止日期",
]
CHUNK = 5000


def _row(number: int, posting: dict[str, Any]) -> list[str]:
    employer = posting["employer"]
    return [
        str(number),
        posting["source_id"],
        posting["title"],
        employer.get("name") or "",
        employer.get("credit_code") or "",
        employer.get("industry") or "",
        posting["location"],
        posting["salary"],
        posting["education_min"],
        f"{posting['experience_min_years']}年以上" if posting.get("experience_min_years") else "不限",
        str(posting["headcount"]),
        posting["job_type"],
        "、".join(posting["skills"]),
        "、".join(posting["certificates"]),
        "、".join(posting["benefits"]),
        posting["description"],
        posting["posted_at"][:10],
        "2099-12-31",  # every row stays open, so "all searchable" is a count of them all
    ]


def _rows(count: int) -> Any:
    """The rows in chunks, so the benchmark itself never holds 100,000 generated postings."""
    written = 0
    seed = 1
    while written < count:
        size = min(CHUNK, count - written)
        for posting in generate_postings(size, seed=seed):
            written += 1
            posting["source_id"] = f"{written:07d}"
            yield _row(written, posting)
        seed += 1


def write_file(path: Path, rows: int, fmt: str) -> None:
    if fmt == "gbk-csv":
        # GBK cannot write every character the generator may use; GB18030 can, and the import reads it.
        with path.open("w", encoding="gb18030", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["2026年春风行动岗位信息汇总表"])
            writer.writerow(HEADER)
            writer.writerows(_rows(rows))
        return
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("岗位信息")
    sheet.append(["2026年春风行动岗位信息汇总表"])
    sheet.append(HEADER)
    for row in _rows(rows):
        sheet.append(row)
    workbook.save(path)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def measure(rows: int, fmt: str, work: Path) -> dict[str, Any]:
    upload = work / ("postings.csv" if fmt == "gbk-csv" else "postings.xlsx")
    started = time.perf_counter()
    write_file(upload, rows, fmt)
    generated_s = time.perf_counter() - started
    env = {
        **os.environ,
        "JOBMATCH_ENVIRONMENT": "test",
        "JOBMATCH_DATA_DIR": str(work / "data"),
        "JOBMATCH_WORKERS": "1",
        "JOBMATCH_MAX_IMPORT_BYTES": str(1024**3),
    }
    service = Service("embedded", env, work)
    try:
        wait_for(service.ready, timeout_s=120, interval_s=0.5)
        pid = service.process.pid
        rss_before_kb = _status_kb(pid, "VmRSS")
        with httpx.Client(base_url=service.url, headers=service.headers("staff"), timeout=600) as http:
            t0 = time.perf_counter()
            with upload.open("rb") as file:
                response = http.post(
                    "/v1/imports",
                    data={"kind": "postings", "source": "bench"},
                    files={"file": (upload.name, file)},
                )
            assert response.status_code == 202, response.text
            uploaded_s = time.perf_counter() - t0
            job_id = response.json()["id"]
            progress: list[tuple[float, int]] = []

            def done() -> dict[str, Any] | None:
                job = http.get(f"/v1/imports/{job_id}").json()
                progress.append((time.perf_counter() - t0, job["rows_read"]))
                return job if job["status"] != "running" else None

            job = wait_for(done, timeout_s=3600, interval_s=1.0)
            imported_s = time.perf_counter() - t0
            assert (job["status"], job["accepted"]) == ("done", rows), {
                k: job[k] for k in ("status", "accepted", "rejected", "error")
            }

            def searchable() -> bool:
                total: int = http.get("/v1/postings/search", params={"size": 1}).json()["total"]
                return total >= rows

            wait_for(searchable, timeout_s=3600, interval_s=1.0)
            searchable_s = time.perf_counter() - t0
        peak_kb = _status_kb(pid, "VmHWM")
    finally:
        service.stop()
    return {
        "format": fmt,
        "rows": rows,
        "file_mb": round(upload.stat().st_size / 1e6, 1),
        "generate_s": round(generated_s, 1),
        "upload_s": round(uploaded_s, 1),
        "imported_s": round(imported_s, 1),
        "searchable_s": round(searchable_s, 1),
        "rows_per_s_to_searchable": round(rows / searchable_s),
        "rows_per_s_imported": round(rows / imported_s),
        "rss_before_mb": round(rss_before_kb / 1024),
        "peak_rss_mb": round(peak_kb / 1024),
        "progress_points": len(progress),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["gbk-csv", "xlsx"], default="gbk-csv")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jobmatch-bench-import-") as tmp:
        figures = measure(args.rows, args.format, Path(tmp))
    figures["machine"] = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()

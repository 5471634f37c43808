"""``jobmatch import FILE --kind postings --source S``: upload a file for staff, then follow the job.

Exit status: 0 every row accepted; 1 done with rejected rows (the first 20 are listed); 2 the upload was
refused, or the job failed or was interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, BinaryIO

import httpx
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TransferSpeedColumn
from rich.table import Table

DEFAULT_URL = "http://127.0.0.1:8000"
SHOWN_ERRORS = 20
_POLL_S = 0.5


class _Reading:
    """The file as httpx reads it for the multipart body, advancing the upload bar."""

    def __init__(self, file: BinaryIO, progress: Progress, task: Any) -> None:
        self.file = file
        self.progress = progress
        self.task = task
        self.name = file.name

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(size)
        self.progress.advance(self.task, len(chunk))
        return chunk


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jobmatch import", description="import a file of postings or seekers"
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--kind", required=True, choices=["postings", "seekers"])
    parser.add_argument("--source", help="the records' source (required unless the mapping names one)")
    parser.add_argument("--mapping", help="a mapping file's name (JOBMATCH_IMPORT_MAPPINGS_DIR/<name>.yaml)")
    parser.add_argument(
        "--url", default=os.environ.get("JOBMATCH_URL", DEFAULT_URL), help="the ingest service"
    )
    parser.add_argument(
        "--key", default=os.environ.get("JOBMATCH_API_KEY"), help="a staff key (or JOBMATCH_API_KEY)"
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for the job")
    return parser


def _error_of(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        return f"{error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}"


def _upload(http: httpx.Client, args: argparse.Namespace, console: Console) -> str | None:
    size = args.file.stat().st_size
    form = {"kind": args.kind, **({"source": args.source} if args.source else {})}
    if args.mapping:
        form["mapping"] = args.mapping
    columns = (TextColumn("上传"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with args.file.open("rb") as file, Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("upload", total=size)
        reading = _Reading(file, progress, task)
        response = http.post("/v1/imports", data=form, files={"file": (args.file.name, reading)})  # type: ignore[dict-item]
    if response.status_code != 202:
        console.print(f"[red]上传被拒绝[/red] {_error_of(response)}")
        return None
    job_id: str = response.json()["id"]
    console.print(f"导入任务 {job_id}")
    return job_id


def _follow(http: httpx.Client, job_id: str, timeout_s: float, console: Console) -> dict[str, Any]:
    columns = (
        SpinnerColumn(),
        TextColumn(
            "已读 {task.fields[rows]} 行 · 接受 [green]{task.fields[accepted]}[/green] · 拒绝 [red]{task.fields[rejected]}[/red]"
        ),
    )
    deadline = time.monotonic() + timeout_s
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("import", total=None, rows=0, accepted=0, rejected=0)
        while True:
            response = http.get(f"/v1/imports/{job_id}")
            if response.status_code != 200:
                return {"status": "failed", "error": {"code": "HTTP", "message": _error_of(response)}}
            job: dict[str, Any] = response.json()
            progress.update(task, rows=job["rows_read"], accepted=job["accepted"], rejected=job["rejected"])
            if job["status"] != "running" or time.monotonic() > deadline:
                return job
            time.sleep(_POLL_S)


def _report(job: dict[str, Any], console: Console) -> int:
    status = job["status"]
    if status in ("failed", "interrupted", "running"):
        error = job.get("error") or {}
        why = f"{error.get('code')}: {error.get('message')}" if error else "（仍在进行，已停止等待）"
        outcome = {"failed": "失败", "interrupted": "中断"}.get(status, "未完成")
        console.print(f"[red]导入{outcome}[/red] {why}")
        if status == "interrupted":
            console.print(f"已读 {job['rows_read']} 行；文件在服务所在机器上时，服务会从最后的检查点继续")
        return 2
    console.print(f"完成：共 {job['rows_read']} 行，接受 {job['accepted']}，拒绝 {job['rejected']}")
    if not job["rejected"]:
        return 0
    table = Table("工作表", "行", "字段", "代码", "原因")
    for error in job["errors"][:SHOWN_ERRORS]:
        table.add_row(
            error.get("sheet") or "", str(error["row"]), error["field"], error["code"], error["message"]
        )
    console.print(table)
    if job["errors_total"] > SHOWN_ERRORS:
        console.print(f"……共 {job['errors_total']} 条错误，完整列表：GET /v1/imports/{job['id']}")
    return 1


def import_command(
    argv: list[str], *, client: httpx.Client | None = None, console: Console | None = None
) -> int:
    """``client``: an HTTP client to use instead of one for ``--url`` (tests pass the app's test client)."""
    args = _parser().parse_args(argv)
    console = console or Console(stderr=True)
    if not args.file.is_file():
        console.print(f"[red]没有文件[/red] {args.file}")
        return 2
    headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    http = client or httpx.Client(
        base_url=args.url, headers=headers, timeout=httpx.Timeout(60.0, write=600.0)
    )
    try:
        job_id = _upload(http, args, console)
        if job_id is None:
            return 2
        return _report(_follow(http, job_id, args.timeout, console), console)
    except httpx.HTTPError as exc:
        console.print(f"[red]无法连接 {args.url}[/red]：{exc}")
        return 2
    finally:
        if client is None:
            http.close()


def main() -> None:
    sys.exit(import_command(sys.argv[1:]))

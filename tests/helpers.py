"""Small test utilities shared by several test modules."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(probe: Callable[[], T], *, timeout_s: float = 20.0, interval_s: float = 0.1) -> T:
    """Call ``probe`` until it returns something truthy; fail the test after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    last: T = probe()
    while not last:
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s (last value: {last!r})")
        time.sleep(interval_s)
        last = probe()
    return last


def posting(source_id: str, title: str, **extra: object) -> dict:
    record: dict = {
        "source": "test",
        "source_id": source_id,
        "title": title,
        "description": extra.pop("description", f"{title}，工作认真负责。"),
        "location": extra.pop("location", "河南省郑州市金水区"),
        "salary": extra.pop("salary", "5000-8000元/月"),
    }
    record.update(extra)
    return record

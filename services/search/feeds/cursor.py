"""Feed cursors: where a partner stands in a feed's topic, opaque to it.

A cursor is the unpadded urlsafe base64 of a small JSON object: the format
version, the feed it belongs to and the next position in each partition.
It names positions in this deployment's event log, so it is only meaningful
here; one naming a partition the log does not have, or a position past what
the log has indexed (another instance's cursor, or a log that was reset), is
refused, as is anything that does not decode.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

import orjson

from shared.errors import BadRequest

CURSOR_VERSION = 1
BAD_CURSOR = "BAD_CURSOR"


def encode_cursor(feed: str, positions: Mapping[int, int]) -> str:
    body = {"v": CURSOR_VERSION, "feed": feed, "p": [[p, positions[p]] for p in sorted(positions)]}
    return base64.urlsafe_b64encode(orjson.dumps(body)).rstrip(b"=").decode("ascii")


def _refused(why: str) -> BadRequest:
    return BadRequest(f"游标无效：{why}；请使用上一页返回的 next，或不带 since 从头读取", code=BAD_CURSOR)


def decode_cursor(cursor: str, feed: str, indexed: Mapping[int, int]) -> dict[int, int]:
    """The positions ``cursor`` holds, checked against the partitions and ``indexed`` positions of the log."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = orjson.loads(raw)
    except (binascii.Error, ValueError):
        raise _refused("无法解码") from None
    if not isinstance(body, dict) or body.get("v") != CURSOR_VERSION:
        raise _refused("格式版本不符")
    if body.get("feed") != feed:
        raise _refused(f"不属于 {feed} 订阅")
    pairs = body.get("p")
    if not isinstance(pairs, list):
        raise _refused("缺少位置")
    positions: dict[int, int] = {}
    for pair in pairs:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in pair)
            or pair[0] in positions
        ):
            raise _refused("位置格式不符")
        positions[pair[0]] = pair[1]
    for partition, offset in positions.items():
        if partition not in indexed or offset > indexed[partition]:
            raise _refused("超出本实例的事件日志（来自其他实例，或日志已重置）")
    return positions

"""Event values read the same through orjson's fast path as through the standard library's reader."""

from __future__ import annotations

import pytest

from shared.json_codec import UndecodableJSON, loads, loads_object

SAME_EITHER_WAY = [
    '{"title": "电工", "headcount": 3, "salary": 5000.5}',
    '{"big": 123456789012345678901234567890}',  # beyond 64 bits: exact, not a float
    '{"id_number": "410105199001011234567"}',  # a long digit run inside a string
    '{"a": 1, "a": 2}',
    '{"huge": 1e999}',  # not a finite float: kept as its text
    '{"nested": [[[[{"x": null}]]]]}',
]


@pytest.mark.parametrize("text", SAME_EITHER_WAY)
def test_an_event_value_reads_as_the_standard_reader_reads_it(text: str) -> None:
    assert loads_object(text.encode()) == loads(text)
    assert loads_object(text) == loads(text)
    assert loads_object(b"\xef\xbb\xbf" + text.encode()) == loads(text)


@pytest.mark.parametrize("raw", [b"[1, 2]", b"null", b'{"a": NaN}', b"{", "[" * 100_000, b'"\\ud800"'])
def test_what_is_not_an_object_is_refused(raw: bytes | str) -> None:
    with pytest.raises(UndecodableJSON):
        loads_object(raw)

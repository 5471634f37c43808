"""Literal gates (shared.text.literal_gate): a gate never turns away a text its pattern matches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.text.literal_gate import ALWAYS, Family, gate_of

PHRASES = Path(__file__).resolve().parents[1] / "shared" / "data" / "flag_phrases.tsv"

# Each kind of node the analysis reads: literals, classes, optional parts and repeats, alternations
# (nested, of runs, of single characters), groups, lookarounds, anchors and what it cannot read.
SHAPES = [
    r"男性|女性",
    r"限\s*[:：]?\s*(?:有|具有)?(?:年轻)?(?:男|女)(?![\u4e00-\u9fff])",
    r"(?<![A-Za-z])(?:[VvＶｖ][Xxｘ]|微[Xxｘ]|薇信)(?![A-Za-z])",
    r"(?:加|添加)\s*(?:微信|QQ)\s*(?:号)?\s*[:：]?\s*[A-Za-z0-9_-]{5,}",
    r"(?P<lo>\d{2})\s*(?:-|~|至)\s*(?P<hi>\d{2})\s*(?:周岁|岁)",
    r"(?:[5-9]0|00)后(?:者|人员)?(?:优先|为主)",
    r"ab{2}c|a(?:bc){2,3}d|x?y+z*",
    r"(?>原子)组|占有++式",
    r"^开头|结尾$|\b词\b",
    r"(?i:Telegram)|QQ",
    r"(a)\1|(?(1)b|c)",
    r"[^男女]+性",
    r".+有限公司",
    r"(?!)|不可能",
]


def phrase_patterns() -> list[str]:
    rows = [line.split("\t", 2) for line in PHRASES.read_text(encoding="utf-8").splitlines()]
    return [text for row in rows if len(row) == 3 and row[1].endswith("_re") for text in [row[2]]]


def admitted(pattern: re.Pattern[str], text: str) -> bool:
    gate = gate_of(pattern)
    family = Family([gate])
    return gate.admits(text) and gate.passes(text, family.scan(text))


@pytest.mark.parametrize("source", SHAPES + phrase_patterns())
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(data=st.data())
def test_a_gate_admits_every_text_its_pattern_matches(source: str, data: st.DataObject) -> None:
    pattern = re.compile(source)
    if pattern.pattern == r"(?!)|不可能":
        text = data.draw(st.text(alphabet="不可能x", max_size=8))
    else:
        text = data.draw(st.from_regex(pattern))
    if pattern.search(text):
        assert admitted(pattern, text), (source, text)


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (r"男性|女性", "普工，包吃住"),
        (r"限\s*(?:男|女)", "限 本市"),
        (r"(?:加|添加)\s*(?:微信|QQ)", "加班费另计，信息录入"),
        (r"(?P<lo>\d{2})\s*至\s*(?P<hi>\d{2})\s*周岁", "月薪5000至6000元"),
        (r"ab{2}c", "abc"),
        (r"(?!)", "anything"),
    ],
)
def test_a_gate_turns_away_a_text_without_what_the_pattern_needs(source: str, text: str) -> None:
    pattern = re.compile(source)
    assert not pattern.search(text)
    assert not admitted(pattern, text)


def test_what_the_analysis_cannot_read_admits_every_text() -> None:
    assert gate_of(re.compile("telegram", re.IGNORECASE)) is ALWAYS
    assert gate_of(re.compile(r".+")) is ALWAYS
    # A character a caller writes into the text after the scan is never required.
    assert gate_of(re.compile("\u3000\u3000"), unseen="\u3000") is ALWAYS


def test_a_gate_belongs_to_one_family() -> None:
    gate = gate_of(re.compile("男性|女性"))
    Family([gate])
    with pytest.raises(ValueError):
        Family([gate])

"""One ordered education scale shared by postings, seekers, search facets and matching.

不限 < 小学 < 初中 < 高中 < 大专 < 本科 < 硕士 < 博士. Secondary vocational schooling
(中专, 中技, 职高, 技校, 中职) ranks with 高中; 高职 and 专科 rank with 大专.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, get_args

EducationLevel = Literal["不限", "小学", "初中", "高中", "大专", "本科", "硕士", "博士"]
EDUCATION_LEVELS: tuple[EducationLevel, ...] = get_args(EducationLevel)

_ALIASES: dict[str, EducationLevel] = {
    "小学": "小学",
    "初中": "初中",
    "初级中学": "初中",
    "高中": "高中",
    "中专": "高中",
    "中技": "高中",
    "职高": "高中",
    "技校": "高中",
    "技工学校": "高中",
    "中职": "高中",
    "中等职业": "高中",
    "大专": "大专",
    "专科": "大专",
    "高职": "大专",
    "高等职业": "大专",
    "本科": "本科",
    "学士": "本科",
    # Spoken forms a kiosk user types: 大学 alone means a bachelor's degree.
    "大学": "本科",
    "大学专科": "大专",
    "文盲": "不限",
    "没上过学": "不限",
    "未上学": "不限",
    "硕士": "硕士",
    "研究生": "硕士",
    "博士": "博士",
    "博士后": "博士",
}
_ENGLISH_ALIASES: dict[str, EducationLevel] = {
    "primary school": "小学",
    "elementary school": "小学",
    "junior high": "初中",
    "middle school": "初中",
    "high school": "高中",
    "secondary school": "高中",
    "vocational school": "高中",
    "associate": "大专",
    "junior college": "大专",
    "bachelor": "本科",
    "undergraduate": "本科",
    "bsc": "本科",
    "master": "硕士",
    "msc": "硕士",
    "mba": "硕士",
    "emba": "硕士",
    "mpa": "硕士",
    "postgraduate": "硕士",
    "phd": "博士",
    "ph.d": "博士",
    "doctorate": "博士",
    "doctor": "博士",
}

# Longest alias first so "博士后" wins over "博士" and "技工学校" is not split.
_LEVEL_RE = re.compile(
    "|".join(re.escape(alias) for alias in sorted(_ALIASES, key=len, reverse=True))
    + "|"
    + "|".join(
        rf"\b{re.escape(alias)}(?:s|'s)?\b" for alias in sorted(_ENGLISH_ALIASES, key=len, reverse=True)
    )
)
# Checked before the levels: "学历不限，本科优先" asks for no level.
_NO_REQUIREMENT_RE = re.compile(
    r"学历不限|不限学历|学历[:：]?无要求|无学历要求|学历要求[:：]?无\b|^\s*(?:不限|无)\s*$"
)
_NO_REQUIREMENT_ENGLISH_RE = re.compile(r"\b(?:any|none|no requirement|unlimited)\b")


def parse_education(text: str | None) -> EducationLevel | None:
    """Canonical label from EDUCATION_LEVELS, or None when the text names no level.

    When several levels appear ("大专/本科", "本科及以上，硕士优先") the first one
    mentioned is taken: postings list the minimum first.
    """
    if not text:
        return None
    normalised = unicodedata.normalize("NFKC", text).strip().lower()
    for level in EDUCATION_LEVELS:
        if normalised == level:
            return level
    if _NO_REQUIREMENT_RE.search(normalised):
        return "不限"
    level_match = _LEVEL_RE.search(normalised)
    if level_match:
        found = level_match.group(0)
        return _ALIASES.get(found) or _ENGLISH_ALIASES[_strip_english_plural(found)]
    if _NO_REQUIREMENT_ENGLISH_RE.search(normalised):
        return "不限"
    return None


def _strip_english_plural(word: str) -> str:
    if word in _ENGLISH_ALIASES:
        return word
    return word.removesuffix("'s").removesuffix("s")


def education_rank(label: str) -> int:
    """Index of ``label`` in EDUCATION_LEVELS; aliases are accepted. Raises ValueError when unknown."""
    canonical = parse_education(label)
    if canonical is None:
        raise ValueError(f"unknown education level: {label!r}")
    return EDUCATION_LEVELS.index(canonical)


def meets(seeker: str | None, required: str | None) -> bool:
    """Whether a seeker's education satisfies a requirement.

    No (or an unrecognised) requirement is met by anyone; an unknown seeker
    education meets only such requirements, since we cannot vouch for it.
    """
    required_label = parse_education(required)
    if required_label is None or required_label == "不限":
        return True
    seeker_label = parse_education(seeker)
    if seeker_label is None:
        return False
    return EDUCATION_LEVELS.index(seeker_label) >= EDUCATION_LEVELS.index(required_label)

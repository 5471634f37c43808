"""Education and job-type words typed in a search box: 大专, 中专以上, 学历不限; 兼职, 日结, 临时工."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.domain.education import EducationLevel, parse_education
from shared.domain.inputs import JobType
from shared.text.alternation import longest_first

# The levels as people type them; each is read by shared.domain.education, so 中专 is 高中 and 专科 is 大专.
# 博士后 is a post, not a level, and 大学生 a person: a level word counts only as a word of its own (below).
EDUCATION_WORDS = [
    "小学",
    "初中",
    "高中",
    "中专",
    "中技",
    "职高",
    "技校",
    "中职",
    "大专",
    "专科",
    "高职",
    "本科",
    "大学",
    "研究生",
    "硕士",
    "博士",
]
EDUCATION_BEFORE = ("学历要求", "学历")
EDUCATION_AFTER = ("及以上学历", "以上学历", "学历", "文化", "毕业", "水平", "及以上", "或以上", "以上")
NO_REQUIREMENT = ("学历不限", "不限学历", "学历无要求", "无学历要求", "不要求学历")

# Job-type words → the project's job_type values (shared.domain.inputs.JobType). 日结 (paid by the day) and
# 零工 are temporary work; 小时工 is hourly, i.e. part-time work (非全日制用工) in labour law. 钟点工 is left
# out: it names a household trade (the hourly home help), which is what people search for with it.
JOB_TYPE_WORDS: dict[str, JobType] = {
    **dict.fromkeys(("全职", "全日制"), "全职"),
    **dict.fromkeys(("兼职", "非全日制", "小时工"), "兼职"),
    **dict.fromkeys(("临时", "临时工", "短期工", "短工", "零工", "日结"), "临时"),
    **dict.fromkeys(("实习", "实习岗"), "实习"),
    **dict.fromkeys(("见习", "就业见习", "见习岗位"), "见习"),
    **dict.fromkeys(("公益性岗位", "公益岗"), "公益性岗位"),
}


_NO_REQUIREMENT = re.compile(longest_first(NO_REQUIREMENT))
_EDUCATION = re.compile(
    rf"(?P<before>{longest_first(EDUCATION_BEFORE)})?[:]?(?P<level>{longest_first(EDUCATION_WORDS)})"
    rf"(?P<after>{longest_first(EDUCATION_AFTER)})?"
)
# A level word directly followed by another word modifies it (高中老师, 大专文员, 博士后): part of the trade.
_WORD_CHARACTER = re.compile(r"[\w+#]")


@dataclass(frozen=True)
class EducationReading:
    start: int
    end: int
    text: str
    level: EducationLevel


def read_education(text: str) -> EducationReading | None:
    """The first education phrase in normalised ``text``: a level with 学历/以上/毕业 around it, or a level word
    standing at the end of a word run (「文员 大专」, 「文员大专」); 学历不限 and its forms."""
    found = _NO_REQUIREMENT.search(text)
    if found:
        return EducationReading(found.start(), found.end(), found.group(0), "不限")
    for match in _EDUCATION.finditer(text):
        attached = match.group("before") or match.group("after")
        if not attached and _WORD_CHARACTER.match(text, match.end()):
            continue
        level = parse_education(match.group("level"))
        if level is not None:
            return EducationReading(match.start(), match.end(), match.group(0), level)
    return None

"""Review flags: what in a posting staff must look at before kiosks show it (README "Review flags").

Discrimination (就业促进法: gender, ethnicity, household registration; 妇女权益保障法: marriage and
childbearing), age limits, and posting integrity (人力资源市场诚信: fees asked of applicants, contact
moved off the platform, pay far above the occupation's, a missing or failing credit code). A flagged
posting is accepted and searchable like any other until staff uphold a flag (``shared.domain.review``).

Pure functions over the whole text of a posting. The words come from ``shared/data/flag_phrases.tsv``
and the pay figures from ``shared/data/pay_reference.tsv``; the rules here are per class (a marker and
a value, a negated marker, a form naming every value), so a new phrasing is a row there, not code.

Most postings hold nothing any rule looks for, so each pattern runs behind its literal gate
(``shared.text.literal_gate``): the characters and strings the pattern cannot match without, derived
from the pattern itself and checked first. A gate only ever skips a pattern that would find nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Literal, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.credit_code import credit_code_error
from shared.domain.problems import shown
from shared.domain.regions import get_region, region_path, short_forms
from shared.text.literal_gate import UNSCREENED, Family, Gate, Needs, all_of, any_of, gate_of, needs_of
from shared.text.nfkc import nfkc

FlagKind = Literal[
    "gender",
    "ethnicity",
    "hukou",
    "marital",
    "age",
    "fee",
    "off_platform",
    "pay_outlier",
    "credit_code_missing",
    "credit_code_invalid",
]
FLAG_KINDS: tuple[FlagKind, ...] = get_args(FlagKind)

MESSAGES: dict[FlagKind, str] = {
    "gender": "含性别限制或性别优先（就业促进法第二十七条；国家规定的女职工禁忌劳动范围除外）",
    "ethnicity": "含民族限制（就业促进法第三条、第二十八条）",
    "hukou": "含户籍或地域限制（就业促进法第三条、第三十一条）",
    "marital": "含婚姻、生育状况限制（妇女权益保障法第四十三条）",
    "age": "含年龄上限或高于 18 周岁的年龄下限",
    "fee": "向求职者收取押金、费用或扣押证件（劳动合同法第九条）",
    "off_platform": "要求通过平台外的即时通讯方式联系",
    "pay_outlier": "薪资远高于同城同类岗位的参考水平",
    "credit_code_missing": "注明了用人单位但未提供统一社会信用代码",
    "credit_code_invalid": "统一社会信用代码未通过校验",
}

MAX_EVIDENCE = 5
"""Phrases kept per flag: enough for a reviewer, bounded for a posting that repeats one."""

_DATA = Path(__file__).resolve().parents[1] / "data"
_ATTRIBUTES: tuple[FlagKind, ...] = ("gender", "ethnicity", "hukou", "marital")
_CJK = r"\u4e00-\u9fff"
# Characters around a value that stands alone as a requirement-list item: 「1.女，」「服务员（女）」.
_ITEM_EDGE = r"\s,，.。;；、:：()（）\[\]【】/|!！?？"
_LINKER = r"(?:有|具有|持有|具备|拥有|为|是)?"
_CLAUSE_END = re.compile(r"[，,。；;！!？?\n]")
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
_BLANK = "\u3000"
"""What masking writes over a phrase; gates never require it, so a text's scan serves its masked form."""
OPEN_WINDOW = 8
"""How far after a value an open word (均可, 不限) still speaks of it: 「男，女均可」."""


class PostingFlag(BaseModel):
    """One kind of problem found in a posting, with what was found (stored in the record)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: FlagKind
    evidence: list[str] = Field(description="the phrases found, or the figures compared")
    fields: list[str] = Field(description="where they were found: title, description, salary, employer …")
    message: str


@dataclass(frozen=True)
class Finding:
    kind: FlagKind
    evidence: str
    field: str


# ---- vocabulary -------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _rows() -> dict[tuple[str, str], list[str]]:
    table: dict[tuple[str, str], list[str]] = defaultdict(list)
    for line in (_DATA / "flag_phrases.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, role, text = line.split("\t", 2)
        table[kind, role].append(text)
    return dict(table)


def _words(kind: str, role: str) -> list[str]:
    return _rows().get((kind, role), [])


def _alternation(words: Iterable[str], patterns: Iterable[str] = ()) -> str:
    # Longest first: a regex alternation takes the first that matches, and 男性 must win over 男.
    literal = sorted({re.escape(word) for word in words}, key=len, reverse=True)
    return "|".join([*(f"(?:{p})" for p in patterns), *literal]) or r"(?!)"


def _values(words: Iterable[str], patterns: Iterable[str] = (), *, single: str) -> str:
    """An alternation of values in which a one-character value (男, 汉) must not start a longer word
    (``single="right"``: 女装, 汉堡) or end one (``single="left"``: 子女)."""
    words = list(words)
    guard = rf"(?![{_CJK}])" if single == "right" else ""
    singles = [
        (rf"(?<![{_CJK}]){re.escape(w)}" if single == "left" else re.escape(w) + guard)
        for w in sorted({w for w in words if len(w) == 1})
    ]
    return _alternation([w for w in words if len(w) > 1], [*patterns, *singles])


def _place_names() -> list[str]:
    """Province and city names with their short forms (河南省, 河南, 郑州市, 郑州), from the region table."""
    names: set[str] = set()
    for line in (_DATA / "regions.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2] in ("province", "city") and not line.startswith("#"):
            names.add(parts[1])
            names.update(form for form in short_forms(parts[1]) if len(form) >= 2)
    return sorted(names)


@dataclass(frozen=True)
class _AttributeRules:
    kind: FlagKind
    masks: re.Pattern[str]
    """Exempt phrases and forms naming every value: taken out before the rules run."""
    marked: re.Pattern[str]
    """A marker before or after a value, an exclusion, a label with a value."""
    standalone: re.Pattern[str]
    patterns: re.Pattern[str]
    negators: tuple[str, ...]
    open_words: re.Pattern[str]
    gates: tuple[Gate, Gate, Gate, Gate]
    """Of masks, marked, standalone and patterns."""
    needs: Needs
    """Of marked, standalone and patterns: a text without them has no finding of the kind."""


@lru_cache(maxsize=1)
def _attribute_rules() -> tuple[_AttributeRules, ...]:
    rules = []
    for kind in _ATTRIBUTES:
        terms = _words(kind, "term")
        if kind == "hukou":
            places = _alternation(_place_names())
            suffixes = _alternation(_words(kind, "place_suffix"))
            term_patterns = [f"(?:{places})(?:{suffixes})"]
        else:
            term_patterns = _words(kind, "term_re")
        right = _values(terms, term_patterns, single="right")
        left = _values(terms, term_patterns, single="left")
        label_values = _values([*terms, *_words(kind, "value")], term_patterns, single="right")
        before = _alternation(_words("*", "before"))
        after = _alternation(_words("*", "after"))
        qualifiers = _alternation(_words("*", "qualifier"))
        marked = "|".join(
            [
                rf"(?P<before>{before})\s*[:：]?\s*{_LINKER}(?:{qualifiers})?(?:{right})",
                rf"(?P<exclude>{_alternation(_words('*', 'exclude_before'))})(?:{right})",
                rf"(?:{left})(?:者|人员|人士|员工|的)?(?:{after}|{_alternation(_words('*', 'exclude_after'))})",
                rf"(?P<label>{_alternation(_words(kind, 'label'))})\s*(?:要求)?\s*[:：为是]\s*(?:{label_values})",
            ]
        )
        standalone = _alternation(_words(kind, "standalone"))
        masks = _alternation(_words(kind, "exempt"), [*_words(kind, "exempt_re"), *_words(kind, "both_re")])
        compiled = (
            re.compile(masks),
            re.compile(marked),
            re.compile(rf"(?<![^{_ITEM_EDGE}])(?:{standalone})(?=[{_ITEM_EDGE}\d]|$)"),
            re.compile(_alternation((), _words(kind, "pattern_re"))),
        )
        masks_gate, marked_gate, standalone_gate, patterns_gate = map(_gate, compiled)
        rules.append(
            _AttributeRules(
                kind,
                *compiled,
                negators=tuple(_words("*", "negator")),
                open_words=re.compile(_alternation(_words("*", "open"))),
                gates=(masks_gate, marked_gate, standalone_gate, patterns_gate),
                needs=needs_of([marked_gate, standalone_gate, patterns_gate]),
            )
        )
    return tuple(rules)


def _gate(pattern: re.Pattern[str]) -> Gate:
    return gate_of(pattern, unseen=_BLANK)


def _masked(pattern: re.Pattern[str], text: str) -> str:
    """``text`` with what ``pattern`` matches blanked out, same length (positions stay where they were)."""
    return pattern.sub(lambda found: _BLANK * len(found.group(0)), text)


def _negated(text: str, start: int, negators: tuple[str, ...]) -> bool:
    return any(text.endswith(negator, 0, start) for negator in negators)


def _opened(text: str, end: int, open_words: re.Pattern[str]) -> bool:
    """An open word (均可, 不限) shortly after a value, in the same sentence: the value is no requirement."""
    window = text[end : end + OPEN_WINDOW]
    stop = _SENTENCE_END.search(window)
    return open_words.search(window[: stop.start()] if stop else window) is not None


def _attribute_findings(rule: _AttributeRules, text: str, field: str, scanned: int) -> Iterator[Finding]:
    masks_gate, marked_gate, standalone_gate, patterns_gate = rule.gates
    marked = marked_gate.passes(text, scanned)
    standalone = standalone_gate.passes(text, scanned)
    patterns = patterns_gate.passes(text, scanned)
    if not (marked or standalone or patterns):
        return
    masked = _masked(rule.masks, text) if masks_gate.passes(text, scanned) else text
    covered: list[range] = []
    for found in rule.marked.finditer(masked) if marked else ():
        if found.group("before") and _negated(masked, found.start(), rule.negators):
            continue
        if found.group("label") and _opened(masked, found.end(), rule.open_words):
            continue
        covered.append(range(found.start(), found.end()))
        yield Finding(rule.kind, found.group(0).strip(), field)
    for found in rule.standalone.finditer(masked) if standalone else ():
        inside = any(found.start() in span for span in covered)
        if not inside and not _opened(masked, found.end(), rule.open_words):
            yield Finding(rule.kind, found.group(0), field)
    for found in rule.patterns.finditer(masked) if patterns else ():
        yield Finding(rule.kind, found.group(0), field)


# ---- age --------------------------------------------------------------------------------------------

LAWFUL_MINIMUM_AGE = 18
"""A minimum age up to 18 states the law (no work under 16, no night or hazardous work under 18)."""
RETIREMENT_AGE = 60
"""An upper bound at or above the statutory retirement age states the law, not a preference."""
_WORKING_AGES = range(14, 76)
_AGE = r"(?P<{name}>\d{{2}})"
_UNIT = r"\s*(?:周岁|岁)"
_TO = r"\s*(?:-|~|—|–|－|至|到)\s*"
_UPPER_AFTER = r"\s*(?:以下|以内|之内|及以下|或以下)"
_LOWER_AFTER = r"\s*(?:以上|及以上|或以上)"
_UPPER_BEFORE = r"(?:不超过|不得超过|不大于|不高于|低于|小于|未满|不满|未超过|最大)\s*"
_LOWER_BEFORE = r"(?:年满|不低于|不小于|超过|大于|最小|满)\s*"
_LABEL = r"年龄\s*(?:要求)?\s*[:：为在]?\s*"
_AGE_FORMS = [
    rf"{_AGE.format(name='lo1')}(?:{_UNIT})?{_TO}{_AGE.format(name='hi1')}{_UNIT}",
    rf"{_LABEL}{_AGE.format(name='lo2')}{_TO}{_AGE.format(name='hi2')}(?:{_UNIT})?",
    rf"{_AGE.format(name='hi3')}{_UNIT}{_UPPER_AFTER}",
    rf"{_LABEL}{_AGE.format(name='hi4')}{_UPPER_AFTER}",
    rf"{_UPPER_BEFORE}{_AGE.format(name='hi5')}{_UNIT}",
    rf"{_AGE.format(name='lo6')}{_UNIT}{_LOWER_AFTER}",
    rf"{_LOWER_BEFORE}{_AGE.format(name='lo7')}{_UNIT}",
]
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CHINESE_AGE = re.compile(r"([二三四五六七])?十([一二三四五六七八九])?(?=\s*周?岁)")


def _digits_for_ages(text: str) -> str:
    """三十五岁 → 35岁: ages written in Chinese numerals, the way requirement lists often write them."""

    def number(found: re.Match[str]) -> str:
        tens = _CHINESE_DIGITS[found.group(1)] if found.group(1) else 1
        units = _CHINESE_DIGITS[found.group(2)] if found.group(2) else 0
        return str(tens * 10 + units)

    return _CHINESE_AGE.sub(number, text)


@dataclass(frozen=True)
class _AgeRules:
    forms: re.Pattern[str]
    objects: re.Pattern[str]
    opened: re.Pattern[str]
    generations: re.Pattern[str]
    gates: tuple[Gate, Gate, Gate]
    """Of the Chinese numerals, the forms and the generations."""


@lru_cache(maxsize=1)
def _age_rules() -> _AgeRules:
    objects = re.compile(rf"\s*(?:的)?(?:{_alternation(_words('age', 'object'))})")
    opened = re.compile(rf"\s*(?:{_alternation(_words('age', 'open'))})")
    generation = _alternation((), _words("age", "generation_re"))
    before, after = _alternation(_words("*", "before")), _alternation(_words("*", "after"))
    generations = re.compile(rf"(?:{before})\s*(?:{generation})|(?:{generation})(?:者|人员)?(?:{after})")
    forms = re.compile("|".join(_AGE_FORMS))
    gates = (_gate(_CHINESE_AGE), _gate(forms), _gate(generations))
    return _AgeRules(forms, objects, opened, generations, gates)


def _age_findings(text: str, field: str, scanned: int) -> Iterator[Finding]:
    rules = _age_rules()
    numerals, forms, generations = rules.gates
    if numerals.passes(text, scanned):
        written = _digits_for_ages(text)
        if written != text:
            text, scanned = written, scanned if scanned == UNSCREENED else _family().scan(written)
    objects, opened = rules.objects, rules.opened
    for found in rules.forms.finditer(text) if forms.passes(text, scanned) else ():
        bounds = {name[:2]: int(value) for name, value in found.groupdict().items() if value is not None}
        low, high = bounds.get("lo"), bounds.get("hi")
        if any(age not in _WORKING_AGES for age in bounds.values()):
            continue  # 3岁以下婴幼儿, a year, a count: not an applicant's age
        if objects.match(text, found.end()) or opened.match(text, found.end()):
            continue  # 照顾60岁以上老人; 35岁以上亦可
        if (low is not None and low > LAWFUL_MINIMUM_AGE) or (high is not None and high < RETIREMENT_AGE):
            yield Finding("age", found.group(0).strip(), field)
    for found in rules.generations.finditer(text) if generations.passes(text, scanned) else ():
        yield Finding("age", found.group(0), field)


# ---- fees -------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _fee_gates() -> tuple[Gate, Gate, Gate, Gate]:
    """Of exempt, fees, generic and payer."""
    exempt, fees, generic, _free_anywhere, _free_before, payer = _fee_rules()
    return _gate(exempt), _gate(fees), _gate(generic), _gate(payer)


@lru_cache(maxsize=1)
def _fee_rules() -> tuple[re.Pattern[str], ...]:
    exempt = re.compile(_alternation(_words("fee", "exempt")))
    fees = re.compile(_alternation(_words("fee", "term"), _words("fee", "pattern_re")))
    generic = re.compile(_alternation(_words("fee", "generic")))
    free_words = _words("fee", "free")
    # One-character "free" words (无, 免, 零) speak of the fee only right before it: 无押金, 免体检费.
    free_anywhere = re.compile(_alternation(w for w in free_words if len(w) > 1))
    free_before = re.compile("(?:" + _alternation(w for w in free_words if len(w) == 1) + ")$")
    payer = re.compile(_alternation(_words("fee", "payer")))
    return exempt, fees, generic, free_anywhere, free_before, payer


def _clauses(text: str) -> Iterator[tuple[str, str]]:
    """Each comma-clause of the text, with the rest of its sentence after it (for 「先自理，入职后报销」)."""
    for sentence in _SENTENCE_END.split(text):
        parts = _CLAUSE_END.split(sentence)
        for index, clause in enumerate(parts):
            yield clause, "，".join(parts[index + 1 :])


def _fee_findings(text: str, field: str, scanned: int) -> Iterator[Finding]:
    exempt, fees, generic, free_anywhere, free_before, payer = _fee_rules()
    exempt_gate, fees_gate, generic_gate, payer_gate = _fee_gates()
    if not fees_gate.passes(text, scanned) and not (
        generic_gate.passes(text, scanned) and payer_gate.passes(text, scanned)
    ):
        return  # a fee is named, or money with who pays it: neither can be in the text
    masked = _masked(exempt, text) if exempt_gate.passes(text, scanned) else text
    for clause, rest in _clauses(masked):
        if free_anywhere.search(clause) or "报销" in rest:
            continue
        for found in fees.finditer(clause):
            if not free_before.search(clause, 0, found.start()):
                yield Finding("fee", shown(clause.strip(), 30), field)
                break
        else:
            money = generic.search(clause)
            if money and payer.search(clause) and not free_before.search(clause, 0, money.start()):
                yield Finding("fee", shown(clause.strip(), 30), field)


# ---- contact off the platform -----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _contact_gates() -> tuple[Gate, Gate]:
    return _gate(_contact_rules()[0]), _gate(_contact_rules()[1])


@lru_cache(maxsize=1)
def _contact_rules() -> tuple[re.Pattern[str], re.Pattern[str]]:
    channel = _alternation(_words("off_platform", "channel"))
    action = _alternation(_words("off_platform", "action"))
    action_after = _alternation(_words("off_platform", "action_after"))
    exempt = re.compile(_alternation(_words("off_platform", "exempt")))
    contact = "|".join(
        [
            *(f"(?:{p})" for p in _words("off_platform", "disguised_re")),
            rf"(?:{action})\s*(?:我的?|本人)?\s*(?:{channel})",
            rf"(?:{channel})\s*(?:同号|{action_after})",
            rf"(?:{channel})\s*(?:号码|号)?\s*[:：]?\s*[A-Za-z0-9_-]{{5,}}",
        ]
    )
    return exempt, re.compile(contact)


def _contact_findings(text: str, field: str, scanned: int) -> Iterator[Finding]:
    exempt, contact = _contact_rules()
    exempt_gate, contact_gate = _contact_gates()
    if not contact_gate.passes(text, scanned):
        return
    masked = _masked(exempt, text) if exempt_gate.passes(text, scanned) else text
    for found in contact.finditer(masked):
        yield Finding("off_platform", found.group(0).strip(), field)


@lru_cache(maxsize=1)
def _family() -> Family:
    """Every gate of this module, with one scan of a text for all of them."""
    return Family(
        [
            *(gate for rule in _attribute_rules() for gate in rule.gates),
            *_age_rules().gates,
            *_fee_gates(),
            *_contact_gates(),
            *(gate for _pattern, _monthly, gate in _lures()),
        ],
        needs=[needs for _finder, needs in _finder_needs()],
    )


class _Text(NamedTuple):
    field: str
    text: str
    """NFKC-normalised."""
    scanned: int
    """By ``_family()``."""


def _screened(texts: Mapping[str, str], *, screen: bool = True) -> list[_Text]:
    """Each text that is not empty normalised and scanned for the gates' characters, once for every rule."""
    if not screen:
        return [
            _Text(field, unicodedata.normalize("NFKC", raw), UNSCREENED)
            for field, raw in texts.items()
            if raw
        ]
    scan = _family().scan
    screened = []
    for field, raw in texts.items():
        if raw:
            text = nfkc(raw)
            screened.append(_Text(field, text, scan(text)))
    return screened


def text_findings(texts: Mapping[str, str], *, screen: bool = True) -> list[Finding]:
    """Every discrimination, age, fee and contact finding in the posting's texts (field name → text).
    ``screen=False`` runs every pattern on every text, past the gates: what tests hold them to."""
    return _text_findings(_screened(texts, screen=screen))


_Finder = Callable[[str, str, int], Iterator[Finding]]


@lru_cache(maxsize=1)
def _finder_needs() -> tuple[tuple[_Finder, Needs], ...]:
    """Each finder with what a text it finds anything in holds."""
    _exempt, fees, generic, payer = _fee_gates()
    return (
        *((partial(_attribute_findings, rule), rule.needs) for rule in _attribute_rules()),
        (_age_findings, needs_of(_age_rules().gates)),
        (_fee_findings, needs_of([fees, all_of([generic, payer])])),
        (_contact_findings, _contact_gates()[1].needs),
    )


@lru_cache(maxsize=1)
def _finders() -> tuple[tuple[_Finder, int], ...]:
    """Each finder with the bits of its needs in a scan: most texts are ruled out for every finder
    by as many ANDs."""
    return tuple((finder, _family().mask(needs)) for finder, needs in _finder_needs())


def _text_findings(texts: list[_Text]) -> list[Finding]:
    findings: list[Finding] = []
    for item in texts:
        for finder, mask in _finders():
            if item.scanned & mask == mask:
                findings.extend(finder(item.text, item.field, item.scanned))
    return findings


# ---- pay far above the occupation's ----------------------------------------------------------------

PAY_FACTOR = 2.0
"""How far above the reference a post's pay must be to be flagged: far, not merely generous."""
_DAYS_PER_MONTH = 21.75
TIER_NAMES = {"tier1": "一线城市", "tier2": "二线城市", "tier3": "其他城市"}


@dataclass(frozen=True)
class PayReference:
    occupation: str
    keywords: tuple[str, ...]
    monthly: dict[str, int]
    """tier1, tier2, tier3 → typical monthly pay."""


@dataclass(frozen=True)
class _PayTable:
    occupations: tuple[PayReference, ...]
    senior: tuple[str, ...]
    tiers: dict[str, str]
    """City code → tier1 / tier2 (every other city is tier3)."""


@lru_cache(maxsize=1)
def pay_table() -> _PayTable:
    occupations: list[PayReference] = []
    senior: tuple[str, ...] = ()
    tiers: dict[str, str] = {}
    for line in (_DATA / "pay_reference.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        section, *cells = line.split("\t")
        if section == "pay":
            name, keywords, *figures = cells
            monthly = dict(zip(("tier1", "tier2", "tier3"), map(int, figures), strict=True))
            occupations.append(PayReference(name, tuple(keywords.split("、")), monthly))
        elif section == "senior":
            senior = tuple(cells[0].split("、"))
        else:
            tiers.update(dict.fromkeys(cells[0].split("、"), section))
    return _PayTable(tuple(occupations), senior, tiers)


def city_tier(region_code: str | None) -> tuple[str, str]:
    """(tier, the place's name) for a posting's region; an unknown place is tier1, the highest pay."""
    region = get_region(region_code) if region_code else None
    if region is None:
        return "tier1", "地点不明"
    path = region_path(region.code)
    name = region.city or region.province or region.code
    if len(path) > 1:
        return pay_table().tiers.get(path[1], "tier3"), name
    # A province alone: a municipality (北京市) is its one city; of any other the city is unknown.
    city = get_region(path[0][:2] + "0100")
    if city is not None and city.city == region.province:
        return pay_table().tiers.get(city.code, "tier3"), name
    return "tier1", name


@lru_cache(maxsize=1)
def _keyword_search() -> tuple[Gate, Gate, tuple[tuple[str, PayReference], ...]]:
    """Gates of the senior words and of the keywords, and every keyword longest first (in table
    order among the same length: the first found is the longest, as the table would choose)."""
    table = pay_table()
    keywords = [(keyword, ref) for ref in table.occupations for keyword in ref.keywords]
    longest_first = tuple(sorted(keywords, key=lambda pair: -len(pair[0])))
    return any_of(table.senior), any_of(keyword for keyword, _ref in keywords), longest_first


def occupation_of(title: str) -> PayReference | None:
    senior, any_keyword, keywords = _keyword_search()
    if senior.admits(title) or not any_keyword.admits(title):
        return None
    return next((ref for keyword, ref in keywords if keyword in title), None)


_LURES = (
    (re.compile(r"(?:月入|月薪|月收入|月赚|工资|收入)\s*(?:过万|上万|破万)"), lambda _m: 10_000.0),
    (
        re.compile(r"(?:日结|日薪|日入|日赚|每天|一天)\s*(\d{3,4})\s*(?:元|块)?"),
        lambda m: float(m.group(1)) * _DAYS_PER_MONTH,
    ),
    (
        re.compile(r"(?:月入|月薪|月赚|月收入)\s*(\d+(?:\.\d+)?)\s*(万|千|[kK])"),
        lambda m: float(m.group(1)) * (10_000 if m.group(2) == "万" else 1_000),
    ),
)


@lru_cache(maxsize=1)
def _lures() -> tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], float], Gate], ...]:
    return tuple((pattern, monthly, _gate(pattern)) for pattern, monthly in _LURES)


def _lure_amounts(texts: list[_Text]) -> Iterator[tuple[float, str, str]]:
    for item in texts:
        for pattern, monthly, gate in _lures():
            for found in pattern.finditer(item.text) if gate.passes(item.text, item.scanned) else ():
                yield monthly(found), found.group(0), item.field


def pay_finding(
    title: str, salary_top: float | None, region_code: str | None, texts: Mapping[str, str]
) -> Finding | None:
    """Pay (the salary's top, or a figure the text promises: 日结500) above PAY_FACTOR × the reference."""
    return _pay_finding(title, salary_top, region_code, lambda: _screened(texts))


def _pay_finding(
    title: str, salary_top: float | None, region_code: str | None, texts: Callable[[], list[_Text]]
) -> Finding | None:
    reference = occupation_of(nfkc(title))
    if reference is None:
        return None
    tier, place = city_tier(region_code)
    typical = reference.monthly[tier]
    offers = [(salary_top, "薪资", "salary")] if salary_top else []
    offers += [(amount, f"「{phrase}」", field) for amount, phrase, field in _lure_amounts(texts())]
    if not offers:
        return None
    amount, said, field = max(offers, key=lambda offer: offer[0] or 0)
    if amount is None or amount <= PAY_FACTOR * typical:
        return None
    evidence = (
        f"{said}折合月薪 {amount:.0f} 元，{place}（{TIER_NAMES[tier]}）{reference.occupation}参考月薪 {typical} 元，"
        f"超过 {PAY_FACTOR:g} 倍"
    )
    return Finding("pay_outlier", evidence, field)


# ---- credit code ------------------------------------------------------------------------------------

CREDIT_CODE_REASONS = {
    "length": "应为 18 位",
    "charset": "含有不允许的字符",
    "authority": "第 1 位登记管理部门代码无效",
    "category": "第 2 位机构类别代码无效",
    "region": "第 3-8 位行政区划代码无效",
    "checksum": "校验位不符",
}
_ORGANISATION = re.compile(
    r"公司|有限|集团|厂|店|中心|医院|诊所|学校|学院|幼儿园|酒店|宾馆|餐厅|饭店|酒楼|超市|商行|商场|银行"
    r"|协会|事务所|工作室|合作社|研究院|研究所|门市部|经营部|基地|车间|农场|物业|会所|机构|站$"
)


def names_an_organisation(name: str | None) -> bool:
    """Whether the employer's name is an organisation's (公司, 厂, 店 …) rather than a person's (张先生)."""
    return bool(name and _ORGANISATION.search(name))


def credit_code_finding(employer_name: str | None, credit_code: str | None) -> Finding | None:
    """A code sent that fails its GB 32100 check; or none sent by a post naming an organisation."""
    if credit_code:
        reason = credit_code_error(credit_code)
        if reason:
            said = CREDIT_CODE_REASONS.get(reason, reason)
            return Finding("credit_code_invalid", f"{shown(credit_code, 24)}：{said}", "employer.credit_code")
        return None
    if names_an_organisation(employer_name):
        return Finding("credit_code_missing", shown(employer_name or "", 40), "employer.name")
    return None


def flags_of(findings: Iterable[Finding | None]) -> list[PostingFlag]:
    """One flag per kind, in the order of FLAG_KINDS, with its distinct phrases and fields."""
    evidence: dict[FlagKind, dict[str, None]] = defaultdict(dict)
    fields: dict[FlagKind, dict[str, None]] = defaultdict(dict)
    for finding in findings:
        if finding is None:
            continue
        evidence[finding.kind][finding.evidence] = None
        fields[finding.kind][finding.field] = None
    return [
        PostingFlag(
            kind=kind,
            evidence=list(evidence[kind])[:MAX_EVIDENCE],
            fields=list(fields[kind]),
            message=MESSAGES[kind],
        )
        for kind in FLAG_KINDS
        if kind in evidence
    ]


def detect_flags(
    *,
    title: str,
    texts: Mapping[str, str],
    salary_top: float | None,
    region_code: str | None,
    employer_name: str | None,
    credit_code: str | None,
    screen: bool = True,
) -> list[PostingFlag]:
    """Every flag of a posting. ``texts``: field → text, the title among them (what is searched).
    ``screen=False``: as ``text_findings``."""
    screened = _screened(texts, screen=screen)
    return flags_of(
        [
            *_text_findings(screened),
            _pay_finding(title, salary_top, region_code, lambda: screened),
            credit_code_finding(employer_name, credit_code),
        ]
    )

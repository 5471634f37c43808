import pytest

from shared.domain.education import EDUCATION_LEVELS, education_rank, meets, parse_education


def test_scale_is_ordered_from_none_to_doctorate() -> None:
    ranks = [
        education_rank(label) for label in ("不限", "小学", "初中", "高中", "大专", "本科", "硕士", "博士")
    ]
    assert ranks == sorted(ranks) == list(range(len(EDUCATION_LEVELS)))


@pytest.mark.parametrize("vocational", ["中专", "中技", "职高", "技校", "中职", "技工学校"])
def test_secondary_vocational_schooling_ranks_with_senior_high(vocational: str) -> None:
    assert parse_education(vocational) == "高中"
    assert education_rank(vocational) == education_rank("高中")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中专及以上", "高中"),
        ("大专以上学历", "大专"),
        ("专科", "大专"),
        ("高职高专", "大专"),
        ("本科及以上", "本科"),
        ("全日制本科", "本科"),
        ("学士学位", "本科"),
        ("研究生", "硕士"),
        ("硕士研究生", "硕士"),
        ("博士研究生", "博士"),
        ("博士后", "博士"),
        ("MBA", "硕士"),
        ("不限学历", "不限"),
        ("学历不限", "不限"),
        ("学历不限，本科优先", "不限"),
        ("本科，专业不限", "本科"),
        ("大专/本科", "大专"),
        ("初中及以下", "初中"),
        ("bachelor", "本科"),
        ("Bachelor's degree", "本科"),
        ("Masters", "硕士"),
        ("PhD", "博士"),
        ("High school", "高中"),
        ("ＭＢＡ", "硕士"),
    ],
)
def test_parses_common_wordings(text: str, expected: str) -> None:
    assert parse_education(text) == expected


@pytest.mark.parametrize("text", [None, "", "优秀", "doctoral-ish nothing"])
def test_unknown_text_gives_none(text: str | None) -> None:
    assert parse_education(text) is None


def test_rank_of_unknown_label_raises() -> None:
    with pytest.raises(ValueError):
        education_rank("优秀")


def test_meets_compares_on_the_scale() -> None:
    assert meets("本科", "大专")
    assert meets("中专", "高中")
    assert meets("博士", "硕士")
    assert not meets("高中", "大专")
    assert not meets("初中", "中专及以上")


def test_missing_or_open_requirement_is_met_but_unknown_seeker_is_not() -> None:
    assert meets(None, None)
    assert meets(None, "学历不限")
    assert meets("初中", "不限")
    assert not meets(None, "本科")
    assert not meets("看情况", "本科")


@pytest.mark.parametrize(
    ("text", "label"), [("大学", "本科"), ("大学专科", "大专"), ("大学本科", "本科"), ("文盲", "不限")]
)
def test_spoken_forms_a_kiosk_user_types(text: str, label: str) -> None:
    assert parse_education(text) == label

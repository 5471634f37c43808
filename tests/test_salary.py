import pytest

from shared.salary import DAYS_PER_MONTH, HOURS_PER_DAY, Salary, parse_salary


@pytest.mark.parametrize(
    ("text", "expected_min", "expected_max"),
    [
        ("5000-8000元/月", 5000, 8000),
        ("5000-8000", 5000, 8000),
        ("5000~8000", 5000, 8000),
        ("5000至8000元", 5000, 8000),
        ("5000元-8000元/月", 5000, 8000),
        ("5,000-8,000元", 5000, 8000),
        ("8k-12k", 8000, 12000),
        ("8K以上", 8000, None),
        ("1.2万-1.5万", 12000, 15000),
        ("1-1.5万", 10000, 15000),
        ("1-2万元/月", 10000, 20000),
        ("5000-1.2万", 5000, 12000),
        ("3千-5千", 3000, 5000),
        ("年薪20万", 16667, 16667),
        ("150-220元/天", 3263, 4785),
        ("25元/小时", 4350, 4350),
        ("时薪20元", 3480, 3480),
        ("周薪1200", 5200, 5200),
        ("3000元起", 3000, None),
        ("月薪6000", 6000, 6000),
        ("6000元/月 包吃住", 6000, 6000),
        ("５０００－８０００", 5000, 8000),
        ("4500以上", 4500, None),
        ("3000左右", 3000, 3000),
        ("不低于4000", 4000, None),
        ("月入过万", 10000, None),
        ("两万以上", 20000, None),
        ("5000以下", None, 5000),
    ],
)
def test_parses_common_salary_texts_to_monthly_cny(
    text: str, expected_min: int | None, expected_max: int | None
) -> None:
    salary = parse_salary(text)
    assert (salary.min, salary.max) == (expected_min, expected_max)
    assert salary.parsed is True
    assert salary.negotiable is False
    assert salary.text == text


def test_conversion_factors_are_the_statutory_ones() -> None:
    assert DAYS_PER_MONTH == 21.75
    assert DAYS_PER_MONTH * HOURS_PER_DAY == 174
    assert parse_salary("100元/天").min == 2175
    assert parse_salary("10元/小时").min == 1740


def test_negotiable_has_no_amounts_but_counts_as_parsed() -> None:
    assert parse_salary("面议") == Salary(None, None, negotiable=True, parsed=True, text="面议", note=None)


def test_negotiable_flag_survives_alongside_amounts() -> None:
    salary = parse_salary("5000-8000 可面议")
    assert (salary.min, salary.max, salary.negotiable) == (5000, 8000, True)


def test_base_pay_plus_commission_is_open_ended_with_a_note() -> None:
    salary = parse_salary("底薪3000+提成")
    assert (salary.min, salary.max) == (3000, None)
    assert salary.note == "底薪，另有提成"


def test_reversed_range_is_swapped() -> None:
    salary = parse_salary("8000-5000")
    assert (salary.min, salary.max) == (5000, 8000)


@pytest.mark.parametrize("text", ["待遇优厚", "25元", "5000000-9000000元/月"])
def test_unusable_text_is_kept_and_flagged_not_rejected(text: str) -> None:
    salary = parse_salary(text)
    assert salary.parsed is False
    assert (salary.min, salary.max) == (None, None)
    assert salary.text == text
    assert salary.note


def test_structured_amounts_win_over_text() -> None:
    salary = parse_salary("5000-8000元/月", min=150, max=220, period="day")
    assert (salary.min, salary.max) == (3263, 4785)
    assert salary.text == "5000-8000元/月"


def test_structured_amounts_default_to_month_and_are_range_checked() -> None:
    assert parse_salary(min=6000).min == 6000
    assert parse_salary(min=6000).max is None
    assert parse_salary(min=240000, max=360000, period="year").max == 30000
    assert parse_salary(min=50).parsed is False


def test_structured_period_applies_to_text_amounts() -> None:
    assert parse_salary("200-300", period="day").min == 4350


def test_nothing_given_is_empty_but_not_a_parse_failure() -> None:
    assert parse_salary() == Salary(None, None, negotiable=False, parsed=True, text=None, note=None)

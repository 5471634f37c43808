import pytest

from shared.domain.salary import DAYS_PER_MONTH, HOURS_PER_DAY, Salary, parse_salary


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


@pytest.mark.parametrize(
    ("text", "expected_min", "expected_max"),
    [
        ("200元一天", 4350, 4350),
        ("一天200", 4350, 4350),
        ("日薪200", 4350, 4350),
        ("每天200元", 4350, 4350),
        ("每天工资200", 4350, 4350),
        ("200日结", 4350, 4350),
        ("20元一小时", 3480, 3480),
        ("一小时20元", 3480, 3480),
        ("每小时20", 3480, 3480),
        ("一个月5000", 5000, 5000),
        ("每月5000元", 5000, 5000),
        ("月薪5000", 5000, 5000),
        ("一年20万", 16667, 16667),
        ("20万年薪", 16667, 16667),
    ],
)
def test_period_named_next_to_the_amount(text: str, expected_min: int, expected_max: int) -> None:
    salary = parse_salary(text)
    assert (salary.min, salary.max, salary.parsed) == (expected_min, expected_max, True)


@pytest.mark.parametrize(
    ("text", "expected_min", "expected_max"),
    [
        ("每天工作8小时，5000-6000", 5000, 6000),
        ("经验一年5000", 5000, 5000),
        ("包吃住，一天200元", 4350, 4350),
    ],
)
def test_period_phrases_away_from_the_amount_do_not_set_the_period(
    text: str, expected_min: int, expected_max: int
) -> None:
    # The day and the year in the first two describe the job, not the pay.
    salary = parse_salary(text)
    assert (salary.min, salary.max) == (expected_min, expected_max)


@pytest.mark.parametrize(
    ("text", "expected_min", "expected_max"),
    [
        ("两千五", 2500, 2500),
        ("三千五到四千五", 3500, 4500),
        ("五千", 5000, 5000),
        ("一万二", 12000, 12000),
        ("1万2", 12000, 12000),
        ("一万五千", 15000, 15000),
        ("3千5百", 3500, 3500),
        ("1万-1万2", 10000, 12000),
        ("两千五一天", 54375, 54375),
        ("两千一个月", 2000, 2000),
    ],
)
def test_spoken_chinese_amounts(text: str, expected_min: int, expected_max: int) -> None:
    salary = parse_salary(text)
    assert (salary.min, salary.max, salary.parsed) == (expected_min, expected_max, True)


@pytest.mark.parametrize(
    ("text", "expected_min", "expected_max"),
    [
        ("2024年招聘 月薪6000", 6000, 6000),
        ("2024届毕业生 月薪5000-6000", 5000, 6000),
        ("年龄18-45岁 月薪5000", 5000, 5000),
        ("18-45周岁 5000-6000元", 5000, 6000),
        ("8小时工作制 月薪5000", 5000, 5000),
        ("做6休1 月薪5000", 5000, 5000),
        ("做6休1 5000", 5000, 5000),
        ("招聘30人 4000-5000", 4000, 5000),
        ("月薪4000，试用期3个月", 4000, 4000),
        ("每月26天 5000元", 5000, 5000),
        ("提成5% 底薪3000", 3000, None),
    ],
)
def test_counts_of_years_people_and_time_are_not_amounts(
    text: str, expected_min: int | None, expected_max: int | None
) -> None:
    salary = parse_salary(text)
    assert (salary.min, salary.max, salary.parsed) == (expected_min, expected_max, True)


@pytest.mark.parametrize(
    ("text", "expected_min", "expected_max"),
    [
        ("3栋2单元 工资3000", 3000, 3000),
        ("联系电话请咨询 2 号线附近 4500元", 4500, 4500),
        ("5000-8000 全勤奖200元", 5000, 8000),
        ("餐补300 4000-5000", 4000, 5000),
        ("底薪3000 综合5000-8000", 5000, 8000),
    ],
)
def test_labelled_or_marked_amount_is_preferred_to_other_numbers(
    text: str, expected_min: int, expected_max: int
) -> None:
    salary = parse_salary(text)
    assert (salary.min, salary.max) == (expected_min, expected_max)


def test_a_comma_before_four_digits_separates_numbers_not_thousands() -> None:
    assert (parse_salary("做6休1，5000").min, parse_salary("做6休1，5000").max) == (5000, 5000)
    assert parse_salary("12,000元").min == 12000

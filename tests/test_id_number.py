import pytest

from shared.domain.id_number import (
    id_number_error,
    is_valid_id_number,
    make_id_number,
    mask_id_number,
    mask_name,
    mask_phone,
)

# The worked example printed in GB 11643-1999.
STANDARD_EXAMPLE = "11010519491231002X"


def test_standard_example_is_valid_in_either_case() -> None:
    assert id_number_error(STANDARD_EXAMPLE) is None
    assert is_valid_id_number(STANDARD_EXAMPLE.lower())


def test_make_reproduces_the_standard_example() -> None:
    assert make_id_number("110105", "19491231", "002") == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    ("region", "born", "seq"),
    [("350102", "19900307", "123"), ("440305", "20011129", "004"), ("650102", "19750101", "999")],
)
def test_made_numbers_validate(region: str, born: str, seq: str) -> None:
    number = make_id_number(region, born, seq)
    assert len(number) == 18
    assert number.startswith(region + born + seq)
    assert id_number_error(number) is None


def test_every_single_digit_change_is_detected() -> None:
    number = make_id_number("350102", "19900307", "123")
    for position in range(18):
        for replacement in "0123456789X":
            if replacement == number[position]:
                continue
            corrupted = number[:position] + replacement + number[position + 1 :]
            assert id_number_error(corrupted) is not None, corrupted


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110105491231002", "length"),
        ("11010519491231002X1", "length"),
        ("1101051949123100XX", "charset"),
        ("01010519491231002X", "region"),
        ("110105194913310021", "birth_date"),
        ("110105299001010021", "birth_date"),
        ("110105194912310021", "checksum"),
    ],
)
def test_reports_a_short_reason(number: str, reason: str) -> None:
    assert id_number_error(number) == reason


def test_make_refuses_bad_parts() -> None:
    with pytest.raises(ValueError):
        make_id_number("11010", "19491231", "002")
    with pytest.raises(ValueError):
        make_id_number("110105", "19490231", "002")


def test_mask_id_number_keeps_first_three_and_last_two() -> None:
    assert mask_id_number(STANDARD_EXAMPLE) == "110*************2X"
    assert mask_id_number("1234") == "****"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("138-1234-5678", "138****5678"), ("138 1234 5678", "138****5678")],
)
def test_mask_phone_keeps_first_three_and_last_four(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小芝", "王*芝"),
        ("王小明明", "王**明"),
        ("欧阳娜娜", "欧阳*娜"),
        ("欧阳修", "欧阳*"),
        ("欧阳", "欧*"),
        ("张", "*"),
        ("", ""),
        ("阿依古丽·买买提", "阿***·**提"),
        ("John Smith", "J*** ****h"),
    ],
)
def test_mask_name_keeps_the_surname_and_the_last_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked

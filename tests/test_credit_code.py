import pytest

from shared.domain.credit_code import CHARSET, credit_code_error, is_valid_credit_code, make_credit_code

# Published on business licences; the first is the example most often cited for the standard.
PUBLIC_CODES = ["91350100M000100Y43", "914403001922038216", "9144030071526726XG"]


@pytest.mark.parametrize("code", PUBLIC_CODES)
def test_published_codes_are_valid(code: str) -> None:
    assert credit_code_error(code) is None
    assert is_valid_credit_code(code)


@pytest.mark.parametrize(
    "body",
    ["91110000MA0000001", "92440300L12345678", "52100000500019248", "11100000000013127", "Y1310115MA1K3XQA0"],
)
def test_made_codes_are_valid_and_stable(body: str) -> None:
    code = make_credit_code(body)
    assert code[:17] == body
    assert is_valid_credit_code(code)
    assert make_credit_code(body) == code


def test_make_reproduces_a_published_check_character() -> None:
    assert make_credit_code("91350100M000100Y4") == "91350100M000100Y43"


def test_charset_has_31_characters_without_i_o_s_v_z() -> None:
    assert len(CHARSET) == len(set(CHARSET)) == 31
    assert not set("IOSVZ") & set(CHARSET)


@pytest.mark.parametrize("code", PUBLIC_CODES)
def test_every_single_character_substitution_in_the_checked_part_is_detected(code: str) -> None:
    for position in range(len(code)):
        for replacement in CHARSET:
            if replacement == code[position]:
                continue
            corrupted = code[:position] + replacement + code[position + 1 :]
            assert not is_valid_credit_code(corrupted), corrupted


@pytest.mark.parametrize("position", range(8, 16))
def test_adjacent_transposition_is_detected(position: int) -> None:
    code = "9144030071526726XG"
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if swapped != code:
        assert credit_code_error(swapped) == "checksum"


def test_lowercase_and_surrounding_space_are_accepted() -> None:
    assert credit_code_error(" 91350100m000100y43\n") is None


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "length"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y431", "length"),
        ("91350100M000I00Y43", "charset"),
        ("91350100M000100Y4O", "charset"),
        ("B1350100M000100Y43", "authority"),
        ("90350100M000100Y43", "category"),
        ("9A350100M000100Y43", "category"),
        ("9135A100M000100Y43", "region"),
        ("91350100M000100Y44", "checksum"),
    ],
)
def test_reports_a_short_reason(code: str, reason: str) -> None:
    assert credit_code_error(code) == reason


def test_make_refuses_bad_bodies() -> None:
    with pytest.raises(ValueError):
        make_credit_code("9135")
    with pytest.raises(ValueError):
        make_credit_code("91350100M000100I4")

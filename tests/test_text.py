"""The Chinese text pipeline: what gets indexed, what a query matches, and engine agreement."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shared.text.pipeline import (
    Segmenter,
    default_segmenter,
    group_matches,
    index_text,
    index_tokens,
    normalize,
    query_groups,
    query_tokens,
    read_domain_dict,
    read_synonym_groups,
    synonyms_of,
    words_in,
)

CORPUS_PATH = Path(__file__).parent / "data" / "text_corpus.txt"
REPO_ROOT = Path(__file__).resolve().parent.parent


def matches(query: str, posting: str) -> bool:
    """The search contract: every query group has an alternative the indexed posting holds."""
    posting_tokens = set(index_text(posting).split())
    return all(group_matches(group, posting_tokens) for group in query_groups(query))


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return CORPUS_PATH.read_text(encoding="utf-8").splitlines()


def test_normalize_folds_full_width_lowercases_ascii_and_collapses_whitespace() -> None:
    assert normalize("  ＣＡＤ制图\u3000 Ｅｘｃｅｌ\t\n表格 ") == "cad制图 excel 表格"
    assert normalize("ＡＢＣ１２３") == "abc123"


@pytest.mark.parametrize(
    "posting", ["电子厂普工", "电商运营", "电子商务专员", "电子厂招普工，包吃住，电商客服"]
)
def test_electrician_query_misses_electronics_and_ecommerce_postings(posting: str) -> None:
    assert not matches("电工", posting)


@pytest.mark.parametrize("posting", ["招聘维修电工", "持电工证", "电工（持低压电工证）负责配电房巡检"])
def test_electrician_query_finds_electrician_postings(posting: str) -> None:
    assert matches("电工", posting)


def test_electrician_synonyms_stay_away_from_electronics_words() -> None:
    related = synonyms_of("电工") + tuple(query_tokens(query_groups("电工")))
    assert related, "电工 should have a synonym group"
    assert not [word for word in related if "电子" in word or "电商" in word]


@pytest.mark.parametrize("posting", ["招聘电焊工3名，包吃住", "电焊工，会氩弧焊"])
def test_welder_query_finds_electric_welder_postings(posting: str) -> None:
    assert matches("焊工", posting)


def test_full_width_and_lower_case_ascii_give_the_same_tokens() -> None:
    assert index_tokens("ＣＡＤ制图") == index_tokens("cad制图") == index_tokens("CAD制图")
    assert "cad" in index_tokens("ＣＡＤ制图")
    assert query_groups("ＣＡＤ") == query_groups("cad")
    assert matches("cad", "ＣＡＤ制图员") and matches("ＣＡＤ", "熟练使用cad")


def test_synonym_expansion_finds_postings_that_use_another_name() -> None:
    assert matches("程序员", "招聘开发工程师2名")
    assert matches("保洁", "写字楼清洁工，早班")
    assert matches("司机", "招驾驶员，持c1驾照")
    assert not matches("程序员", "招聘保洁员")


def test_query_groups_put_the_word_first_and_drop_stopwords_and_duplicates() -> None:
    groups = query_groups("我想找个普工的工作，普工")
    assert len(groups) == 1
    (group,) = groups
    assert group[0] == "普工" and "操作工" in group
    assert len(group) == len(set(group))
    long_word_group = query_groups("维修电工")[0]
    assert long_word_group[0] == "维修电工" and ("维修", "电工") in long_word_group


def test_a_compound_query_needs_all_its_parts() -> None:
    assert matches("电子商务", "招聘电子商务专员") and matches("电子商务", "电子产品商务洽谈")
    assert not matches("电子商务", "电子厂普工，包吃住")
    assert matches("维修电工", "招聘维修电工") and matches("维修电工", "电工，负责设备维修")
    assert not matches("维修电工", "汽车维修工")


def test_index_tokens_drop_punctuation_and_split_ranges() -> None:
    assert index_tokens("年龄18-45岁，月薪8k-12k！") == ["年龄", "18", "45", "岁", "月薪", "8k", "12k"]
    assert index_text("招聘维修电工") == " ".join(index_tokens("招聘维修电工"))
    assert "c++" in index_tokens("C++开发")


def test_words_in_gives_precise_words_without_stopwords() -> None:
    assert words_in("会计（兼出纳），熟悉用友、金蝶，有会计证") == [
        "会计",
        "兼",
        "出纳",
        "熟悉",
        "用友",
        "金蝶",
        "会计证",
    ]


def test_synonyms_are_symmetric_and_normalized() -> None:
    assert "电焊工" in synonyms_of("焊工") and "焊工" in synonyms_of("电焊工")
    assert "质检员" in synonyms_of("ＱＣ")
    assert synonyms_of("没有这个词") == ()


def test_domain_dictionary_has_enough_entries_in_jieba_format() -> None:
    entries = read_domain_dict()
    assert len(entries) >= 300
    assert len({entry.word for entry in entries}) == len(entries)
    assert all(entry.freq > 0 and entry.tag for entry in entries)
    assert len(read_synonym_groups()) >= 100


def test_every_synonym_is_in_the_dictionary_and_every_entry_is_one_token() -> None:
    dictionary_words = {entry.word for entry in read_domain_dict()}
    synonym_words = {word for group in read_synonym_groups() for word in group}
    assert synonym_words - dictionary_words == set()
    segmenter = default_segmenter()
    assert [word for word in dictionary_words if segmenter.words(word) != [word]] == []


def test_dictionary_file_rejects_malformed_lines(tmp_path: Path) -> None:
    bad = tmp_path / "dict.txt"
    bad.write_text("电工 300 n\n焊工 many n\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"dict\.txt:2:"):
        read_domain_dict(bad)


def test_rjieba_and_jieba_give_the_same_tokens(corpus: list[str]) -> None:
    rust, python = Segmenter("rjieba"), Segmenter("jieba")
    texts = corpus + [entry.word for entry in read_domain_dict()]
    assert len(corpus) >= 300
    disagreements = [
        text
        for text in texts
        if index_tokens(text, segmenter=rust) != index_tokens(text, segmenter=python)
        or words_in(text, segmenter=rust) != words_in(text, segmenter=python)
    ]
    assert disagreements == []


def test_import_is_lazy_silent_warning_free_and_initialises_once_under_threads() -> None:
    script = """
import sys, threading
import shared.text.pipeline as text
assert "jieba" not in sys.modules and "rjieba" not in sys.modules, "dictionary loaded at import"
start = threading.Barrier(8)
seen = []
def worker():
    start.wait()
    seen.append((id(text.default_segmenter()), tuple(text.index_tokens("招聘维修电工"))))
threads = [threading.Thread(target=worker) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
assert len(set(seen)) == 1, seen
text.Segmenter("jieba")
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert result.stderr == ""

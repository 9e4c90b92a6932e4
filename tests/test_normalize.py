"""Normalisation: the one comparison form shared by units, index and understanding."""
import pytest

from assistant.normalize import cn_number, cn_to_int, normalize, parse_int, to_simplified, tokenize


def test_normalize_widths_traditional_spaces_and_case():
    assert normalize("區知識產權局") == "区知识产权局"
    assert normalize("ＰＣＴ国际专利申请量") == "pct国际专利申请量"
    assert normalize("上海市人民政府 国家知识产权局") == "上海市人民政府国家知识产权局"
    assert normalize("（２０２４）") == "(2024)"
    assert normalize("") == ""


def test_normalize_is_idempotent_so_positions_stay_valid():
    for text in ["專利導航由哪個部門負責？", "沪知局保〔2023〕4号", "XX新区　2024 年…工作要点"]:
        once = normalize(text)
        assert normalize(once) == once


@pytest.mark.parametrize("numeral, value", [
    ("7", 7), ("七", 7), ("十二", 12), ("二十三", 23), ("一百零五", 105), ("两", 2), ("１２", 12), ("十", 10),
])
def test_parse_int(numeral, value):
    assert parse_int(numeral) == value


@pytest.mark.parametrize("numeral", ["", "abc", "二十三条", "第七"])
def test_parse_int_refuses_what_is_not_a_numeral(numeral):
    assert parse_int(numeral) is None


def test_existing_helpers_keep_working():
    assert cn_number(12) == "十二" and cn_to_int("十二") == 12 and cn_to_int("7") == 7
    assert to_simplified("專利") == "专利"
    assert "专利" in tokenize("專利導航")

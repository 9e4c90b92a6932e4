"""Tolerant name matching: short forms by rule, abbreviations, homophones, slips, traditional characters."""
import pytest

from assistant.matching import (NameMatcher, abbreviates, graded_forms, pinyin_of, region_chain, region_short, select, short_forms,
                                split_prefix)

# invented departments: nothing here is in the corpus
DEPARTMENTS = ["松岚市知识产权局", "区知识产权局", "市经济信息化委", "区发展和改革委员会", "区科委", "法治处",
               "区知识产权保护中心", "区金融服务办公室", "区市场监督管理局", "国家知识产权局保护司", "区教育局",
               "区体育局", "各有关部门"]


@pytest.fixture(scope="module")
def matcher():
    return NameMatcher("department", {name: graded_forms(name, "department", "枫桥区") for name in DEPARTMENTS})


def keys(matcher, text):
    return [(m.key, m.how) for m in matcher.find(text)]


@pytest.mark.parametrize("name, region, expected", [
    ("松岚市知识产权局", "松岚市", {"市知识产权局", "知识产权局", "知产局"}),
    ("区知识产权局", "枫桥区", {"枫桥区知识产权局", "枫桥知识产权局", "区知产局"}),
    ("市经济信息化委", "", {"市经信委", "经信委", "经济信息化委"}),
    ("区发展和改革委员会", "", {"区发改委", "发改委", "区发展改革委"}),
    ("区市场监督管理局", "", {"区市场监管局", "区市监局"}),
    ("国家知识产权局保护司", "", {"保护司"}),
    ("区知识产权保护中心", "", {"保护中心"}),
    ("监测预警科", "", {"预警科"}),  # an office by its last word
    ("知识产权保护处", "", {"保护处"}),
    ("市场监管处", "", {"市监处"}),  # 市场 opens no level prefix
])
def test_short_forms_by_rule(name, region, expected):
    assert expected <= set(short_forms(name, "department", region))


def test_short_forms_leave_national_and_collective_names_alone():
    assert "知识产权局保护司" not in short_forms("国家知识产权局保护司")
    assert short_forms("各有关部门") == []
    assert short_forms("区政府") == []  # the core alone would be any government


def test_indicator_and_region_short_forms():
    forms = short_forms("每万人口高价值发明专利拥有量", "indicator")
    assert {"高价值发明专利拥有量", "高价值发明专利", "高价值专利"} <= set(forms)
    assert "pct国际专利申请量" in short_forms("新增PCT国际专利申请量", "indicator")
    assert short_forms("云渡新区", "region") == ["云渡"]
    assert region_short("枫桥区") == "枫桥" and region_short("东区") == "东区"


def test_region_chain_and_prefix():
    assert region_chain("松岚市云渡新区知识产权局") == ["松岚市", "云渡新区"]
    assert region_chain("市场监管局") == []
    assert split_prefix("区知识产权局") == ("区", "知识产权局")
    assert split_prefix("松岚市知识产权局") == ("松岚市", "知识产权局")


@pytest.mark.parametrize("text, expected", [
    ("区知识产权局牵头", ("区知识产权局", "exact")),
    ("经信委配合", ("市经济信息化委", "abbrev")),
    ("市经信委", ("市经济信息化委", "abbrev")),
    ("区科委", ("区科委", "exact")),
    ("区科学技术委员会", ("区科委", "abbrev")),   # the long spelling of a short name
    ("区金融办", ("区金融服务办公室", "abbrev")),
    ("国知局保护司", ("国家知识产权局保护司", "abbrev")),
    ("保护中新", ("区知识产权保护中心", "pinyin")),
    ("法制处", ("法治处", "pinyin")),
    ("区科味", ("区科委", "pinyin")),
    ("区市场监督管局", ("区市场监督管理局", "abbrev")),  # a character left out is an abbreviation
    ("区市场监督管埋局", ("区市场监督管理局", "fuzzy")),  # one slipped character
    ("區知識產權局", ("区知识产权局", "exact")),
])
def test_find(matcher, text, expected):
    assert keys(matcher, text)[:1] == [expected]


@pytest.mark.parametrize("text", ["区教委", "区体育馆", "市场", "知识产权", "局里", "各有关部门的意见",
                                  "区经信委",        # a district body is not the city's 经信委
                                  "国家知识产权局",  # the national office is not the district's
                                  "知产局长",        # the bureau's head: 局 is part of 局长
                                  "局机关各处室"])
def test_no_false_hits(matcher, text):
    """A different department one character away (区教委 vs 区科委) is not a slip; vocabulary is no name."""
    assert [m for m in matcher.find(text) if m.key != "各有关部门"] == []


def test_positions_refer_to_the_normalised_text(matcher):
    found = matcher.find("请问 區科委 和法制处")
    assert [(m.key, m.start, m.end, m.surface) for m in found] == [("区科委", 2, 5, "区科委"), ("法治处", 6, 9, "法制处")]


def test_longest_span_wins_and_same_span_alternatives_stay():
    m = NameMatcher("department", {"区知识产权局": ["区知识产权局", "知识产权局"], "市知识产权局": ["市知识产权局", "知识产权局"]})
    assert [x.key for x in m.find("区知识产权局")] == ["区知识产权局"]
    assert {x.key for x in m.find("知识产权局")} == {"区知识产权局", "市知识产权局"}
    assert len({x.span for x in m.find("知识产权局")}) == 1


def test_select_prefers_trust_on_equal_spans():
    m = NameMatcher("department", {"法治处": ["法治处"], "法制处": ["法制处"]})
    assert [(x.key, x.how) for x in m.find("法制处")][0] == ("法制处", "exact")
    assert select([]) == []


def test_pinyin_is_toneless_and_per_character():
    assert pinyin_of("保护中新") == pinyin_of("保护中心") == ("bao", "hu", "zhong", "xin")
    assert pinyin_of("a1") == ("a", "1")


@pytest.mark.parametrize("short, full", [
    ("技交会", "中国（上海）国际技术进出口交易会"),
    ("专精特新", "专业化、精细化、特色化、新颖化"),
    ("进博会", "中国国际进口博览会"),
    ("国知局", "国家知识产权局"),
])
def test_abbreviates_task_and_event_names(short, full):
    assert abbreviates(short, full) > 0.6


@pytest.mark.parametrize("short, full", [("术口会", "国际技术进出口交易会"), ("知识局", "知识产权局"),
                                         ("博览会", "博览会"), ("进博会", "进口商品目录")])
def test_abbreviates_refuses_what_is_no_abbreviation(short, full):
    assert abbreviates(short, full) == 0.0


def test_office_short_forms_skip_generic_last_words():
    assert short_forms("专利管理科") == [] and short_forms("公共服务处") == []
    assert "场监管处" not in short_forms("市场监管处")


def test_a_national_documents_bare_name_takes_its_level_abbreviation():
    """A State Council document writes 知识产权局 for 国家知识产权局: staff still say 国知局."""
    matcher = NameMatcher("department", {"知识产权局": graded_forms("知识产权局", "department", "国家"),
                                         "区知识产权局": graded_forms("区知识产权局", "department", "枫桥区")})
    assert keys(matcher, "国知局在措施里揽了哪些活") == [("知识产权局", "abbrev")]
    assert keys(matcher, "区知产局牵头的") == [("区知识产权局", "abbrev")]

def test_cached_pinyin_table_gives_pypinyins_default_reading_without_tones():
    """The cached character table equals pypinyin's first reading of every character, tone marks dropped."""
    import unicodedata

    from pypinyin.pinyin_dict import pinyin_dict

    from assistant.matching import _pinyin_table, _toneless_readings

    table = _pinyin_table()
    assert table == _toneless_readings()
    for ch in "中国知识产权局绿女略":
        first = pinyin_dict[ord(ch)].split(",")[0]
        assert table[ch] == "".join(c for c in unicodedata.normalize("NFKD", first) if not unicodedata.combining(c))
    assert pinyin_of("区知识产权局a1") == ("qu", "zhi", "shi", "chan", "quan", "ju", "a", "1")
    assert len(table) > 20000


def test_saved_matchers_are_reused_for_the_same_catalog_only(units, tmp_path, monkeypatch):
    """A catalog read back from its JSON finds names with the matchers saved by the first one (no rebuild),
    with the same results; a different catalog gets matchers of its own."""
    import json

    from assistant import catalog as catalog_module
    from assistant.catalog import Catalog

    monkeypatch.setenv("PA_CACHE", str(tmp_path))
    data = json.loads(json.dumps(Catalog.from_units(units).to_dict()))
    question = "浦东知识产权局2023年工作要点里知产局牵头哪些任务？"
    first = Catalog.from_dict(data)
    found = (first.find_docs(question), first.find_departments(question))
    saved = list((tmp_path / "text").glob("matchers-*.bin"))
    assert len(saved) == 1

    def no_build(cat):
        raise AssertionError("matchers rebuilt although saved")

    monkeypatch.setattr(catalog_module, "_build_matchers", no_build)
    again = Catalog.from_dict(json.loads(json.dumps(data)))
    assert (again.find_docs(question), again.find_departments(question)) == found and found[0] and found[1]
    monkeypatch.undo()
    monkeypatch.setenv("PA_CACHE", str(tmp_path))
    other = dict(data, regions=data["regions"][:-1])
    Catalog.from_dict(other).find_regions(question)
    assert len(list((tmp_path / "text").glob("matchers-*.bin"))) == 2

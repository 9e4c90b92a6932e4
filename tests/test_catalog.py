"""Catalog: names derived from units, on the real corpus and on invented documents (regions, departments
and years 2026–2030 that no code has seen)."""
import json
from pathlib import Path
import time

import pytest

from assistant.catalog import Catalog, strip_numbering
from assistant.units import Target, Unit


# --------------------------------------------------------------------------- an invented corpus of units

def _header(doc_id, title, number, issuers, date):
    return Unit(doc_id=doc_id, doc_short=doc_id, doc_title=title, unit_id=f"{doc_id}#header", kind="header",
                label="文件信息", section="文件头", text=title,
                facts={"title": title, "doc_number": number, "issuers": issuers, "issuer": "、".join(issuers),
                       "issue_date": date})


def _clause(doc_id, title, n, section, lead=(), coop=(), national=(), text="推进相关工作。"):
    return Unit(doc_id=doc_id, doc_short=doc_id, doc_title=title, unit_id=f"{doc_id}#{n}", kind="clause",
                label=f"第{n}条", section=section, text=f"{n}.{text}", number=n, lead_units=list(lead),
                responsible_units=list(lead), cooperating_units=list(coop), national_units=list(national))


def _goals(doc_id, title, section, targets):
    return Unit(doc_id=doc_id, doc_short=doc_id, doc_title=title, unit_id=f"{doc_id}#goal", kind="goals",
                label="主要目标第1段", section=section, text="到期末目标。",
                targets=[Target(indicator=i, year=y, value=v, unit="件", scope="", text="") for i, y, v in targets])


def invented_units():
    units = []
    a = ("fq-2026", "枫桥区知识产权局2026年工作要点")
    units += [_header(*a, "枫知局〔2026〕7号", ["松岚市枫桥区知识产权局"], "2026年2月3日"),
              _goals(*a, "一、主要目标", [("每万人口高价值发明专利拥有量", 2026, 40)]),
              _clause(*a, 1, "二、重点任务 > （一）强化保护", lead=["法治处"]),
              _clause(*a, 2, "二、重点任务 > （一）强化保护", lead=["区知识产权保护中心"], coop=["办公室"]),
              _clause(*a, 3, "二、重点任务 > （二）促进运用", lead=["发展促进处"]),
              _clause(*a, 4, "三、保障措施", lead=["办公室"])]
    b = ("yd-2027", "云渡新区知识产权强区建设2027—2029年行动方案")
    units += [_header(*b, "云府办〔2027〕12号", ["松岚市云渡新区人民政府办公室"], "2027年5月6日"),
              _goals(*b, "二、主要目标", [("新增PCT国际专利申请量", 2028, 90), ("新增PCT国际专利申请量", 2029, 120)]),
              _clause(*b, 1, "三、主要任务", lead=["区发展和改革委员会"], coop=["区科委", "区知识产权局"]),
              _clause(*b, 2, "三、主要任务", lead=["区市场监督管理局"]),
              _clause(*b, 3, "三、主要任务", lead=["区金融服务办公室"], coop=["区财政局"]),
              _clause(*b, 4, "三、主要任务", lead=["区知识产权局"]),
              _clause(*b, 5, "四、保障措施", lead=["区知识产权局"])]
    c = ("sl-2028", "2028年松岚市知识产权行政保护工作实施方案")
    units += [_header(*c, "松知局保〔2028〕3号", ["松岚市知识产权局"], "2028年3月1日"),
              _clause(*c, 1, "二、主要任务", lead=["松岚市知识产权局"], coop=["市经济信息化委", "市发展改革委"],
                      national=["国家知识产权局保护司"]),
              _clause(*c, 2, "二、主要任务", lead=["市市场监管局"]),
              _clause(*c, 3, "三、工作要求", lead=["松岚市知识产权局"])]
    d = ("sl-2030", "2030年松岚市数据知识产权试点实施方案")
    units += [_header(*d, "松知局〔2030〕1号", ["松岚市知识产权局"], "2030年1月8日"),
              _clause(*d, 1, "一、试点任务", lead=["市数据局"], coop=["松岚市知识产权局"])]
    e = ("law-dp", "中华人民共和国数据产权法")
    units += [_header(*e, "", ["全国人民代表大会常务委员会"], "2029年6月1日"),
              _clause(*e, 1, "第一章 总则", text="为了保护数据产权，制定本法。")]
    return units


@pytest.fixture(scope="module")
def invented():
    return Catalog.from_units(invented_units())


@pytest.fixture(scope="module")
def real(units):
    return Catalog.from_units(units)


def doc_id(catalog, title_part):
    return next(d.doc_id for d in catalog.docs if title_part in d.title)


def doc_keys(catalog, text):
    return [m.key for m in catalog.find_docs(text)]


def dept_keys(catalog, text, docs=None):
    return [m.key for m in catalog.find_departments(text, docs=docs)]


# --------------------------------------------------------------------------- invented corpus

def test_document_facts_come_from_the_units(invented):
    a = invented.doc("fq-2026")
    assert (a.region, a.years, a.kind, a.display) == ("枫桥区", [2026], "plan", "枫桥2026要点")
    b = invented.doc("yd-2027")
    assert b.region == "云渡新区" and b.years == [2027, 2028, 2029] and b.genre == "行动方案"
    assert invented.doc("law-dp").kind == "law" and invented.doc("law-dp").display == "数据产权法"
    assert invented.years == [2026, 2027, 2028, 2029, 2030]
    assert {"枫桥区", "云渡新区", "松岚市"} <= set(invented.regions)


@pytest.mark.parametrize("typed, title_part", [
    ("强区建设行动方案有几条", "云渡新区"),       # title words + genre
    ("强区建设方案有几条", "云渡新区"),
    ("行动方案的主要任务", "云渡新区"),           # the only 行动方案
    ("云渡那边的规划", "云渡新区"),               # region alone (suffix dropped)
    ("枫桥26年的要点", "枫桥区"),                 # region + two-digit year
    ("枫桥2026工作要点", "枫桥区"),
    ("26年枫桥的要点", "枫桥区"),                 # year first, 的 between the parts
    ("枫桥区2026年度工作要点", "枫桥区"),
    ("行政保护方案的工作要求", "行政保护"),
    ("行政保护实施方案", "行政保护"),
    ("松知局保（2028）3号是什么文件", "行政保护"),  # 文号, any bracket
    ("松知局保〔2028〕3号", "行政保护"),
    ("数据产权法第一条", "数据产权法"),
    ("數據產權法", "数据产权法"),                 # traditional characters
])
def test_documents_named_as_people_name_them(invented, typed, title_part):
    assert doc_keys(invented, typed)[:1] == [doc_id(invented, title_part)]
    assert len(set(doc_keys(invented, typed))) == 1


def test_a_generic_genre_gives_every_candidate(invented):
    mentions = invented.find_docs("实施方案里有哪些任务")
    assert {m.key for m in mentions} == {"sl-2028", "sl-2030"}
    assert len({m.score for m in mentions}) == 1  # equal: the caller must disambiguate
    # a year narrows it: the combined form names one document
    assert doc_keys(invented, "2030年实施方案") == ["sl-2030"]


def test_a_demonstrative_genre_is_a_reference_not_a_name(invented):
    assert invented.find_docs("这个方案有哪几部分") == []


def test_a_department_inside_a_document_name_is_not_a_department(invented):
    text = "区知识产权局2026年工作要点的文号是什么"
    assert doc_keys(invented, text) == ["fq-2026"]
    assert invented.find_departments(text) == []
    # the issuer written just before a year joins the document mention
    assert doc_keys(invented, "松岚市知识产权局2028年的实施方案") == ["sl-2028"]


def test_a_region_inside_a_department_name_names_no_document(invented):
    assert dept_keys(invented, "松岚市知识产权局牵头哪些任务") == ["松岚市知识产权局"]
    assert doc_keys(invented, "松岚市知识产权局牵头哪些任务") == []


@pytest.mark.parametrize("typed, meant, docs", [
    ("经信委配合哪些任务", "市经济信息化委", None),
    ("市经信委", "市经济信息化委", None),
    ("发改委牵头什么", "区发展和改革委员会", ["yd-2027"]),
    ("发改委牵头什么", "市发展改革委", ["sl-2028"]),
    ("知产局牵头什么", "区知识产权局", ["yd-2027"]),
    ("知产局牵头什么", "松岚市知识产权局", ["sl-2028"]),
    ("区金融办", "区金融服务办公室", None),
    ("市监局", "市市场监管局", None),
    ("区市监局", "区市场监督管理局", None),
    ("国知局保护司", "国家知识产权局保护司", None),
    ("保护司", "国家知识产权局保护司", None),
    ("区发展改革委", "区发展和改革委员会", None),
    ("区科学技术委员会", "区科委", None),        # the long spelling finds the short name
])
def test_abbreviations(invented, typed, meant, docs):
    assert dept_keys(invented, typed, docs)[:1] == [meant]


def test_an_ambiguous_short_form_lists_every_candidate_until_a_document_decides(invented):
    found = invented.find_departments("知产局牵头什么", alternatives=True)
    assert {"区知识产权局", "松岚市知识产权局"} <= {m.key for m in found}
    assert len({m.span for m in found}) == 1
    assert len(invented.find_departments("知产局牵头什么")) == 1  # by default the best of the span only


@pytest.mark.parametrize("typed, meant", [
    ("保护中新牵头什么", "区知识产权保护中心"),   # homophone
    ("区知识产权保护中新", "区知识产权保护中心"),
    ("法制处负责哪些任务", "法治处"),
    ("区科味", "区科委"),
    ("区市场监督管里局", "区市场监督管理局"),
    ("区市场监督管局负责什么", "区市场监督管理局"),  # one character missing
    ("區知識產權局", "区知识产权局"),           # traditional
    ("區市場監督管理局", "区市场监督管理局"),
])
def test_typos_and_traditional_characters(invented, typed, meant):
    found = invented.find_departments(typed)
    assert found and found[0].key == meant


def test_trust_order_exact_before_alias_before_abbrev_before_pinyin(invented):
    exact = invented.find_departments("区知识产权局")[0]
    assert (exact.key, exact.how, exact.score) == ("区知识产权局", "exact", 1.0)
    assert invented.find_departments("知产局")[0].how == "abbrev"
    assert invented.find_departments("法制处")[0].how == "pinyin"
    assert invented.find_departments("区知识产权局")[0].score > invented.find_departments("法制处")[0].score


def test_no_department_where_none_is_named(invented):
    for text in ["今年有哪些重点任务", "区教育局负责什么", "市政府外办牵头什么", "局里的事"]:
        assert invented.find_departments(text) == [], text


def test_roles_per_document(invented):
    entry = invented.departments["区知识产权局"]
    assert entry.roles["yd-2027"] == ["cooperating", "lead", "responsible"] or \
        set(entry.roles["yd-2027"]) == {"cooperating", "lead", "responsible"}
    assert invented.departments["国家知识产权局保护司"].roles == {"sl-2028": ["national"]}
    assert invented.departments["松岚市知识产权局"].docs == ["sl-2028", "sl-2030"]


def test_indicators_and_their_short_forms(invented):
    assert [m.key for m in invented.find_indicators("PCT申请量2029年的目标")] == ["新增PCT国际专利申请量"]
    assert [m.key for m in invented.find_indicators("高价值专利目标")] == ["每万人口高价值发明专利拥有量"]
    assert [m.key for m in invented.find_indicators("ＰＣＴ国际专利申请量")] == ["新增PCT国际专利申请量"]
    assert invented.indicators["新增PCT国际专利申请量"].docs == ["yd-2027"]


def test_sections_clause_numbers_and_regions(invented):
    assert invented.sections["fq-2026"] == ["主要目标", "重点任务", "强化保护", "促进运用", "保障措施"]
    assert "工作要求" in invented.sections["sl-2028"]
    assert invented.clause_numbers["yd-2027"] == [1, 2, 3, 4, 5]
    assert [m.key for m in invented.find_sections("保障措施有几条", docs=["yd-2027"])] == ["保障措施"]
    assert [m.key for m in invented.find_regions("枫桥和云渡")] == ["枫桥区", "云渡新区"]
    assert strip_numbering("（三）加强培训宣传") == "加强培训宣传" and strip_numbering("第二章 总则") == "总则"


def test_round_trip_through_json(invented):
    again = Catalog.from_dict(json.loads(json.dumps(invented.to_dict(), ensure_ascii=False)))
    assert again.to_dict() == invented.to_dict()
    for text in ["知产局牵头什么", "枫桥26年的要点", "实施方案", "法制处"]:
        assert [(m.key, m.span) for m in again.find_departments(text)] == \
            [(m.key, m.span) for m in invented.find_departments(text)]
        assert [(m.key, m.span) for m in again.find_docs(text)] == [(m.key, m.span) for m in invented.find_docs(text)]


def test_speed_with_five_hundred_departments():
    """Not asserted (machines differ): prints the time of all four finders over a 100-character question."""
    units = invented_units()
    places = "东南西北中"
    words = ["科技", "教育", "财政", "民政", "司法", "商务", "统计", "审计", "水务", "绿化", "文旅", "体育", "卫健",
             "应急", "交通", "规划", "房管", "农业", "退役军人", "医保", "人社", "生态环境", "城管", "信访", "档案"]
    suffixes = ["局", "委员会", "办公室", "中心"]
    names = [f"{p}{q}区{w}{s}" for p in places for q in "江山湖" for w in words for s in suffixes][:500]
    units.append(_clause("yd-2027", "云渡新区知识产权强区建设2027—2029年行动方案", 9, "三、主要任务", lead=names))
    catalog = Catalog.from_units(units)
    assert len(catalog.departments) >= 500
    question = ("请问云渡新区2027年行动方案里区发展改革委和区科委牵头的知识产权质押融资任务什么时候完成，"
                "保护中新和法制处又配合了哪些工作，东江区科技局呢，另外ＰＣＴ申请量目标是多少？" * 2)[:100]
    catalog.find_docs(question)  # warm: builds the matchers
    runs = 50
    start = time.perf_counter()
    for i in range(runs):
        text = question[:-2] + f"{i:02d}"  # a new text each time: no cache hit
        catalog.find_docs(text), catalog.find_departments(text), catalog.find_indicators(text), catalog.find_regions(text)
    per = (time.perf_counter() - start) / runs * 1000
    print(f"\nfind_* over a {len(question)}-character question with {len(catalog.departments)} departments: {per:.2f} ms")
    assert dept_keys(catalog, "东江区科技局呢") == ["东江区科技局"]


# --------------------------------------------------------------------------- real corpus

@pytest.mark.parametrize("typed, title_part", [
    ("共建要点第十二条谁负责", "共建"),
    ("行动方案有几条任务", "普陀区"),
    ("浦东那边的要点", "浦东新区"),
    ("普陀24年的目标", "普陀区"),
    ("浦东23年保护处牵头哪些任务", "浦东新区"),
    ("沪知局保〔2023〕4号", "行政保护"),
    ("沪知局保(2023)4号说了什么", "行政保护"),
    ("行政保护方案的工作要求", "行政保护"),
    ("实施方案里说了什么", "行政保护"),      # only one 实施方案 in this corpus
    ("XX新区2024年的工作要点", "XX新区"),
])
def test_real_documents_named_as_people_name_them(real, typed, title_part):
    assert set(doc_keys(real, typed)) == {doc_id(real, title_part)}


def test_real_department_inside_a_document_title(real):
    text = "区知识产权局2024年工作要点的文号是什么"
    assert doc_keys(real, text) == [doc_id(real, "XX新区")]
    assert real.find_departments(text) == []


@pytest.mark.parametrize("typed, meant, scope", [
    ("经信委牵头哪些", "市经济信息化委", None),
    ("知产局牵头哪些", "区知识产权局", "普陀区"),
    ("知产局牵头哪些", "上海市知识产权局", "共建"),
    ("发改委牵头哪些", "区发改委", "普陀区"),
    ("发改委牵头哪些", "市发展改革委", "共建"),
    ("保护中新负责哪些任务", "保护中心", None),
    ("区科味牵头什么", "区科委", None),
    ("區知識產權局牵头什么", "区知识产权局", None),
    ("上海市知识产权局牵头了哪些", "上海市知识产权局", None),
    ("浦东新区政府牵头的任务", "浦东新区政府", None),
])
def test_real_departments_as_people_type_them(real, typed, meant, scope):
    docs = [doc_id(real, scope)] if scope else None
    assert dept_keys(real, typed, docs)[:1] == [meant]


def test_real_region_in_a_department_name_is_no_document(real):
    assert doc_keys(real, "浦东新区政府牵头的任务") == []
    assert doc_keys(real, "上海市知识产权局牵头了哪些") == []


def test_real_indicators_sections_years(real):
    assert [m.key for m in real.find_indicators("普陀PCT申请量的目标")] == ["新增PCT国际专利申请量"]
    assert "高价值专利" in real.indicators["每万人口高价值发明专利拥有量"].aliases
    assert real.years == [2023, 2024, 2025]
    protection = doc_id(real, "行政保护")
    assert "工作要求" in real.sections[protection]
    assert real.doc(doc_id(real, "共建")).years == [2023, 2024, 2025]
    assert real.doc(doc_id(real, "浦东新区")).display == "浦东2023要点"


# --------------------------------------------------------------------------- dev-docs (statutes, State Council documents)

DEV_DIR = Path(__file__).resolve().parent / "fixtures" / "dev-docs"
DEV_DOCS = ["trademark-law-2019.md", "trademark-law-implementing-regulations-2014.md", "copyright-law-2020.md",
            "gov-guofa-2018-38-ftz-reform-measures.html", "gov-guobanfa-2018-128-zero-waste-city-pilot.html",
            "gov-guobanfa-2019-4-tertiary-hospital-performance.html"]


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    import shutil

    from assistant.documents import load_corpus
    from assistant.units import build_all

    folder = tmp_path_factory.mktemp("dev-docs")
    for name in DEV_DOCS:
        shutil.copy(DEV_DIR / name, folder / name)
    docs, errors = load_corpus(folder)
    units, unit_errors = build_all(docs)
    assert not errors and not unit_errors
    return Catalog.from_units(units)


@pytest.mark.parametrize("typed, title_part", [
    ("商标法第三条", "商标法"),
    ("商标法实施条例第十条", "商标法实施条例"),   # the longer name wins over 商标法 inside it
    ("著作权法", "著作权法"),
    ("国发〔2018〕38号", "自由贸易试验区"),
    ("国发(2018)38号", "自由贸易试验区"),
    ("无废城市方案", "无废城市"),
    ("国务院办公厅关于印发“无废城市”建设试点工作方案的通知", "无废城市"),  # the 通知 title
    ("三级公立医院绩效考核有哪些指标", "三级公立医院"),
])
def test_dev_documents_named(dev, typed, title_part):
    assert set(doc_keys(dev, typed)) == {next(d.doc_id for d in dev.docs if title_part in d.title)}


def test_dev_statutes_and_notices(dev):
    law = next(d for d in dev.docs if d.title.endswith("商标法"))
    assert (law.kind, law.display) == ("law", "商标法") and law.years
    assert next(d for d in dev.docs if "自由贸易" in d.title).kind == "plan"
    # a subject that is also a department-like word is the document when the whole subject is written
    assert dept_keys(dev, "三级公立医院绩效考核有哪些指标") == []


def test_issuers_and_warm_start(invented):
    assert invented.issued_by("松岚市知识产权局") == ["sl-2028", "sl-2030"]
    assert invented.issued_by("区知识产权局") == ["fq-2026"]
    assert invented.warm() is invented


def test_region_written_into_a_short_department_name(invented):
    # 云渡新区 + 区知识产权局: the region narrows the document, the department is the document's own
    text = "云渡新区知识产权局牵头哪些任务"
    assert dept_keys(invented, text) == ["区知识产权局"]
    assert doc_keys(invented, text) == ["yd-2027"]
    # 松岚 is part of the department's own name: no document is named by it
    assert doc_keys(invented, "松岚知识产权局牵头哪些") == []


def test_a_distinctive_title_word_is_a_weak_name(invented, real):
    assert [(m.key, m.score) for m in invented.find_docs("行政保护执法有哪些")] == [("sl-2028", 0.55)]
    # a stronger name elsewhere in the question wins over it
    assert doc_keys(invented, "云渡行政保护方面有什么任务") == ["yd-2027"]
    assert doc_keys(real, "行政保护工作计划什么时候报送") == [doc_id(real, "行政保护")]


def test_document_mentions_say_what_they_are_made_of(invented):
    """A region alone is a weaker naming than a title or a 文号; callers can tell them apart by `part`."""
    assert [m.part for m in invented.find_docs("云渡天气怎么样")] == ["region"]
    assert [m.part for m in invented.find_docs("松知局保〔2028〕3号")] == ["number"]
    assert [m.part for m in invented.find_docs("数据产权法")] == ["title"]
    assert [m.part for m in invented.find_docs("实施方案")] == ["genre", "genre"]
    assert invented.find_docs("枫桥的要点")[0].part == "region+genre"

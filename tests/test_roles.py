"""Responsibility notations, with real sentences from ../shared/dev-docs and corpus/ (quoted below).

Each test names the notation it covers. Whole-file tests read the real gov.cn pages with BeautifulSoup
(the paragraphs of td#UCAP-CONTENT) so that counts are measured on the real text, not on a copy.
"""
from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

import pytest

from assistant.roles import (
    Responsibility,
    apply_rules,
    find_deadline,
    find_responsibilities,
    is_department,
    is_national,
    parse_responsibility,
    prose_responsibilities,
    row_responsibility,
    standing_rules,
    table_roles,
)

ROOT = Path(__file__).resolve().parent.parent
DEV_DOCS = ROOT / "tests" / "fixtures" / "dev-docs"
CORPUS = ROOT / "corpus"


def gov_paragraphs(name: str) -> list[str]:
    """The body paragraphs of a stored gov.cn page, in order."""
    path = DEV_DOCS / name
    if not path.exists():
        pytest.skip(f"dev-docs not present: {path}")
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
    content = soup.find(id="UCAP-CONTENT")
    paragraphs = (re.sub(r"\s+", " ", p.get_text("", strip=True)) for p in content.find_all("p"))
    return [p for p in paragraphs if p]


def groups_of(paragraphs: list[str]) -> list[Responsibility]:
    """Every group of a document, with standing rules carried from one paragraph to the next."""
    rules, found = [], []
    for paragraph in paragraphs:
        found.extend(find_responsibilities(paragraph, rules=rules))
        rules = rules + standing_rules(paragraph)
    return found


# --------------------------------------------------------------------------- department names


@pytest.mark.parametrize("name", [
    "海关总署", "国家外汇局", "人民银行", "某某街道", "某某镇人民政府", "某某集团", "某某镇", "某某乡",
    "省商务厅", "供销合作总社", "中国铁路总公司", "市高院", "区检察院", "区公安分局", "国务院扶贫办",
    "银保监会", "市贸促会", "临港新片区管委会", "区知识产权联席会议各成员单位", "各有关部门", "各成员单位",
    "各区政府", "试点城市政府", "各省份", "机关纪委", "金融监管总局上海监管局",
    # internal offices whose ending contains an ordinary word's ending (理科, 查处)
    "专利管理科", "商标监督管理科", "执法稽查处", "行政审查处",
])
def test_department_names_are_recognised_by_their_ending(name):
    assert is_department(name)


@pytest.mark.parametrize("phrase", [
    "以下简称“意见”", "国家法律法规暂不允许的除外", "含港澳台", "决策部署", "社会", "总体布局", "城乡",
    "中国国际进口博览会", "PPP", "鼓励地方政府", "须经交易双方确认", "依法查处", "理科",
])
def test_ordinary_phrases_are_not_departments(phrase):
    assert not is_department(phrase)
    assert find_responsibilities(f"推进有关工作。（{phrase}）") == []


def test_national_level_is_read_from_the_name():
    # national prefix or ministry-level ending (部/总局/总署/监会), and no local level word inside
    for name in ("国家知识产权局条法司", "国务院扶贫办", "海关总署", "商务部", "税务总局", "证监会"):
        assert is_national(name), name
    for name in ("上海市知识产权局", "区委宣传部", "市场监管总局上海分局", "金融监管总局上海监管局", "各有关部门"):
        assert not is_national(name), name
    assert is_national("市场监管总局")  # 市场 is not the level word 市


# --------------------------------------------------------------------------- keyed brackets


def test_keyed_lead_bracket_from_the_seed():
    # corpus/000, clause 1 ends: "…完善“严、大、快、同”知识产权保护工作体系。（牵头部门：保护处）"
    [resp] = find_responsibilities("完善“严、大、快、同”知识产权保护工作体系。（牵头部门：保护处）")
    assert resp.lead == ["保护处"] and resp.units == ["保护处"] and resp.notation == "keyed"


def test_keyed_responsible_with_scope_separated_by_semicolon_and_comma():
    # gov-guofa-2018-38, measures （一） and （十六）
    first = ("（一）借鉴北京市服务业扩大开放综合试点经验，放宽外商投资建设工程设计企业外籍技术人员的比例要求、"
             "放宽人才中介机构限制。（负责部门：人力资源社会保障部、住房城乡建设部、商务部；适用范围：所有自贸试验区，"
             "以下除标注适用于特定自贸试验区的措施外，适用范围均为所有自贸试验区）")
    [resp] = find_responsibilities(first)
    assert resp.responsible == ["人力资源社会保障部", "住房城乡建设部", "商务部"]
    assert resp.units == resp.responsible and resp.lead == []
    assert resp.scope == "所有自贸试验区"
    sixteenth = ("（十六）加强顶层设计，在自贸试验区探索创新政府储备与企业储备相结合的石油储备模式。"
                 "（负责部门：发展改革委、粮食和储备局，适用范围：浙江自贸试验区）")
    [resp] = find_responsibilities(sixteenth)
    assert resp.responsible == ["发展改革委", "粮食和储备局"] and resp.scope == "浙江自贸试验区"


def test_keyed_customs_and_bank_names_and_deng_bumen_tail():
    # gov-guofa-2018-38, measures （十七） and （四十五）
    [resp] = find_responsibilities("（十七）研究支持对海关特殊监管区域外的“两头在外”航空维修业态实行保税监管。"
                                   "（负责部门：商务部、海关总署、财政部、税务总局）")
    assert resp.units == ["商务部", "海关总署", "财政部", "税务总局"]
    [resp] = find_responsibilities("支持自贸试验区保税燃料油供应以人民币计价、结算。"
                                   "（负责部门：人民银行等部门，适用范围：浙江自贸试验区）")
    assert resp.units == ["人民银行"] and resp.scope == "浙江自贸试验区"


def test_keyed_inline_exception_is_not_taken():
    # gov-guofa-2018-38 （五十二）: the mid-sentence （国家法律法规暂不允许的除外） is no responsibility
    text = ("（五十二）授权自贸试验区制定相关港澳专业人才执业管理办法（国家法律法规暂不允许的除外），允许具有港澳"
            "执业资格的金融、建筑、规划、专利代理等领域专业人才，经相关部门或机构备案后，按规定范围为自贸试验区内"
            "企业提供专业服务。（负责部门：人力资源社会保障部、住房城乡建设部、银保监会、证监会、知识产权局，"
            "适用范围：广东自贸试验区）")
    groups = find_responsibilities(text)
    assert len(groups) == 1
    assert groups[0].units[-1] == "知识产权局" and groups[0].scope == "广东自贸试验区"
    assert text[groups[0].start:groups[0].end] == groups[0].raw


@pytest.mark.parametrize("inner,role,units", [
    ("牵头单位：市知识产权局；配合单位：市商务委、市贸促会", "lead", ["市知识产权局"]),
    ("责任单位：区知识产权局", "responsible", ["区知识产权局"]),
    ("责任部门：区司法局、区法院", "responsible", ["区司法局", "区法院"]),
    ("责任主体：各区政府", "responsible", ["各区政府"]),
    ("主责部门：区市场监管局", "responsible", ["区市场监管局"]),
    ("指导部门：市知识产权局；责任单位：各街道", "guiding", ["市知识产权局"]),
])
def test_keyed_role_words(inner, role, units):
    resp = parse_responsibility(inner)
    assert getattr(resp, role) == units
    if inner.startswith("牵头单位"):
        # 配合 units are cooperating, never lead (issue 11)
        assert resp.cooperating == ["市商务委", "市贸促会"] and resp.units == ["市知识产权局"]
    if inner.startswith("指导部门"):
        assert resp.units == ["各街道"]


def test_keyed_deadline_keys():
    resp = parse_responsibility("主责部门：区市场监管局；完成时间：2025年6月底前")
    assert resp.deadline == "2025年6月底前"
    resp = parse_responsibility("责任单位：区知识产权局；时间节点：2024年12月底")
    assert resp.deadline == "2024年12月底"


# --------------------------------------------------------------------------- trailing lists and role words


def test_trailing_unit_list_is_responsible_and_units():
    # corpus/002 clause 10 text, read from the file
    text = (CORPUS / "002_putuo-2024-2025.txt").read_text(encoding="utf-8")
    line = next(l for l in text.splitlines() if l.startswith("6. 强化企业、高校"))
    [resp] = find_responsibilities(line)
    assert resp.responsible == ["区知识产权局", "区教育局", "区科委"] == resp.units
    assert resp.notation == "list"


def test_trailing_list_responsible_verb():
    # gov-guobanfa-2018-117 items 六、 and 十八、
    [resp] = find_responsibilities("优先安排车辆购置税和港口建设费建设资金。（交通运输部、财政部负责）")
    assert resp.responsible == ["交通运输部", "财政部"] and resp.units == ["交通运输部", "财政部"]
    [resp] = find_responsibilities("并优先支持在重大改革和重大政策方面先行先试。（国家发展改革委、财政部会同有关部门负责）")
    assert resp.lead == ["国家发展改革委", "财政部"] and resp.cooperating == ["有关部门"]


def test_lead_with_participants():
    # gov-guobanfa-2018-128, 二、（一）
    text = ("完善农业废弃物、建筑垃圾统计方法。 （生态环境部牵头，国家发展改革委、工业和信息化部、住房城乡建设部、"
            "农业农村部、国家统计局参与）")
    [resp] = find_responsibilities(text)
    assert resp.lead == ["生态环境部"] == resp.units
    assert resp.cooperating == ["国家发展改革委", "工业和信息化部", "住房城乡建设部", "农业农村部", "国家统计局"]


def test_role_clauses_followed_by_a_keyed_deadline():
    # tests/fixtures/invented/yunlan-2027.txt clause 3 and the other role-clause forms with a keyed time limit
    [resp] = find_responsibilities("推动银行业金融机构开发知识产权质押融资产品，建立风险补偿机制。（区金融服务办公室牵头，"
                                   "区财政局、人民银行青溪支行参与；完成时限：2028年6月底）")
    assert resp.lead == ["区金融服务办公室"] == resp.units
    assert resp.cooperating == ["区财政局", "人民银行青溪支行"] and resp.deadline == "2028年6月底"
    [resp] = find_responsibilities("建立风险补偿机制。（区财政局、区统计局负责；完成时限：2028年6月底前）")
    assert resp.responsible == ["区财政局", "区统计局"] == resp.units and resp.deadline == "2028年6月底前"
    [resp] = find_responsibilities("建立风险补偿机制。（区财政局指导，区统计局负责；完成时限：持续推进）")
    assert resp.guiding == ["区财政局"] and resp.units == ["区统计局"] and resp.deadline == "持续推进"


def test_guiding_and_guiding_with_participant():
    # gov-guobanfa-2018-128: （X、Y指导） and （商务部指导，供销合作总社参与）
    [resp] = find_responsibilities("其中煤矸石、煤泥等固体废物实现全部利用。 （自然资源部、工业和信息化部指导）")
    assert resp.guiding == ["自然资源部", "工业和信息化部"] and resp.units == []
    [resp] = find_responsibilities("实现线上交废与线下回收有机结合。 （商务部指导，供销合作总社参与）")
    assert resp.guiding == ["商务部"] and resp.cooperating == ["供销合作总社"]


def test_responsible_for_implementation_and_standing_implementer():
    # gov-guobanfa-2018-128: the group that also states a rule for every later task
    text = ("形成分工明确、权责明晰、协同增效的综合管理体制机制。 （生态环境部指导，试点城市政府负责落实。"
            "以下均需试点城市政府落实，不再列出） 加强制度政策集成创新，增强试点方案系统性。 "
            "（生态环境部、国家发展改革委、工业和信息化部指导）")
    first, second = find_responsibilities(text)
    assert first.guiding == ["生态环境部"] and first.responsible == ["试点城市政府"]
    assert second.guiding == ["生态环境部", "国家发展改革委", "工业和信息化部"]
    assert second.responsible == ["试点城市政府"] == second.units  # the rule applies to later groups


# --------------------------------------------------------------------------- the seed level form


def test_seed_level_form_national_part_and_deadline():
    # corpus/001 clause 10, read from the file (full-width and half-width punctuation as published)
    text = (CORPUS / "001_shanghai-cnipa-2023-2025.txt").read_text(encoding="utf-8")
    line = next(l.strip() for l in text.splitlines() if l.strip().startswith("10.强化知识产权数据资源治理"))
    [resp] = find_responsibilities(line)
    assert resp.units == ["上海市知识产权局", "市统计局"]
    assert resp.national_units == ["国家知识产权局战略规划司", "运用促进司", "公共服务司"]
    assert resp.deadline == "2025年12月底"


def test_unkeyed_level_form_with_ministries_and_ongoing_deadline():
    # no 国家 prefix: 商务部/海关总署 are ministry-level by their ending, the first part is local
    [resp] = find_responsibilities("推进跨境电商知识产权保护。（市知识产权局、市商务委；商务部、海关总署；持续推进）")
    assert resp.responsible == ["市知识产权局", "市商务委"]
    assert resp.national_units == ["商务部", "海关总署"]
    assert resp.deadline == "持续推进" and resp.notation == "levels"
    # a national document's own list is responsible, never national
    [resp] = find_responsibilities("推进有关试点。（商务部；海关总署）")
    assert resp.national_units == [] and resp.units == ["商务部", "海关总署"]


# --------------------------------------------------------------------------- prose


def test_prose_by_and_dated_subject():
    resp = prose_responsibilities("具体工作由区知识产权保护中心负责。")
    assert resp.responsible == ["区知识产权保护中心"]
    # gov-guobanfa-2019-4, 三、（四）
    resp = prose_responsibilities("2019年3月底前，国家卫生健康委建立全国三级公立医院绩效考核信息系统。")
    assert resp.responsible == ["国家卫生健康委"] and resp.deadline == "2019年3月底前"
    resp = prose_responsibilities("国家卫生健康委于2019年12月底前完成国家监测指标分析，并及时以适当方式向社会公布。")
    assert resp.units == ["国家卫生健康委"] and resp.deadline == "2019年12月底前"
    resp = prose_responsibilities("各省份于2019年11月底前完成对辖区内三级公立医院绩效考核工作，考核结果反馈医院。")
    assert resp.units == ["各省份"] and resp.deadline == "2019年11月底前"
    # gov-guobanfa-2018-128, 四、（一）: 会同 makes the subject the lead
    resp = prose_responsibilities("生态环境部会同有关部门组建协调小组和专家委员会，建立工作协调机制。")
    assert resp.lead == ["生态环境部"] and resp.cooperating == ["有关部门"]


def test_prose_is_conservative_and_never_fires_on_statutes():
    statute = "县级以上人民政府市场监管部门负责专利、商标、地理标志产品和商业秘密的行政保护工作。"
    assert prose_responsibilities(statute, statute=True) is None  # guangdong regulation, 第四条
    assert find_responsibilities("（二）" + statute, statute=True) == []
    # no department subject: a date lead-in alone or a subject that is not a unit gives nothing
    assert prose_responsibilities("2019年3月底前，全国三级公立医院全部纳入国家卫生健康委满意度调查平台。") is None
    assert prose_responsibilities("国家建立公立医院满意度管理制度，根据满意度调查结果，不断完善公立医院建设。") is None
    assert prose_responsibilities("试点城市由省级有关部门推荐。") is None
    assert prose_responsibilities("鼓励地方政府统筹运用相关政策，支持建设固体废物处置等公共设施。") is None


# --------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize("text,deadline", [
    ("（责任单位：上海市知识产权局；完成时限：持续推进）", "持续推进"),
    ("完成时间：2025年6月底", "2025年6月底"),
    ("时间节点：2024年12月底", "2024年12月底"),
    # gov-guobanfa-2018-117, closing paragraphs
    ("各有关部门制定或调整完善后的激励措施实施办法，于2018年12月31日前报送国务院办公厅。", "2018年12月31日前"),
    ("从2019年起，各有关部门于每年2月底前，根据上一年度工作成效，研究提出拟予督查激励的地方名单。", "每年2月底前"),
    ("2019年12月底前完成第一次全国三级公立医院绩效考核工作。", "2019年12月底前"),
    ("（区知识产权局；长期坚持）", "长期坚持"),
    # prose that closes with its time limit as a clause of its own
    ("推动数据互联互通。由监测预警科负责，持续推进。", "持续推进"),
    ("建立部门协同机制，持续推进规范专利申请行为。", ""),
    # an ongoing verb inside prose is no deadline; nor is a data period
    ("持续推进规范专利申请行为专项督察整治工作，督导申请人及时撤回。", ""),
    ("三级公立医院绩效考核工作按照年度实施，考核数据时间节点为上一年度1月至12月。", ""),
    # a sentence that opens with its time frame, the weakest form: any other deadline wins
    ("实施方案按程序报送生态环境部。2019年上半年，试点城市政府印发实施方案。", "2019年上半年"),
    ("支持产业发展。到2020年，在试点城市危险废物经营单位全面推行环境污染责任保险。", "2020年"),
    ("到2020年，基本建立考核体系，2019年12月底前完成第一次考核。", "2019年12月底前"),
    ("推进改革，2023年全面完成。", ""),
])
def test_find_deadline(text, deadline):
    assert find_deadline(text) == deadline


# --------------------------------------------------------------------------- standing rules


def test_first_listed_is_lead_rule():
    rules = standing_rules("各项任务中排在第一位的为牵头部门，其他为配合部门。")
    assert [r.kind for r in rules] == ["first_is_lead"]
    [resp] = find_responsibilities("建立专利导航工作体系。（区知识产权局、区科委、区商务委）", rules=rules)
    assert resp.lead == ["区知识产权局"] == resp.units
    assert resp.cooperating == ["区科委", "区商务委"] and resp.responsible == []


def test_implementer_and_scope_rules_from_real_pages():
    rules = standing_rules("（生态环境部指导，试点城市政府负责落实。以下均需试点城市政府落实，不再列出）")
    assert [(r.kind, r.units) for r in rules] == [("implementer", ["试点城市政府"])]
    task_without_group = apply_rules(None, rules)
    assert task_without_group.units == ["试点城市政府"]
    rules = standing_rules("（负责部门：自然资源部；适用范围：所有自贸试验区，以下除标注适用于特定自贸试验区的措施外，"
                           "适用范围均为所有自贸试验区）")
    assert [(r.kind, r.value) for r in rules] == [("scope", "所有自贸试验区")]
    [resp] = find_responsibilities("（三）将建筑工程施工许可下放至自贸试验区。（负责部门：住房城乡建设部）", rules=rules)
    assert resp.scope == "所有自贸试验区"


# --------------------------------------------------------------------------- tables


def test_table_columns_by_header_words():
    header = ["序号", "工作任务", "牵头部门", "配合部门", "指导部门", "完成时限"]
    roles = table_roles(header)
    assert roles == {2: "lead", 3: "cooperating", 4: "guiding", 5: "deadline"}
    resp = row_responsibility(["1", "建设知识产权保护中心", "区知识产权局", "区商务委、区科委", "市知识产权局",
                               "2025年12月底"], roles)
    assert resp.lead == ["区知识产权局"] == resp.units
    assert resp.cooperating == ["区商务委", "区科委"] and resp.guiding == ["市知识产权局"]
    assert resp.deadline == "2025年12月底"
    roles = table_roles(["序号", "任务", "责任单位", "完成时间"])
    resp = row_responsibility(["2", "…", "区司法局（牵头）、区法院", "持续推进"], roles)
    assert resp.lead == ["区司法局"] and resp.responsible == ["区法院"] and resp.deadline == "持续推进"


def test_indicator_table_header_has_no_role_columns():
    path = DEV_DOCS / "gov-guobanfa-2019-4-tertiary-hospital-performance.docx"
    if not path.exists():
        pytest.skip("dev-docs not present")
    import docx

    header = [cell.text for cell in docx.Document(str(path)).tables[0].rows[0].cells]
    assert header[:3] == ["一级指标", "二级指标", "三级指标"]
    assert table_roles(header) == {}


# --------------------------------------------------------------------------- whole real files


def test_zero_waste_every_parenthetical_keeps_its_role():
    paragraphs = gov_paragraphs("gov-guobanfa-2018-128-zero-waste-city-pilot.html")
    groups = groups_of(paragraphs)
    # 37 full-width and 2 half-width (…) role parentheticals
    assert len(groups) == 39
    assert all(g.notation == "roles" for g in groups)
    assert sum(1 for g in groups if g.raw.startswith("(")) == 2
    assert sum(1 for g in groups if g.guiding and not g.lead and not g.cooperating) == 36
    # after the standing rule every group names the city government as implementer
    rule_at = next(i for i, g in enumerate(groups) if "不再列出" in g.raw)
    assert rule_at == 1
    assert all("试点城市政府" in g.responsible for g in groups[rule_at:])
    assert groups[0].responsible == []
    # several groups in one paragraph, each at its own offset
    paragraph = next(p for p in paragraphs if p.startswith("夯实危险废物过程严控基础"))
    found = find_responsibilities(paragraph)
    assert len(found) == 4
    assert all(paragraph[g.start:g.end] == g.raw for g in found)
    assert found[1].guiding == ["生态环境部", "交通运输部"]


def test_ftz_measures_all_keyed_with_scope():
    groups = groups_of(gov_paragraphs("gov-guofa-2018-38-ftz-reform-measures.html"))
    assert len(groups) == 53
    assert all(g.notation == "keyed" and g.responsible for g in groups)
    scopes = [g.scope for g in groups]
    assert scopes.count("所有自贸试验区") == 39  # 14 measures name their own 适用范围
    assert scopes[28] == "福建自贸试验区"  # （二十九） 海关总署，适用范围：福建自贸试验区
    assert groups[28].units == ["海关总署"]


def test_incentive_measures_thirty_responsible_groups():
    groups = groups_of(gov_paragraphs("gov-guobanfa-2018-117-incentive-measures.html"))
    assert len(groups) == 30
    assert groups[0].units == ["市场监管总局"]
    assert groups[29].units == ["国务院办公厅"]
    assert sum(1 for g in groups if g.cooperating == ["有关部门"]) == 4  # the four …会同有关部门负责


def test_statutes_and_prose_documents_have_no_bracket_groups():
    for name in ("trademark-law-2019.md", "copyright-law-2020.md", "anti-unfair-competition-law-2019.md",
                 "trademark-law-implementing-regulations-2014.md", "guangdong-ip-protection-regulations-2022.md"):
        path = DEV_DOCS / name
        if not path.exists():
            pytest.skip("dev-docs not present")
        lines = path.read_text(encoding="utf-8").splitlines()
        assert sum(len(find_responsibilities(line)) for line in lines) == 0, name
    hospital = gov_paragraphs("gov-guobanfa-2019-4-tertiary-hospital-performance.html")
    assert groups_of(hospital) == []
    dated = [r for p in hospital for s in re.split(r"(?<=。)", p) if (r := prose_responsibilities(s))
             and r.deadline and "国家卫生健康委" in r.units]
    assert [r.deadline for r in dated] == ["2019年3月底前", "2019年3月底前", "2019年12月底前", "每年3月底前"]


# --------------------------------------------------------------------------- compatibility


def test_responsibility_old_constructor_and_round_trip():
    resp = Responsibility(units=["区法院"])
    assert resp.responsible == ["区法院"] and resp.units == ["区法院"]
    again = Responsibility(**asdict(find_responsibilities("（牵头单位：甲局；配合单位：乙委）")[0]))
    assert again.lead == ["甲局"] and again.cooperating == ["乙委"] and again.units == ["甲局"]

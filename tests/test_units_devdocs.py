"""The parser on real laws and State Council documents (../shared/dev-docs), with exact expectations
written by reading each text: article/task counts, paths, roles, deadlines, header facts, attachments,
and the .pdf/.docx variants agreeing with their .md/.html sources."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from assistant.documents import load_document
from assistant.units import parse_document

DEV = Path(__file__).resolve().parent / "fixtures" / "dev-docs"
pytestmark = pytest.mark.skipif(not DEV.is_dir(), reason="dev-docs not available")


@lru_cache(maxsize=None)
def parsed(name: str):
    return parse_document(load_document(DEV / name))


def clauses(name: str) -> list:
    return [u for u in parsed(name).units if u.kind == "clause"]


def by_key(name: str) -> dict:
    return {u.unit_id.split("#", 1)[1]: u for u in parsed(name).units}


def facts(name: str) -> dict:
    return next(u for u in parsed(name).units if u.kind == "header").facts


CN = "零一二三四五六七八九十"


def cn(n: int) -> str:
    """Chinese numeral as statutes write article numbers (1..199)."""
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = f"{CN[hundreds]}百" if hundreds else ""
    if tens:
        out += ("零" if hundreds and False else "") + (CN[tens] if tens > 1 or hundreds else "") + "十"
    elif hundreds and ones:
        out += "零"
    return out + (CN[ones] if ones else "")


# --------------------------------------------------------------------------- statutes

@pytest.mark.parametrize("name,articles,chapters", [
    ("trademark-law-2019.md", 73, 8),
    ("trademark-law-2019.pdf", 73, 8),
    ("copyright-law-2020.md", 67, 5),  # the source omits 第一章: 第一条–第八条 stand before 第二章
    ("anti-unfair-competition-law-2019.md", 33, 5),
    ("trademark-law-implementing-regulations-2014.md", 98, 10),
    ("guangdong-ip-protection-regulations-2022.md", 51, 7),
    ("gov-guoling-706-patent-agency-regulations.html", 32, 5),
])
def test_statute_articles_in_sequence_with_chapter_paths(name, articles, chapters):
    result = parsed(name)
    found = clauses(name)
    assert result.statute and result.state == "ok" and result.structure == "第X条"
    assert [u.number for u in found] == list(range(1, articles + 1))
    assert [u.label for u in found] == [f"第{cn(n)}条" for n in range(1, articles + 1)]
    assert len({u.section.split(" > ")[0] for u in found if u.section}) == chapters
    # a statute's prose is never a task annotation
    assert not any(u.lead_units or u.responsible_units or u.responsibilities for u in found)


def test_copyright_law_first_articles_before_any_heading_and_three_level_paths():
    found = {u.number: u for u in clauses("copyright-law-2020.md")}
    assert [found[n].section for n in range(1, 9)] == [""] * 8
    assert found[9].section == "第二章 著作权 > 第一节 著作权人及其权利"
    assert found[32].section == "第四章 与著作权有关的权利 > 第一节 图书、报刊的出版"
    assert found[32].text.startswith("第三十二条图书出版者出版图书")
    items = [line for line in found[10].text.split("\n") if re.match(r"^（[一二三四五六七八九十]+）", line)]
    assert len(items) == 17 and items[-1].startswith("（十七）")


def test_mid_sentence_article_citations_do_not_cut_articles():
    found = {u.number: u for u in clauses("anti-unfair-competition-law-2019.md")}
    assert "违反本法第六条规定" in found[18].text
    article6 = found[6].text.split("\n")
    assert article6[0].endswith("：") and [line[:3] for line in article6[1:5]] == ["（一）", "（二）", "（三）", "（四）"]
    assert found[6].section == "第二章 不正当竞争行为"


def test_half_width_items_stay_in_their_article():
    found = {u.number: u for u in clauses("trademark-law-implementing-regulations-2014.md")}
    assert sum(line.startswith("(") for u in found.values() for line in u.text.split("\n")) == 38
    assert found[1].section == "第一章 总则"


def test_statute_header_history_is_not_issue_date_issuer_or_number():
    law = facts("trademark-law-2019.md")
    assert "issue_date" not in law and "doc_number" not in law and "issuer" not in law
    assert law["title"] == "中华人民共和国商标法"
    assert len(law["history"]) == 5 and law["history"][0].startswith("1982年8月23日")
    assert law["enacted_by"] == "全国人民代表大会常务委员会"
    regulation = facts("trademark-law-implementing-regulations-2014.md")
    assert "doc_number" not in regulation and "issue_date" not in regulation
    assert facts("guangdong-ip-protection-regulations-2022.md")["enacted_by"] == "广东省人民代表大会常务委员会"


def test_state_council_order_preamble():
    order = facts("gov-guoling-706-patent-agency-regulations.html")
    assert order["title"] == "专利代理条例"
    assert order["doc_number"] == "国令第706号"  # the order's own number, not 第76号 of the 1991 history
    assert order["issuer"] == "国务院"
    assert order["issue_date"] == "2018年11月6日"
    assert order["signer"] == "李克强" and order["signer_title"] == "总理"
    assert order["history"][0] == "1991年3月4日中华人民共和国国务院令第76号发布"
    assert order["published"] == "2018年11月19日" and order["index_no"] == "000014349/2018-00206"
    found = {u.number: u for u in clauses("gov-guoling-706-patent-agency-regulations.html")}
    assert found[1].section == "第一章 总则"
    assert found[8].text.count("\n（") == 4  # （一）–（四） stay inside 第八条


def test_pdf_law_agrees_with_its_markdown_source():
    md = {u.number: u for u in clauses("trademark-law-2019.md")}
    pdf = {u.number: u for u in clauses("trademark-law-2019.pdf")}
    assert [u.section for u in md.values()] == [u.section for u in pdf.values()]
    same = sum(re.sub(r"\s", "", md[n].text) == re.sub(r"\s", "", pdf[n].text) for n in md)
    assert same == 73
    assert not any("－" in u.text for u in pdf.values())


# --------------------------------------------------------------------------- State Council documents

FTZ = "gov-guofa-2018-38-ftz-reform-measures.html"
INCENTIVE = "gov-guobanfa-2018-117-incentive-measures.html"
ZERO_WASTE = "gov-guobanfa-2018-128-zero-waste-city-pilot.html"
HOSPITAL = "gov-guobanfa-2019-4-tertiary-hospital-performance.html"
HOSPITAL_DOCX = "gov-guobanfa-2019-4-tertiary-hospital-performance.docx"


def test_ftz_measures_continue_across_sections_with_departments_and_scope():
    found = clauses(FTZ)
    assert parsed(FTZ).structure == "（一）" and not parsed(FTZ).statute
    assert [u.number for u in found] == list(range(1, 54))
    assert found[0].label == "（一）" and found[-1].label == "（五十三）"
    assert all(u.lead_units for u in found)
    sections = [u.section for u in found]
    assert sections[15] == "一、营造优良投资环境" and sections[16] == "二、提升贸易便利化水平"
    assert sections[52] == "四、推进人力资源领域先行先试"
    m = {u.number: u for u in found}
    assert m[1].lead_units == ["人力资源社会保障部", "住房城乡建设部", "商务部"]
    assert m[3].lead_units == ["住房城乡建设部"] and m[3].responsibilities[0].scope == "所有自贸试验区"
    assert m[16].lead_units == ["发展改革委", "粮食和储备局"] and m[16].responsibilities[0].scope == "浙江自贸试验区"
    assert m[17].lead_units == ["商务部", "海关总署", "财政部", "税务总局"]
    assert m[52].lead_units == ["人力资源社会保障部", "住房城乡建设部", "银保监会", "证监会", "知识产权局"]
    assert "（国家法律法规暂不允许的除外）" in m[52].text
    closing = [u for u in parsed(FTZ).units if u.section == "五、切实做好组织实施"]
    assert [u.title for u in closing] == ["坚持党的领导", "维护国家安全", "强化组织管理", "狠抓工作落实"]
    assert all(u.kind == "section" for u in closing)


def test_ftz_header_from_text_and_gov_table():
    f = facts(FTZ)
    assert f["doc_number"] == "国发〔2018〕38号" and f["issuer"] == "国务院" and f["issuers"] == ["国务院"]
    assert f["issue_date"] == "2018年11月7日" and f["published"] == "2018年11月23日"
    assert f["title"] == "国务院关于支持自由贸易试验区深化改革创新若干措施的通知"
    assert f["addressees"] == "各省、自治区、直辖市人民政府，国务院各部委、各直属机构"
    assert f["notes"] == "此件公开发布" and f["topic"] == "商贸、海关、旅游\\对外经贸合作"
    assert "notice_title" not in f


def test_incentive_items_are_the_tasks_and_closing_paragraphs_are_not():
    found = clauses(INCENTIVE)
    assert parsed(INCENTIVE).structure == "一、"
    assert [u.number for u in found] == list(range(1, 31)) and found[29].label == "三十、"
    assert all(u.responsibilities and u.section == "" for u in found)
    m = {u.number: u for u in found}
    assert m[1].lead_units == ["市场监管总局"]
    assert m[6].lead_units == ["交通运输部", "财政部"]
    assert m[16].lead_units == ["国家发展改革委"] and m[16].cooperating_units == ["有关部门"]
    assert m[30].lead_units == ["国务院办公厅"] and m[30].text.endswith("（国务院办公厅负责）")
    tail = [u for u in parsed(INCENTIVE).units if u.kind == "section" and u.unit_id.split("#")[1].startswith("sec")]
    assert len(tail) == 3 and tail[1].deadline == "2018年12月31日前"
    assert "国办发〔2016〕82号" in tail[2].text
    f = facts(INCENTIVE)
    assert f["doc_number"] == "国办发〔2018〕117号"  # not the repealed 〔2016〕82号
    assert f["issue_date"] == "2018年12月6日" and f["issuers"] == ["国务院办公厅"]


def test_zero_waste_notice_wrapper_and_sub_paragraph_tasks():
    f = facts(ZERO_WASTE)
    assert f["title"] == "“无废城市”建设试点工作方案"
    assert f["notice_title"] == "国务院办公厅关于印发“无废城市”建设试点工作方案的通知"
    assert f["doc_number"] == "国办发〔2018〕128号" and f["issue_date"] == "2018年12月29日"
    assert f["issuers"] == ["国务院办公厅"] and f["notes"] == "此件公开发布"
    assert f["notice"].startswith("《“无废城市”建设试点工作方案》已经国务院同意")
    units = by_key(ZERO_WASTE)
    assert units["preamble"].section == "“无废城市”建设试点工作方案"
    tasks = [u for u in clauses(ZERO_WASTE) if u.section.startswith("二、主要任务")]
    assert len(tasks) == 20
    assert [len([u for u in tasks if u.section.split(" > ")[1].startswith(f"（{n}）")])
            for n in "一二三四五六"] == [4, 4, 3, 3, 3, 3]
    first = units["2-1-1"]
    assert first.label == "（一）第1段" and first.title == "建立“无废城市”建设指标体系，发挥导向引领作用"
    assert first.section == "二、主要任务 > （一）强化顶层设计引领，发挥政府宏观指导作用"
    assert first.lead_units == ["生态环境部"] and first.deadline == "2019年6月底前"
    assert first.cooperating_units == ["国家发展改革委", "工业和信息化部", "住房城乡建设部", "农业农村部", "国家统计局"]
    second = units["2-1-2"]
    assert second.guiding_units == ["生态环境部"] and second.responsible_units == ["试点城市政府"]
    # "以下均需试点城市政府落实，不再列出": every later task of 二、 has the city government as implementer
    assert all("试点城市政府" in u.responsible_units for u in tasks[1:])
    assert units["2-6-3"].guiding_units == ["工业和信息化部", "财政部", "国家发展改革委", "生态环境部"]
    # 三、 is another section: the standing implementer does not carry over
    assert "试点城市政府" not in units["3-1"].responsible_units
    assert units["3-4"].deadline == "2021年3月底前"
    # tasks whose time frame opens a sentence (到2020年，… / 2019年上半年，…)
    assert units["2-6-1"].deadline == "2020年" and units["3-2"].deadline == "2019年上半年"
    assert [u.title for u in clauses(ZERO_WASTE) if u.section == "一、总体要求"] == [
        "重大意义", "指导思想", "基本原则", "试点目标", "试点范围"]


def test_hospital_tasks_owners_and_deadlines_in_prose():
    units = by_key(HOSPITAL)
    assert len(clauses(HOSPITAL)) == 19
    assert units["1-1"].title == "指导思想" and units["1-1"].section == "一、总体要求"
    assert units["1-1"].text.startswith("（一）指导思想。\n以习近平新时代")
    assert units["3-2"].lead_units[0] == "国家卫生健康委" and units["3-2"].deadline == "2019年3月底前"
    assert units["4-2"].lead_units == ["各省份"] and units["4-2"].deadline == "2019年11月底前"
    assert units["4-3"].lead_units == ["国家卫生健康委"] and units["4-3"].deadline == "2019年12月底前"
    f = facts(HOSPITAL)
    assert f["title"] == "国务院办公厅关于加强三级公立医院绩效考核工作的意见"
    assert f["attachments"] == ["三级公立医院绩效考核指标"]
    assert f["doc_number"] == "国办发〔2019〕4号" and f["issue_date"] == "2019年1月16日"


@pytest.mark.parametrize("name", [HOSPITAL, HOSPITAL_DOCX])
def test_hospital_attachment_55_indicators(name):
    indicators = [u for u in parsed(name).units if u.unit_id.split("#")[1].startswith("att1-ind-")]
    assert [u.number for u in indicators] == list(range(1, 56))
    assert sum("▲" in u.text.split("\n")[0] for u in indicators) == 26
    first, last = indicators[0], indicators[-1]
    assert first.section == "附件 三级公立医院绩效考核指标 > 一、医疗质量 > （一）功能定位"
    assert first.title == "门诊人次数与出院人次数比" and "指标来源：医院填报。" in first.text
    assert last.section == "附件 三级公立医院绩效考核指标 > 四、满意度评价 > （十四）医务人员满意度"
    assert last.title == "医务人员满意度"
    level1 = {u.section.split(" > ")[1] for u in indicators}
    assert level1 == {"一、医疗质量", "二、运营效率", "三、持续发展", "四、满意度评价"}
    assert len({u.section for u in indicators}) == 14
    notes = by_key(name)["att1-notes"]
    assert notes.section == "附件 三级公立医院绩效考核指标 > 注" and notes.text.count("\n") == 11


def test_docx_agrees_with_html():
    html, docx = parsed(HOSPITAL), parsed(HOSPITAL_DOCX)
    key = lambda r: [(u.kind, u.label, u.section, u.title) for u in r.units if u.kind != "header"]  # noqa: E731
    assert key(html) == key(docx)
    assert facts(HOSPITAL_DOCX)["doc_number"] == facts(HOSPITAL)["doc_number"]


def test_listed_clauses_show_only_the_roles_and_deadline_they_have():
    """A list line gives (roles；deadline) as far as the clause states them: no empty brackets or bare ；."""
    from assistant.answer import Composer
    from assistant.plan import _render_list

    units = by_key(ZERO_WASTE)
    text = _render_list([units["1-1"], units["3-2"], units["2-1-1"]], "", Composer(), False)
    lines = text.splitlines()[1:]
    assert "（" not in lines[0].split("“重大意义”")[1]
    assert "“制定实施方案”（2019年上半年）" in lines[1]
    assert "导向引领作用”（生态环境部、" in lines[2] and "；2019年6月底前）" in lines[2]

"""Units parsed from the real corpus, with exact expectations read from the documents."""
import re

import pytest


def clauses(units, doc):
    return {u.number: u for u in units if u.doc_id == doc and u.kind == "clause"}


@pytest.mark.parametrize("doc,count", [("000", 20), ("001", 25), ("002", 53), ("003", 21), ("004", 16)])
def test_clause_count_and_numbering(units, doc, count):
    found = clauses(units, doc)
    assert sorted(found) == list(range(1, count + 1))


@pytest.mark.parametrize("doc,number,lead,deadline", [
    ("000", 1, ["保护处"], ""),
    ("000", 2, ["办公室"], ""),
    ("000", 5, ["保护中心"], ""),
    ("000", 8, ["监管与预警处"], ""),
    ("000", 11, ["保护处", "保护中心"], ""),
    ("000", 16, ["办公室", "监管与预警处", "保护处", "发展促进处", "保护中心"], ""),
    ("001", 1, ["上海市知识产权局", "浦东新区政府", "临港新片区管委会", "虹桥国际中央商务区管委会", "各有关部门"], "持续推进"),
    ("001", 2, ["上海市知识产权局", "市经济信息化委", "市贸促会", "浦东新区政府"], "2024年12月底"),
    ("001", 12, ["上海市知识产权局", "市地方金融监管局", "金融监管总局上海监管局", "上海证监局"], "2025年12月底"),
    ("001", 22, ["上海市知识产权局", "市政府外办"], "2024年12月底"),
    ("001", 25, ["上海市知识产权局", "市高院", "市司法局", "市贸促会"], "持续推进"),
    ("002", 1, ["区知识产权联席会议各成员单位"], ""),
    ("002", 2, ["区发改委", "区知识产权局", "区财政局", "区投促办", "区委宣传部"], ""),
    ("002", 10, ["区知识产权局", "区教育局", "区科委"], ""),
    ("002", 33, ["区知识产权局", "区委宣传部", "区文旅局", "区公安分局", "区检察院", "区法院"], ""),
    ("002", 46, ["区发改委", "区委宣传部", "区知识产权局"], ""),
    ("002", 50, ["区法院"], ""),
    ("003", 1, ["办公室"], ""),
    ("003", 3, ["保护中心"], ""),
    ("003", 5, ["办公室", "监管与预警处", "保护处", "发展促进处"], ""),
    ("003", 11, ["监管与预警处"], ""),
    ("003", 18, ["机关党委"], ""),
    ("003", 19, ["机关纪委"], ""),
])
def test_lead_units_and_deadline(units, doc, number, lead, deadline):
    unit = clauses(units, doc)[number]
    assert unit.lead_units == lead
    assert unit.deadline == deadline


def test_001_national_units(units):
    c = clauses(units, "001")
    assert c[1].national_units == ["国家知识产权局条法司"]
    assert c[6].national_units == ["国家知识产权局保护司", "专利局审业部"]
    assert c[10].national_units == ["国家知识产权局战略规划司", "运用促进司", "公共服务司"]
    assert c[24].national_units == ["国家知识产权局国际合作司", "人事司"]


def test_000_clause_16_keeps_every_bracket_group(units):
    unit = clauses(units, "000")[16]
    assert len(unit.responsibilities) == 3
    assert [r.units for r in unit.responsibilities[:2]] == [["办公室"], ["办公室"]]


def test_next_line_trailing_list_joins_its_clause(units):
    c = clauses(units, "002")
    assert c[2].text.endswith("（区发改委、区知识产权局、区财政局、区投促办、区委宣传部）")
    assert "区科委)" in c[10].text.replace("）", ")")


def test_004_clauses_have_no_responsibility_and_titles(units):
    c = clauses(units, "004")
    assert all(not u.lead_units for u in c.values())
    assert c[1].title == "全面部署落实知识产权保护任务"
    assert c[1].section == "二、主要任务 > （一）加强知识产权行政保护制度保障"


def test_clause_titles_and_section_paths(units):
    c = clauses(units, "000")
    assert c[1].title == "加快推动浦东法规落地见效"
    assert c[1].section == "二、重点任务 > （一）全面实施知识产权高水平保护"
    assert clauses(units, "002")[51].section == "六、组织实施和保障"


def test_004_misnumbered_headings_are_repaired(units):
    sections = {u.section for u in units if u.doc_id == "004"}
    assert "三、工作要求 > （二）加强业务指导，规范办案程序" in sections
    assert not any(s.startswith("2、") for s in sections)


def test_inline_parentheses_are_not_responsibility(units):
    header = next(u for u in units if u.doc_id == "004" and u.kind == "header")
    assert "以下简称" in header.text
    c3 = clauses(units, "003")[18]
    assert c3.lead_units == ["机关党委"]


def targets_of(units, doc):
    return {(t.indicator, t.year, t.scope): (t.value, t.unit) for u in units if u.doc_id == doc for t in u.targets}


def test_002_indicator_table_both_years(units):
    t = targets_of(units, "002")
    expected = {
        ("每万人口高价值发明专利拥有量", 2024, "普陀区"): (20, "件"),
        ("每万人口高价值发明专利拥有量", 2025, "普陀区"): (23, "件"),
        ("新增PCT国际专利申请量", 2024, "普陀区"): (60, "件"),
        ("新增PCT国际专利申请量", 2025, "普陀区"): (65, "件"),
        ("年知识产权质押融资登记金额", 2024, "普陀区"): (2.5, "亿元"),
        ("年知识产权质押融资登记金额", 2025, "普陀区"): (3, "亿元"),
        ("知识产权民事一审案件服判息诉率", 2024, "普陀区"): (97, "%"),
        ("知识产权民事一审案件服判息诉率", 2025, "普陀区"): (97, "%"),
        ("新增发明专利申请量", 2024, "“中华武数”四平台"): (30, "件"),
        ("新增发明专利申请量", 2025, "“中华武数”四平台"): (40, "件"),
        ("新增商标申请注册量", 2024, "“中华武数”四平台"): (30, "件"),
        ("新增商标申请注册量", 2025, "“中华武数”四平台"): (40, "件"),
        ("新增著作权登记申请量", 2024, "“中华武数”四平台"): (50, "件"),
        ("新增著作权登记申请量", 2025, "“中华武数”四平台"): (60, "件"),
    }
    assert t == expected


def test_000_goal_values(units):
    t = targets_of(units, "000")
    assert t[("每万人口高价值发明专利拥有量", 2023, "浦东新区")] == (75, "件")
    assert t[("知识产权纠纷调解成功案件量", 2023, "浦东新区")] == (500, "件")
    assert t[("支持开展海外知识产权维权企业", 2023, "浦东新区")] == (20, "家")
    assert t[("知识产权质押融资金额", 2023, "浦东新区")] == (10, "亿元")
    assert t[("服务科创板拟上市企业", 2023, "浦东新区")] == (80, "家")


def test_003_goal_values(units):
    t = targets_of(units, "003")
    assert t[("每万人口高价值发明专利拥有量", 2024, "XX新区")] == (85, "件")
    assert t[("作品登记量", 2024, "XX新区")] == (26, "万件")
    assert t[("知识产权纠纷调解优先推荐覆盖率", 2024, "XX新区")] == (90, "%")
    assert t[("知识产权纠纷调解案件数", 2024, "XX新区")] == (4000, "件")
    assert t[("知识产权质押融资金额", 2024, "XX新区")] == (30, "亿元")
    assert t[("服务科创板拟上市企业", 2024, "XX新区")] == (100, "家")


def test_header_facts(units):
    facts = {u.doc_id: u.facts for u in units if u.kind == "header"}
    assert facts["000"]["doc_number"] == "沪浦知局〔2023〕18号"
    assert facts["000"]["copies"] == "9"
    assert facts["000"]["issue_date"] == "2023年4月12日"
    assert facts["000"]["print_date"] == "2023年4月19日"
    assert facts["000"]["addressees"] == "局机关各处室、知识产权保护中心"
    assert facts["001"]["issuers"] == ["上海市人民政府办公厅", "国家知识产权局办公室"]
    assert facts["002"]["issue_date"] == "2024年11月7日"
    assert facts["002"]["cc"] == "区法院、区检察院"
    assert facts["004"]["issue_date"] == "2023年3月15日"
    assert any("2023年4月7日前报送" in d for d in facts["004"]["reporting_deadlines"])


def test_no_artefacts_in_any_unit(units):
    for unit in units:
        assert "**" not in unit.text and "#" not in unit.text, unit.unit_id
        assert "版权所有" not in unit.text and "投资咨询热线" not in unit.text
        assert not re.search(r"[\u4e00-\u9fff][ \u3000\u2003]+[\u4e00-\u9fff]", unit.text), unit.unit_id
    c = clauses(units, "000")
    assert "重点环节" in c[3].text and "开展知识产权保险工作" in c[6].text
    goals = " ".join(u.text for u in units if u.doc_id == "000" and u.kind == "goals")
    assert "达到20家" in goals


# --------------------------------------------------------------------------- general hierarchy (fixtures)

from pathlib import Path  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "units"


def _parse(name):
    from assistant.documents import load_document
    from assistant.units import parse_document

    return parse_document(load_document(FIXTURES / name))


def test_tasks_at_the_fourth_level_restart_per_section():
    result = _parse("plan-level4-tasks.md")
    assert result.state == "ok" and result.structure == "（1）"
    tasks = {u.unit_id.split("#")[1]: u for u in result.units if u.kind == "clause"}
    assert list(tasks) == ["2-1-1", "2-1-2", "2-2-1", "2-2-2"]
    first = tasks["2-1-1"]
    assert first.label == "（1）" and first.number == 1 and first.title == "开展高价值专利培育"
    assert first.section == "二、重点任务 > 1.强化知识产权创造"
    assert first.lead_units == ["县市场监管局"] and first.cooperating_units == ["县科技局"]
    assert first.deadline == "2026年11月底"
    assert tasks["2-1-2"].lead_units == ["县市场监管局", "县农业农村局"]
    assert tasks["2-2-1"].lead_units == ["县市场监管局"] and tasks["2-2-1"].cooperating_units == ["县公安局"]
    assert tasks["2-2-2"].lead_units == ["县知识产权纠纷人民调解委员会"] and tasks["2-2-2"].deadline == "持续推进"
    header = result.units[0].facts
    assert header["title"] == "青禾县2026年知识产权工作要点"
    assert header["notice_title"] == "青禾县市场监督管理局关于印发《青禾县2026年知识产权工作要点》的通知"
    assert header["doc_number"] == "青市监〔2026〕3号" and header["issue_date"] == "2026年2月10日"
    assert header["cc"] == "县人大常委会办公室，县政协办公室" and header["print_date"] == "2026年2月11日"


def test_indicator_table_with_unit_column_actual_and_target_and_attribute():
    result = _parse("plan-level4-tasks.md")
    targets = {(t.indicator, t.year): (t.value, t.unit, t.kind, t.attribute)
               for u in result.units for t in u.targets}
    assert targets == {
        ("有效发明专利拥有量", 2025): (410, "件", "actual", "预期性"),
        ("有效发明专利拥有量", 2026): (460, "件", "target", "预期性"),
        ("知识产权质押融资额", 2025): (1.2, "亿元", "actual", "预期性"),
        ("知识产权质押融资额", 2026): (1.5, "亿元", "target", "预期性"),
        ("侵权案件办结率", 2025): (96, "%", "actual", "约束性"),
        ("侵权案件办结率", 2026): (98, "%", "target", "约束性"),
    }
    row = next(u for u in result.units if u.kind == "goals")
    assert row.text == "1 有效发明专利拥有量：2025年（实际） 410件；2026年 460件（预期性）"
    assert all(t.scope == "青禾县" for u in result.units for t in u.targets)


def test_real_text_without_numbering_is_partly_parsed():
    result = _parse("no-numbering.txt")
    assert result.state == "partial" and result.reason == "未找到编号条款，已按段落切分"
    assert [u.kind for u in result.units] == ["header", "section"]
    assert result.units[0].facts["title"] == "关于进一步做好知识产权宣传工作的意见"


def test_seed_documents_are_plans_of_numbered_items(documents):
    from assistant.units import parse_document

    results = {d.doc_id: parse_document(d) for d in documents}
    assert {k: (r.state, r.structure, r.statute) for k, r in results.items()} == {
        k: ("ok", "1.", False) for k in ("000", "001", "002", "003", "004")}


def test_units_carry_every_role_field(units):
    c = clauses(units, "001")
    assert c[1].responsible_units or c[1].lead_units
    assert all(isinstance(u.cooperating_units, list) and isinstance(u.guiding_units, list) for u in units)


def test_regulation_articles_keep_their_bracket_notations_but_not_prose():
    """Statute detection suppresses roles read from prose (第二条), never explicit bracket notations."""
    result = _parse("regulation-with-notations.txt")
    assert result.statute and result.structure == "第X条"
    arts = {u.number: u for u in result.units if u.kind == "clause"}
    assert sorted(arts) == [1, 2, 3, 4, 5, 6]
    assert arts[2].lead_units == [] and arts[2].responsible_units == [] and arts[2].deadline == ""
    assert arts[3].lead_units == ["区司法局"] and arts[3].deadline == "2027年6月底"
    assert arts[3].cooperating_units == ["区人民法院", "区市场监督管理局"]
    assert arts[4].lead_units == ["区财政局", "区金融工作办公室"] == arts[4].responsible_units
    assert arts[4].deadline == "2027年12月底前"
    assert arts[5].guiding_units == ["区商务委员会"] and arts[5].lead_units == ["区知识产权保护中心"]
    assert arts[5].deadline == "持续推进" and arts[6].deadline == "" and arts[6].lead_units == []
    # an indicator table between articles is goals of its own, not text of 第二条
    assert "\t" not in arts[2].text and "质押融资" not in arts[2].text
    targets = {(t.indicator, t.year): (t.value, t.unit) for u in result.units for t in u.targets}
    assert targets[("知识产权质押融资登记金额", 2027)] == (23.1, "亿元")
    assert targets[("专利转化实施率", 2026)] == (25.1, "%")
    # the notice that 印发 the articles keeps its own facts; the 版记 closes the file, not 第六条
    facts = result.units[0].facts
    assert facts["addressees"] == "各街道办事处、镇人民政府，区政府各委、办、局"
    assert facts["issuers"] == ["松川区人民政府"] and facts["issue_date"] == "2027年2月20日"
    assert facts["doc_number"] == "松府发〔2027〕4号"
    assert facts["print_date"] == "2027年2月21日" and facts["copies"] == "25"
    assert "印发" not in arts[6].text and "共印" not in arts[6].text


def test_task_table_section_rows_without_tabs_and_placeholder_cells():
    """A plain-text export writes a task table's section rows (（一）…) without tabs and empty cells as
    "—": every task row is a clause of its own under its section, "—" names nobody."""
    result = _parse("task-table-sections.txt")
    rows = {u.number: u for u in result.units if u.kind == "clause" and u.label.endswith("行")}
    assert sorted(rows) == [1, 2, 3]
    assert rows[1].lead_units == ["县知识产权保护中心"] and rows[1].cooperating_units == ["县司法局"]
    assert rows[1].deadline == "2030年12月底前" and rows[1].section.endswith("（一）推进知识产权国际合作")
    assert "商标品牌" not in rows[1].text and "商业秘密" not in rows[1].text
    assert rows[2].lead_units == ["县市场监督管理局"] and rows[2].cooperating_units == [] and rows[2].deadline == ""
    assert rows[3].cooperating_units == ["县科学技术委员会", "县人民法院"] and rows[3].deadline == "持续推进"
    assert rows[3].section.endswith("（二）强化知识产权创造")
    facts = result.units[0].facts  # a 版记 without 抄送: the print line and copies still close the file
    assert facts["print_date"] == "2030年1月8日" and facts["printer"] == "枫林县人民政府办公室"
    assert facts["copies"] == "15"
    assert not any("共印" in u.text for u in result.units if u.kind != "header")


def test_trailer_after_the_last_attachment_is_the_documents():
    """The 版记 (抄送, 印发机关和印发日期, 共印N份) closes the whole file, after the attachments."""
    result = _parse("trailer-after-attachment.txt")
    facts = result.units[0].facts
    assert facts["cc"] == "县委办公室，县人大常委会办公室，县法院"
    assert facts["print_date"] == "2030年2月21日" and facts["printer"] == "柏川县人民政府办公室"
    assert facts["copies"] == "30" and facts["addressees"] == "各镇人民政府，县政府各委、办、局"
    tasks = [u for u in result.units if u.kind == "clause"]
    assert len(tasks) == 6 and tasks[1].lead_units == ["县商务委员会"] and tasks[1].cooperating_units == ["县财政局"]
    attachment = [u for u in result.units if u.section.startswith("附件")]
    assert attachment and not any("抄送" in u.text or "印发" in u.text for u in attachment)


def test_regulation_goal_chapter_articles_carry_their_targets():
    """第二章 主要目标 states numeric goals in its article; articles of other chapters state none."""
    result = _parse("regulation-goals.txt")
    arts = {u.number: u for u in result.units if u.kind == "clause"}
    assert sorted(arts) == [1, 2, 3, 4]
    got = {(t.indicator, t.year): (t.value, t.unit) for t in arts[2].targets}
    assert got == {("每万人口高价值发明专利拥有量", 2029): (36, "件"), ("知识产权质押融资登记金额", 2029): (6.7, "亿元")}
    assert arts[4].targets == [] and arts[1].targets == []
    assert arts[3].lead_units == ["县知识产权保护中心"] and arts[3].deadline == "2029年12月底"


def test_task_level_tie_goes_to_the_items_with_notations():
    """Four 1、 tasks under （一）（二） and four （一） 保障措施: the annotated 1、 items are the tasks."""
    result = _parse("tasks-tie-with-measures.txt")
    assert result.structure == "1."
    tasks = [u for u in result.units if u.kind == "clause"]
    assert [u.number for u in tasks] == [1, 2, 3, 4]
    assert tasks[0].lead_units == ["区统计局", "区商务委员会"] and tasks[0].guiding_units == []
    assert tasks[1].guiding_units == ["区商务委员会"] and tasks[1].lead_units == ["区市场监督管理局"]
    assert tasks[2].section == "二、重点任务 > （二）推进知识产权国际合作"


def test_subheadings_numbered_like_their_tasks_are_sections():
    """"（一）强化创造" directly above "（一）培育….（…牵头）" heads a group; the tasks keep their own numbers."""
    result = _parse("plan-subheadings-same-style.txt")
    tasks = [u for u in result.units if u.kind == "clause" and "重点任务" in u.section]
    assert [u.label for u in tasks] == ["（一）", "（二）", "（三）", "（四）"]
    assert [u.section.rsplit(" > ", 1)[-1] for u in tasks] == ["（一）强化知识产权创造"] * 2 + ["（二）促进知识产权运用"] * 2
    assert tasks[0].lead_units == ["县科技局"] and tasks[2].deadline == "2029年6月底"
    guarantees = [u.title for u in result.units if u.kind == "clause" and "保障措施" in u.section]
    assert guarantees == ["加强组织领导", "强化经费保障"]  # short titled items stay items


def test_dated_goal_in_task_prose_is_a_target():
    result = _parse("plan-subheadings-same-style.txt")
    first = next(u for u in result.units if u.kind == "clause" and u.title == "培育高价值专利")
    assert [(t.indicator, t.year, t.value, t.unit) for t in first.targets] == [("县域发明专利授权量", 2029, 120.0, "件")]
    # a count of work to do is no goal: no year-bound level is set
    second = next(u for u in result.units if u.kind == "clause" and u.title == "推动商标品牌建设")
    assert second.targets == []


def test_dated_targets_need_a_year_and_a_level_verb():
    from assistant.units import dated_targets

    assert dated_targets("到2020年，重点用膜区当季地膜回收率达到80%以上。（农业农村部指导）", "全国")[0].value == 80.0
    assert dated_targets("建设指导站3个，到2020年完成。", "全国") == []


def test_numbered_items_run_into_one_line_are_split():
    """A PDF reader may join "（一）…。（二）…" into one line: the guarantees must not collapse into one item
    (which made the top headings look like the task level)."""
    from assistant.units import _split_inline_items

    lines = ["（一）加强组织领导。领导小组统筹推进。（二）营造良好氛围。加强宣传。（三）加强督促检查。建立台账。",
             "1\t拓展质押融资。（二）不拆表格行。\t区商务委员会"]
    assert _split_inline_items(lines) == ["（一）加强组织领导。领导小组统筹推进。", "（二）营造良好氛围。加强宣传。",
                                          "（三）加强督促检查。建立台账。", lines[1]]
    assert _split_inline_items(["（一）引用（三）的规定。（三）不是下一项。"]) == ["（一）引用（三）的规定。（三）不是下一项。"]

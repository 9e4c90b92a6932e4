"""Header facts and naming: titles never from a letterhead, notice wrappers, statute preambles, the
gov.cn table merged into the facts, region and years derived from the text."""
from pathlib import Path

import pytest

from assistant.header import (describe, guess_title, merge_meta, normalize_date, notice_title, parse_header,
                              parse_statute_header, region_of, years_of)

DEV = Path(__file__).resolve().parent / "fixtures" / "dev-docs"
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name,region", [
    ("浦东新区知识产权局2023年工作要点", "浦东新区"),
    ("上海市浦东新区知识产权局", "浦东新区"),
    ("2023年上海市知识产权行政保护工作实施方案", "上海市"),
    ("广东省知识产权保护条例", "广东省"),
    ("呼和浩特市创建知识产权强市实施方案", "呼和浩特市"),
    ("内蒙古自治区锡林郭勒盟二连浩特市工作要点", "二连浩特市"),
    ("通州区江苏省知识产权保护示范区建设工作方案(2022-2025年)", "通州区"),  # a province after a district is not inside it
    ("临港新片区管委会", "临港新片区"),
    ("国务院关于支持自由贸易试验区深化改革创新若干措施的通知", "全国"),
    ("关于支持自由贸易试验区建设的意见", ""),
    ("各区知识产权局", ""),
])
def test_region_is_the_administrative_prefix(name, region):
    assert region_of(name) == region


def test_region_falls_back_to_the_issuer():
    assert region_of("专利代理条例", "国务院") == "全国"
    assert region_of("知识产权工作要点", "云澜市青溪区人民政府办公室") == "青溪区"


@pytest.mark.parametrize("title,years", [
    ("上海市人民政府 国家知识产权局共建高水平改革开放知识产权强市2023—2025年工作要点", [2023, 2024, 2025]),
    ("普陀区落实《…实施推进计划（2024-2025）》行动方案", [2024, 2025]),
    ("浦东新区知识产权局2023年工作要点", [2023]),
    ("专利代理条例", []),
])
def test_years_cover_the_whole_period(title, years):
    assert years_of(title) == years


def test_title_skips_letterhead_and_joins_a_split_title():
    lines = ["国务院办公厅文件", "国务院办公厅关于加强", "三级公立医院绩效考核工作的意见", "国办发〔2019〕4号",
             "各省、自治区、直辖市人民政府，国务院各部委、各直属机构："]
    assert guess_title(lines) == "国务院办公厅关于加强三级公立医院绩效考核工作的意见"
    order = ["中华人民共和国国务院令", "第706号", "《专利代理条例》已经国务院常务会议修订通过，现予公布。", "总理李克强",
             "2018年11月6日", "专利代理条例", "（1991年3月4日中华人民共和国国务院令第76号发布）", "第一章总则"]
    assert guess_title(order) == "专利代理条例"


def test_a_notice_that_issues_a_plan_is_named_by_the_plan():
    lines = ["上海市普陀区人民政府办公室文件", "普府办〔2024〕26号",
             "上海市普陀区人民政府办公室关于印发《普陀区知识产权行动方案》的通知", "区政府各委、办、局：",
             "经区政府同意，现将《普陀区知识产权行动方案》印发给你们，请认真按照执行。", "上海市普陀区人民政府办公室",
             "2024年11月7日", "普陀区知识产权行动方案", "为深入贯彻落实……，制定本方案。"]
    title = guess_title(lines)
    assert title == "普陀区知识产权行动方案"
    assert notice_title(lines, title) == "上海市普陀区人民政府办公室关于印发《普陀区知识产权行动方案》的通知"
    assert describe(lines)["region"] == "普陀区"


def test_real_files_are_named_from_their_text():
    from assistant.documents import load_document

    if not DEV.is_dir():
        pytest.skip("dev-docs not available")
    docx = load_document(DEV / "gov-guobanfa-2019-4-tertiary-hospital-performance.docx")  # no gov.cn table here
    assert docx.title == "国务院办公厅关于加强三级公立医院绩效考核工作的意见"
    assert load_document(DEV / "trademark-law-2019.pdf").title == "中华人民共和国商标法"
    assert load_document(DEV / "gov-guobanfa-2018-128-zero-waste-city-pilot.html").title == "“无废城市”建设试点工作方案"


def test_statute_preamble_facts():
    facts = parse_statute_header([
        "中华人民共和国国务院令", "第706号",
        "《专利代理条例》已经2018年9月6日国务院第23次常务会议修订通过，现将修订后的《专利代理条例》公布，自2019年3月1日起施行。",
        "总理李克强", "2018年11月6日", "专利代理条例",
        "（1991年3月4日中华人民共和国国务院令第76号发布2018年9月6日国务院第23次常务会议修订通过）"])
    assert facts["doc_number"] == "中华人民共和国国务院令第706号" and facts["issuer"] == "国务院"
    assert facts["signer"] == "李克强" and facts["issue_date"] == "2018年11月6日"
    assert facts["history"] == ["1991年3月4日中华人民共和国国务院令第76号发布", "2018年9月6日国务院第23次常务会议修订通过"]
    law = parse_statute_header(["中华人民共和国商标法", "1982年8月23日第五届全国人民代表大会常务委员会第二十四次会议通过",
                                "2019年4月23日第十三届全国人民代表大会常务委员会第十次会议《关于修改…的决定》第四次修正"])
    assert "issue_date" not in law and "doc_number" not in law and "issuer" not in law
    assert law["enacted_by"] == "全国人民代表大会常务委员会" and len(law["history"]) == 2


def test_gb9704_elements_of_a_header_and_closing():
    head = ["云澜市青溪区人民政府办公室文件", "青府办〔2027〕9号", "签发人：张明", "青溪区人民政府办公室关于印发《计划》的通知",
            "各街道办事处、镇人民政府：", "现将《计划》印发给你们，请认真组织实施。", "附件：1.任务分工表", "2.指标表",
            "青溪区人民政府办公室", "2027年3月15日", "（此件公开发布）"]
    trailer = ["抄送：区委办公室，区人大常委会办公室。", "青溪区人民政府办公室 2027年3月16日印发"]
    facts = parse_header(head, trailer)
    assert facts["doc_number"] == "青府办〔2027〕9号" and facts["signer"] == "张明"
    assert facts["addressees"] == "各街道办事处、镇人民政府"
    assert facts["attachments"] == ["任务分工表", "指标表"]
    assert facts["issuers"] == ["青溪区人民政府办公室"] and facts["issue_date"] == "2027年3月15日"
    assert facts["notes"] == "此件公开发布"
    assert facts["cc"] == "区委办公室，区人大常委会办公室"
    assert facts["printer"] == "青溪区人民政府办公室" and facts["print_date"] == "2027年3月16日"


def test_gov_table_fills_and_checks_the_facts():
    facts = {"title": "专利代理条例", "doc_number": "中华人民共和国国务院令第706号", "issue_date": "2018年11月6日"}
    warnings = merge_meta(facts, {"发文字号": "国令第706号", "成文日期": "2018年11月06日", "发文机关": "国务院",
                                  "发布日期": "2018年11月19日", "索引号": "000014349/2018-00206", "标题": "专利代理条例"})
    assert warnings == []
    assert facts["doc_number"] == "国令第706号" and facts["issue_date"] == "2018年11月6日"
    assert facts["issuer"] == "国务院" and facts["issuers"] == ["国务院"] and facts["published"] == "2018年11月19日"
    assert "notice_title" not in facts
    conflict = {"title": "X", "issue_date": "2018年12月6日"}
    assert merge_meta(conflict, {"成文日期": "2018年12月07日"}) == [
        "页面元数据与正文不一致：成文日期「2018年12月7日」与正文「2018年12月6日」"]
    assert conflict["issue_date"] == "2018年12月6日"
    assert normalize_date("2019-01-30") == "2019年1月30日"

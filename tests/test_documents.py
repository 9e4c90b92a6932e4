"""Readers: every format yields the same units with no code change; real files read cleanly; bad files fail clearly."""
import re
from pathlib import Path

import pytest

from assistant.documents import DocumentError, load_corpus, load_document
from assistant.units import build_units

CLAUSES = [
    "一、重点任务",
    "（一）加强保护",
    "1、加强专利导航工作。开展重点产业专利导航。（牵头部门：保护处、发展促进处）",
    "2、推进商标品牌建设。培育区域品牌，扩大影响力。（区知识产权局、区商务委）",
    "3、深化数据知识产权试点。开展数据知识产权登记。（责任单位：市知识产权局；国家知识产权局战略规划司；完成时限：2025年12月底）",
]


def write_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    for line in ["测试区知识产权局2025年工作要点"] + CLAUSES:
        document.add_paragraph(line)
    document.save(str(path))


def write_pdf(path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    pdf.setFont("STSong-Light", 10)
    y = 800
    for line in ["测试区知识产权局2025年工作要点"] + CLAUSES[:3]:
        pdf.drawString(30, y, line)
        y -= 20
    pdf.showPage()  # clause 2 and 3 on the next page
    pdf.setFont("STSong-Light", 10)
    y = 800
    for line in CLAUSES[3:]:
        pdf.drawString(30, y, line)
        y -= 20
    pdf.save()


MARKDOWN = """# 测试区知识产权局2025年工作要点

## 一、主要目标

| 编号 | 指标名称 | 2024年 | 2025年 |
|---|---|---|---|
| 1 | 每万人口高价值发明专利拥有量（件） | 30 | 35 |
| 2 | 知识产权质押融资登记金额（亿元） | 5 | 6.5 |

## 二、重点任务

1. **加强专利导航工作。**开展重点产业专利导航。（责任部门：区知识产权局；完成时限：2025年6月底）

2. 推进商标品牌建设，培育区域
品牌。（区商务委、区知识产权局负责）
"""


def clause_fields(units):
    return {u.number: (u.lead_units, u.national_units, u.deadline) for u in units if u.kind == "clause"}


@pytest.mark.parametrize("suffix,writer", [(".docx", write_docx), (".pdf", write_pdf)])
def test_docx_and_pdf_parse_into_the_same_units(tmp_path, suffix, writer):
    path = tmp_path / f"010_test{suffix}"
    writer(path)
    units = build_units(load_document(path))
    assert clause_fields(units) == {
        1: (["保护处", "发展促进处"], [], ""),
        2: (["区知识产权局", "区商务委"], [], ""),
        3: (["市知识产权局"], ["国家知识产权局战略规划司"], "2025年12月底"),
    }
    assert next(u for u in units if u.number == 1).section == "一、重点任务 > （一）加强保护"


def test_markdown_with_table_and_other_patterns(tmp_path):
    path = tmp_path / "011_test.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    units = build_units(load_document(path))
    assert clause_fields(units) == {
        1: (["区知识产权局"], [], "2025年6月底"),
        2: (["区商务委", "区知识产权局"], [], ""),
    }
    clause = next(u for u in units if u.number == 1)
    assert clause.title == "加强专利导航工作" and "**" not in clause.text
    targets = {(t.indicator, t.year): (t.value, t.unit) for u in units for t in u.targets}
    assert targets == {
        ("每万人口高价值发明专利拥有量", 2024): (30, "件"), ("每万人口高价值发明专利拥有量", 2025): (35, "件"),
        ("知识产权质押融资登记金额", 2024): (5, "亿元"), ("知识产权质押融资登记金额", 2025): (6.5, "亿元"),
    }


def test_html_reader(tmp_path):
    path = tmp_path / "012_test.html"
    body = "".join(f"<p>{line}</p>" for line in CLAUSES)
    path.write_text(f"<html><body><h1>测试区2025年工作要点</h1>{body}<footer>版权所有</footer></body></html>",
                    encoding="utf-8")
    units = build_units(load_document(path))
    assert clause_fields(units)[1] == (["保护处", "发展促进处"], [], "")


def test_bad_files_get_clear_errors_and_others_still_load(tmp_path):
    (tmp_path / "000_ok.md").write_text(MARKDOWN, encoding="utf-8")
    (tmp_path / "001_empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "002_broken.docx").write_bytes(b"not a zip file")
    (tmp_path / "003_broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (tmp_path / "004_image.png").write_bytes(b"\x89PNG")
    (tmp_path / "005_binary.txt").write_bytes(bytes(range(256)) * 4)
    docs, errors = load_corpus(tmp_path)
    assert [d.path.name for d in docs] == ["000_ok.md"]
    named = {e.path.name: str(e) for e in errors}
    assert set(named) == {"001_empty.txt", "002_broken.docx", "003_broken.pdf", "004_image.png", "005_binary.txt"}
    assert all(name in message and "无法使用" in message for name, message in named.items())


def test_non_policy_text_is_rejected(tmp_path):
    path = tmp_path / "020_note.txt"
    path.write_text("今天开会讨论了午餐安排。大家都很满意。", encoding="utf-8")
    with pytest.raises(DocumentError, match="不是政策文件"):
        build_units(load_document(path))


# --------------------------------------------------------------------------- real files (../shared/dev-docs)

DEV = Path(__file__).resolve().parent / "fixtures" / "dev-docs"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "readers"
needs_dev = pytest.mark.skipif(not DEV.is_dir(), reason="shared/dev-docs is not beside the repository")
ARTICLE = re.compile(r"^第[一二三四五六七八九十百零]+条")
MEASURE = re.compile(r"^（[一二三四五六七八九十]+）")


@pytest.fixture(scope="module")
def dev():
    cache: dict[str, object] = {}

    def load(name: str):
        if name not in cache:
            cache[name] = load_document(DEV / name)
        return cache[name]

    return load


@needs_dev
def test_govcn_html_keeps_its_body_and_moves_the_metadata_table_into_meta(dev):
    doc = dev("gov-guofa-2018-38-ftz-reform-measures.html")
    assert doc.meta == {
        "索引号": "000014349/2018-00207", "主题分类": "商贸、海关、旅游\\对外经贸合作", "发文机关": "国务院",
        "成文日期": "2018年11月07日", "标题": "国务院关于支持自由贸易试验区深化改革创新若干措施的通知",
        "发文字号": "国发〔2018〕38号", "发布日期": "2018年11月23日",
    }
    lines = doc.lines
    # the title printed over two <p> is one line; the metadata table and the page chrome are not in the body
    assert lines[:3] == ["国务院关于支持自由贸易试验区深化改革创新若干措施的通知", "国发〔2018〕38号",
                         "各省、自治区、直辖市人民政府，国务院各部委、各直属机构："]
    assert not any(word in line for line in lines for word in ("索引号", "主题分类", "扫一扫", "主题词"))
    assert lines[-3:] == ["国务院", "2018年11月7日", "（此件公开发布）"]
    measures = [line for line in lines if MEASURE.match(line)]
    assert len(measures) == 53
    assert measures[0].startswith("（一）借鉴北京市服务业扩大开放综合试点经验，放宽外商投资建设工程设计企业外籍技术人员")
    assert measures[0].endswith("适用范围均为所有自贸试验区）")
    assert measures[-1] == ("（五十三）支持自贸试验区开展非标准就业形式下劳动用工管理和服务试点。"
                            "（负责部门：人力资源社会保障部，适用范围：上海自贸试验区）")
    assert ["一、营造优良投资环境", "二、提升贸易便利化水平", "四、推进人力资源领域先行先试", "五、切实做好组织实施"] == [
        line for line in lines if re.match(r"^[一二四五]、", line)]
    assert len(lines) == 69


@needs_dev
def test_govcn_notice_wrapper_and_statute_pages(dev):
    wrapper = dev("gov-guobanfa-2018-128-zero-waste-city-pilot.html")
    assert wrapper.meta["发文字号"] == "国办发〔2018〕128号" and wrapper.meta["发布日期"] == "2019年01月21日"
    assert wrapper.lines[:2] == ["国务院办公厅关于印发“无废城市”建设试点工作方案的通知", "国办发〔2018〕128号"]
    assert wrapper.lines[4:8] == ["国务院办公厅", "2018年12月29日", "（此件公开发布）", "“无废城市”建设试点工作方案"]

    statute = dev("gov-guoling-706-patent-agency-regulations.html")
    assert statute.meta["发文字号"] == "国令第706号" and statute.meta["标题"] == "专利代理条例"
    assert statute.lines[:6] == [
        "中华人民共和国国务院令", "第706号",
        "《专利代理条例》已经2018年9月6日国务院第23次常务会议修订通过，现将修订后的《专利代理条例》公布，自2019年3月1日起施行。",
        "总理李克强", "2018年11月6日", "专利代理条例"]
    articles = [line for line in statute.lines if ARTICLE.match(line)]
    assert len(articles) == 32 and articles[-1] == "第三十二条本条例自2019年3月1日起施行。"
    assert [line for line in statute.lines if re.match(r"^第[一二三四五]章", line)] == [
        "第一章总则", "第二章专利代理机构和专利代理师", "第三章专利代理执业", "第四章法律责任", "第五章附则"]

    incentives = dev("gov-guobanfa-2018-117-incentive-measures.html")
    items = [line for line in incentives.lines if re.match(r"^[一二三四五六七八九十]+、", line)]
    assert len(items) == 30 and items[0].endswith("（市场监管总局负责）")
    assert incentives.lines[-1] == "（此件公开发布）"


def _indicator_rows(lines):
    return [line.split("\t") for line in lines if "\t" in line]


HOSPITAL_ROW_55 = ["四、满意度评价", "（十四）医务人员满意度", "55.医务人员满意度▲", "定量",
                   "计算方法：医务人员满意度调查得分。指标来源：国家卫生健康委。"]


@needs_dev
def test_word_exported_html_table_repeats_spanned_cells(dev):
    doc = dev("gov-guobanfa-2019-4-tertiary-hospital-performance.html")
    assert doc.meta["发文字号"] == "国办发〔2019〕4号" and doc.meta["成文日期"] == "2019年01月16日"
    assert doc.lines[0] == "国务院办公厅关于加强三级公立医院绩效考核工作的意见"
    rows = _indicator_rows(doc.lines)
    assert rows[0] == ["一级指标", "二级指标", "三级指标", "指标性质", "指标说明"]
    assert len(rows) == 56 and all(len(row) == 5 for row in rows)
    assert sum(row[0] == "一、医疗质量" for row in rows) == 24  # rowspan="24"
    assert sum(row[1] == "（一）功能定位" for row in rows) == 7
    assert [row[2].split(".")[0] for row in rows[1:]] == [str(n) for n in range(1, 56)]
    assert sum("▲" in row[2] for row in rows) == 26
    # <br> between 计算方法 and 指标来源 inside a cell: one value; a heading wrapped by the narrow column runs on
    assert rows[1][4] == "计算方法：门诊患者人次数/同期出院患者人次数（急诊、健康体检者不计入）。指标来源：医院填报。"
    assert rows[-1] == HOSPITAL_ROW_55
    after = doc.lines[doc.lines.index("\t".join(HOSPITAL_ROW_55)) + 1:]
    assert after[0] == "注：" and after[1].startswith("1.三级公立综合医院考核") and after[-1].startswith("12.")


@needs_dev
def test_docx_conversion_reads_exactly_like_the_html(dev):
    html = dev("gov-guobanfa-2019-4-tertiary-hospital-performance.html")
    docx_doc = dev("gov-guobanfa-2019-4-tertiary-hospital-performance.docx")
    assert docx_doc.lines == html.lines  # merged (vMerge) cells repeated, two-paragraph title joined
    assert docx_doc.meta == {}
    rows = _indicator_rows(docx_doc.lines)
    assert len(rows) == 56 and all(len(row) == 5 for row in rows)
    assert rows.count(["一级指标", "二级指标", "三级指标", "指标性质", "指标说明"]) == 1
    assert not any(re.search(r"－\s*\d*\s*－|PAGE", line) for line in docx_doc.lines)  # footer field stays out


@needs_dev
def test_pdf_law_without_page_numbers_running_headers_or_table_of_contents(dev):
    pdf = dev("trademark-law-2019.pdf")
    md = dev("trademark-law-2019.md")
    lines = pdf.lines
    assert pdf.title == "中华人民共和国商标法" and lines[0] == "中华人民共和国商标法"
    assert pdf.meta == {"warnings": ["PDF 读取时已去掉页码行 22 处、页眉页脚 21 处、目录行 9 处"]}
    assert not any(re.search(r"[－—-]\s*\d+\s*[－—-]", line) for line in lines)
    assert not any(line.startswith("中华人民共和国商标法第") for line in lines)  # running header: law + chapter
    assert "目录" not in lines and lines.count("第一章总则") == 1 and lines.count("第八章附则") == 1
    assert lines[lines.index("第一章总则") + 1].startswith("第一条为了加强商标管理")
    article_6 = next(line for line in lines if line.startswith("第六条"))
    assert article_6 == "第六条法律、行政法规规定必须使用注册商标的商品，必须申请商标注册，未经核准注册的，不得在市场销售。"
    articles = [line for line in lines if ARTICLE.match(line)]
    assert len(articles) == 73
    # an article that runs over a page break, and a wrapped line that starts with "，"
    assert "第十四条驰名商标应当根据当事人的请求，作为处理涉及商标案件需要认定的事实进行认定。认定驰名商标应当考虑下列因素：" in lines
    assert any(line.endswith("其他有关商标管理的规定，凡与本法抵触的，同时失效。") for line in lines)
    # apart from the brackets the PDF prints around the history, it reads like the markdown source
    assert lines[6:] == md.lines[6:]
    assert lines[1] == "（" + md.lines[1] and lines[5] == md.lines[5] + "）"


@needs_dev
def test_markdown_drops_comment_markers_and_keeps_history_and_chapters(dev):
    doc = dev("trademark-law-2019.md")
    assert not any("<!--" in line or "INFO END" in line for line in doc.lines)
    assert doc.lines[1] == "1982年8月23日第五届全国人民代表大会常务委员会第二十四次会议通过"
    assert doc.lines[6:8] == ["第一章总则", "第一条为了加强商标管理，保护商标专用权，促使生产、经营者保证商品和服务质量，"
                              "维护商标信誉，以保障消费者和生产、经营者的利益，促进社会主义市场经济的发展，特制定本法。"]
    assert len([line for line in doc.lines if ARTICLE.match(line)]) == 73


def test_markdown_fixture_comments(tmp_path):
    doc = load_document(FIXTURES / "law-with-comment.md")
    assert doc.lines == ["测试管理条例", "2020年1月1日测试人民代表大会常务委员会第一次会议通过",
                         "2022年3月1日测试人民代表大会常务委员会第五次会议修正", "第一章总则",
                         "第一条为了规范测试管理，制定本条例。", "第二条本条例适用于本行政区域内的测试活动。",
                         "第二章附则", "第三条本条例自公布之日起施行。"]


# --------------------------------------------------------------------------- HTML fixtures

def test_generic_html_page_table_with_spans_and_breaks():
    doc = load_document(FIXTURES / "word-table.html")
    assert doc.lines == [
        "测试区知识产权工作主要指标表",
        "下表列出本年度主要指标，各责任单位按表落实。",
        "表中数值为年度目标。",
        "类别\t指标\t2024年\t2025年\t责任单位",
        "一、创造\t1.发明专利授权量（件）\t1200\t1300\t区知识产权局；区科委",
        "一、创造\t2.PCT国际专利申请量（件）\t80\t90\t区知识产权局；区科委",
        "一、创造\t3.商标注册量（件）\t持续增长\t持续增长\t区市场监管局",
        "（二）运用\t4.质押融资登记金额（亿元）\t5\t6.5\t区金融办",
        "注：1.数值为全年累计。",
    ]
    assert doc.meta == {}


def test_html_headings_are_not_joined_into_the_title(tmp_path):
    path = tmp_path / "plan.html"
    path.write_text("<html><body><div class='x'><h1>测试区知识产权保护工作方案</h1><h2>一、总体要求</h2>"
                    "<p>坚持问题导向，注重创新驱动，推动工作落实。</p><h2>二、主要任务</h2>"
                    "<p>（一）加强保护。开展专项行动，强化执法。<br>（二）促进运用。推动质押融资。</p></div></body></html>",
                    encoding="utf-8")
    assert load_document(path).lines == ["测试区知识产权保护工作方案", "一、总体要求", "坚持问题导向，注重创新驱动，推动工作落实。",
                                         "二、主要任务", "（一）加强保护。开展专项行动，强化执法。", "（二）促进运用。推动质押融资。"]


def test_html_in_gbk_with_declared_charset(tmp_path):
    path = tmp_path / "gbk.html"
    body = "".join(f"<p>{line}</p>" for line in CLAUSES)
    path.write_bytes(f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
                     f"<body>{body}</body></html>".encode("gb18030"))
    assert load_document(path).lines == CLAUSES


def test_utf16_text_with_bom(tmp_path):
    path = tmp_path / "utf16.txt"
    path.write_bytes("\n".join(["测试区知识产权局2025年工作要点"] + CLAUSES).encode("utf-16"))
    assert load_document(path).lines[1:] == CLAUSES


# --------------------------------------------------------------------------- DOCX fixtures

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NUMBERING = f"""<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="90">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
  <w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="（%4）"/></w:lvl>
</w:abstractNum>"""


def _number(paragraph, level: int, num_id: int = 91) -> None:
    from docx.oxml import parse_xml

    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def write_numbered_docx(path: Path) -> None:
    """A plan whose numbers all come from Word auto-numbering, a merged-cell table and a PAGE footer field."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.shared import Pt

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(NUMBERING))
    numbering.append(parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="91"><w:abstractNumId w:val="90"/></w:num>'))
    for text in ("测试区知识产权局", "2026年工作要点"):
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.add_run(text).font.size = Pt(22)
    body = [
        (0, "重点任务"), (1, "加强保护"),
        (2, "加强专利导航工作。开展重点产业专利导航。（牵头部门：保护处、发展促进处）"),
        (2, "推进商标品牌建设。培育区域品牌。（区商务委、区知识产权局负责）"),
        (3, "开展品牌培育。"), (3, "开展品牌宣传。"),
        (2, "深化数据知识产权试点。（责任单位：市知识产权局；完成时限：2026年12月底）"),
        (1, "强化运用"), (2, "推动质押融资。（区金融办负责）"),
    ] + [(1, f"第{n}项专门工作") for n in range(3, 13)] + [(0, "保障措施")]
    for level, text in body:
        paragraph = document.add_paragraph()
        paragraph.add_run(text).font.size = Pt(16)
        _number(paragraph, level)
    listed = document.add_paragraph("使用内置编号样式的段落。", style="List Number")
    listed.runs[0].font.size = Pt(16)

    header = ["一级指标", "二级指标", "三级指标", "指标性质", "指标说明"]
    rows = [
        header,
        ["", "", "1.门诊人次数与出院人次数比", "定量", "计算方法：医院填报。"],
        ["", "", "2.下转患者人次数", "定量", "计算方法：医院填报。"],
        ["", "（二）质量安全", "3.手术患者并发症发生率", "", ""],
        header,  # the header row repeated inside the table, as a converted file has it
        ["二、运营效率", "（三）资源效率", "4.每百张病床药师人数", "定量", "计算方法：财务年报表。"],
    ]
    table = document.add_table(rows=len(rows), cols=5)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader xmlns:w="{W_NS}"/>'))
    table.cell(1, 0).merge(table.cell(3, 0)).text = "一、医疗质量"  # vertical merge over three rows
    table.cell(1, 1).merge(table.cell(2, 1)).text = "（一）功能定位"
    table.cell(3, 3).merge(table.cell(3, 4)).text = "定性"  # horizontal merge

    footer = document.sections[0].footer.paragraphs[0]
    footer._p.append(parse_xml(f'<w:r xmlns:w="{W_NS}"><w:t xml:space="preserve">－ </w:t></w:r>'))
    footer._p.append(parse_xml(f'<w:fldSimple xmlns:w="{W_NS}" w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    footer._p.append(parse_xml(f'<w:r xmlns:w="{W_NS}"><w:t xml:space="preserve"> －</w:t></w:r>'))
    document.save(str(path))


def test_docx_auto_numbering_merged_cells_and_footer(tmp_path):
    path = tmp_path / "030_numbered.docx"
    write_numbered_docx(path)
    lines = load_document(path).lines
    assert lines[:11] == [
        "测试区知识产权局2026年工作要点",
        "一、重点任务", "（一）加强保护",
        "1.加强专利导航工作。开展重点产业专利导航。（牵头部门：保护处、发展促进处）",
        "2.推进商标品牌建设。培育区域品牌。（区商务委、区知识产权局负责）",
        "（1）开展品牌培育。", "（2）开展品牌宣传。",
        "3.深化数据知识产权试点。（责任单位：市知识产权局；完成时限：2026年12月底）",
        "（二）强化运用", "1.推动质押融资。（区金融办负责）",  # deeper levels restart under a new （二）
        "（三）第3项专门工作",
    ]
    assert "（十）第10项专门工作" in lines and "（十一）第11项专门工作" in lines and "（十二）第12项专门工作" in lines
    assert "二、保障措施" in lines
    assert re.fullmatch(r"\d+\.使用内置编号样式的段落。", lines[lines.index("二、保障措施") + 1])
    rows = [line.split("\t") for line in lines if "\t" in line]
    assert rows == [
        ["一级指标", "二级指标", "三级指标", "指标性质", "指标说明"],
        ["一、医疗质量", "（一）功能定位", "1.门诊人次数与出院人次数比", "定量", "计算方法：医院填报。"],
        ["一、医疗质量", "（一）功能定位", "2.下转患者人次数", "定量", "计算方法：医院填报。"],
        ["一、医疗质量", "（二）质量安全", "3.手术患者并发症发生率", "定性", "定性"],
        ["二、运营效率", "（三）资源效率", "4.每百张病床药师人数", "定量", "计算方法：财务年报表。"],
    ]
    assert not any("－" in line for line in lines)
    assert "warnings" not in load_document(path).meta


def test_docx_unknown_numbering_format_is_reported(tmp_path):
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(f"""<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="80"><w:lvl w:ilvl="0">
        <w:start w:val="1"/><w:numFmt w:val="hebrew1"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>"""))
    numbering.append(parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="81"><w:abstractNumId w:val="80"/></w:num>'))
    for text in ("推进专利导航工作。", "推进商标品牌建设。"):
        _number(document.add_paragraph(text), 0, num_id=81)
    path = tmp_path / "032_hebrew.docx"
    document.save(str(path))
    doc = load_document(path)
    assert doc.lines == ["1、推进专利导航工作。", "2、推进商标品牌建设。"]
    assert doc.meta["warnings"] == ["Word 自动编号格式「hebrew1」无法识别，已按阿拉伯数字显示"]


# --------------------------------------------------------------------------- PDF fixtures

PDF_PARAGRAPHS = [
    ("第一章总则", "heading"),
    ("第一条为了规范测试区知识产权管理工作，保障权利人和社会公众的合法权益，促进创新和成果运用，根据有关法律法规的规定，"
     "结合本区实际，制定本办法。", "body"),
    ("第二条本办法适用于本区行政区域内的知识产权创造、运用、保护、管理和服务活动，以及相关的监督检查工作。", "body"),
    ("（一）专利；", "body"),
    ("（二）商标；", "body"),
    ("第二章管理", "heading"),
    ("第三条区知识产权局负责本区知识产权工作的统筹协调和监督管理，区有关部门按照各自职责做好相关工作，街道和镇人民政"
     "府予以配合。", "body"),
    ("第四条本办法自发布之日起施行。", "body"),
]


def write_law_pdf(path: Path, footer: str) -> None:
    """A small statute typeset like the real ones: first-line indent, justified 12pt lines, a 目录, a running
    header (name + chapter) from page 2 and a page number in the footer; four body lines per page."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    size, left, width, per_line = 12, 72, 36, 4
    lines: list[tuple[str, float, float, str]] = [("测试区知识产权管理办法", 18, 198, "第一章总则"),
                                                 ("目录", 12, 276, ""), ("第一章总则", 12, left + 24, ""),
                                                 ("第二章管理", 12, left + 24, "")]
    chapter = ""
    for text, kind in PDF_PARAGRAPHS:
        if kind == "heading":
            chapter = text
            lines.append((text, 14, 258, chapter))
            continue
        first, rest = text[:width - 2], text[width - 2:]
        lines.append((first, size, left + 2 * size, chapter))
        while rest:
            lines.append((rest[:width], size, left, chapter))
            rest = rest[width:]
    pdf = canvas.Canvas(str(path), pagesize=(595, 842))
    pages = [lines[:6]] + [lines[i:i + per_line] for i in range(6, len(lines), per_line)]
    for number, page in enumerate(pages, 1):
        if number > 1:
            pdf.setFont("STSong-Light", 9)
            pdf.drawString(left, 790, f"测试区知识产权管理办法　{page[0][3]}")
        y = 740
        for text, font_size, x, _ in page:
            pdf.setFont("STSong-Light", font_size)
            pdf.drawString(x, y, text)
            y -= 26
        pdf.setFont("STSong-Light", 12)
        pdf.drawCentredString(297, 50, footer.format(n=number, total=len(pages)))
        pdf.showPage()
    pdf.save()


@pytest.mark.parametrize("footer", ["－{n}－", "- {n} -", "第{n}页 共{total}页", "{n}", "—{n}—"])
def test_pdf_page_numbers_headers_toc_and_wraps(tmp_path, footer):
    path = tmp_path / "040_law.pdf"
    write_law_pdf(path, footer)
    doc = load_document(path)
    assert doc.title == "测试区知识产权管理办法"
    assert doc.lines == ["测试区知识产权管理办法"] + [text for text, _ in PDF_PARAGRAPHS]


def test_pdf_ruled_table_with_spans_over_two_pages(tmp_path):
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=10, leading=14, wordWrap="CJK")
    wrapped = "项指标的说明文字较长需要在单元格里换行显示"
    data = [["类别", "指标", "2024年", "2025年", "责任单位"]] + [
        [f"第{(i - 1) // 5 + 1}组", Paragraph(f"{i}.第{i}{wrapped}", cell), str(1000 + i), str(1100 + i), "区知识产权局"]
        for i in range(1, 31)]
    spans = [("SPAN", (0, 1 + 5 * g), (0, 5 + 5 * g)) for g in range(6)] + [("SPAN", (2, 3), (3, 3))]
    table = Table(data, repeatRows=1, colWidths=[60, 200, 50, 50, 80])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 10), ("GRID", (0, 0), (-1, -1), 0.5, "black")]
                              + spans))
    path = tmp_path / "043_table.pdf"
    SimpleDocTemplate(str(path)).build(
        [Paragraph("测试区主要指标表", ParagraphStyle("t", fontName="STSong-Light", fontSize=18, leading=24)), table])
    lines = load_document(path).lines
    rows = [line.split("\t") for line in lines if "\t" in line]
    assert lines[0] == "测试区主要指标表"
    assert rows[0] == ["类别", "指标", "2024年", "2025年", "责任单位"] and rows.count(rows[0]) == 1  # header repeated on page 2
    assert len(rows) == 31 and all(len(row) == 5 for row in rows)
    assert [row[0] for row in rows[1:]] == [f"第{(i - 1) // 5 + 1}组" for i in range(1, 31)]  # rowspan repeated
    assert rows[3] == ["第1组", f"3.第3{wrapped}", "1003", "1003", "区知识产权局"]  # colspan repeated, wrap joined
    assert rows[30][1] == f"30.第30{wrapped}"


def test_pdf_title_over_two_centred_lines(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "045_title.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(595, 842))
    pdf.setFont("STSong-Light", 22)
    pdf.drawCentredString(297.5, 760, "测试区人民政府办公室关于印发")
    pdf.drawCentredString(297.5, 730, "知识产权保护工作方案的通知")
    pdf.setFont("STSong-Light", 16)
    pdf.drawCentredString(297.5, 690, "第一章　总则")
    pdf.drawCentredString(297.5, 664, "第一节　一般规定")
    pdf.setFont("STSong-Light", 12)
    for y, line in zip((630, 604), CLAUSES[:2]):
        pdf.drawString(72, y, line)
    pdf.showPage()
    pdf.save()
    doc = load_document(path)
    assert doc.lines == ["测试区人民政府办公室关于印发知识产权保护工作方案的通知", "第一章总则", "第一节一般规定"] + CLAUSES[:2]


def test_scanned_pdf_without_text_layer(tmp_path):
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).rectangle((20, 20, 380, 60), fill="black")
    path = tmp_path / "041_scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawImage(ImageReader(image), 50, 500, width=400, height=200)
    pdf.showPage()
    pdf.save()
    with pytest.raises(DocumentError, match="没有可提取的文字（可能是扫描件）") as error:
        load_document(path)
    assert "041_scan.pdf" in str(error.value)


def test_pdf_with_one_scanned_page_loads_with_a_warning(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "044_mixed.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.setFont("STSong-Light", 12)
    for y, line in zip((800, 770, 740), ["测试区知识产权局2025年工作要点"] + CLAUSES[:2]):
        pdf.drawString(72, y, line)
    pdf.showPage()
    pdf.rect(72, 400, 300, 200, fill=1)  # an image-like page with no text
    pdf.showPage()
    pdf.save()
    doc = load_document(path)
    assert doc.lines == ["测试区知识产权局2025年工作要点"] + CLAUSES[:2]
    assert doc.meta["warnings"] == ["PDF 第2页没有可提取的文字（可能是扫描页），这些页的内容缺失"]


def test_encrypted_pdf(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = tmp_path / "plain.pdf"
    write_pdf(plain)
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "042_locked.pdf"
    with open(path, "wb") as handle:
        writer.write(handle)
    with pytest.raises(DocumentError, match="PDF 已加密") as error:
        load_document(path)
    assert "042_locked.pdf" in str(error.value)


# --------------------------------------------------------------------------- bad files

def test_bad_files_each_get_a_chinese_reason_naming_the_file(tmp_path):
    import zipfile

    (tmp_path / "000_ok.md").write_text(MARKDOWN, encoding="utf-8")
    (tmp_path / "001_nav.html").write_bytes((FIXTURES / "nav-only.html").read_bytes())
    with zipfile.ZipFile(tmp_path / "002_sheet.docx", "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with zipfile.ZipFile(tmp_path / "003_photos.docx", "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8\xff")
    (tmp_path / "004_old.docx").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512)
    (tmp_path / "005_random.docx").write_bytes(bytes(range(256)))
    for suffix in (".html", ".pdf", ".docx", ".md"):
        (tmp_path / f"006_empty{suffix}").write_bytes(b"")
    docs, errors = load_corpus(tmp_path)
    assert [d.path.name for d in docs] == ["000_ok.md"]
    reasons = {e.path.name: e.reason for e in errors}
    assert reasons["001_nav.html"].startswith("页面中没有正文文字")
    assert "Excel" in reasons["002_sheet.docx"]
    assert "没有 Word 正文" in reasons["003_photos.docx"]
    assert "旧版 Word（.doc）" in reasons["004_old.docx"]
    assert reasons["005_random.docx"].startswith("不是有效的 Word 文档")
    assert all(reasons[f"006_empty{suffix}"] == "文件是空的（0 字节）" for suffix in (".html", ".pdf", ".docx", ".md"))
    assert all(e.path.name in str(e) and "无法使用" in str(e) for e in errors)


def test_pdf_bracket_broken_at_a_page_end_goes_on_on_the_next_page(tmp_path):
    """"（责任主体：X；完成时限：" ends a page and "2028年12月底）" opens the next: one paragraph."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from assistant.documents import load_document

    path = tmp_path / "broken-bracket.pdf"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    pdf.setFont("STSong-Light", 10)
    first = ["测试区知识产权局2028年工作要点", "1.推进专利导航服务。（区统计局负责；完成时限：持续推进）",
             "2.布局知识产权公共服务网点。（责任主体：区人民法院；完成时限："]
    for y, line in zip(range(800, 0, -20), first):
        pdf.drawString(30, y, line)
    pdf.showPage()
    pdf.setFont("STSong-Light", 10)
    for y, line in zip(range(800, 0, -20), ["2028年12月底）", "3.加强商标品牌建设。（区商务委负责）"]):
        pdf.drawString(30, y, line)
    pdf.save()
    lines = load_document(path).lines
    assert "2.布局知识产权公共服务网点。（责任主体：区人民法院；完成时限：2028年12月底）" in lines
    assert "3.加强商标品牌建设。（区商务委负责）" in lines

"""Readers: every format yields the same units with no code change; bad files fail clearly."""
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

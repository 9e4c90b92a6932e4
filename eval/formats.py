"""Writers: one synthetic document's blocks as .txt, .md, .docx, .pdf or gov.cn-like .html.

Each writer renders the same blocks the way that format carries them in the wild: plain text with
blank lines and tab-separated tables; markdown headings and pipe tables; a Word file with real
tables and merged cells; a paginated PDF with a running header and "－N－" page numbers; an HTML
page with nested layout tables and a gov.cn metadata table.
"""
from __future__ import annotations

import html as html_lib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the generator imports this module to write its documents
    from eval.synthetic import SynthDoc

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def _table_text_rows(rows: list[list[str]], merged: list[int]) -> list[list[str]]:
    """Rows as a plain-text source writes them: a merged section row is one cell."""
    return [[row[0]] if i in merged else row for i, row in enumerate(rows)]


def to_txt(doc: SynthDoc) -> str:
    out: list[str] = []
    for block in doc.blocks:
        kind = block[0]
        if kind in ("rule", "pagebreak"):
            continue
        if kind == "table":
            out.append("\n".join("\t".join(r) for r in _table_text_rows(block[1], block[2])))
        elif kind == "p":
            out.append("　　" + block[1])  # body paragraphs indented by two ideographic spaces
        else:
            out.append(block[1])
    return "\n\n".join(out) + "\n"


def to_md(doc: SynthDoc) -> str:
    out: list[str] = []
    for block in doc.blocks:
        kind = block[0]
        if kind == "pagebreak":
            continue
        if kind == "rule":
            out.append("---")
        elif kind == "title":
            out.append(f"# {block[1]}")
        elif kind == "h1":
            out.append(f"## {block[1]}")
        elif kind == "h2":
            out.append(f"### {block[1]}")
        elif kind == "mark":
            out.append(f"**{block[1]}**")
        elif kind == "caption":
            out.append(f"**{block[1]}**")
        elif kind == "table":
            rows = _table_text_rows(block[1], block[2])
            width = len(block[1][0])
            lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
            for r in rows[1:]:
                cells = r + [""] * (width - len(r))
                lines.append("| " + " | ".join(c.replace("|", "｜") for c in cells) + " |")
            out.append("\n".join(lines))
        else:
            out.append(block[1])
    return "\n\n".join(out) + "\n"


def to_docx(doc: SynthDoc, path: Path) -> None:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "仿宋_GB2312"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋_GB2312")
    style.font.size = Pt(16)
    section = document.sections[0]
    section.header.paragraphs[0].text = doc.title
    for block in doc.blocks:
        kind = block[0]
        if kind == "rule":
            continue
        if kind == "pagebreak":
            document.add_page_break()
        elif kind == "table":
            rows, merged = block[1], block[2]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for i, row in enumerate(rows):
                if i in merged:
                    cell = table.cell(i, 0).merge(table.cell(i, len(row) - 1))
                    cell.text = row[0]
                    continue
                for j, value in enumerate(row):
                    table.cell(i, j).text = value
            # vertical merge of a repeated lead department in consecutive task rows
            if rows[0][2:3] == ["牵头部门"]:
                i = 1
                while i < len(rows) - 1:
                    j = i
                    while j + 1 < len(rows) and j + 1 not in merged and i not in merged \
                            and rows[j + 1][2] == rows[i][2]:
                        j += 1
                    if j > i:
                        top = table.cell(i, 2)
                        merged_cell = top.merge(table.cell(j, 2))
                        merged_cell.text = rows[i][2]
                    i = j + 1
        else:
            paragraph = document.add_paragraph()
            run = paragraph.add_run(block[1])
            if kind == "mark":
                run.font.color.rgb = RGBColor(0xCC, 0, 0)
                run.font.size = Pt(26)
                run.bold = True
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif kind in ("title", "center", "caption"):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                run.bold = kind != "center"
            elif kind == "sign":
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif kind in ("h1", "h2"):
                run.bold = True
    document.save(str(path))


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        if not FONT_PATH.exists():
            raise FileNotFoundError(f"{FONT_PATH} missing: install fonts-wqy-zenhei (make browser)")
        pdfmetrics.registerFont(TTFont("WQY", str(FONT_PATH), subfontIndex=0))
    return "WQY"


def to_pdf(doc: SynthDoc, path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _register_font()
    base = ParagraphStyle("base", fontName=font, fontSize=12, leading=20, wordWrap="CJK", firstLineIndent=24)
    styles = {
        "p": base,
        "mark": ParagraphStyle("mark", parent=base, fontSize=24, leading=32, alignment=TA_CENTER,
                               textColor=colors.red, firstLineIndent=0),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER, firstLineIndent=0),
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=26, alignment=TA_CENTER, firstLineIndent=0),
        "caption": ParagraphStyle("caption", parent=base, alignment=TA_CENTER, firstLineIndent=0),
        "sign": ParagraphStyle("sign", parent=base, alignment=TA_RIGHT, firstLineIndent=0),
        "h1": ParagraphStyle("h1", parent=base, fontSize=13),
        "h2": ParagraphStyle("h2", parent=base),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12, firstLineIndent=0),
    }
    story = []
    for block in doc.blocks:
        kind = block[0]
        if kind == "rule":
            story.append(Spacer(1, 6))
        elif kind == "pagebreak":
            story.append(PageBreak())
        elif kind == "table":
            rows, merged = block[1], block[2]
            data = [[Paragraph(html_lib.escape(c), styles["cell"]) for c in row] for row in rows]
            widths = None
            if len(rows[0]) == 5 and rows[0][1] == "重点任务":
                widths = [12 * mm, 80 * mm, 30 * mm, 30 * mm, 25 * mm]
            table = Table(data, colWidths=widths, repeatRows=1)
            commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
            for i in merged:
                commands.append(("SPAN", (0, i), (-1, i)))
            table.setStyle(TableStyle(commands))
            story.append(table)
        else:
            story.append(Paragraph(html_lib.escape(block[1]), styles.get(kind, base)))

    def decorate(canvas, template) -> None:
        canvas.saveState()
        canvas.setFont(font, 9)
        width, height = A4
        canvas.drawCentredString(width / 2, height - 15 * mm, doc.title)
        canvas.line(20 * mm, height - 17 * mm, width - 20 * mm, height - 17 * mm)
        canvas.setFont(font, 11)
        canvas.drawCentredString(width / 2, 12 * mm, f"－{canvas.getPageNumber()}－")
        canvas.restoreState()

    pdf = SimpleDocTemplate(str(path), pagesize=A4, topMargin=25 * mm, bottomMargin=22 * mm,
                            leftMargin=22 * mm, rightMargin=22 * mm, title=doc.title)
    pdf.build(story, onFirstPage=decorate, onLaterPages=decorate)


def to_html(doc: SynthDoc) -> str:
    e = html_lib.escape
    h = doc.header
    meta = [("索引号", h["index_no"]), ("主题分类", "科技、教育\\知识产权"), ("发文机关", doc.issuer),
            ("成文日期", h["issue_date"]), ("标题", f"{doc.issuer}关于印发《{doc.title}》的通知"),
            ("发文字号", doc.doc_number), ("发布日期", h["published"])]
    meta_rows = []
    for i in range(0, len(meta), 2):
        pair = meta[i:i + 2]
        cells = "".join(f'<td class="t1"><b>{e(k)}：</b></td><td class="t2">{e(v)}</td>' for k, v in pair)
        meta_rows.append(f"<tr>{cells}</tr>")
    body: list[str] = []
    for block in doc.blocks:
        kind = block[0]
        if kind in ("pagebreak",):
            continue
        if kind == "rule":
            body.append("<hr/>")
        elif kind == "table":
            rows, merged = block[1], block[2]
            trs = []
            for i, row in enumerate(rows):
                if i in merged:
                    trs.append(f'<tr><td colspan="{len(row)}">{e(row[0])}</td></tr>')
                else:
                    tag = "th" if i == 0 else "td"
                    trs.append("<tr>" + "".join(f"<{tag}>{e(c)}</{tag}>" for c in row) + "</tr>")
            body.append(f'<table border="1" cellspacing="0" class="content-table">{"".join(trs)}</table>')
        elif kind in ("title", "mark", "center", "caption"):
            body.append(f'<p style="text-align:center"><strong>{e(block[1])}</strong></p>')
        elif kind == "sign":
            body.append(f'<p style="text-align:right">{e(block[1])}</p>')
        else:
            body.append(f'<p style="text-indent:2em">{e(block[1])}</p>')
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(doc.title)}</title>
<style>.t1{{width:90px}}</style></head>
<body>
<div class="header"><a href="#">首页</a> &gt; <a href="#">政策</a> &gt; <a href="#">最新政策</a></div>
<table width="100%" class="layout"><tr><td>
 <table width="1000" align="center" class="layout-inner"><tr><td>
  <div class="policyLibraryOverview_header">
   <table class="bd1" width="100%">{"".join(meta_rows)}</table>
  </div>
  <table width="100%" class="layout-content"><tr><td id="UCAP-CONTENT">
   {chr(10).join(body)}
  </td></tr></table>
 </td></tr></table>
</td></tr></table>
<div class="footer">【我要纠错】 责任编辑：综合信息处</div>
</body></html>
"""


def write_document(doc: SynthDoc, path: Path) -> None:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".txt":
        path.write_text(to_txt(doc), encoding="utf-8")
    elif suffix == ".md":
        path.write_text(to_md(doc), encoding="utf-8")
    elif suffix == ".docx":
        to_docx(doc, path)
    elif suffix == ".pdf":
        to_pdf(doc, path)
    elif suffix == ".html":
        path.write_text(to_html(doc), encoding="utf-8")
    else:
        raise ValueError(f"unsupported format {suffix}")

"""Documents: read policy files of any supported format into one cleaned plain text.

Every reader produces the same shape of text (one logical paragraph per line, table rows as
tab-separated cells) so that the unit parser never needs to know where a document came from.
Source artefacts (page-break splits, markdown marks, stray spaces, web footers) are repaired
here, in code, so the next document received in the same state also works.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import header

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
MANIFEST_NAME = "manifest.json"


class DocumentError(Exception):
    """A file that cannot be used as a policy document; the message is user-facing Chinese."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"文件「{self.path.name}」无法使用：{reason}")


@dataclass
class Document:
    doc_id: str
    short_name: str
    title: str
    issuer: str
    region: str
    year: int | None
    doc_number: str
    path: Path
    lines: list[str] = field(repr=False, default_factory=list)
    # facts a reader found outside the text flow, e.g. a gov.cn metadata table (发文机关, 成文日期, 发文字号…);
    # "warnings" (a list of Chinese notes) says what the reader repaired or could not read
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


# --------------------------------------------------------------------------- readers

@dataclass
class Extracted:
    """What a reader found: text (one paragraph per line, table rows tab-separated) and facts outside it."""

    text: str
    meta: dict[str, str] = field(default_factory=dict)
    # what the reader repaired or could not read, in Chinese, for the ingestion report
    warnings: list[str] = field(default_factory=list)


# Numbering at the start of a paragraph: a line that starts one is its own paragraph, never a wrap.
_ITEM_START = re.compile(
    r"^\s*([（(][一二三四五六七八九十百零〇\d]+[)）]|[一二三四五六七八九十百]+、|\d+\s*[、.．](?!\d)"
    r"|第[一二三四五六七八九十百千零〇\d]+[编章节条]|[①-⑳⑴-⒇⒈-⒛]|附件\s*\d*\s*[:：]?$)"
)
# A numbering label alone (a cell or a <br> piece holding just "（四）"): it belongs to the text after it.
_BARE_LABEL = re.compile(r"^([（(][一二三四五六七八九十百零〇\d]+[)）]|[一二三四五六七八九十百]+、|\d+[、.．]|第[一二三四五六七八九十百千零〇\d]+[编章节条])$")
_PIECE_END = tuple("。；：，、！？;:,!?）)")


def _wrapped_label(text: str, piece: str) -> bool:
    """A numbered heading wrapped by a narrow column ("（十四）医务人员" + "满意度"): the piece runs on."""
    label = _ITEM_START.match(text)
    return bool(label) and not re.search(r"[，。；：、,.;:]", text[label.end():] + piece) and len(piece) <= 6


def _join_cell(pieces: list[str]) -> str:
    """One table cell's lines (its <p>/<br>/Word paragraphs) as one value.

    A piece after one that ends in punctuation, is a bare numbering label, or continues a numbered heading
    wrapped by the column runs straight on; any other break between two pieces becomes "；" so that listed
    items ("区科委<br>区商务委") stay apart.
    """
    text = ""
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        if text and not (text.endswith(_PIECE_END) or _BARE_LABEL.match(text) or _wrapped_label(text, piece)):
            text += "；"
        text += piece
    return text


def _regular_rows(rows: list[list[str]]) -> list[str]:
    """Tab-separated rows, all as wide as the widest, without empty rows or a header row repeated later."""
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return []
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    kept = [rows[0]] + [row for row in rows[1:] if row != rows[0] or len(rows) <= 2]
    return ["\t".join(re.sub(r"[\t\n]+", " ", cell).strip() for cell in row) for row in kept]


def _decode(raw: bytes, path: Path, declared: str | None = None) -> str:
    """Text of a byte string: BOM, then a declared charset, then UTF-8, then GB18030."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                       (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                break
    codecs = ["utf-8", "gb18030"]
    if declared:
        declared = declared.lower().strip()
        declared = "gb18030" if declared in ("gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936") else declared
        codecs.insert(0, declared)
    for codec in codecs:
        try:
            text = raw.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
        if controls > max(3, len(text) // 20):
            break  # binary data that happens to decode
        return text
    raise DocumentError(path, "文本编码无法识别（不是 UTF-8、UTF-16 或 GB18030 文本，可能是二进制文件）")


def _read_plain(path: Path) -> str:
    return _decode(path.read_bytes(), path)


_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _read_markdown(path: Path) -> str:
    """Markdown without HTML comments (e.g. an `<!-- INFO END -->` marker); the lines around them stay."""
    return _HTML_COMMENT.sub("", _read_plain(path))


# ---- HTML

# CMS names of the element that holds an article's body (knowledge as data).
_CONTENT_IDS = re.compile(r"^(UCAP-CONTENT|TRS_Editor|TRS_AUTO_ADD_ID\w*|zoom|Zoom|fontzoom|ContentRegion|"
                          r"article[-_]?content|content[-_]?text|main[-_]?text|pages_content|xxgk_content)$")
_CHROME = re.compile(r"(^|[-_ ])(nav|navbar|menu|header|head|breadcrumb|crumbs?|sidebar|share|toolbar|topbar|links?|"
                     r"qr|qrcode|print|search)([-_ ]|$)", re.I)
_FOOTER = re.compile(r"(^|[-_ ])(footer|foot|copyright|bottom)([-_ ]|$)", re.I)
_SKIP_TAGS = {"script", "style", "noscript", "iframe", "canvas", "nav", "footer", "aside", "form", "button", "select",
              "input", "textarea", "head", "title", "svg", "img", "object", "embed", "template", "menu", "map"}
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "blockquote",
               "pre", "center", "dl", "dt", "dd", "header", "main", "address", "figure", "figcaption", "table", "tr",
               "td", "th", "tbody", "thead", "tfoot", "caption", "hr", "body", "html"}
_LEAF_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "pre", "address", "figcaption", "caption"}
_META_LABEL = re.compile(r"^([\u4e00-\u9fff]{2,8})[:：]$")
_WS = re.compile(r"[ \t\r\n\f\v\xa0]+")
_FONT_SIZE = re.compile(r"font-size\s*:\s*([\d.]+)\s*(pt|px|em|rem)?", re.I)


def _html_flatten(el, parts: list[str]) -> None:
    """Text of an element with every block boundary and <br> as a newline."""
    from bs4 import NavigableString
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    for child in el.children:
        if isinstance(child, (Comment, Doctype, Declaration, ProcessingInstruction)):
            continue
        if isinstance(child, NavigableString):
            parts.append(_WS.sub(" ", str(child)))
            continue
        name = (child.name or "").lower()
        if name in _SKIP_TAGS:
            continue
        if name == "br":
            parts.append("\n")
        elif name in _BLOCK_TAGS:
            parts.append("\n")
            _html_flatten(child, parts)
            parts.append("\n")
        else:
            _html_flatten(child, parts)


def _html_text(el) -> str:
    parts: list[str] = []
    _html_flatten(el, parts)
    return "".join(parts)


def _html_pieces(el) -> list[str]:
    return [line.strip() for line in _html_text(el).split("\n") if line.strip()]


def _html_style_size(el) -> float:
    """Largest font size (pt) set on the element or inside it."""
    sizes = [0.0]
    for node in [el] + el.find_all(True):
        for value, unit in _FONT_SIZE.findall(node.get("style", "") or ""):
            try:
                number = float(value)
            except ValueError:
                continue
            sizes.append(number * {"px": 0.75, "em": 12, "rem": 12}.get((unit or "pt").lower(), 1))
        if node.name == "font" and (node.get("size") or "").strip() in ("5", "6", "7", "+2", "+3", "+4"):
            sizes.append(18)
    return max(sizes)


def _html_title_like(el) -> bool:
    """A display line of a title: centred and set large (gov.cn splits long titles over two such <p>)."""
    if el.name in ("h1", "h2"):
        return True
    style = (el.get("style", "") or "").replace(" ", "").lower()
    centred = "text-align:center" in style or (el.get("align", "") or "").lower() == "center" \
        or el.find_parent("center") is not None
    return centred and _html_style_size(el) >= 16


def _html_table_rows(table) -> list[list[str]]:
    """Rows of a data table with rowspan/colspan values repeated into every cell they cover."""
    rows: list[list[str]] = []
    spans: dict[int, list] = {}  # column -> [rows still covered, text]
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        cells = tr.find_all(["td", "th"], recursive=False)
        row: list[str] = []
        col = 0

        def take_spans() -> None:
            nonlocal col
            while col in spans:
                remaining, text = spans[col]
                row.append(text)
                if remaining <= 1:
                    del spans[col]
                else:
                    spans[col][0] -= 1
                col += 1

        for cell in cells:
            take_spans()
            text = _join_cell(_html_pieces(cell))
            rowspan = _int_attr(cell.get("rowspan"), 1, 500)
            colspan = _int_attr(cell.get("colspan"), 1, 100)
            for _ in range(colspan):
                row.append(text)
                if rowspan > 1:
                    spans[col] = [rowspan - 1, text]
                col += 1
        while any(c >= col for c in spans):
            if col not in spans:
                row.append("")
                col += 1
            take_spans()
        rows.append(row)
    return rows


def _int_attr(value, default: int, cap: int) -> int:
    try:
        return max(1, min(cap, int(str(value).strip())))
    except (TypeError, ValueError):
        return default


def _html_is_layout_table(table) -> bool:
    """Layout tables (page grids, a single column, cells holding whole articles) are read as blocks."""
    if table.find("table"):
        return True
    rows = [tr for tr in table.find_all("tr")]
    widths = [len(tr.find_all(["td", "th"], recursive=False)) for tr in rows]
    if not widths or max(widths) <= 1:
        return True
    return any(len(cell.find_all("p")) >= 3 and len(cell.get_text(strip=True)) > 300
               for cell in table.find_all(["td", "th"]))


def _html_blocks(el, out: list[tuple[str, bool]]) -> None:
    """Paragraph lines of a content element in reading order, each marked title-like or not; ("", False) is a
    blank paragraph (it stops a title from joining the next line)."""
    from bs4 import NavigableString
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    inline: list[str] = []

    def flush() -> None:
        text = "".join(inline)
        inline.clear()
        for line in text.split("\n"):
            if line.strip():
                out.append((line.strip(), False))

    for child in el.children:
        if isinstance(child, (Comment, Doctype, Declaration, ProcessingInstruction)):
            continue
        if isinstance(child, NavigableString):
            inline.append(_WS.sub(" ", str(child)))
            continue
        name = (child.name or "").lower()
        if name in _SKIP_TAGS:
            continue
        if name == "br":
            inline.append("\n")
        elif name == "table":
            flush()
            if _html_is_layout_table(child):
                for cell in child.find_all(["td", "th"]):
                    if cell.find_parent("table") is child:
                        _html_blocks(cell, out)
            else:
                out.extend((row, False) for row in _regular_rows(_html_table_rows(child)))
        elif name in _LEAF_BLOCKS and not child.find(["table", "div", "p", "ul", "ol"]):
            flush()
            pieces = _html_pieces(child)
            if not pieces:
                out.append(("", False))
            title = _html_title_like(child)
            out.extend((piece, title) for piece in pieces)
        elif name in _BLOCK_TAGS or child.find(list(_BLOCK_TAGS)):
            flush()
            _html_blocks(child, out)
        else:
            inline.append(_html_text(child))
    flush()


def _join_title_lines(blocks: list[tuple[str, bool]]) -> list[str]:
    """Lines, with a title split over adjacent title-like paragraphs joined into one."""
    merged: list[tuple[str, bool]] = []
    for text, title in blocks:
        if title and merged and merged[-1][1] and merged[-1][0] and not merged[-1][0].endswith(_SENTENCE_END) \
                and not _ITEM_START.match(text):
            merged[-1] = (merged[-1][0] + text, True)
        else:
            merged.append((text, title))
    return [text for text, _ in merged if text]


def _html_meta(soup) -> dict[str, str]:
    """A page's metadata table (gov.cn: 索引号, 主题分类, 发文机关, 成文日期, 标题, 发文字号, 发布日期): label cells
    ending in "：" beside their values. The table is removed so it never enters the body."""
    meta: dict[str, str] = {}
    for table in soup.find_all("table"):
        if table.find("table"):
            continue
        pairs = []
        cells_seen = 0
        for tr in table.find_all("tr"):
            cells = tr.find_all(["td", "th"], recursive=False)
            cells_seen += len(cells)
            for label, value in zip(cells, cells[1:]):
                key = re.sub(r"\s", "", label.get_text())
                m = _META_LABEL.match(key)
                if m and not _META_LABEL.match(re.sub(r"\s", "", value.get_text())):
                    pairs.append((m.group(1), _WS.sub(" ", value.get_text(" ")).strip()))
        if len(pairs) >= 3 and 2 * len(pairs) >= cells_seen * 0.6:
            for key, value in pairs:
                if value:
                    meta.setdefault(key, value)
            table.decompose()
    return meta


def _link_free_length(el) -> int:
    text = len(el.get_text(strip=True))
    return text - sum(len(a.get_text(strip=True)) for a in el.find_all("a"))


def _html_container(soup):
    """The element that holds the article: a known CMS content id, else the element whose own paragraphs hold
    the most text that is not link text."""
    for attr in ("id", "class"):
        for el in soup.find_all(True, attrs={attr: True}):
            values = el.get(attr)
            values = values if isinstance(values, list) else [values]
            if any(_CONTENT_IDS.match(v or "") for v in values) and _link_free_length(el) > 0:
                return el
    page_length = max(1, len(soup.get_text(strip=True)))
    for el in soup.find_all(True):
        if getattr(el, "decomposed", False) or el.name in ("body", "html"):
            continue
        marks = " ".join([el.get("id") or ""] + list(el.get("class") or []))
        text_length = len(el.get_text(strip=True))
        if text_length > page_length / 2:
            continue  # never the element that holds most of the page
        links = text_length - _link_free_length(el)
        if _FOOTER.search(marks) or ((el.name == "header" or _CHROME.search(marks))
                                     and (links >= 0.3 * text_length or text_length < 40)):
            el.decompose()
    best, best_score = None, 0
    for el in soup.find_all(True):
        if el.name in _SKIP_TAGS:
            continue
        score = 0
        for child in el.children:
            name = getattr(child, "name", None)
            if name is None:
                score += len(str(child).strip()) if type(child).__name__ == "NavigableString" else 0
            elif name not in _SKIP_TAGS and name not in ("div", "section", "article", "ul", "ol", "td", "tr",
                                                         "tbody", "main", "body", "html"):
                score += _link_free_length(child)
        if score > best_score:
            best, best_score = el, score
    return best if best_score >= 10 else None


def _html_trafilatura(html: str) -> list[str]:
    try:
        import trafilatura
    except ImportError:  # trafilatura needs lxml_html_clean on recent lxml
        return []
    try:
        text = trafilatura.extract(html, include_tables=True, include_comments=False, favor_recall=True)
    except Exception:
        return []
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def _read_html(path: Path) -> Extracted:
    from bs4 import BeautifulSoup

    raw = path.read_bytes()
    declared = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", raw[:4096], re.I)
    html = _decode(raw, path, declared.group(1).decode("ascii", "ignore") if declared else None)
    try:
        soup = BeautifulSoup(html, "lxml")
    except Exception:
        soup = BeautifulSoup(html, "html.parser")
    meta = _html_meta(soup)
    container = _html_container(soup)
    if container is not None:
        blocks: list[tuple[str, bool]] = []
        _html_blocks(container, blocks)
        lines = _join_title_lines(blocks)
    else:
        lines = _html_trafilatura(html)
    if not any(len(re.sub(r"\s", "", line)) >= 10 for line in lines):
        raise DocumentError(path, "页面中没有正文文字（可能只有导航、链接或脚本），请提供正文页面")
    warnings = [] if container is not None else ["页面结构无法识别，已按通用正文提取，表格和段落可能有遗漏"]
    return Extracted("\n".join(lines), meta, warnings)


# ---- DOCX

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_CN_DIGITS = "零一二三四五六七八九"
_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _cn_count(n: int, digits: str = _CN_DIGITS, ten: str = "十") -> str:
    if n < 10:
        return digits[max(n, 0)]
    if n < 100:
        tens, ones = divmod(n, 10)
        return (digits[tens] if tens > 1 else "") + ten + (digits[ones] if ones else "")
    try:
        import cn2an

        return cn2an.an2cn(n)
    except Exception:
        return str(n)


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def _roman(n: int) -> str:
    out = ""
    for value, mark in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                        (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + mark, n - value
    return out


def _format_number(n: int, fmt: str) -> str:
    """A list number in a Word numFmt (the formats Chinese official documents use, and the common Latin ones)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "ideographDigital", "koreanCounting"):
        return _cn_count(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return _cn_count(n, _LEGAL_DIGITS, "拾")
    if fmt == "ideographTraditional":
        return "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return "子丑寅卯辰巳午未申酉戌亥"[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalEnclosedFullstop" and 1 <= n <= 20:
        return chr(0x2488 + n - 1)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


_KNOWN_FORMATS = {"decimal", "chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
                  "ideographDigital", "koreanCounting", "chineseLegalSimplified", "ideographLegalTraditional",
                  "ideographTraditional", "ideographZodiac", "decimalEnclosedCircle", "decimalEnclosedCircleChinese",
                  "decimalEnclosedParen", "decimalEnclosedFullstop", "decimalFullWidth", "decimalFullWidth2",
                  "decimalZero", "upperLetter", "lowerLetter", "upperRoman", "lowerRoman", "none", "bullet",
                  "decimalHalfWidth"}


def _wval(el, tag: str) -> str | None:
    child = el.find(_W + tag) if el is not None else None
    return child.get(_W + "val") if child is not None else None


class _Numbering:
    """Word list numbers rendered from numbering.xml (python-docx reads paragraph text but drops them).

    Counters are kept per abstract list, as Word does: lists that share an abstractNum continue each other unless
    a num restarts a level with startOverride; a number at one level restarts every deeper level.
    """

    def __init__(self, document):
        self.levels: dict[str, dict[int, dict]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        self.style_numpr: dict[str, tuple[str | None, int | None]] = {}
        self.unknown_formats: set[str] = set()
        try:
            root = document.part.numbering_part.element
        except Exception:
            root = None
        if root is not None:
            for abstract in root.findall(_W + "abstractNum"):
                levels = {}
                for lvl in abstract.findall(_W + "lvl"):
                    try:
                        ilvl = int(lvl.get(_W + "ilvl", "0"))
                        start = int(_wval(lvl, "start") or 1)
                    except ValueError:
                        continue
                    levels[ilvl] = {"start": start, "fmt": _wval(lvl, "numFmt") or "decimal",
                                    "text": _wval(lvl, "lvlText") or "", "legal": lvl.find(_W + "isLgl") is not None}
                self.levels[abstract.get(_W + "abstractNumId")] = levels
            for num in root.findall(_W + "num"):
                overrides = {}
                for override in num.findall(_W + "lvlOverride"):
                    start = _wval(override, "startOverride")
                    if start is not None and start.lstrip("-").isdigit():
                        overrides[int(override.get(_W + "ilvl", "0"))] = int(start)
                self.nums[num.get(_W + "numId")] = (_wval(num, "abstractNumId"), overrides)
        try:
            styles = document.part.styles.element
        except Exception:
            styles = None
        if styles is not None:
            based: dict[str, str] = {}
            for style in styles.findall(_W + "style"):
                sid = style.get(_W + "styleId")
                numpr = style.find(f"{_W}pPr/{_W}numPr")
                if numpr is not None:
                    ilvl = _wval(numpr, "ilvl")
                    self.style_numpr[sid] = (_wval(numpr, "numId"), int(ilvl) if ilvl and ilvl.isdigit() else None)
                if _wval(style, "basedOn"):
                    based[sid] = _wval(style, "basedOn")
            for sid in list(based):  # inherit numbering through basedOn
                seen, current = set(), sid
                while current not in self.style_numpr and current in based and current not in seen:
                    seen.add(current)
                    current = based[current]
                if current in self.style_numpr and sid not in self.style_numpr:
                    self.style_numpr[sid] = self.style_numpr[current]

    def label(self, p) -> str:
        """The rendered number of paragraph `p` ("（一）", "1.", "一、"), advancing the counters; "" if none."""
        ppr = p.find(_W + "pPr")
        numpr = ppr.find(_W + "numPr") if ppr is not None else None
        style_num, style_ilvl = self.style_numpr.get(_wval(ppr, "pStyle") or "", (None, None))
        num_id = _wval(numpr, "numId") if numpr is not None else None
        ilvl_text = _wval(numpr, "ilvl") if numpr is not None else None
        num_id = num_id or style_num
        ilvl = int(ilvl_text) if ilvl_text and ilvl_text.isdigit() else (style_ilvl or 0)
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract or "")
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for level, start in overrides.items():
                counters[level] = start - 1
                for deeper in [k for k in counters if k > level]:
                    del counters[deeper]
        level = levels[ilvl]
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else level["start"]
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level["fmt"] in ("bullet", "none") and "%" not in level["text"]:
            return ""

        def render(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            spec = levels.get(k, {"start": 1, "fmt": "decimal"})
            value = counters.get(k, spec["start"])
            fmt = "decimal" if level["legal"] and k != ilvl else spec["fmt"]
            if fmt not in _KNOWN_FORMATS:
                self.unknown_formats.add(fmt)
            return _format_number(value, fmt)

        return re.sub(r"%(\d)", render, level["text"])


def _docx_runs_text(el, parts: list[str]) -> None:
    """Visible text of a paragraph: w:t, tabs as spaces, line breaks as newlines; no deleted text, field codes
    or the fallback copy of a text box."""
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == _MC_FALLBACK or tag in (_W + "del", _W + "instrText", _W + "delText", _W + "pPr", _W + "rPr"):
            continue
        if tag == _W + "t":
            parts.append(child.text or "")
        elif tag in (_W + "tab", _W + "ptab"):
            parts.append(" ")
        elif tag in (_W + "br", _W + "cr"):
            if child.get(_W + "type") not in ("page", "column"):
                parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        else:
            _docx_runs_text(child, parts)


def _docx_paragraph(p, numbering: _Numbering) -> str:
    parts: list[str] = [numbering.label(p)]
    _docx_runs_text(p, parts)
    return "".join(parts)


def _docx_size(p, style_sizes: dict[str, float]) -> float:
    """Largest run size (pt) in a paragraph, from the runs or the paragraph style."""
    sizes = []
    for size in p.iter(_W + "sz"):
        if size.getparent() is not None and size.getparent().tag == _W + "rPr" and \
                size.getparent().getparent() is not None and size.getparent().getparent().tag == _W + "r":
            try:
                sizes.append(int(size.get(_W + "val")) / 2)
            except (TypeError, ValueError):
                pass
    if sizes:
        return max(sizes)
    ppr = p.find(_W + "pPr")
    return style_sizes.get(_wval(ppr, "pStyle") or "", style_sizes.get("", 0.0))


def _docx_style_info(document) -> tuple[dict[str, float], set[str], set[str]]:
    """Font size per paragraph style, the styles that centre, and the title styles."""
    sizes: dict[str, float] = {}
    centred: set[str] = set()
    titles: set[str] = set()
    try:
        root = document.part.styles.element
    except Exception:
        return sizes, centred, titles
    for style in root.findall(_W + "style"):
        sid = style.get(_W + "styleId") or ""
        size = style.find(f"{_W}rPr/{_W}sz")
        if size is not None and (size.get(_W + "val") or "").isdigit():
            sizes[sid] = int(size.get(_W + "val")) / 2
        if _wval(style.find(_W + "pPr"), "jc") == "center":
            centred.add(sid)
        if (_wval(style, "name") or "").lower() in ("title", "标题"):
            titles.add(sid)
        if style.get(_W + "default") == "1" and style.get(_W + "type") == "paragraph" and sid in sizes:
            sizes[""] = sizes[sid]
    return sizes, centred, titles


def _docx_blocks(body) -> list:
    """Paragraphs and tables of the body in order, looking inside content controls (w:sdt)."""
    out = []
    for child in body:
        if child.tag in (_W + "p", _W + "tbl"):
            out.append(child)
        elif child.tag in (_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "ins"):
            out.extend(_docx_blocks(child.find(_W + "sdtContent") if child.tag == _W + "sdt" else child) or [])
    return out


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _check_docx_package(path: Path) -> None:
    """A clear reason when a .docx is not a Word 2007+ package (old .doc, another zip, random bytes)."""
    import zipfile

    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(_OLE_MAGIC):
        raise DocumentError(path, "这是旧版 Word（.doc）或其他 Office 二进制格式，请在 Word 中另存为 .docx 后再使用")
    if not zipfile.is_zipfile(path):
        raise DocumentError(path, "不是有效的 Word 文档：内容不是 .docx 的压缩包格式（文件可能已损坏或改了扩展名）")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError(path, f"不是有效的 Word 文档：压缩包已损坏（{type(exc).__name__}）") from exc
    if "word/document.xml" in names:
        return
    if "xl/workbook.xml" in names:
        kind = "这是 Excel 表格（.xlsx），不是 Word 文档"
    elif "ppt/presentation.xml" in names:
        kind = "这是 PowerPoint 演示文稿（.pptx），不是 Word 文档"
    elif "content.xml" in names:
        kind = "这是 OpenDocument（WPS/LibreOffice）文档，请另存为 .docx"
    else:
        kind = "压缩包里没有 Word 正文（word/document.xml），是改了扩展名的其他压缩文件"
    raise DocumentError(path, f"不是有效的 Word 文档：{kind}")


def _read_docx(path: Path) -> Extracted:
    _check_docx_package(path)
    import docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # lxml, zip and package errors come in many types
        raise DocumentError(path, f"Word 文档已损坏，无法打开（{type(exc).__name__}）") from exc
    numbering = _Numbering(document)
    style_sizes, centred_styles, title_styles = _docx_style_info(document)
    elements = _docx_blocks(document.element.body)
    paragraphs = [el for el in elements if el.tag == _W + "p"]
    weights: dict[float, int] = {}
    for p in paragraphs:
        text_length = sum(len(t.text or "") for t in p.iter(_W + "t"))
        if text_length:
            size = _docx_size(p, style_sizes)
            weights[size] = weights.get(size, 0) + text_length
    body_size = max(weights, key=weights.get) if weights else 0.0

    blocks: list[tuple[str, bool]] = []
    for el in elements:
        if el.tag == _W + "p":
            text = _docx_paragraph(el, numbering)
            ppr = el.find(_W + "pPr")
            style = _wval(ppr, "pStyle") or ""
            centred = (_wval(ppr, "jc") or ("center" if style in centred_styles else "")) == "center"
            title = style in title_styles or (centred and _docx_size(el, style_sizes) > body_size > 0)
            pieces = [piece.strip() for piece in text.split("\n") if piece.strip()]
            if not pieces:
                blocks.append(("", False))
            blocks.extend((piece, title) for piece in pieces)
        else:
            blocks.extend((row, False) for row in _regular_rows(_docx_table_rows(Table(el, document), numbering)))
    lines = _join_title_lines(blocks)
    kept = _drop_toc(lines)
    warnings = [f"Word 自动编号格式「{fmt}」无法识别，已按阿拉伯数字显示" for fmt in sorted(numbering.unknown_formats)]
    if len(kept) < len(lines):
        warnings.append(f"Word 读取时已去掉目录行 {len(lines) - len(kept)} 处")
    return Extracted("\n".join(kept), warnings=warnings)


def _docx_table_rows(table, numbering: _Numbering) -> list[list[str]]:
    """Rows of a Word table; python-docx repeats a merged cell (gridSpan, vMerge) into every grid cell it covers."""
    texts: dict = {}  # keyed by the cell element itself (an id() of an lxml proxy can be reused)
    rows: list[list[str]] = []
    try:
        table_rows = list(table.rows)
    except Exception:
        return rows
    for row in table_rows:
        try:
            cells = list(row.cells)
        except Exception:
            cells = []
        values = []
        for cell in cells:
            key = cell._tc
            if key not in texts:
                pieces = []
                for child in cell._tc:
                    if child.tag == _W + "p":
                        pieces.extend(_docx_paragraph(child, numbering).split("\n"))
                    elif child.tag == _W + "tbl":
                        from docx.table import Table

                        pieces.extend(" ".join(r) for r in _docx_table_rows(Table(child, cell), numbering))
                texts[key] = _join_cell(pieces)
            values.append(texts[key])
        rows.append(values)
    return rows


# ---- table of contents (PDF, DOCX)

_TOC_TITLE = re.compile(r"^目\s*录$")
_TOC_ENTRY = re.compile(r"^(第[一二三四五六七八九十百千零〇\d]+[编章节]|[一二三四五六七八九十]+、|附\s*[件录]|[（(][一二三四五六七八九十]+[)）])")
_TOC_LEADER = re.compile(r"[\s.·…．\-—_]*\d{1,4}$")


def _toc_key(line: str) -> str:
    return re.sub(r"\s", "", _TOC_LEADER.sub("", line))


def _drop_toc(lines: list[str]) -> list[str]:
    """Lines without a 目录 block: the 目录 line and the heading entries after it, up to the first heading that
    repeats an entry (where the body starts)."""
    for i, line in enumerate(lines):
        if not _TOC_TITLE.match(line.strip()):
            continue
        seen: set[str] = set()
        j = i + 1
        while j < len(lines):
            entry = lines[j].strip()
            key = _toc_key(entry)
            if key in seen or not (_TOC_ENTRY.match(entry) or (_TOC_LEADER.search(entry) and len(entry) < 60
                                                               and not entry.endswith(_SENTENCE_END))):
                break
            seen.add(key)
            j += 1
        if len(seen) >= 2:
            return lines[:i] + lines[j:]
    return lines


# ---- PDF

@dataclass
class _PdfLine:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int
    row: bool = False  # a table row (tab-separated cells): never joined with another line
    centre: float = 0.0  # the page's horizontal centre


_PAGE_NUMBER = re.compile(
    r"^([-－—–~～]\s*\d{1,4}\s*[-－—–~～]|第\s*\d{1,4}\s*页\s*[,，/]?\s*(共\s*\d{1,4}\s*页)?|共\s*\d{1,4}\s*页\s*[,，]?\s*"
    r"第\s*\d{1,4}\s*页|\d{1,4}\s*/\s*\d{1,4}|(page|p\.)\s*\d{1,4}(\s*(of|/)\s*\d{1,4})?|\d{1,4})$", re.I)
_PDF_MARGIN_BAND = 0.12  # share of the page height where page numbers, headers and footers sit


def _join_wrapped(text: str) -> str:
    """Lines wrapped inside a PDF table cell, joined (a space only between two Latin words)."""
    out = ""
    for piece in (p.strip() for p in text.split("\n")):
        if piece:
            out += (" " if out and out[-1].isascii() and out[-1].isalnum() and piece[0].isascii()
                    and piece[0].isalnum() else "") + piece
    return out


def _pdf_tables(page, number: int) -> list[_PdfLine]:
    """Ruled tables of a page as rows; a cell that a merged cell covers gets the merged cell's value."""
    rows: list[_PdfLine] = []
    try:
        tables = page.find_tables()
    except Exception:
        return rows
    for table in tables:
        try:
            extracted = table.extract()
            grid = table.rows
            columns = table.columns
        except Exception:
            continue
        if len(grid) < 2 or len(columns) < 2:
            continue
        texts = {}
        for row, values in zip(grid, extracted):
            for bbox, value in zip(row.cells, values):
                if bbox is not None:
                    texts[tuple(bbox)] = _join_wrapped(value or "")
        for row, values in zip(grid, extracted):
            cells = []
            y = (row.bbox[1] + row.bbox[3]) / 2
            for c, (bbox, value) in enumerate(zip(row.cells, values)):
                if bbox is None and c < len(columns):
                    x = (columns[c].bbox[0] + columns[c].bbox[2]) / 2
                    cover = next((b for b in texts if b[0] <= x <= b[2] and b[1] <= y <= b[3]), None)
                    cells.append(texts.get(cover, ""))
                else:
                    cells.append(_join_wrapped(value or ""))
            if any(cells):
                rows.append(_PdfLine("\t".join(cells), row.bbox[0], row.bbox[2], row.bbox[1], row.bbox[3], 0.0,
                                     number, row=True))
    return rows


def _pdf_page_lines(page, number: int) -> list[_PdfLine]:
    tables = _pdf_tables(page, number)
    lines = list(tables)
    for line in page.extract_text_lines(return_chars=True):
        text = (line.get("text") or "").strip()
        if not text:
            continue
        middle_x, middle_y = (line["x0"] + line["x1"]) / 2, (line["top"] + line["bottom"]) / 2
        if any(row.x0 <= middle_x <= row.x1 and row.top <= middle_y <= row.bottom for row in tables):
            continue  # text of a table cell: the table row carries it
        sizes = sorted(round(ch.get("size", 0), 1) for ch in line.get("chars", []) if ch.get("text", "").strip())
        size = sizes[len(sizes) // 2] if sizes else 0.0
        lines.append(_PdfLine(text, line["x0"], line["x1"], line["top"], line["bottom"], size, number,
                              centre=float(page.width) / 2))
    lines.sort(key=lambda item: (round(item.top), item.x0))
    return lines


def _pdf_drop_page_numbers(pages: list[list[_PdfLine]], heights: list[float]) -> int:
    """Remove page-number lines (－1－, - 1 -, 第1页 共N页, 1/22, a bare number) among the first and last two
    lines of each page; a bare number counts only inside the top or bottom margin band. Returns how many."""
    removed = 0
    for all_lines, height in zip(pages, heights):
        lines = [line for line in all_lines if not line.row]
        edges = {id(line): line for line in lines[:2] + lines[-2:]}
        for line in edges.values():
            text = re.sub(r"\s+", " ", line.text.strip())
            if not _PAGE_NUMBER.match(text):
                continue
            in_band = line.top < height * _PDF_MARGIN_BAND or line.bottom > height * (1 - _PDF_MARGIN_BAND)
            outermost = line is lines[0] or line is lines[-1]
            if in_band or (outermost and not text.isdigit()):
                all_lines.remove(line)
                removed += 1
    return removed


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _pdf_drop_running_lines(pages: list[list[_PdfLine]], body_size: float) -> int:
    """Remove running headers and footers: the first or last line of a page that sits at the same height and
    size on at least half of the pages and either repeats its text, shares a long prefix (law name + changing
    chapter) or is set smaller than the body."""
    with_text = [[line for line in lines if not line.row] for lines in pages]
    with_text = [lines for lines in with_text if lines]
    removed = 0
    if len(with_text) < 2:
        return removed
    need = max(2, (len(with_text) + 1) // 2)
    for edge in (0, -1):
        groups: dict[tuple[int, float], list[_PdfLine]] = {}
        for lines in with_text:
            line = lines[edge]
            groups.setdefault((round(line.top / 3), round(line.size)), []).append(line)
        for members in groups.values():
            if len(members) < need:
                continue
            keys = [re.sub(r"\d+", "#", re.sub(r"\s", "", m.text)) for m in members]
            repeated = max(keys.count(k) for k in keys) >= need
            prefix = sum(1 for k in keys if max(_common_prefix(k, other) for other in keys if other is not k) >= 5) \
                >= need if len(keys) > 1 else False
            smaller = all(m.size < body_size - 0.5 for m in members)
            if repeated or prefix or smaller:
                for member in members:
                    pages[member.page].remove(member)
                    removed += 1
    return removed


def _pdf_paragraphs(pages: list[list[_PdfLine]], body_size: float) -> list[str]:
    """Paragraphs rebuilt from line geometry: a line continues the one before (across a page break too) when
    that line ran to the right edge and this one is not indented past it; a first-line indent or a change of
    size begins a new paragraph, and so does a numbering at the start when the text has no first-line indent
    (with one, a wrapped line may well start with "第四条、第十条…")."""
    left: dict[int, float] = {}
    ends: dict[tuple[int, float], list[float]] = {}
    for lines in pages:
        for line in lines:
            ends.setdefault((line.page, round(line.size)), []).append(line.x1)
            if abs(line.size - body_size) <= 0.6:
                left[line.page] = min(left.get(line.page, line.x0), line.x0)
    right: dict[tuple[int, float], float] = {}
    for key, xs in ends.items():  # the right edge; on a full page one line in ten may overrun it
        xs.sort(reverse=True)
        right[key] = xs[len(xs) // 10] if len(xs) >= 10 else xs[0]
    at_margin = indented = 0
    for lines in pages:
        for line in lines:
            if abs(line.size - body_size) > 0.6 or line.page not in left:
                continue
            offset = line.x0 - left[line.page]
            at_margin += offset < 0.5 * line.size
            indented += abs(offset - 2 * line.size) <= 0.5 * line.size
    indent_style = at_margin >= 3 and indented >= 3

    paragraphs: list[str] = []
    previous: _PdfLine | None = None
    header_row = ""
    for lines in pages:
        for line in lines:
            if line.row:
                if previous is None or not previous.row:
                    header_row = line.text
                elif line.text == header_row:
                    continue  # the header row repeated on the next page
                paragraphs.append(line.text)
            elif previous is not None and not previous.row and \
                    _pdf_continues(previous, line, left, right, body_size, indent_style):
                paragraphs[-1] += line.text
            else:
                paragraphs.append(line.text)
            previous = line
    return _join_open_brackets(paragraphs)


def _bracket_depth(text: str) -> int:
    depth = 0
    for ch in text:
        depth += ch in "（("
        depth -= ch in "）)" and depth > 0
    return depth


def _join_open_brackets(paragraphs: list[str]) -> list[str]:
    """A paragraph that stops inside a bracket ("（责任主体：X；完成时限：" at a page end) goes on in the next
    one when that one closes the bracket and starts no numbered item or table row."""
    out: list[str] = []
    for text in paragraphs:
        if out and "\t" not in out[-1] and "\t" not in text and _bracket_depth(out[-1]) > 0 \
                and not _ITEM_START.match(text) and _bracket_depth(out[-1] + text) < _bracket_depth(out[-1]):
            out[-1] += text
        else:
            out.append(text)
    return out


def _centred(line: _PdfLine) -> bool:
    return line.centre > 0 and abs((line.x0 + line.x1) / 2 - line.centre) <= line.size


def _pdf_continues(prev: _PdfLine, line: _PdfLine, left: dict, right: dict, body_size: float,
                   indent_style: bool) -> bool:
    if abs(prev.size - line.size) > 0.6:
        return False
    if line.size > body_size + 0.5 and prev.page == line.page and _centred(prev) and _centred(line):
        # a title set larger than the body and broken over two centred lines
        return not prev.text.endswith(_SENTENCE_END) and not _ITEM_START.match(line.text) \
            and line.top - prev.bottom < line.size
    body = abs(line.size - body_size) <= 0.6
    if not (indent_style and body) and _ITEM_START.match(line.text):
        return False  # without a first-line indent to go by, a numbering starts a paragraph
    if prev.x1 < right.get((prev.page, round(prev.size)), prev.x1) - 1.2 * prev.size:
        return False  # the line before stopped short: its paragraph ended there
    if line.x0 > prev.x0 + 0.5 * line.size:
        return False  # indented past the line before: a new block or a centred heading
    if indent_style and body and line.page in left and \
            abs(line.x0 - left[line.page] - 2 * line.size) <= 0.5 * line.size:
        return False  # first-line indent of a new paragraph
    return indent_style or not prev.text.endswith(_SENTENCE_END)


def _read_pdf(path: Path) -> Extracted | str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:
                opened = 0
            if not opened:
                raise DocumentError(path, "PDF 已加密，需要密码才能打开；请提供未加密的版本")
        page_count = len(reader.pages)
    except DocumentError:
        raise
    except Exception as exc:
        raise DocumentError(path, f"不是有效的 PDF 文件（{type(exc).__name__}）") from exc
    if not page_count:
        raise DocumentError(path, "PDF 中没有页面")
    try:
        import pdfplumber

        with pdfplumber.open(str(path)) as pdf:
            heights = [float(page.height) for page in pdf.pages]
            pages = [_pdf_page_lines(page, i) for i, page in enumerate(pdf.pages)]
    except Exception:  # a file pypdf opens but pdfminer cannot lay out: plain text, no geometry
        try:
            text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
        except Exception as exc:
            raise DocumentError(path, f"PDF 文件无法解析（{type(exc).__name__}）") from exc
        if not text.strip():
            raise DocumentError(path, "PDF 没有可提取的文字（可能是扫描件），请提供带文字层的版本")
        return text
    all_text = "".join(line.text for lines in pages for line in lines)
    if not re.sub(r"\s", "", all_text):
        raise DocumentError(path, "PDF 没有可提取的文字（可能是扫描件），请提供带文字层的版本")
    if len(re.findall(r"\(cid:\d+\)", all_text)) * 6 > len(all_text) * 0.5:
        raise DocumentError(path, "PDF 的文字无法解码（字体缺少编码映射），请提供可复制文字的版本")
    warnings = []
    empty = [str(i + 1) for i, lines in enumerate(pages) if not lines]
    if empty:
        warnings.append(f"PDF 第{'、'.join(empty[:10])}{'等' if len(empty) > 10 else ''}页没有可提取的文字"
                        "（可能是扫描页），这些页的内容缺失")
    for lines in pages:
        for line in lines:
            line.text = re.sub(r"\(cid:\d+\)", "", line.text)
    weights: dict[float, int] = {}
    for lines in pages:
        for line in lines:
            if not line.row:
                weights[round(line.size)] = weights.get(round(line.size), 0) + len(line.text)
    body_size = float(max(weights, key=weights.get)) if weights else 0.0
    page_numbers = _pdf_drop_page_numbers(pages, heights)
    running = _pdf_drop_running_lines(pages, body_size)
    paragraphs = _pdf_paragraphs(pages, body_size)
    kept = _drop_toc(paragraphs)
    removed = [f"{label} {count} 处" for label, count in (("页码行", page_numbers), ("页眉页脚", running),
                                                         ("目录行", len(paragraphs) - len(kept))) if count]
    if removed:
        warnings.append("PDF 读取时已去掉" + "、".join(removed))
    return Extracted("\n".join(kept), warnings=warnings)


READERS = {
    ".txt": _read_plain,
    ".md": _read_markdown,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
}


def read_extracted(path: Path) -> Extracted:
    """Text and reader facts of a file in any supported format (the text not yet cleaned)."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(path, f"不支持的文件格式「{path.suffix}」，支持：{'、'.join(SUPPORTED_SUFFIXES)}")
    try:
        if path.stat().st_size == 0:
            raise DocumentError(path, "文件是空的（0 字节）")
        result = reader(path)
    except DocumentError:
        raise
    except OSError as exc:
        raise DocumentError(path, f"读取失败（{exc.strerror or type(exc).__name__}）") from exc
    except RecursionError as exc:
        raise DocumentError(path, "文件结构嵌套过深，无法读取") from exc
    except Exception as exc:  # a reader bug must not take the corpus down: name the file and the error
        raise DocumentError(path, f"读取时出错（{type(exc).__name__}）") from exc
    return result if isinstance(result, Extracted) else Extracted(result)


def read_text(path: Path) -> str:
    """Raw text of a file in any supported format (not yet cleaned)."""
    return read_extracted(path).text


# --------------------------------------------------------------------------- cleaning

_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef“”‘’《》〈〉、，。；：！？（）"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[^\S\t\n]+|[^\S\t\n]+(?=[{_CJK}])")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s*")
_MD_RULE = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")
_MD_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BOILERPLATE = re.compile(
    r"^(文章附件|相关链接|相关文章)\s*[:：]?\s*$|版权所有|咨询热线|^\S+@\S+\.\w+$|^(打印本页|关闭窗口|返回顶部)$"
)
_SENTENCE_END = tuple("。；：！？）)」”》;:!?")
_HEADING_START = re.compile(r"^([（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|第[一二三四五六七八九十百零〇\d]+[编章节])")
_NUMBERED_START = re.compile(
    r"^(\d+\s*[、.．]|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|第[一二三四五六七八九十百千零〇\d]+[编章节条])"
)


def _clean_line(line: str) -> str:
    line = line.replace("\ufeff", "").replace("\r", "")
    if _MD_TABLE_SEP.match(line) and "|" in line or _MD_RULE.match(line):
        return ""
    line = _MD_HEADING.sub("", line)
    line = line.replace("**", "").replace("__", "")
    if line.strip().startswith("|") and line.strip().endswith("|"):
        line = "\t".join(cell.strip() for cell in line.strip().strip("|").split("|"))
    cells = [_SPACE_NEAR_CJK.sub("", cell).strip() for cell in line.split("\t")]
    return "\t".join(cells).rstrip("\t") if any(cells) else ""


def _is_prose(line: str) -> bool:
    return len(line) >= 10 and "\t" not in line and any(mark in line for mark in "，,。、；")


def _continues(previous: str, following: str) -> bool:
    """True when `following` is the rest of `previous`, cut by a page or line break."""
    if not previous or not following or "\t" in following:
        return False
    if previous.endswith(_SENTENCE_END) or _NUMBERED_START.match(following):
        return False
    if _HEADING_START.match(previous) and "。" not in previous:
        return False
    if previous.endswith(("、", "，", ",")):
        return True
    return _is_prose(previous)


def clean_lines(raw: str) -> list[str]:
    """Logical paragraphs of a document, one per line, with source artefacts repaired."""
    text = unicodedata.normalize("NFC", raw)
    lines = [_clean_line(line) for line in text.split("\n")]
    merged: list[str] = []
    for line in lines:
        if not line or _BOILERPLATE.search(line):
            continue
        if merged and _continues(merged[-1], line):
            merged[-1] += line
        else:
            merged.append(line)
    return merged


# --------------------------------------------------------------------------- loading

def _read_manifest(folder: Path) -> dict[str, dict]:
    manifest = folder / MANIFEST_NAME
    if not manifest.exists():
        return {}
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DocumentError(manifest, f"清单文件不是有效的 JSON（{exc}）") from exc
    return data if isinstance(data, dict) else {}


def _slug(stem: str) -> str:
    slug = re.sub(r"^\d+[_-]", "", stem).lower()
    return re.sub(r"[^a-z0-9\u4e00-\u9fff]+", "-", slug).strip("-") or stem


def load_document(path: Path, manifest_entry: dict | None = None) -> Document:
    """Read and clean one file; metadata missing from the manifest is read from the text."""
    path = Path(path)
    extracted = read_extracted(path)
    lines = clean_lines(extracted.text)
    if not lines:
        raise DocumentError(path, "文件为空或没有可读的文字")
    entry = dict(manifest_entry or {})
    meta = dict(extracted.meta)
    if extracted.warnings:
        meta["warnings"] = list(extracted.warnings)  # read by units.parse_document into the ingestion report
    described = header.describe(lines, entry.get("title", ""), meta)
    prefix = re.match(r"^(\d+)[_-]", path.stem)
    return Document(
        doc_id=str(entry.get("id") or (prefix.group(1) if prefix else path.stem)),
        short_name=entry.get("short_name") or _slug(path.stem),
        title=described["title"],
        issuer=entry.get("issuer") or "",
        region=entry.get("region") or described["region"],
        year=entry.get("year") or described["year"],
        doc_number=entry.get("doc_number", described["doc_number"]),
        path=path,
        lines=lines,
        meta=meta,
    )


def corpus_files(folder: Path) -> list[Path]:
    """Files in the corpus folder that are documents (the manifest and READMEs are not)."""
    folder = Path(folder)
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.name != MANIFEST_NAME and not p.name.startswith((".", "README"))
    )


def load_corpus(folder: Path) -> tuple[list[Document], list[DocumentError]]:
    """All readable documents of a folder, plus one error per file that could not be used."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DocumentError(folder, "语料目录不存在")
    errors: list[DocumentError] = []
    try:
        manifest = _read_manifest(folder)
    except DocumentError as exc:
        errors.append(exc)
        manifest = {}
    documents: list[Document] = []
    for path in corpus_files(folder):
        try:
            doc = load_document(path, manifest.get(path.name))
            taken = {d.doc_id for d in documents} | {d.short_name for d in documents}
            if doc.doc_id in taken or doc.short_name in taken:  # one text in two formats (x.md, x.pdf): keep both apart
                suffix = path.suffix.lower().lstrip(".")
                doc.doc_id, doc.short_name = f"{doc.doc_id}-{suffix}", f"{doc.short_name}-{suffix}"
            documents.append(doc)
        except DocumentError as exc:
            errors.append(exc)
    return documents, errors

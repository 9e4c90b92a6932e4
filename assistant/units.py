"""Units: split a cleaned document into citable units with parsed fields.

A unit is what an answer cites: the document header, each goal paragraph and indicator-table row,
each numbered clause (with its responsible units and deadline), and the other sections.

The body is read as the hierarchy of GB/T 9704-2012 (一、 （一） 1. （1）) or of a statute
(第X编/章/节/条 with 款 and 项). Which level holds the citable tasks is decided per document from the
text (`task_level`); a plan whose tasks are `1.` items keeps the original reader (`_build_plan`),
which the seed documents were checked against. `parse_document` returns the units together with the
document's state (ok / partial / rejected) and warnings for the ingestion report (report.py).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .documents import Document, DocumentError
from . import roles
from .header import _DATE_LINE, _PRINT_LINE, _TRAILER, META_KEYS, merge_meta, notice_title, parse_header, parse_statute_header
from .normalize import CN_DIGITS, cn_number, cn_to_int
from .roles import Responsibility, _looks_like_units, _split_units, _unique, find_responsibilities, parse_responsibility

PARSER_VERSION = "units-12"

@dataclass
class Target:
    """One numeric goal: `value` `unit` of `indicator` in `year` for `scope`."""

    indicator: str
    year: int | None
    value: float
    unit: str
    scope: str
    text: str
    kind: str = "target"  # target | actual (a table column such as 2024年（实际）)
    attribute: str = ""  # 属性 column: 预期性 / 约束性

    @property
    def value_text(self) -> str:
        number = f"{self.value:g}"
        return f"{number}{self.unit}" if self.unit != "%" else f"{number}%"


@dataclass
class Unit:
    doc_id: str
    doc_short: str
    doc_title: str
    unit_id: str
    kind: str  # header | goals | clause | section
    label: str
    section: str
    text: str
    number: int | None = None
    title: str = ""
    # roles: lead (牵头) — or, when the notation names no lead, the responsible units (负责/责任/trailing list);
    # responsible (负责/责任单位/责任主体), cooperating (配合/参与/协办), guiding (指导), national counterpart
    lead_units: list[str] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    cooperating_units: list[str] = field(default_factory=list)
    guiding_units: list[str] = field(default_factory=list)
    national_units: list[str] = field(default_factory=list)
    deadline: str = ""
    responsibilities: list[Responsibility] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    facts: dict[str, str | list[str]] = field(default_factory=dict)

    @property
    def full_text(self) -> str:
        """The unit as shown to the user: its section heading, then its text."""
        if self.kind in ("clause", "header") or not self.section:
            return self.text
        return f"{self.section}\n{self.text}"

    @property
    def body(self) -> str:
        """Text without the responsibility brackets: what the clause is about."""
        body = self.text
        for resp in self.responsibilities:
            body = body.replace(resp.raw, "")
        return body

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Unit":
        data = dict(data)
        data["responsibilities"] = [Responsibility(**r) for r in data.get("responsibilities", [])]
        data["targets"] = [Target(**t) for t in data.get("targets", [])]
        return cls(**data)


# --------------------------------------------------------------------------- line classes

_TOP = re.compile(rf"^([{CN_DIGITS}]+)、\s*(.+)$")
_SUB = re.compile(rf"^[（(]\s*([{CN_DIGITS}]+|\d+)\s*[)）]\s*(.+)$")
_CLAUSE = re.compile(r"^(\d+)\s*[、.．]\s*(.+)$")
_MISNUMBERED_TOP = re.compile(r"^(\d+)\s*、\s*(.{2,20})$")
_DATE = r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
_HEADER_END = re.compile(rf"({_DATE}|印发|共印\s*\d+\s*份|此件主动公开|此件公开发布)")
_NO_SENTENCE = re.compile(r"[。；;]")


def _heading(line: str, pattern: re.Pattern, max_len: int) -> re.Match | None:
    match = pattern.match(line)
    if match and len(line) <= max_len and not _NO_SENTENCE.search(line) and not line.endswith("。"):
        return match
    return None


# --------------------------------------------------------------------------- targets

_TARGET = re.compile(
    r"(?P<indicator>[^，。；,;]*?)\s*(?P<verb>达到|超过|不低于|不少于|增长|提高|压减|减少)?\s*"
    r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>万件|万元|亿元|万人|件|家|个|项|次|%|％|人|所|座)"
    r"(?P<qual>以上|左右)?"
)
_GOAL_YEAR = re.compile(r"到\s*(20\d{2})\s*年")
_DATED_GOAL_VERBS = ("达到", "超过", "不低于", "不少于")


def dated_targets(text: str, scope: str) -> list[Target]:
    """Numeric goals a task states in its own prose ("到2020年，秸秆综合利用率达到85%以上"): only in a
    sentence that names the year it is due and with a verb that sets a level, so that counts of work
    ("建设3个中心") stay plain text."""
    targets = []
    for sentence in re.split(r"[。；;]", text):
        year = _GOAL_YEAR.search(sentence)
        if not year:
            continue
        targets += [t for t in parse_targets(sentence[year.end():], int(year.group(1)), scope)
                    if any(verb in t.text for verb in _DATED_GOAL_VERBS)]
    return targets


def parse_targets(paragraph: str, year: int | None, scope: str) -> list[Target]:
    """Numeric goals stated in a goal paragraph ("…拥有量达到75件")."""
    targets = []
    for sentence in re.split(r"[。；;]", paragraph):
        for clause in re.split(r"[，,]", sentence):
            match = _TARGET.search(clause)
            if not match:
                continue
            indicator = re.sub(r"^(其中|累计|在|新增)?", "", match.group("indicator")).strip()
            indicator = re.sub(r"(累计|年均)$", "", indicator).strip() or clause
            if not re.search(r"[\u4e00-\u9fff]{2}", indicator):
                continue
            unit = match.group("unit").replace("％", "%")
            targets.append(Target(indicator=indicator, year=year, value=float(match.group("value")),
                                  unit=unit, scope=scope, text=clause.strip()))
    return targets


_YEAR_CELL = re.compile(r"(20\d{2})\s*年?")
_UNIT_IN_NAME = re.compile(r"[（(]([^（）()]+)[)）]\s*$")
_YEAR_QUALIFIER = re.compile(r"^(年|年度|年底|年末)?(实际|完成|基数|基期|现状|现值|基准|目标|预期|预计|规划|计划)?(值|数)?$")
_ACTUAL = re.compile(r"实际|完成|基数|基期|现状|现值|基准")
_UNIT_HEAD = re.compile(r"^(计量|指标)?单位$")
_ATTR_HEAD = re.compile(r"属性|性质")
_CELL_VALUE = re.compile(r"^[≥≤><＞＜约]*\s*(\d+(?:\.\d+)?)\s*([^\d\s]{0,4})$")


def _year_columns(header: list[str]) -> dict[int, tuple[int, str]]:
    """Columns holding a year's value: '2025年', '2024年（实际）', '2025年目标值' → (year, kind)."""
    cols = {}
    for i, cell in enumerate(header):
        bare = re.sub(r"\s", "", cell)
        m = _YEAR_CELL.match(bare) or re.search(r"[（(](20\d{2})\s*年?[)）]", bare)
        if not m:
            continue
        rest = re.sub(r"[（()）]", "", bare.replace(m.group(0), "", 1))
        if not _YEAR_QUALIFIER.match(rest) and not re.fullmatch(r"(实际|完成|目标|预期)(值|数)?", rest):
            continue
        cols[i] = (int(m.group(1)), "actual" if _ACTUAL.search(bare) else "target")
    return cols


def parse_table(rows: list[list[str]], scope: str) -> list[tuple[str, list[Target]]]:
    """Indicator table → one (row text, targets) per data row; scope rows ("其中：…") carry on.

    The unit is read from the name ("（件）"), from its own column (单位), or from the value cell
    ("12亿元"); year columns may say which value is actual and which the target; a 属性 column
    (预期性/约束性) is kept on each target. A header row repeated on every page is skipped.
    """
    header = rows[0]
    year_cols = _year_columns(header)
    if not year_cols:
        return []
    unit_col = next((i for i, cell in enumerate(header) if _UNIT_HEAD.match(re.sub(r"\s", "", cell))), None)
    attr_col = next((i for i, cell in enumerate(header) if _ATTR_HEAD.search(cell) and i not in year_cols), None)
    name_col = next((i for i, cell in enumerate(header) if ("指标" in cell or "名称" in cell)
                     and i not in (unit_col, attr_col) and i not in year_cols), min(year_cols) - 1)
    out = []
    row_scope = scope
    for cells in rows[1:]:
        if [c.strip() for c in cells] == [c.strip() for c in header]:
            continue
        cells = cells + [""] * (len(header) - len(cells))
        first = cells[0].strip() if name_col > 0 else ""
        if first.startswith("其中") or (first and not first.isdigit() and name_col == 1 and first != cells[name_col].strip()
                                       and not any(cells[c].strip() for c in range(1, name_col))):
            row_scope = re.sub(r"^其中\s*[:：]\s*", "", first)
        elif first.isdigit():
            row_scope = scope
        name = cells[name_col].strip()
        unit_match = _UNIT_IN_NAME.search(name)
        name_unit = unit_match.group(1) if unit_match else ""
        column_unit = cells[unit_col].strip() if unit_col is not None else ""
        attribute = cells[attr_col].strip() if attr_col is not None else ""
        indicator = name[: unit_match.start()].strip() if unit_match else name
        targets = []
        for col, (year, kind) in year_cols.items():
            raw = cells[col].strip()
            value = _CELL_VALUE.match(raw.replace("％", "%"))
            if not value:
                continue
            cell_unit = value.group(2)
            unit = name_unit or column_unit or cell_unit
            targets.append(Target(indicator=indicator, year=year, value=float(value.group(1)), unit=unit,
                                  scope=row_scope, text=f"{name} {year}年 {raw}", kind=kind, attribute=attribute))
        if targets:
            shown_unit = "" if name_unit else None
            values = "；".join(
                f"{t.year}年{'（实际）' if t.kind == 'actual' else ''} {t.value:g}{'' if shown_unit == '' else t.unit}"
                for t in targets)
            prefix = f"{row_scope}：" if row_scope != scope else ""
            number_cell = f"{first} " if first.isdigit() else ""
            suffix = f"（{attribute}）" if attribute else ""
            out.append((f"{number_cell}{prefix}{name}：{values}{suffix}", targets))
    return out


# --------------------------------------------------------------------------- document → units

def _clause_title(body: str) -> str:
    first = re.split(r"。", body, maxsplit=1)[0]
    if len(first) > 40:
        first = re.split(r"[，,；;]", first, maxsplit=1)[0]
    return first.strip()


@dataclass
class _Section:
    top: str = ""
    sub: str = ""

    @property
    def path(self) -> str:
        return " > ".join(part for part in (self.top, self.sub) if part)


def _split_header(lines: list[str]) -> tuple[list[str], list[str]]:
    """(header lines, preamble lines) of what stands before the first top-level heading."""
    last = -1
    for i, line in enumerate(lines):
        if _HEADER_END.search(line) and len(line) <= 60 and not line.endswith("。"):
            last = i
    if last < 0:
        first_prose = next((i for i, line in enumerate(lines) if "。" in line), len(lines))
        last = first_prose - 1
    return lines[: last + 1], lines[last + 1:]


def _build_plan(doc: Document, all_lines: list[str]) -> list[Unit]:
    """A plan whose tasks are `1.`/`1、` items under 一、/（一） headings (the original reader)."""
    lines = list(all_lines)
    trailer_at = next((i for i, line in enumerate(lines) if _TRAILER.match(line)), len(lines))
    trailer = lines[trailer_at:]
    lines = lines[:trailer_at]
    if trailer_at == len(all_lines):
        # a print line at the very end without 抄送 is trailer too
        while lines and _PRINT_LINE.match(lines[-1]):
            trailer.insert(0, lines.pop())

    first_top = next((i for i, line in enumerate(lines) if _heading(line, _TOP, 40)), len(lines))
    head, preamble = _split_header(lines[:first_top])
    body = lines[first_top:]

    units: list[Unit] = []

    def add(kind: str, label: str, section: str, text: str, key: str, **fields) -> Unit:
        unit = Unit(doc_id=doc.doc_id, doc_short=doc.short_name, doc_title=doc.title,
                    unit_id=f"{doc.short_name}#{key}", kind=kind, label=label, section=section,
                    text=text, **fields)
        units.append(unit)
        return unit

    facts = parse_header(head, trailer)
    facts.setdefault("doc_number", doc.doc_number)
    facts["title"] = doc.title
    if doc.issuer:
        facts.setdefault("issuer", doc.issuer)
    header_text = "\n".join(head + trailer)
    add("header", "文件信息", "文件头", header_text or doc.title, "header", facts=facts)
    body_title = next((line for line in preamble if "。" not in line), "")
    intro = [line for line in preamble if line != body_title]
    if intro:
        add("section", "前言", body_title or "前言", "\n".join(intro), "preamble")

    section = _Section()
    expected_top = 1
    last_clause = 0
    current: list[str] = []  # lines of the clause or section paragraph group being collected
    current_kind = ""
    table_rows: list[list[str]] = []
    table_caption = ""
    goal_year = doc.year
    counters = {"goal": 0, "table": 0, "sec": 0}

    def flush() -> None:
        nonlocal current, current_kind, table_rows
        if table_rows:
            for row_text, targets in parse_table(table_rows, doc.region):
                counters["table"] += 1
                add("goals", f"指标表第{counters['table']}行", " > ".join(p for p in (section.path, table_caption) if p),
                    row_text, f"table-{counters['table']}", targets=targets)
            table_rows = []
        if not current:
            return
        text = "".join(current) if current_kind == "clause" else "\n".join(current)
        if current_kind == "clause":
            _add_clause(text)
        elif "目标" in section.top and current_kind == "para":
            for paragraph in current:
                counters["goal"] += 1
                add("goals", f"主要目标第{counters['goal']}段", section.path, paragraph,
                    f"goal-{counters['goal']}", targets=parse_targets(paragraph, goal_year, doc.region))
        else:
            counters["sec"] += 1
            label = (section.sub or section.top).split("、", 1)[-1]
            label = re.sub(r"^[（(][^）)]+[)）]", "", label)
            add("section", label or "其他", section.path, text, f"sec-{counters['sec']}")
        current, current_kind = [], ""

    def _add_clause(text: str) -> None:
        match = _CLAUSE.match(text)
        number = int(match.group(1))
        rest = match.group(2)
        responsibilities = find_responsibilities(text)
        if not any(r.units for r in responsibilities):
            responsibilities += _prose(text, by_only=True)
        lead = _unique([u for r in responsibilities for u in r.units])
        national = _unique([u for r in responsibilities for u in r.national_units])
        deadline = next((r.deadline for r in responsibilities if r.deadline), "")
        body_text = rest
        for r in responsibilities:
            body_text = body_text.replace(r.raw, "")
        add("clause", f"第{number}条", section.path, text, str(number), number=number,
            title=_clause_title(body_text), lead_units=lead, national_units=national,
            deadline=deadline, responsibilities=responsibilities, **_other_roles(responsibilities))

    for line in body:
        top = _heading(line, _TOP, 40)
        mis = _heading(line, _MISNUMBERED_TOP, 24)
        if mis and int(mis.group(1)) == expected_top and (
            last_clause == 0 or (current_kind != "clause" and int(mis.group(1)) != last_clause + 1)
        ):
            line = f"{cn_number(expected_top)}、{mis.group(2).strip()}"
            top = _heading(line, _TOP, 40)
        if top:
            flush()
            section = _Section(top=f"{top.group(1)}、{top.group(2).strip()}")
            expected_top = cn_to_int(top.group(1)) + 1
            table_caption = ""
            continue
        sub = _heading(line, _SUB, 40)
        if sub and not parse_responsibility(line.strip("（）()")) and not _looks_like_units(_split_units(line.strip("（）()"))):
            flush()
            section.sub = f"（{cn_number(cn_to_int(sub.group(1)))}）{sub.group(2).strip()}"
            continue
        clause = _CLAUSE.match(line)
        if clause and int(clause.group(1)) in (last_clause + 1, 1) and "\t" not in line:
            flush()
            last_clause = int(clause.group(1))
            current, current_kind = [line], "clause"
            continue
        if "\t" in line:
            if current:
                flush()
            table_rows.append(line.split("\t"))
            continue
        if table_rows:
            flush()
            if line.startswith(("（", "(")) and line.endswith(("）", ")")):
                continue  # a table footnote such as （以上指标均为预期性指标）
        if current_kind == "clause" and line.startswith(("（", "(")) and find_responsibilities(line):
            current.append(line)  # the responsibility list sits on the next line or page
            continue
        if m := _GOAL_YEAR.search(line):
            if "目标" in section.top:
                goal_year = int(m.group(1))
        if "。" not in line and len(line) <= 40 and not line.startswith(("（", "(")):
            flush()
            table_caption = line
            continue
        if current_kind != "para":
            flush()
            current_kind = "para"
        current.append(line)
    flush()

    return units


# --------------------------------------------------------------------------- roles on a unit

def _other_roles(responsibilities: list[Responsibility]) -> dict[str, list[str]]:
    """responsible / cooperating / guiding units of a clause, each in order of appearance."""
    return {
        "responsible_units": _unique([u for r in responsibilities for u in getattr(r, "responsible", [])]),
        "cooperating_units": _unique([u for r in responsibilities for u in getattr(r, "cooperating", [])]),
        "guiding_units": _unique([u for r in responsibilities for u in getattr(r, "guiding", [])]),
    }


def _role_fields(responsibilities: list[Responsibility]) -> dict:
    return {
        "lead_units": _unique([u for r in responsibilities for u in r.units]),
        "national_units": _unique([u for r in responsibilities for u in r.national_units]),
        **_other_roles(responsibilities),
    }


def _prose(text: str, by_only: bool = False) -> list[Responsibility]:
    """Responsibility written in the sentences of a task ("由X负责", "2019年3月底前，X建立…");
    `by_only` keeps the explicit "由X负责" form only (plans whose tasks carry bracket notations)."""
    if not hasattr(roles, "prose_responsibilities"):
        return []
    found = []
    for sentence in re.split(r"(?<=[。；;])", text):
        resp = roles.prose_responsibilities(sentence)
        if resp is None or not resp.units:
            continue
        if by_only and sentence[max(0, resp.start - 1):resp.start] != "由":
            continue
        found.append(resp)
    return found


class _Roles:
    """Responsibility reading along a document: standing rules stated once apply to every later task."""

    def __init__(self, statute: bool, by_only: bool = False):
        self.statute = statute
        self.by_only = by_only  # a statute whose articles carry notations: only the explicit "由X负责" prose
        self.rules: list = []
        self.top: object = None

    def enter(self, top: object) -> None:
        """A new top-level section ends the rules that name implementers ("以下均需X落实"); a default
        scope or "排在第一位的为牵头部门" holds for the whole document."""
        if top != self.top:
            self.rules = [r for r in self.rules if getattr(r, "kind", "") != "implementer"]
            self.top = top

    def read(self, text: str) -> tuple[list[Responsibility], str]:
        """(responsibility groups, deadline) of one task; the rules it states apply from here on."""
        found = find_responsibilities(text, rules=self.rules or None)
        if not any(r.units for r in found) and self.rules and hasattr(roles, "apply_rules"):
            ruled = roles.apply_rules(None, self.rules)
            if ruled.units:
                found.append(ruled)
        if not any(r.units for r in found) and (not self.statute or self.by_only):
            found.extend(_prose(text, by_only=self.by_only))  # a law's sentences assign powers, not tasks
        if hasattr(roles, "standing_rules"):
            self.rules = list(self.rules) + list(roles.standing_rules(text))
        deadline = next((r.deadline for r in found if r.deadline), "")
        if not deadline and not self.statute and hasattr(roles, "find_deadline"):
            body = text
            for r in found:
                if r.raw:
                    body = body.replace(r.raw, "")
            deadline = roles.find_deadline(body)
        return found, deadline


# --------------------------------------------------------------------------- numbering

_CN_NUM = "零〇一二两三四五六七八九十百千"
_CN_VALUE = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_int(numeral: str) -> int:
    """Integer of a numeral in digits or Chinese up to 9999 ('一百零五' → 105)."""
    numeral = numeral.strip()
    if numeral.isdigit():
        return int(numeral)
    total, digit = 0, 0
    for char in numeral:
        if char in _CN_VALUE:
            digit = _CN_VALUE[char]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[char]
            total += (digit or 1) * unit
            digit = 0
    return total + digit


# GB/T 9704 body levels: 一、 （一） 1. （1）
_LEVELS = (
    re.compile(rf"^([{_CN_NUM}]+)\s*、\s*(.*)$"),
    re.compile(rf"^[（(]\s*([{_CN_NUM}]+)\s*[)）]\s*(.*)$"),
    re.compile(r"^(\d{1,3})\s*(?:[、．]|\.(?!\d))\s*(.*)$"),
    re.compile(r"^[（(]\s*(\d{1,3})\s*[)）]\s*(.*)$"),
)
_LEVEL_LABEL = ("{}、", "（{}）", "{}.", "（{}）")
LEVEL_NAMES = ("一、", "（一）", "1.", "（1）")

# statutes: 第X编/章/节 headings and 第X条 articles, anchored at the line start
_STATUTE_HEADING = re.compile(rf"^第([{_CN_NUM}\d]+)([编章节])\s*(.{{0,30}})$")
_ARTICLE = re.compile(rf"^第([{_CN_NUM}\d]+)条(?!之)\s*(.*)$")
_CITATION_START = re.compile(r"^(规定|第|款|项|的|中|所|和|或|至|、|，)")
_PAGE_NUMBER = re.compile(r"^([－\-—–]\s*\d{1,4}\s*[－\-—–]|第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?|\d{1,4}\s*/\s*\d{1,4}|\d{1,4})$")
_INFO_END = re.compile(r"^<!--.*-->$")
_TOC = re.compile(r"^目\s*录$")
_ATT_MARK = re.compile(r"^附件\s*(\d*)\s*[:：]?\s*$")
_ATT_MARK_TITLE = re.compile(r"^附件\s*(\d+)\s*[:：]?\s*(\S.{1,60})$")
_NOTES_START = re.compile(r"^(注|备注|说明)\s*[:：]")
_ITEM_CELL = re.compile(r"^(\d{1,3})\s*[.．、]\s*(.+)$", re.S)


def _item(line: str) -> tuple[int, int, str, str] | None:
    """(level, number, label, rest) of a numbered body line, None for a paragraph or table row."""
    if "\t" in line:
        return None
    for level, pattern in enumerate(_LEVELS):
        m = pattern.match(line)
        if m and m.group(2).strip():
            rest = m.group(2).strip()
            if level in (1, 3) and (parse_responsibility(line.strip("（）()")) is not None):
                return None
            return level, cn_int(m.group(1)), _LEVEL_LABEL[level].format(m.group(1)), rest
    return None


def _is_heading_text(rest: str) -> bool:
    bare = rest.rstrip("。.：: ")
    return len(bare) <= 30 and not re.search(r"[。；;]", bare)


def _split_title(rest: str) -> tuple[str, str]:
    """'指导思想。' → ('指导思想', ''); '医疗质量。提供…' → ('医疗质量', '提供…'); a long first
    sentence is the text, not a title."""
    if _is_heading_text(rest):
        return rest.rstrip("。.：: "), ""
    m = re.match(r"^([^。；;]{2,30}?)[。；;](.+)$", rest, re.S)
    if m and "（" not in m.group(1):
        return m.group(1), m.group(2).strip()
    return "", rest


# --------------------------------------------------------------------------- parse result

STATE_LABELS = {"ok": "正常", "partial": "部分解析", "rejected": "已拒绝"}


@dataclass
class ParseResult:
    """Units of one document and what the ingestion report says about it."""

    doc: Document
    units: list[Unit] = field(default_factory=list)
    state: str = "ok"  # ok | partial | rejected
    reason: str = ""  # Chinese, for partial and rejected
    structure: str = ""  # which numbering holds the citable units: 第X条, 一、, （一）, 1., （1）, 段落
    statute: bool = False
    warnings: list[str] = field(default_factory=list)


class _Builder:
    """Collects the units of one document with unique ids."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.units: list[Unit] = []
        self.keys: set[str] = set()
        self.counters: dict[str, int] = {}

    def count(self, name: str) -> int:
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]

    def add(self, kind: str, label: str, section: str, text: str, key: str | None, **fields) -> Unit:
        """Add a unit; key None leaves the id to be assigned later (tasks, see _PlanParser.assign_ids)."""
        if key is not None:
            base, n = key, 1
            while key in self.keys:
                n += 1
                key = f"{base}~{n}"
            self.keys.add(key)
        unit = Unit(doc_id=self.doc.doc_id, doc_short=self.doc.short_name, doc_title=self.doc.title,
                    unit_id=f"{self.doc.short_name}#{key}", kind=kind, label=label, section=section,
                    text=text, **fields)
        self.units.append(unit)
        return unit


def _header_facts(doc: Document, head: list[str], trailer: list[str], warnings: list[str],
                  statute: bool = False) -> dict:
    facts = parse_statute_header(head) if statute else parse_header(head, trailer)
    wrapper = notice_title(doc.lines[:80], doc.title)
    if statute:
        # a 通知 that 印发 articles (办法, 规定) carries the notice's own facts: 主送, 署名, 成文日期
        keys = ("doc_number", "notes", "cc", "printer", "print_date", "copies", "signer") + (
            ("addressees", "issuers", "issue_date", "notice", "attachments", "reporting_deadlines") if wrapper else ())
        for key, value in parse_header(head, trailer).items():
            if key in keys:
                facts.setdefault(key, value)
    if doc.doc_number:
        facts.setdefault("doc_number", doc.doc_number)
    facts["title"] = doc.title
    if doc.issuer:
        facts.setdefault("issuer", doc.issuer)
    if wrapper:
        facts["notice_title"] = wrapper
    warnings.extend(merge_meta(facts, doc.meta or {}))
    if not facts.get("issuer") and facts.get("issuers"):
        facts["issuer"] = "、".join(facts["issuers"])
    from .header import years_of
    years = years_of(doc.title)
    if years:
        facts["years"] = [str(y) for y in years]
    return {k: v for k, v in facts.items() if v not in ("", [], None)}


# --------------------------------------------------------------------------- attachments and closing

def _split_attachments(lines: list[str]) -> tuple[list[str], list[tuple[str, str, list[str]]]]:
    """(main text, [(label, title, lines)]): 附件 after the body, each starting with a 附件N line."""
    seen_date = False
    starts: list[int] = []
    for i, line in enumerate(lines):
        if _DATE_LINE.match(line) or _PRINT_LINE.match(line):
            seen_date = True
        if i < 3:
            continue
        if _ATT_MARK.match(line) or (seen_date and _ATT_MARK_TITLE.match(line) and "。" not in line):
            starts.append(i)
    if not starts:
        return lines, []
    attachments = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        part = lines[start:end]
        m = _ATT_MARK.match(part[0])
        if m:
            label = f"附件{m.group(1)}"
            rest = part[1:]
            title = ""
            if rest and "。" not in rest[0] and "\t" not in rest[0] and len(rest[0]) <= 60:
                title, rest = rest[0], rest[1:]
        else:
            m = _ATT_MARK_TITLE.match(part[0])
            label, title, rest = f"附件{m.group(1)}", m.group(2).strip(), part[1:]
        attachments.append((label, title, rest))
    return lines[: starts[0]], attachments


_COPIES_LINE = re.compile(r"^[（(]?\s*共印\s*\d+\s*份\s*[)）]?$")


def _split_trailer(lines: list[str]) -> tuple[list[str], list[str]]:
    """(text, trailer): the 版记 that closes the whole document (抄送, 印发机关和印发日期, 共印N份),
    wherever the body ended — after the last attachment or the last article too."""
    i = len(lines)
    while i > 0:
        line = lines[i - 1].strip()
        if _TRAILER.match(line) or _PRINT_LINE.match(line) or _COPIES_LINE.match(line):
            i -= 1
            continue
        below = lines[i].strip() if i < len(lines) else ""
        printed = _PRINT_LINE.match(below)
        if printed and not printed.group("who").strip() and len(line) <= 30 and "。" not in line \
                and "\t" not in line:
            i -= 1  # the 印发机关 on its own line above "2026年3月22日印发"
            continue
        break
    return lines[:i], lines[i:]


def _split_closing(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(body, closing, trailer): the 署名/成文日期/附注 block after the body and the 抄送/印发 trailer."""
    trailer_at = next((i for i, line in enumerate(lines) if _TRAILER.match(line)), len(lines))
    trailer = lines[trailer_at:]
    lines = lines[:trailer_at]
    while lines and _PRINT_LINE.match(lines[-1]):
        trailer.insert(0, lines.pop())
    date_at = next((i for i in range(len(lines) - 1, max(-1, len(lines) - 8), -1)
                    if _DATE_LINE.match(lines[i])), None)
    if date_at is None or date_at < len(lines) // 2:
        return lines, [], trailer
    start = date_at
    for i in range(date_at - 1, max(-1, date_at - 6), -1):
        line = lines[i]
        if "\t" in line or len(line) > 40 or line.endswith("。") or _item(line):
            break
        start = i
    # 附件说明 just above the 署名: "附件：1.X" and its "2.Y" lines
    i = start - 1
    block = []
    while i >= 0 and len(block) < 12:
        line = lines[i]
        if re.match(r"^附件\s*[:：]", line):
            start = i
            break
        if re.match(r"^\d+\s*[.．、]", line) and len(line) <= 60 and "。" not in line:
            block.append(i)
            i -= 1
            continue
        break
    return lines[:start], lines[start:], trailer


# --------------------------------------------------------------------------- statutes

_MERGED_HEADING = re.compile(rf"^(第[{_CN_NUM}\d]+[编章节][^。，；：第]{{0,30}}?)(第[{_CN_NUM}\d]+条.+)$")


def _unmerge_headings(lines: list[str]) -> list[str]:
    """A chapter heading a reader joined with the article below it becomes two lines again."""
    out = []
    for line in lines:
        m = _MERGED_HEADING.match(line)
        out.extend([m.group(1), m.group(2)] if m else [line])
    return out


def _article_lines(lines: list[str]) -> list[int]:
    """Indexes of lines that open an article: 第X条 at the line start, numbered in sequence."""
    found, last = [], 0
    for i, line in enumerate(lines):
        m = _ARTICLE.match(line)
        if m and m.group(2) and cn_int(m.group(1)) == last + 1:
            found.append(i)
            last += 1
    return found


def _statute_head_end(lines: list[str], first_article: int) -> int:
    """Where the body starts: the chapter headings standing right above the first article."""
    start = first_article
    while start > 0 and _STATUTE_HEADING.match(lines[start - 1]) and "。" not in lines[start - 1]:
        start -= 1
    return start


def _parse_statute(doc: Document, lines: list[str], result: ParseResult, b: _Builder,
                   section_prefix: str = "", key_prefix: str = "", trailer: list[str] | None = None) -> None:
    articles = _article_lines(lines)
    body_start = _statute_head_end(lines, articles[0])
    head = [line for line in lines[:body_start] if not _INFO_END.match(line)]
    toc_at = next((i for i, line in enumerate(head) if _TOC.match(re.sub(r"\s", "", line))), None)
    if toc_at is not None:
        head = head[:toc_at]
    title_key = re.sub(r"\s", "", doc.title)
    if not section_prefix:
        facts = _header_facts(doc, head, list(trailer or []), result.warnings, statute=True)
        # prose after the body's own title line is the text's preamble ("2029年是…之年。总体思路是：…"), not header
        titled = [i for i, line in enumerate(head) if i > 0 and re.sub(r"\s", "", line) == title_key]
        intro = [line for line in head[titled[-1] + 1:] if "。" in line and not line.startswith(("（", "("))] \
            if titled else []
        head = [line for line in head if line not in intro]
        b.add("header", "文件信息", "文件头", "\n".join(head + list(trailer or [])) or doc.title, "header",
              facts=facts)
        if intro:
            b.add("section", "前言", doc.title, "\n".join(intro), f"{key_prefix}preamble")
    # articles that carry notations are tasks written as articles (实施办法): "由X负责" in them is a task's owner
    notated = any(r.raw for line in lines[body_start:] for r in find_responsibilities(line))
    reader = _Roles(statute=True, by_only=notated)
    path: dict[str, str] = {}
    last = 0
    current: list[str] = []
    current_section = ""
    numeral = ""
    page_lines = running = 0

    def flush() -> None:
        nonlocal current
        if not current:
            return
        number = last
        text = "\n".join(current)
        body = _ARTICLE.match(current[0]).group(2)
        found, deadline = reader.read(text)
        # an article under a 目标 chapter states the numeric goals, as a plan's goal paragraphs do
        targets = parse_targets(text, _goal_year(text, doc.year), doc.region) \
            if "目标" in current_section.rsplit(" > ", 1)[-1] else dated_targets(text, doc.region)
        b.add("clause", f"第{numeral}条", current_section, text, f"{key_prefix}{number}", number=number,
              title=_clause_title(body), deadline=deadline, responsibilities=found, targets=targets,
              **_role_fields(found))
        current = []

    table: list[str] = []

    def emit_table() -> None:
        """An indicator table inside an article is goals of its own; any other table stays in the text."""
        nonlocal table
        rows, table = table, []
        if rows and parse_table(_repair_rows([r.split("\t") for r in rows]), doc.region):
            _emit_table(doc, b, [r.split("\t") for r in rows], current_section, key_prefix)
        elif rows and current:
            current.extend(rows)

    for line in lines[body_start:]:
        if _PAGE_NUMBER.match(line):
            page_lines += 1
            continue
        if re.sub(r"\s", "", line) == title_key:
            running += 1
            continue
        heading = _STATUTE_HEADING.match(line)
        if heading and "。" not in line and "，" not in line:
            rank = "编章节".index(heading.group(2))
            number = cn_int(heading.group(1))
            name = f"第{heading.group(1)}{heading.group(2)}"
            title = re.sub(r"\s", "", heading.group(3))
            part = f"{name} {title}".strip()
            key = "编章节"[rank]
            current_number = path.get(key + "#")
            if current_number is not None and int(current_number) >= number:
                running += 1  # a running header repeating the current chapter
                continue
            flush()
            path[key] = part
            path[key + "#"] = str(number)
            for lower in "编章节"[rank + 1:]:
                path.pop(lower, None)
                path.pop(lower + "#", None)
            continue
        article = _ARTICLE.match(line)
        if article and article.group(2):
            number = cn_int(article.group(1))
            if number == last + 1 or (last < number <= last + 3 and not _CITATION_START.match(article.group(2))):
                if number != last + 1:
                    result.warnings.append(f"条款编号不连续：第{numeral}条之后是第{article.group(1)}条")
                flush()
                last, numeral = number, article.group(1)
                current_section = " > ".join(p for p in (section_prefix, path.get("编", ""), path.get("章", ""),
                                                         path.get("节", "")) if p)
                current = [line]
                continue
        if "\t" in line:
            table.append(line)
            continue
        emit_table()
        if current:
            current.append(line)
    emit_table()
    flush()
    if page_lines:
        result.warnings.append(f"正文中有页码行 {page_lines} 处（已忽略）")
    if running:
        result.warnings.append(f"正文中有重复的页眉或章标题 {running} 处（已忽略）")


# --------------------------------------------------------------------------- plans: the hierarchy

@dataclass
class _Node:
    level: int
    number: int
    label: str
    rest: str
    line: str
    items: list = field(default_factory=list)  # paragraph lines (str) and child nodes, in order

    @property
    def children(self) -> list["_Node"]:
        return [item for item in self.items if isinstance(item, _Node)]

    @property
    def lists_items(self) -> bool:
        """A lead sentence ending in ： whose numbered children are its own list items."""
        return self.rest.endswith(("：", ":"))


def _subheadings(items: list[tuple | None]) -> set[int]:
    """Lines that head a group of tasks numbered in the same style ("（一）推进国际合作" directly above
    "（一）推广专利开放许可。…（…负责）"): a bare heading followed at once by a task of its own marker
    style, at least twice and numbered on from one another, sits one level above those tasks."""
    def bare(rest: str) -> bool:
        return len(rest) <= 30 and not re.search(r"[。；;，,：:]", rest) and not find_responsibilities(rest)

    found = [i for i in range(len(items) - 1) if items[i] and items[i + 1] and items[i][0] == items[i + 1][0]
             and bare(items[i][3]) and not bare(items[i + 1][3])]
    numbers = [items[i][1] for i in found]
    return set(found) if len(found) >= 2 and numbers == list(range(numbers[0], numbers[0] + len(numbers))) else set()


def _tree(lines: list[str]) -> _Node:
    root = _Node(-1, 0, "", "", "")
    stack = [root]
    items = [_item(line) for line in lines]
    raised = _subheadings(items)
    for at, (line, item) in enumerate(zip(lines, items)):
        if item is None:
            stack[-1].items.append(line)
            continue
        level, number, label, rest = item
        if at in raised:
            level -= 0.5
        while stack[-1].level >= level:
            stack.pop()
        node = _Node(level, number, label, rest, line)
        stack[-1].items.append(node)
        if not stack[-1].lists_items or stack[-1].level < 0:
            stack.append(node)
        else:
            stack.append(node)
    return root


def _is_prose(line: str) -> bool:
    return "\t" not in line and len(line) >= 15 and bool(re.search(r"[。；;，,]", line))


def task_level(root: _Node) -> int | None:
    """The level whose items are the citable tasks: the one with most leaf items that carry text."""
    leaves: dict[int, int] = {}
    annotated: dict[int, int] = {}  # leaves that carry a responsibility notation: tasks for sure

    def walk(node: _Node) -> None:
        for child in node.children:
            is_leaf = not child.children or child.lists_items
            has_text = not _is_heading_text(child.rest) or any(
                isinstance(i, str) and _is_prose(i) for i in child.items)
            if is_leaf and has_text:
                leaves[child.level] = leaves.get(child.level, 0) + 1
                if find_responsibilities(" ".join([child.rest] + [i for i in child.items if isinstance(i, str)])):
                    annotated[child.level] = annotated.get(child.level, 0) + 1
            if not child.lists_items:
                walk(child)

    walk(root)
    if not leaves:
        return None
    best = max(leaves.values())
    # a tie in leaf count (四项保障措施 vs 四项任务) goes to the level whose items carry notations
    return max(sorted(leaves), key=lambda level: (leaves[level], annotated.get(level, 0) if leaves[level] == best else 0))


def _flatten(node: _Node) -> list[str]:
    out = [node.line]
    for item in node.items:
        out.extend(_flatten(item) if isinstance(item, _Node) else [item])
    return out


def _goal_year(text: str, default: int | None) -> int | None:
    m = _GOAL_YEAR.search(text)
    return int(m.group(1)) if m else default


class _PlanParser:
    """Emit the units of a plan's hierarchy once the task level is known."""

    def __init__(self, doc: Document, b: _Builder, level: int, reader: _Roles, prefix: str = "",
                 key_prefix: str = ""):
        self.doc, self.b, self.level, self.reader = doc, b, level, reader
        self.prefix, self.key_prefix = prefix, key_prefix
        self.clauses: list[tuple[Unit, list[int]]] = []

    # sections ---------------------------------------------------------------------------------
    def section(self, node: _Node, path: list[str], numbers: list[int]) -> None:
        goals = any("目标" in part for part in path[-1:])
        paragraphs: list[str] = []
        table: list[str] = []
        items = list(node.items)
        i = 0
        while i < len(items):
            item = items[i]
            if isinstance(item, str):
                if "\t" in item:
                    self.paragraphs(paragraphs, path, goals)
                    paragraphs = []
                    table.append(item)
                elif table and i + 1 < len(items) and isinstance(items[i + 1], str) and "\t" in items[i + 1]:
                    table[-1] += item  # a cell's second line between two rows
                else:
                    if table:
                        self.table(table, path)
                        table = []
                    paragraphs.append(item)
                i += 1
                continue
            self.paragraphs(paragraphs, path, goals)
            paragraphs = []
            if table:
                self.table(table, path)
                table = []
            child = item
            child_numbers = numbers + [child.number]
            if child.level >= self.level:
                tail = self.task(child, path, child_numbers, last=not any(
                    isinstance(x, _Node) for x in items[i + 1:]))
                items[i + 1:i + 1] = tail
            else:
                title, rest = _split_title(child.rest)
                heading = f"{child.label}{title or child.rest}" if title or _is_heading_text(child.rest) \
                    else f"{child.label}{_clause_title(child.rest)}"
                if rest:
                    child.items.insert(0, rest)
                self.section(child, path + [heading], child_numbers)
            i += 1
        if table:
            self.table(table, path)
        self.paragraphs(paragraphs, path, goals)

    def paragraphs(self, paragraphs: list[str], path: list[str], goals: bool) -> None:
        section = " > ".join(p for p in [self.prefix] + path if p)
        year = self.doc.year
        for paragraph in paragraphs:
            if goals:
                year = _goal_year(paragraph, year)
                n = self.b.count("goal")
                self.b.add("goals", f"主要目标第{n}段", section, paragraph, f"{self.key_prefix}goal-{n}",
                           targets=parse_targets(paragraph, year, self.doc.region))
                continue
            n = self.b.count("sec")
            label = path[-1] if path else "其他"
            label = re.sub(r"^([{0}]+、|[（(][{0}\d]+[)）]|\d+[.．、])".format(_CN_NUM), "", label) or "其他"
            title, _ = _split_title(paragraph)
            deadline = roles.find_deadline(paragraph) if hasattr(roles, "find_deadline") else ""
            self.b.add("section", label, section, paragraph, f"{self.key_prefix}sec-{n}",
                       title=title, deadline=deadline)

    def table(self, rows: list[str], path: list[str]) -> None:
        _emit_table(self.doc, self.b, [r.split("\t") for r in rows], " > ".join(p for p in [self.prefix] + path if p),
                    self.key_prefix)

    # tasks ------------------------------------------------------------------------------------
    def task(self, node: _Node, path: list[str], numbers: list[int], last: bool) -> list:
        """Emit one task (or its sub-paragraph tasks); return paragraphs that belong to the parent."""
        title, remainder = _split_title(node.rest)
        paragraphs = [i for i in node.items if isinstance(i, str) and "\t" not in i]
        has_children = any(isinstance(i, _Node) for i in node.items)
        segments = ([remainder] if remainder else []) + paragraphs
        annotated = [s for s in segments if find_responsibilities(s)]
        section = " > ".join(p for p in [self.prefix] + path if p)
        if len(annotated) >= 2 and not has_children and title:
            heading = f"{node.label}{title}"
            for k, segment in enumerate(segments, 1):
                self.clause(segment, f"{node.label}第{k}段", section + " > " + heading if section else heading,
                            k, numbers + [k], segment, goal="目标" in title)
            return []
        tail: list = []
        if last and not _is_heading_text(node.rest) and not has_children and paragraphs \
                and not any(find_responsibilities(p) for p in paragraphs) \
                and all(isinstance(i, str) for i in node.items):
            tail, node.items = node.items, []
        text = "\n".join(_flatten(node))
        body = remainder or node.rest
        self.clause(text, node.label, section, node.number, numbers, body, title=title, goal="目标" in title)
        return tail

    def clause(self, text: str, label: str, section: str, number: int, numbers: list[int], body: str,
               title: str = "", goal: bool = False) -> None:
        self.reader.enter(numbers[0] if numbers else None)
        found, deadline = self.reader.read(text)
        clean = body
        for r in found:
            if r.raw:
                clean = clean.replace(r.raw, "")
        targets = parse_targets(text, _goal_year(text, self.doc.year), self.doc.region) if goal \
            else dated_targets(text, self.doc.region)
        unit = self.b.add("clause", label, section, text, None, number=number,
                          title=title or _clause_title(clean), deadline=deadline, responsibilities=found,
                          targets=targets, **_role_fields(found))
        self.clauses.append((unit, numbers))

    def assign_ids(self) -> None:
        """Task numbers as ids when they are unique in the document, else the numbers of the path."""
        plain = [u.number for u, _ in self.clauses]
        unique = len(set(plain)) == len(plain)
        for unit, numbers in self.clauses:
            key = f"{self.key_prefix}{unit.number if unique else '-'.join(map(str, numbers))}"
            base, n = key, 1
            while key in self.b.keys:
                n += 1
                key = f"{base}~{n}"
            self.b.keys.add(key)
            unit.unit_id = f"{self.doc.short_name}#{key}"


def _emit_table(doc: Document, b: _Builder, rows: list[list[str]], section: str, key_prefix: str = "") -> None:
    """A table: indicator rows with year columns → goals; numbered indicator rows → one unit each;
    rows with role columns (牵头部门…) → tasks; anything else → one section unit."""
    rows = _repair_rows(rows)
    if not rows:
        return
    parsed = parse_table(rows, doc.region)
    if parsed:
        for row_text, targets in parsed:
            n = b.count("table")
            b.add("goals", f"指标表第{n}行", section, row_text, f"{key_prefix}table-{n}", targets=targets)
        return
    header, data = rows[0], rows[1:]
    width = max(len(r) for r in rows)
    item_col = None
    for col in range(width):
        hits = sum(1 for r in data if col < len(r) and _ITEM_CELL.match(r[col].strip()))
        if data and hits >= max(2, len(data) * 0.6):
            item_col = col
            break
    if item_col is not None:
        carried: dict[int, str] = {}
        for cells in data:
            if [c.strip() for c in cells] == [c.strip() for c in header]:
                continue
            m = _ITEM_CELL.match(cells[item_col].strip()) if item_col < len(cells) else None
            if not m:
                continue
            for col in range(item_col):
                value = cells[col].strip() if col < len(cells) else ""
                if value:
                    carried[col] = re.sub(r"\s+", "", value)
            path = [carried[c] for c in range(item_col) if carried.get(c)]
            details = [f"{header[c].strip()}：{cells[c].strip()}" if c < len(header) and header[c].strip()
                       else cells[c].strip() for c in range(item_col + 1, len(cells)) if cells[c].strip()]
            name = m.group(2).strip()
            number = int(m.group(1))
            text = f"{m.group(1)}.{name}" + ("\n" + "\n".join(details) if details else "")
            b.add("goals", f"{m.group(1)}.", " > ".join(p for p in [section] + path if p), text,
                  f"{key_prefix}ind-{number}", number=number, title=name.rstrip("▲△★* "))
        return
    column_roles = roles.table_roles(header) if hasattr(roles, "table_roles") else {}
    if any(role in ("lead", "responsible", "cooperating", "guiding") for role in column_roles.values()):
        row_section, k = section, 0
        for cells in data:
            heading = _section_row(cells)
            if heading:  # a section row of the task table: the path of the rows below it
                row_section = " > ".join(p for p in (section, heading) if p)
                continue
            k += 1
            resp = roles.row_responsibility(cells, column_roles)
            text = "\t".join(cells)
            first = cells[0].strip() if cells else ""
            number = int(first) if first.isdigit() else k
            task = next((c for i, c in enumerate(cells) if i not in column_roles and len(c.strip()) > 4), text)
            b.add("clause", f"第{number}行", row_section, text, f"{key_prefix}row-{number}", number=number,
                  title=_clause_title(task), deadline=resp.deadline, responsibilities=[resp],
                  **_role_fields([resp]))
        return
    n = b.count("sec")
    b.add("section", "表格", section, "\n".join("\t".join(r) for r in rows), f"{key_prefix}sec-{n}")


_PLACEHOLDER_CELL = re.compile(r"^[—\-－–/／~～无]*$")


def _table_section_rows(lines: list[str]) -> list[str]:
    """A task table's section row ('（一）推进…' spanning every column) that a plain-text export wrote
    without tabs, between two rows: keep it inside the table as a full-width row."""
    out = list(lines)
    for i in range(1, len(out) - 1):
        line = out[i]
        if "\t" in line or "。" in line or len(line) > 40 or not _item(line):
            continue
        before, after = out[i - 1], out[i + 1]
        if "\t" in before and "\t" in after:
            out[i] = line + "\t" * before.count("\t")
    return out


def _section_row(cells: list[str]) -> str:
    """The text of a row that only names a section: one distinct value, repeated (merged) or alone."""
    values = {c.strip() for c in cells if c.strip() and not _PLACEHOLDER_CELL.match(c.strip())}
    if len(values) != 1 or len(cells) < 2:
        return ""
    value = next(iter(values))
    if value.isdigit() or "。" in value or not _item(value):
        return ""
    return value


def _repair_rows(rows: list[list[str]]) -> list[list[str]]:
    """Join a row that a reader split inside one cell ('（三）' / '合理用药\t16.…')."""
    if not rows:
        return rows
    width = len(rows[0])
    out: list[list[str]] = []
    for cells in rows:
        if out and len(out[-1]) < width and len(out[-1]) + len(cells) - 1 == width:
            out[-1] = out[-1][:-1] + [out[-1][-1] + cells[0]] + cells[1:]
        else:
            out.append(list(cells))
    return out


def _split_inline_items(lines: list[str]) -> list[str]:
    """Numbered items a reader ran into one line ("（一）加强组织领导。…。（二）营造良好氛围。…"): split
    where the next number of the same marker style follows a sentence end."""
    out: list[str] = []
    for line in lines:
        item = _item(line)
        while item is not None and "\t" not in line:
            level, number = item[0], item[1]
            at = next((m.start() for m in re.finditer("。", line)
                       if (after := _item(line[m.start() + 1:])) and after[:2] == (level, number + 1)), -1)
            if at < 0:
                break
            out.append(line[: at + 1])
            line = line[at + 1:]
            item = _item(line)
        out.append(line)
    return out


def _quote_page_facts(units: list[Unit], meta: dict) -> None:
    """Facts read from the page around the text (gov.cn's table: 发文字号, 成文日期…) join the header unit's
    text, so that an answer citing the header quotes where they come from."""
    header = next((u for u in units if u.kind == "header"), None)
    if header is None:
        return
    flat = re.sub(r"\s", "", header.text)
    lines = [f"{key}：{value}" for key, value in meta.items()
             if key in META_KEYS and isinstance(value, str) and value.strip() and re.sub(r"\s", "", value) not in flat]
    if lines:
        header.text = "\n".join([header.text] + lines)


def _parse_plan(doc: Document, result: ParseResult, b: _Builder, level: int | None, root: _Node,
                prefix: str = "", key_prefix: str = "") -> None:
    reader = _Roles(statute=False)
    parser = _PlanParser(doc, b, level if level is not None else 99, reader, prefix, key_prefix)
    parser.section(root, [], [])
    parser.assign_ids()


def _body_and_header(doc: Document, lines: list[str], result: ParseResult, b: _Builder,
                     doc_trailer: list[str] | None = None) -> list[str]:
    """Header unit and preamble of a plan; returns the body lines (from the first numbered line).
    `doc_trailer`: the 版记 found after the attachments, when there are any."""
    body, closing, trailer = _split_closing(lines)
    trailer = trailer + [line for line in doc_trailer or [] if line not in trailer]
    first = next((i for i, line in enumerate(body) if _item(line)), len(body))
    head, preamble = _split_header(body[:first])
    facts = _header_facts(doc, head + closing, trailer, result.warnings)
    b.add("header", "文件信息", "文件头", "\n".join(head + closing + trailer) or doc.title, "header", facts=facts)
    body_title = next((line for line in preamble if "。" not in line and "\t" not in line), "")
    intro = [line for line in preamble if line != body_title]
    if intro:
        b.add("section", "前言", body_title or "前言", "\n".join(intro), "preamble")
    return body[first:]


def _parse_attachments(doc: Document, attachments, result: ParseResult, b: _Builder) -> None:
    for n, (label, title, lines) in enumerate(attachments, 1):
        prefix = f"{label} {title}".strip()
        key = f"att{n}-"
        notes_at = next((i for i, line in enumerate(lines) if _NOTES_START.match(line)), len(lines))
        content, notes = lines[:notes_at], lines[notes_at:]
        if not content and not notes:
            continue
        if len(_article_lines(content)) >= 3:
            _parse_statute(doc, content, result, b, section_prefix=prefix, key_prefix=key)
        else:
            root = _tree(content)
            _parse_plan(doc, result, b, task_level(root), root, prefix=prefix, key_prefix=key)
        if notes:
            first = re.sub(r"^(注|备注|说明)\s*[:：]\s*", "", notes[0])
            text = "\n".join(([first] if first else []) + notes[1:])
            b.add("section", "注", f"{prefix} > 注", text, f"{key}notes")


def _plain_text_size(lines: list[str]) -> int:
    return sum(len(line) for line in lines if _is_prose(line))


def parse_document(doc: Document) -> ParseResult:
    """Units of a document with its state for the ingestion report; never raises for content."""
    result = ParseResult(doc=doc)
    meta_warnings = (doc.meta or {}).get("warnings") if isinstance(doc.meta, dict) else None
    if isinstance(meta_warnings, str):
        result.warnings.append(meta_warnings)
    elif isinstance(meta_warnings, list):
        result.warnings.extend(str(w) for w in meta_warnings)
    main, attachments = _split_attachments(list(doc.lines))
    main = _split_inline_items(_table_section_rows(main))
    trailer: list[str] = []
    if attachments:  # the 版记 closes the last attachment: it is the document's, not the attachment's
        label, title, rest = attachments[-1]
        rest, trailer = _split_trailer(rest)
        attachments[-1] = (label, title, rest)
    b = _Builder(doc)
    if len(_article_lines(main)) >= 3:
        result.statute = True
        result.structure = "第X条"
        unmerged = _unmerge_headings(main)
        if len(unmerged) != len(main):
            result.warnings.append(f"章节标题与条文粘连 {len(unmerged) - len(main)} 处（已拆开）")
        if not trailer:
            unmerged, trailer = _split_trailer(unmerged)
        _parse_statute(doc, unmerged, result, b, trailer=trailer)
    else:
        body_lines = _split_closing(main)[0]
        root = _tree(body_lines[next((i for i, l in enumerate(body_lines) if _item(l)), len(body_lines)):])
        level = task_level(root)
        units = _build_plan(doc, main) if level == 2 else []
        if units and any(u.kind in ("clause", "goals") for u in units):
            b.units.extend(units)
            b.keys.update(u.unit_id.split("#", 1)[1] for u in units)
            result.structure = LEVEL_NAMES[2]
            header = next((u for u in units if u.kind == "header"), None)
            if header is not None:
                closing = trailer or _split_trailer(main)[1]
                extra = _header_facts(doc, [], closing, result.warnings)
                for key, value in extra.items():
                    header.facts.setdefault(key, value)
                # the 版记 is quoted with the facts it gives (抄送, 印发日期, 份数)
                header.text = "\n".join([header.text] + [line for line in closing if line not in header.text])
        else:
            if not trailer:
                main, trailer = _split_trailer(main)
            body = _body_and_header(doc, main, result, b, trailer)
            root = _tree(body)
            level = task_level(root)
            result.structure = LEVEL_NAMES[level] if level is not None else "段落"
            _parse_plan(doc, result, b, level, root)
    _parse_attachments(doc, attachments, result, b)
    result.units = b.units
    _quote_page_facts(result.units, doc.meta or {})
    kinds = {u.kind for u in b.units}
    if "clause" in kinds or "goals" in kinds:
        result.state = "ok"
    elif _plain_text_size(doc.lines) >= 80 and "section" in kinds:
        result.state = "partial"
        result.reason = "未找到编号条款，已按段落切分"
    else:
        result.state = "rejected"
        result.reason = "未找到编号条款或目标，看起来不是政策文件"
    return result


def build_units(doc: Document) -> list[Unit]:
    """Split a document into its citable units; raise DocumentError when it has none."""
    result = parse_document(doc)
    if result.state == "rejected":
        raise DocumentError(doc.path, result.reason)
    return result.units


def build_all(documents: list[Document]) -> tuple[list[Unit], list[DocumentError]]:
    """Units of every usable document and one error per rejected one (see build_all_with_report)."""
    units, errors, _ = build_all_with_report(documents)
    return units, errors


def _unique_ids(result: ParseResult, seen: dict[str, str]) -> None:
    """Two files with one short name (a .md and its .pdf) must not share unit ids: the later file's
    ids get its format as a suffix, and the report says so."""
    doc = result.doc
    short = doc.short_name
    if short in seen:
        new = f"{short}.{doc.path.suffix.lstrip('.').lower() or 'x'}"
        n = 2
        while new in seen:
            new, n = f"{short}.{n}", n + 1
        for unit in result.units:
            unit.unit_id = new + unit.unit_id[len(short):]
        result.warnings.append(f"文件简称「{short}」与「{seen[short]}」重复，本文件的单元编号改为「{new}#…」")
        seen[new] = doc.path.name
    else:
        seen[short] = doc.path.name
    id_key = f"\0id:{doc.doc_id}"
    if id_key in seen:
        result.warnings.append(f"文件编号「{doc.doc_id}」与「{seen[id_key]}」重复，按文件编号筛选时会混在一起")
    else:
        seen[id_key] = doc.path.name


def build_all_with_report(documents: list[Document], load_errors: list[DocumentError] | tuple = ()):
    """(units, errors, report): as build_all, plus the ingestion report of every document —
    including files the readers could not load (`load_errors` from documents.load_corpus)."""
    from .report import IngestionReport

    units: list[Unit] = []
    errors: list[DocumentError] = []
    results: list[ParseResult] = []
    seen: dict[str, str] = {}
    for doc in documents:
        result = parse_document(doc)
        results.append(result)
        _unique_ids(result, seen)
        if result.state == "rejected":
            errors.append(DocumentError(doc.path, result.reason))
        else:
            units.extend(result.units)
    return units, errors, IngestionReport.build(results, list(load_errors))

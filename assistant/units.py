"""Units: split a cleaned document into citable units with parsed fields.

A unit is what an answer cites: the document header, each goal paragraph and indicator-table row,
each numbered clause (with its responsible units and deadline), and the other sections.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .documents import Document, DocumentError
from .header import _PRINT_LINE, _TRAILER, parse_header
from .normalize import CN_DIGITS, cn_number, cn_to_int
from .roles import Responsibility, _looks_like_units, _split_units, _unique, find_responsibilities, parse_responsibility

PARSER_VERSION = "units-3"

@dataclass
class Target:
    """One numeric goal: `value` `unit` of `indicator` in `year` for `scope`."""

    indicator: str
    year: int | None
    value: float
    unit: str
    scope: str
    text: str

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


def parse_table(rows: list[list[str]], scope: str) -> list[tuple[str, list[Target]]]:
    """Indicator table → one (row text, targets) per data row; scope rows ("其中：…") carry on."""
    header = rows[0]
    year_cols = {i: int(m.group(1)) for i, cell in enumerate(header) if (m := _YEAR_CELL.fullmatch(cell.strip()))}
    if not year_cols:
        return []
    name_col = next((i for i, cell in enumerate(header) if "指标" in cell or "名称" in cell), min(year_cols) - 1)
    out = []
    row_scope = scope
    for cells in rows[1:]:
        cells = cells + [""] * (len(header) - len(cells))
        first = cells[0].strip() if name_col > 0 else ""
        if first and not first.isdigit():
            row_scope = re.sub(r"^其中\s*[:：]\s*", "", first)
        elif first.isdigit():
            row_scope = scope
        name = cells[name_col].strip()
        unit_match = _UNIT_IN_NAME.search(name)
        unit = unit_match.group(1) if unit_match else ""
        indicator = name[: unit_match.start()].strip() if unit_match else name
        targets = []
        for col, year in year_cols.items():
            value = cells[col].strip().rstrip("%％")
            try:
                number = float(value)
            except ValueError:
                continue
            targets.append(Target(indicator=indicator, year=year, value=number, unit=unit,
                                  scope=row_scope, text=f"{name} {year}年 {cells[col].strip()}"))
        if targets:
            values = "；".join(f"{t.year}年 {t.value:g}" for t in targets)
            prefix = f"{row_scope}：" if row_scope != scope else ""
            number_cell = f"{first} " if first.isdigit() else ""
            out.append((f"{number_cell}{prefix}{name}：{values}", targets))
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


def build_units(doc: Document) -> list[Unit]:
    """Split a document into its citable units; raise DocumentError when it has none."""
    lines = list(doc.lines)
    trailer_at = next((i for i, line in enumerate(lines) if _TRAILER.match(line)), len(lines))
    trailer = lines[trailer_at:]
    lines = lines[:trailer_at]
    if trailer_at == len(doc.lines):
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
        lead = _unique([u for r in responsibilities for u in r.units])
        national = _unique([u for r in responsibilities for u in r.national_units])
        deadline = next((r.deadline for r in responsibilities if r.deadline), "")
        body_text = rest
        for r in responsibilities:
            body_text = body_text.replace(r.raw, "")
        add("clause", f"第{number}条", section.path, text, str(number), number=number,
            title=_clause_title(body_text), lead_units=lead, national_units=national,
            deadline=deadline, responsibilities=responsibilities)

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

    if not any(unit.kind in ("clause", "goals") for unit in units):
        raise DocumentError(doc.path, "未找到编号条款或目标，看起来不是政策文件")
    return units


def build_all(documents: list[Document]) -> tuple[list[Unit], list[DocumentError]]:
    units: list[Unit] = []
    errors: list[DocumentError] = []
    for doc in documents:
        try:
            units.extend(build_units(doc))
        except DocumentError as exc:
            errors.append(exc)
    return units, errors

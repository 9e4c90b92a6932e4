"""Gold sets as staff write them: .jsonl (GOLD_FORMAT.md), .csv or .xlsx with Chinese column names.

Spreadsheet convention (also written into the template's 填写说明 sheet):

- one question per row; the first non-empty row is the header; column order is free;
- 问题 (required): one turn, or several turns of one conversation separated by a line break or `||`
  (only the answer to the last turn is graded);
- 类型 (required): lead/deadline/target/list/meta/open/refuse or 牵头/时限/目标/清单/文件信息/开放/拒答;
- 答案, 不应出现, 引用, 文件: several values separated by `；`, `;` or a line break;
- 任一答案: groups separated by `||` or a line break; the alternatives of one group by `；` or `;`
  (`2025年12月底；2025年底||65件；六十五件` = two groups, each needing one of its alternatives);
- 编号 (optional, defaults to the row number), 备注 (optional, ignored).

Completely empty rows are skipped (and counted); every other problem is reported with its row and
column in Chinese, and nothing is run until the file is clean. Grading itself is eval/grader.py's.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from eval.grader import Grade, grade, normalise, recall_at

MAX_BYTES = 10 * 1024 * 1024  # larger uploads are refused before any parsing
MAX_ITEMS = 2000
MAX_SHOWN_PROBLEMS = 20
RECALL_KS = (1, 5)

TYPE_NAMES = {"lead": "牵头", "deadline": "时限", "target": "目标", "list": "清单", "meta": "文件信息",
              "open": "开放", "refuse": "拒答"}
TYPE_ALIASES = {**{name: code for code, name in TYPE_NAMES.items()},
                "谁牵头": "lead", "完成时限": "deadline", "指标目标": "target", "任务清单": "list",
                "开放问题": "open", "拒绝": "refuse"}

# spreadsheet column → gold field; the English field names are accepted too
COLUMNS = {"编号": "id", "问题": "turns", "类型": "type", "答案": "answer", "任一答案": "any_of",
           "不应出现": "must_not", "引用": "cite", "文件": "doc"}
IGNORED_COLUMNS = ("备注",)
REQUIRED = ("问题", "类型")
FIELD_COLUMN = {fld: col for col, fld in COLUMNS.items()}

TURN_SPLIT = re.compile(r"\s*(?:\|\||\r\n|\r|\n)\s*")
VALUE_SPLIT = re.compile(r"\s*(?:[；;]|\r\n|\r|\n)\s*")
ALTERNATIVE_SPLIT = re.compile(r"\s*[；;]\s*")

TEMPLATE_NAME = "评测集模板.xlsx"
TEMPLATE_HEADERS = ["编号", "问题", "类型", "答案", "任一答案", "不应出现", "引用", "文件", "备注"]
TEMPLATE_HELP = [
    ("编号", "可选", "每题唯一；不填则用行号。"),
    ("问题", "必填", "提给助手的问题。多轮对话：各轮用换行（Alt+Enter）或 || 分隔，只评最后一轮的回答。"),
    ("类型", "必填", "牵头、时限、目标、清单、文件信息、开放、拒答之一（也可写 lead/deadline/target/list/meta/open/refuse）。"),
    ("答案", "可选", "回答中必须全部出现的文字；多个用；或换行分隔。"),
    ("任一答案", "可选", "几组备选：组与组之间用 || 或换行分隔，组内备选用；分隔；每组至少出现一个。"),
    ("不应出现", "可选", "回答中不得出现的文字；多个用；或换行分隔。"),
    ("引用", "可选", "回答引用的条款中必须包含的原文片段；多个用；或换行分隔。拒答题留空。"),
    ("文件", "可选", "仅作记录（如文件编号），不参与评分。"),
    ("备注", "可选", "仅作记录，不参与评分。"),
]
TEMPLATE_EXAMPLES = [
    ["示例-1", "示例区2026年专利质押融资工作由哪个部门牵头？", "牵头", "示例局", "", "配合单位甲", "专利质押融资", "", "答案写部门名称"],
    ["示例-2", "示例区2026年专利质押融资金额目标是多少？||那2027年呢？", "目标", "", "30亿元；三十亿元", "", "质押融资金额", "", "两轮对话，评第二轮"],
    ["示例-3", "示例区的文号是什么？", "文件信息", "", "示例府〔2026〕1号；示例府〔2026〕第1号||2026年", "", "", "", "任一答案：两组"],
    ["示例-4", "火星的知识产权规划由谁牵头？", "拒答", "", "", "", "", "", "文件中没有的内容应拒答"],
]


@dataclass
class Problem:
    """One thing wrong with an uploaded gold set, located by row (1-based, as in the spreadsheet) and column."""
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        if self.column:
            where += f"“{self.column}”列"
        return f"{where}：{self.message}"


class GoldSetError(ValueError):
    """The gold set cannot be used; `problems` locate each issue, str() is the Chinese message shown to the user."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = [str(p) for p in problems[:MAX_SHOWN_PROBLEMS]]
        if len(problems) > MAX_SHOWN_PROBLEMS:
            shown.append(f"……另有 {len(problems) - MAX_SHOWN_PROBLEMS} 处问题未列出。")
        super().__init__("\n".join(shown))


@dataclass
class GoldSet:
    items: list[dict]
    skipped_rows: list[int] = field(default_factory=list)  # completely empty rows
    source: str = ""
    notices: list[str] = field(default_factory=list)  # not errors: things the user may want to know

    def describe(self) -> str:
        counts = Counter(item["type"] for item in self.items)
        parts = "、".join(f"{TYPE_NAMES[t]} {counts[t]}" for t in TYPE_NAMES if counts[t])
        text = f"已读取 {len(self.items)} 道题（{parts}）。"
        if self.skipped_rows:
            text += f"跳过空行：第{'、'.join(map(str, self.skipped_rows[:10]))}行" + ("等" if len(self.skipped_rows) > 10 else "") + "。"
        return text + "".join(self.notices)


# ---------------------------------------------------------------------------------------------- reading

def load_gold_any(path: str | Path) -> list[dict]:
    """Gold items from .jsonl, .csv or .xlsx (for `python -m eval --gold`); raises GoldSetError."""
    return read_gold(path).items


def read_gold(path: str | Path, max_bytes: int = MAX_BYTES) -> GoldSet:
    path = Path(path)
    if not path.is_file():
        raise GoldSetError([Problem(None, "", f"找不到文件 {path.name}。")])
    size = path.stat().st_size
    if size > max_bytes:
        raise GoldSetError([Problem(None, "", f"文件过大（{size / 1024 / 1024:.1f} MB），上限为 {max_bytes / 1024 / 1024:.0f} MB，请拆分后分别上传。")])
    if size == 0:
        raise GoldSetError([Problem(None, "", "文件是空的。")])
    suffix = path.suffix.lower()
    notices: list[str] = []
    if suffix == ".jsonl":
        items, skipped, notices = _read_jsonl(path)
    elif suffix == ".csv":
        items, skipped = _rows_to_items(_csv_rows(path))
    elif suffix == ".xlsx":
        items, skipped = _rows_to_items(_xlsx_rows(path))
    elif suffix == ".xls":
        raise GoldSetError([Problem(None, "", "不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 后上传。")])
    else:
        raise GoldSetError([Problem(None, "", f"不支持的文件类型“{suffix or '无扩展名'}”，请上传 .xlsx、.csv 或 .jsonl 文件。")])
    if not items:
        raise GoldSetError([Problem(None, "", "文件中没有任何题目。")])
    return GoldSet(items=items, skipped_rows=skipped, source=path.name, notices=notices)


def _cell(value) -> str:
    """A spreadsheet cell as text: integral numbers without '.0', dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in a Chinese locale saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise GoldSetError([Problem(None, "", "无法识别 CSV 文件的编码，请以 UTF-8 保存后上传。")])
    try:
        return [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise GoldSetError([Problem(None, "", f"CSV 格式有误：{exc}")]) from exc


def _xlsx_rows(path: Path) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise GoldSetError([Problem(None, "", "无法打开 Excel 文件，请确认是 .xlsx 格式且未损坏。")]) from exc
    try:
        sheet = book["评测题"] if "评测题" in book.sheetnames else book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in values])
            if len(rows) > MAX_ITEMS + 50:  # a sheet with far too many rows: stop reading early
                break
        return rows
    finally:
        book.close()


def _rows_to_items(rows: list[list[str]]) -> tuple[list[dict], list[int]]:
    """Header + data rows (1-based numbering as the spreadsheet shows it) → validated gold items."""
    header_at = next((i for i, row in enumerate(rows) if any(row)), None)
    if header_at is None:
        raise GoldSetError([Problem(None, "", "文件中没有任何内容。")])
    header_row = header_at + 1
    problems: list[Problem] = []
    columns: dict[int, str] = {}  # position → gold field
    seen: dict[str, int] = {}
    width = max(len(r) for r in rows)
    for pos, name in enumerate(rows[header_at]):
        name = name.strip()
        if not name:
            if any(pos < len(r) and r[pos] for r in rows[header_at + 1:]):
                problems.append(Problem(header_row, _letter(pos), "表头为空，但该列下面有内容；请填写列名或删除该列。"))
            continue
        fld = COLUMNS.get(name) or (name if name in FIELD_COLUMN else None)
        if name in IGNORED_COLUMNS:
            continue
        if fld is None:
            problems.append(Problem(header_row, name, f"不是可识别的列名（第{_letter(pos)}列）；可用列名：{'、'.join(COLUMNS)}、备注。"))
            continue
        if fld in seen:
            problems.append(Problem(header_row, name, f"列名重复（第{_letter(seen[fld])}列和第{_letter(pos)}列）。"))
            continue
        seen[fld] = pos
        columns[pos] = fld
    for required in REQUIRED:
        if COLUMNS[required] not in seen:
            problems.append(Problem(header_row, required, "缺少必需的列。表头应包含：问题、类型（其余列可选）。"))
    if problems:
        raise GoldSetError(problems)

    items: list[dict] = []
    skipped: list[int] = []
    ids: dict[str, int] = {}
    for offset, row in enumerate(rows[header_at + 1:], start=header_row + 1):
        row = row + [""] * (width - len(row))
        if not any(row):
            skipped.append(offset)
            continue
        if len(items) >= MAX_ITEMS:
            problems.append(Problem(offset, "", f"题目过多，一次最多评测 {MAX_ITEMS} 道题，请拆分文件。"))
            break
        cells = {fld: row[pos] for pos, fld in columns.items()}
        item, row_problems = _item_from_cells(cells, offset)
        problems.extend(row_problems)
        if item is None:
            continue
        if item["id"] in ids:
            problems.append(Problem(offset, "编号", f"编号“{item['id']}”与第{ids[item['id']]}行重复。"))
        ids[item["id"]] = offset
        items.append(item)
    if problems:
        raise GoldSetError(problems)
    return items, skipped


def _letter(pos: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(pos + 1)


def _type_code(value: str) -> str | None:
    value = value.strip()
    return value.lower() if value.lower() in TYPE_NAMES else TYPE_ALIASES.get(value)


def _item_from_cells(cells: dict[str, str], row: int) -> tuple[dict | None, list[Problem]]:
    problems: list[Problem] = []
    turns = [t for t in TURN_SPLIT.split(cells.get("turns", "")) if t]
    if not turns:
        problems.append(Problem(row, "问题", "问题为空。"))
    raw_type = cells.get("type", "")
    code = _type_code(raw_type)
    if not raw_type:
        problems.append(Problem(row, "类型", "类型为空；应为 牵头、时限、目标、清单、文件信息、开放、拒答 之一。"))
    elif code is None:
        problems.append(Problem(row, "类型", f"未知类型“{raw_type}”；应为 牵头、时限、目标、清单、文件信息、开放、拒答 之一"
                                            f"（或 {'/'.join(TYPE_NAMES)}）。"))
    if problems:
        return None, problems
    groups = [[a for a in ALTERNATIVE_SPLIT.split(g) if a] for g in TURN_SPLIT.split(cells.get("any_of", ""))]
    item = {"id": cells.get("id") or f"第{row}行", "turns": turns, "type": code,
            "answer": _values(cells.get("answer", "")), "any_of": [g for g in groups if g],
            "must_not": _values(cells.get("must_not", "")), "cite": _values(cells.get("cite", "")),
            "doc": _values(cells.get("doc", ""))}
    return item, _check_item(item, row)


def _values(cell: str) -> list[str]:
    return [v for v in VALUE_SPLIT.split(cell) if v]


def _check_item(item: dict, row: int) -> list[Problem]:
    """Contradictions a grader would silently mis-score."""
    problems = []
    if item["type"] == "refuse" and item["cite"]:
        problems.append(Problem(row, "引用", "拒答题不应填写引用（拒答时助手不引用任何条款）。"))
    answer_norm = {normalise(a) for a in item["answer"]}
    for banned in item["must_not"]:
        if normalise(banned) in answer_norm:
            problems.append(Problem(row, "不应出现", f"“{banned}”同时出现在“答案”中。"))
    return problems


def _read_jsonl(path: Path) -> tuple[list[dict], list[int], list[str]]:
    problems: list[Problem] = []
    items: list[dict] = []
    skipped: list[int] = []
    ids: dict[str, int] = {}
    extra: dict[str, int] = {}  # field name → first line
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise GoldSetError([Problem(None, "", "JSONL 文件须为 UTF-8 编码。")]) from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            skipped.append(number)
            continue
        if len(items) >= MAX_ITEMS:
            problems.append(Problem(number, "", f"题目过多，一次最多评测 {MAX_ITEMS} 道题，请拆分文件。"))
            break
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(number, "", f"不是有效的 JSON（第{exc.colno}个字符附近）。"))
            continue
        if not isinstance(data, dict):
            problems.append(Problem(number, "", "每行应是一个 JSON 对象。"))
            continue
        unknown = [k for k in data if k not in FIELD_COLUMN]
        if "turns" not in data and "question" in data:  # a common slip: one question instead of turns
            data["turns"] = data.pop("question")
            unknown = [k for k in unknown if k != "question"]
        bad = []
        cells = {}
        for key, value in data.items():
            if key not in FIELD_COLUMN:
                continue
            if key == "any_of":
                if not isinstance(value, list) or not all(isinstance(g, list) and all(isinstance(a, str) for a in g) for g in value):
                    bad.append(Problem(number, key, "应为字符串列表的列表，如 [[\"2025年底\", \"2025年12月底\"]]。"))
                    continue
                cells[key] = "||".join("；".join(g) for g in value)
            elif isinstance(value, str):
                cells[key] = value
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                cells[key] = ("||" if key == "turns" else "\n").join(value)
            else:
                bad.append(Problem(number, key, "应为字符串或字符串列表。"))
        problems.extend(bad)
        for key in unknown:  # kept on the item (a generator may tag its items), but never graded
            extra.setdefault(key, number)
        if bad:
            continue
        if "id" not in data:
            problems.append(Problem(number, "id", "缺少 id。"))
            continue
        item, row_problems = _item_from_cells(cells, number)
        problems.extend(row_problems)
        if item is None:
            continue
        if item["id"] in ids:
            problems.append(Problem(number, "id", f"id“{item['id']}”与第{ids[item['id']]}行重复。"))
        ids[item["id"]] = number
        items.append({**{k: data[k] for k in unknown}, **item})
    if problems:
        raise GoldSetError(problems)
    notices = [f"字段“{key}”（首见于第{line}行）不是评分字段，未参与评分。" for key, line in extra.items()]
    return items, skipped, notices


# ---------------------------------------------------------------------------------------------- template

def write_template(path: str | Path) -> Path:
    """The spreadsheet staff start from: an empty 评测题 sheet (类型 as a drop-down) and a 填写说明 sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    book = Workbook()
    sheet = book.active
    sheet.title = "评测题"
    sheet.append(TEMPLATE_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = {"A": 10, "B": 48, "C": 10, "D": 24, "E": 28, "F": 16, "G": 30, "H": 10, "I": 20}
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    choice = DataValidation(type="list", formula1='"' + ",".join(TYPE_NAMES.values()) + '"', allow_blank=True,
                            showErrorMessage=False)
    sheet.add_data_validation(choice)
    choice.add("C2:C2001")
    help_sheet = book.create_sheet("填写说明")
    help_sheet.append(["列名", "是否必填", "填写方法"])
    for row in TEMPLATE_HELP:
        help_sheet.append(list(row))
    help_sheet.append([])
    help_sheet.append(["说明", "", "在“评测题”表中每行填一道题；完全空白的行会被跳过。文件不超过 10 MB，"
                                   f"一次最多 {MAX_ITEMS} 道题。比较时忽略空格、全角/半角与英文大小写。"])
    help_sheet.append([])
    help_sheet.append(["以下为填写示例（不会被读取，请在“评测题”表中填写）："])
    help_sheet.append(TEMPLATE_HEADERS)
    for example in TEMPLATE_EXAMPLES:
        help_sheet.append(example)
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    help_sheet.column_dimensions["A"].width = 12
    help_sheet.column_dimensions["B"].width = 44
    help_sheet.column_dimensions["C"].width = 80
    for row in help_sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    book.save(path)
    return path


def template_file(cache_dir: str | Path) -> Path:
    """The template as a file to download, written once into the cache folder and kept while this module is
    unchanged (openpyxl's import and the workbook would otherwise cost every start of the page ~0.13 s)."""
    source = Path(__file__).stat()
    key = hashlib.sha1(f"{source.st_size}-{source.st_mtime_ns}".encode()).hexdigest()[:12]
    path = Path(cache_dir) / "templates" / key / TEMPLATE_NAME
    if path.exists():
        return path
    staging = path.with_name(f".{os.getpid()}-{threading.get_ident()}-{TEMPLATE_NAME}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_template(staging)
        os.replace(staging, path)
        return path
    except OSError:  # a read-only or full cache folder: a private copy
        with contextlib.suppress(OSError):
            staging.unlink()
        return write_template(Path(tempfile.mkdtemp(prefix="gold-template-")) / TEMPLATE_NAME)


# ---------------------------------------------------------------------------------------------- running

@dataclass
class ItemResult:
    item: dict
    answer: dict  # the answer object of GOLD_FORMAT.md (Answer.to_dict())
    grade: Grade
    recall: dict[int, float | None]
    seconds: float
    error: str = ""  # the assistant raised: counted as wrong

    @property
    def strict_ok(self) -> bool:
        return self.grade.strict_ok and not self.error


Progress = Callable[[int, int, dict], None]


def converse(assistant, turns: list[str], mode: str = "fused"):
    """(last answer, ranked units, seconds): the turns asked in one fresh conversation; the units retrieval
    ranks for the last turn in that conversation (what recall@k is measured on: answers drawn from parsed
    fields search nothing), in `mode` ("bm25" and "dense" rank the bare turn); the answers' time alone."""
    from .chat import Session

    session = Session()
    seconds, ranked, answer = 0.0, [], None
    for n, turn in enumerate(turns, 1):
        if n == len(turns):
            ranked = assistant.ranked(turn, session) if mode == "fused" else \
                [hit.unit for hit in assistant.retriever.search(turn, k=10, mode=mode)]
        started = time.perf_counter()
        answer = assistant.ask(turn, session)
        seconds += time.perf_counter() - started
    return answer, ranked, seconds


def run_gold(assistant, items: list[dict], progress: Progress | None = None,
             ks: tuple[int, ...] = RECALL_KS) -> list[ItemResult]:
    """Each item in one fresh conversation; grade the last answer; recall@k over what retrieval ranks for the
    last turn in its conversation (`converse`)."""
    results = []
    for done, item in enumerate(items):
        if progress:
            progress(done, len(items), item)
        seconds, ranked, error = 0.0, [], ""
        try:
            reply, ranked, seconds = converse(assistant, item["turns"])
            answer = reply.to_dict()
        except Exception as exc:  # one broken question must not stop the run
            error = f"助手出错：{type(exc).__name__}: {exc}"
            answer = {"answer": error, "answered": False, "intent": "error", "citations": [], "retrieved": []}
        texts = [unit.full_text for unit in ranked]
        g = grade(item, answer)
        if error:
            g = Grade(False, False, g.problems + [error])
        results.append(ItemResult(item=item, answer=answer, grade=g, recall={k: recall_at(item, texts, k) for k in ks},
                                  seconds=seconds, error=error))
    if progress:
        progress(len(items), len(items), {})
    return results


def _mean(values) -> float | None:
    values = [float(v) for v in values if v is not None]
    return sum(values) / len(values) if values else None


def summarise(results: list[ItemResult], ks: tuple[int, ...] = RECALL_KS) -> list[dict]:
    """One row per type present (in the order of TYPE_NAMES) and a last row for all items."""
    groups = [(code, [r for r in results if r.item["type"] == code]) for code in TYPE_NAMES]
    groups = [(code, rows) for code, rows in groups if rows] + [("all", results)]
    table = []
    for code, rows in groups:
        row = {"type": code, "name": "全部" if code == "all" else TYPE_NAMES[code], "n": len(rows),
               "answer": _mean(r.grade.answer_ok and not r.error for r in rows),
               "citation": _mean(r.grade.citation_ok and not r.error for r in rows),
               "strict": _mean(r.strict_ok for r in rows),
               "seconds": _mean(r.seconds for r in rows)}
        for k in ks:
            row[f"recall@{k}"] = _mean(r.recall.get(k) for r in rows)
        table.append(row)
    return table


SUMMARY_HEADERS = ["类型", "题数", "答案正确率", "引用正确率", "严格正确率"]


def summary_rows(table: list[dict], ks: tuple[int, ...] = RECALL_KS) -> tuple[list[str], list[list]]:
    """The per-type table as display strings (percentages, '—' where a measure does not apply)."""
    headers = SUMMARY_HEADERS + [f"召回率@{k}" for k in ks] + ["平均耗时（秒）"]
    rows = []
    for row in table:
        rows.append([row["name"], row["n"], *(_pct(row[m]) for m in ("answer", "citation", "strict")),
                     *(_pct(row[f"recall@{k}"]) for k in ks),
                     "—" if row["seconds"] is None else f"{row['seconds']:.2f}"])
    return headers, rows


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def expected_text(item: dict) -> str:
    if item["type"] == "refuse":
        return "应拒答（不引用任何条款）"
    parts = []
    if item.get("answer"):
        parts.append("答案：" + "；".join(item["answer"]))
    for group in item.get("any_of", []):
        parts.append("任一：" + " / ".join(group))
    if item.get("must_not"):
        parts.append("不应出现：" + "；".join(item["must_not"]))
    if item.get("cite"):
        parts.append("引用：" + "；".join(item["cite"]))
    return "\n".join(parts) or "（未设答案要求）"


def cited_text(answer: dict, limit: int | None = None) -> str:
    lines = []
    for c in answer.get("citations", []):
        text = c.get("text", "")
        if limit and len(text) > limit:
            text = text[:limit] + "……"
        lines.append(f"[{c.get('n')}] 《{c.get('doc_title', '')}》{c.get('label', '')}：{text}")
    return "\n".join(lines) or "（无引用）"


def reasons(result: ItemResult) -> str:
    """Why an item failed, in Chinese; the verdict itself is eval.grader.grade's."""
    if result.error:
        return result.error
    item, answer = result.item, result.answer
    text = normalise(answer.get("answer", ""))
    cited = [normalise(c.get("text", "")) for c in answer.get("citations", [])]
    out = []
    if item["type"] == "refuse":
        if answer.get("answered") is not False:
            out.append("应拒答，但助手作了回答")
        if cited:
            out.append("拒答时不应引用条款")
        return "；".join(out)
    if answer.get("answered") is not True:
        out.append("助手未作答")
    out += [f"缺少“{a}”" for a in item.get("answer", []) if normalise(a) not in text]
    out += [f"“{' / '.join(g)}”一个也没有出现" for g in item.get("any_of", []) if not any(normalise(a) in text for a in g)]
    out += [f"出现了不应出现的“{b}”" for b in item.get("must_not", []) if normalise(b) in text]
    out += [f"引用的条款中没有“{s}”" for s in item.get("cite", []) if not any(normalise(s) in u for u in cited)]
    return "；".join(out) or "；".join(result.grade.problems)


def question_text(item: dict) -> str:
    return " → ".join(item["turns"])


FAILURE_HEADERS = ["编号", "类型", "问题", "期望", "实际回答", "引用条款", "未通过原因"]


def failure_rows(results: list[ItemResult], clause_limit: int | None = 300) -> list[list[str]]:
    return [[r.item["id"], TYPE_NAMES[r.item["type"]], question_text(r.item), expected_text(r.item),
             r.answer.get("answer", ""), cited_text(r.answer, clause_limit), reasons(r)]
            for r in results if not r.strict_ok]


# ---------------------------------------------------------------------------------------------- reports

DETAIL_HEADERS = ["编号", "类型", "问题", "识别意图", "答案正确", "引用正确", "严格正确", *[f"召回率@{k}" for k in RECALL_KS],
                  "耗时（秒）", "期望", "实际回答", "引用条款", "未通过原因"]


def write_report_xlsx(path: str | Path, results: list[ItemResult], source: str = "") -> Path:
    """汇总 (per-type table), 未通过 (question / expected / got / cited clause) and 明细 (every item)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    path = Path(path)
    headers, rows = summary_rows(summarise(results))
    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    sheet.append(["评测集", source])
    sheet.append(["评测时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M")])
    sheet.append([])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    failures = book.create_sheet("未通过")
    failures.append(FAILURE_HEADERS)
    for row in failure_rows(results, clause_limit=None):
        failures.append(row)
    detail = book.create_sheet("明细")
    detail.append(DETAIL_HEADERS)
    yes = {True: "是", False: "否"}
    for r in results:
        detail.append([r.item["id"], TYPE_NAMES[r.item["type"]], question_text(r.item), r.answer.get("intent", ""),
                       yes[r.grade.answer_ok and not r.error], yes[r.grade.citation_ok and not r.error], yes[r.strict_ok],
                       *("—" if r.recall.get(k) is None else round(r.recall[k], 3) for k in RECALL_KS),
                       round(r.seconds, 3), expected_text(r.item), r.answer.get("answer", ""),
                       cited_text(r.answer), "" if r.strict_ok else reasons(r)])
    for ws, widths in ((sheet, [14, 10, 12, 12, 12, 12, 12, 14]), (failures, [12, 10, 40, 30, 50, 60, 30]),
                       (detail, [12, 10, 40, 10, 9, 9, 9, 10, 10, 10, 30, 50, 60, 30])):
        for i, width in enumerate(widths):
            ws.column_dimensions[_letter(i)].width = width
        for row in ws.iter_rows():
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for ws, header_row in ((sheet, 4), (failures, 1), (detail, 1)):
        for cell in ws[header_row]:
            cell.font = Font(bold=True)
    book.save(path)
    return path


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def report_markdown(results: list[ItemResult], source: str = "") -> str:
    headers, rows = summary_rows(summarise(results))
    lines = ["# 评测报告", "", f"- 评测集：{source or '（未命名）'}",
             f"- 评测时间：{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}",
             f"- 题数：{len(results)}，严格正确 {sum(r.strict_ok for r in results)} 道", "",
             "严格正确 = 答案正确且引用正确；召回率@k = 引用片段出现在检索排名前 k 的条款中的比例（拒答题不计）。", "",
             "## 按题型统计", "", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    lines += ["", "## 未通过的题目", ""]
    failures = failure_rows(results, clause_limit=None)
    if not failures:
        lines.append("全部通过。")
    for row in failures:
        ident, kind, question, expected, got, cited, why = row
        lines += [f"### {ident}（{kind}）", "", f"**问题**：{question}", "", "**期望**：", "",
                  *[f"- {line}" for line in expected.split("\n")], "",
                  "**实际回答**：", "", *[f"> {line}" for line in got.split("\n")], "",
                  "**引用条款**：", "", *[f"> {line}" for line in cited.split("\n")], "",
                  f"**未通过原因**：{why}", ""]
    return "\n".join(lines) + "\n"


def write_report_markdown(path: str | Path, results: list[ItemResult], source: str = "") -> Path:
    path = Path(path)
    path.write_text(report_markdown(results, source), encoding="utf-8")
    return path

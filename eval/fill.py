"""Gold from truth × phrasing: fill the shared question templates with a synthetic corpus's truth.

Each template of `../shared/question-bank/templates.jsonl` is filled from documents whose content
the generator knows, and the expected `answer` / `any_of` / `must_not` / `cite` are written from
that truth by the rules of GOLD_FORMAT.md. Slot values vary the way staff name things: documents
by title, region+year, 文号 or short name; departments in full, abbreviated, with a homophone typo
or in traditional characters; years absolute, two-digit or relative (今年 = the document's first
year). A template whose slots cannot be filled truthfully from the corpus is skipped and counted.

Every gold line also records register, template id, notation, numbering style and format, so the
harness can report strict accuracy along each of them (the grader ignores unknown fields).
"""
from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from eval.synthetic import Corpus, Indicator, SynthDoc, Task, cn_numeral, fmt_number

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = next((p for p in (ROOT.parent / "shared" / "question-bank" / "templates.jsonl",
                               ROOT / "eval" / "question-bank" / "templates.jsonl") if p.exists()),
                 ROOT / "eval" / "question-bank" / "templates.jsonl")  # the copy travels with the repository
SLOT = re.compile(r"\{(\w+)\}")


class Skip(Exception):
    """The template cannot be filled truthfully from this document (or corpus)."""


def load_templates(path: Path | None = None) -> list[dict]:
    path = Path(path or TEMPLATES)
    if not path.exists():
        raise FileNotFoundError(
            f"question templates not found at {path}: the synthetic evaluation fills the shared bank "
            f"(../shared/question-bank/templates.jsonl relative to the repository); pass --templates PATH")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --------------------------------------------------------------------------- name variants

_HOMOPHONES: dict[str, list[str]] | None = None


def _homophones() -> dict[str, list[str]]:
    """Toneless pinyin → common characters (GB2312 level 1), built once from pypinyin's table."""
    global _HOMOPHONES
    if _HOMOPHONES is None:
        from pypinyin import Style, pinyin

        table: dict[str, list[str]] = defaultdict(list)
        for hi in range(0xB0, 0xD8):
            for lo in range(0xA1, 0xFF):
                try:
                    ch = bytes((hi, lo)).decode("gb2312")
                except UnicodeDecodeError:
                    continue
                table[pinyin(ch, style=Style.NORMAL)[0][0]].append(ch)
        _HOMOPHONES = dict(table)
    return _HOMOPHONES


def homophone_typo(name: str, rng: random.Random) -> str:
    """The name with one character replaced by another of the same toneless pinyin."""
    from pypinyin import Style, pinyin

    table = _homophones()
    # prefer characters inside the name, not the level word or the last suffix character
    positions = list(range(1, len(name) - 1)) or list(range(len(name)))
    rng.shuffle(positions)
    for i in positions:
        ch = name[i]
        options = [c for c in table.get(pinyin(ch, style=Style.NORMAL)[0][0], []) if c != ch]
        if options:
            return name[:i] + rng.choice(options) + name[i + 1:]
    raise Skip("no homophone for any character")


def traditional(text: str) -> str:
    import zhconv

    return zhconv.convert(text, "zh-tw")


# --------------------------------------------------------------------------- expected values

def deadline_variants(deadline: str) -> list[str]:
    """Ways a correct answer may write a deadline (the core date without 前; 12月底 = 年底)."""
    core = deadline.removesuffix("前")
    out = [core]
    if m := re.fullmatch(r"(\d{4})年12月底", core):
        out.append(f"{m.group(1)}年底")
        out.append(f"{m.group(1)}年12月31日")
    elif m := re.fullmatch(r"(\d{4})年(\d{1,2})月底", core):
        last = {3: 31, 6: 30, 9: 30}.get(int(m.group(2)))
        if last:
            out.append(f"{m.group(1)}年{m.group(2)}月{last}日")
    return out


def value_variants(ind: Indicator, year: int) -> list[str]:
    v = fmt_number(ind.values[year])
    return [f"{v}{ind.unit}", f"{v}({ind.unit})"]


def count_variants(n: int) -> list[str]:
    return [f"{n}项", f"{n}条", f"{n}个", f"{n}件", f"{cn_numeral(n)}项", f"{cn_numeral(n)}条", f"{cn_numeral(n)}件"]


FIELD_WORDS = {  # how staff name a header fact → truth key
    "文号": "doc_number", "发文字号": "doc_number", "发文单位": "issuer", "发文机关": "issuer",
    "落款日期": "issue_date", "成文日期": "issue_date", "主送": "addressees", "主送单位": "addressees",
    "抄送": "cc", "抄送单位": "cc", "印发日期": "print_date", "印了几份": "copies", "印发份数": "copies",
    "印发机关": "printer",
}


def fact_expect(doc: SynthDoc, key: str) -> tuple[list[str], list[list[str]], list[str]]:
    """(answer, any_of, cite) for one header fact."""
    h = doc.header
    value = h.get(key) if key != "issuer" else doc.issuer
    if not value:
        raise Skip(f"the document has no {key}")
    if key in ("addressees", "cc"):
        # addressee groups are comma-separated ("区政府各委、办、局，各有关单位"); cc lists units
        parts = [p for p in re.split(r"[，,]" if key == "addressees" else r"[，,、]", value) if p]
        return parts, [], [parts[0]]
    if key == "copies":
        return [], [[f"{value}份"]], [f"{value}份"]
    return [value], [], [value]


# --------------------------------------------------------------------------- the filler

@dataclass
class Item:
    slots: dict = field(default_factory=dict)
    answer: list = field(default_factory=list)
    any_of: list = field(default_factory=list)
    must_not: list = field(default_factory=list)
    cite: list = field(default_factory=list)
    notation: str = "-"
    doc_form: str = "-"
    name_form: str = "-"
    year_form: str = "-"


class Filler:
    """Fills templates from one synthetic corpus; `fill_all` returns gold lines and skip counts."""

    def __init__(self, corpus: Corpus, seed: int = 0):
        self.corpus = corpus
        self.rng = random.Random(seed * 7919 + 13)
        self.by_region: dict[str, list[SynthDoc]] = defaultdict(list)
        for d in corpus.docs:
            self.by_region[d.region].append(d)
        self.indicator_years: Counter = Counter((i.name, y) for d in corpus.docs for i in d.indicators for y in i.values)
        self.indicator_docs: Counter = Counter(i.name for d in corpus.docs for i in d.indicators)
        self.skipped: Counter = Counter()

    # ---- slot values
    def doc_ref(self, doc: SynthDoc, item: Item, forms: tuple[str, ...] = ("title", "region-year", "doc-number", "short")) -> str:
        unique_region = len(self.by_region[doc.region]) == 1
        options = [f for f in forms if f != "short" or unique_region]
        form = self.rng.choice(options)
        item.doc_form = form
        if form == "title":
            return doc.title
        if form == "doc-number":
            return doc.doc_number
        if form == "region-year":
            region = self.rng.choice((doc.region, doc.region_short))
            return f"{region}{doc.year}年{doc.kind}"
        return f"{doc.region_short}{doc.kind}"

    def region_ref(self, doc: SynthDoc, need_unique: bool = True) -> str:
        if need_unique and len(self.by_region[doc.region]) > 1:
            raise Skip("region has several documents")
        return self.rng.choice((doc.region, doc.region_short))

    def year_slot(self, year: int, item: Item, two_digit: bool = False) -> str:
        item.year_form = "two-digit" if two_digit else "absolute"
        return f"{year % 100:02d}" if two_digit else str(year)

    def dept_name(self, doc: SynthDoc, name: str, item: Item, form: str) -> str:
        dept = doc.dept(name)
        item.name_form = form
        if form == "short":
            return dept.short
        if form == "typo":
            return homophone_typo(dept.name, self.rng)
        return dept.name

    def other_year(self, doc: SynthDoc) -> int:
        covered = {y for d in self.by_region[doc.region] for y in d.years}
        options = [y for y in range(2026, 2033) if y not in covered]
        if not options:
            raise Skip("every year is covered")
        return self.rng.choice(options)

    def clause_no(self, task: Task) -> str:
        return str(task.number) if self.rng.random() < 0.5 else cn_numeral(task.number)

    def other_dept(self, doc: SynthDoc, exclude: list[str]) -> str:
        options = [d.name for d in doc.depts if d.name not in exclude and d.kind == "local"]
        if not options:
            raise Skip("no other department")
        return self.rng.choice(options)

    # ---- subjects
    def pick_task(self, doc: SynthDoc, pred=lambda t: True) -> Task:
        options = [t for t in doc.tasks if pred(t)]
        if not options:
            raise Skip("no clause fits")
        return self.rng.choice(options)

    def pick_indicator(self, doc: SynthDoc, pred=lambda i: True) -> Indicator:
        options = [i for i in doc.indicators if pred(i)]
        if not options:
            raise Skip("no indicator fits")
        return self.rng.choice(options)

    # ---- main entry
    def fill_all(self, templates: list[dict], copies: int = 2) -> list[dict]:
        gold = []
        docs = self.corpus.docs
        for tpl in templates:
            made = 0
            attempts = 0
            while made < copies and attempts < copies * 6:
                attempts += 1
                doc = self.rng.choice(docs)
                try:
                    item = self.fill(tpl, doc)
                except Skip as why:
                    last = str(why)
                    continue
                made += 1
                gold.append(self._line(tpl, doc, item, made))
            if made < copies:
                self.skipped[tpl["id"]] += copies - made
                self.skipped[f"reason: {last}"] += copies - made
        return gold

    def _line(self, tpl: dict, doc: SynthDoc, item: Item, k: int) -> dict:
        slots = item.slots
        if tpl["register"] == "traditional" and self.rng.random() < 0.5:
            slots = {k2: traditional(v) for k2, v in slots.items()}
            item.name_form = "traditional"
        missing = [s for s in tpl["slots"] if s not in slots]
        if missing:
            raise AssertionError(f"{tpl['id']}: unfilled slots {missing}")
        turns = [SLOT.sub(lambda m: str(slots[m.group(1)]), t) for t in tpl["turns"]]
        if any(m in ("今年", "明年") for t in tpl["turns"] for m in re.findall("今年|明年", t)):
            item.year_form = "relative"
        return {
            "id": f"syn-{tpl['id']}-{k}", "turns": turns, "type": tpl["type"],
            "answer": item.answer, "any_of": item.any_of, "must_not": item.must_not, "cite": item.cite,
            "doc": [doc.doc_id], "register": tpl["register"], "template": tpl["id"],
            "notation": item.notation, "numbering": doc.numbering if doc.layout == "inline" else "task-table",
            "format": doc.format, "doc_form": item.doc_form, "name_form": item.name_form,
            "year_form": item.year_form,
        }

    def fill(self, tpl: dict, doc: SynthDoc) -> Item:
        handler = getattr(self, f"_{tpl['type']}")
        item = handler(tpl, doc, Item())
        return item

    # ---- common slot filling for a clause subject
    def _task_slots(self, tpl: dict, doc: SynthDoc, task: Task, item: Item) -> None:
        s = item.slots
        used = tpl["slots"]
        item.notation = task.notation
        if "doc" in used:
            s["doc"] = self.doc_ref(doc, item, ("title",) if "《{doc}》" in tpl["turns"][0] else
                                    ("title", "region-year", "doc-number", "short"))
        if "task" in used:
            s["task"] = task.keyword
        if "clause_no" in used and "clause_no" not in s:
            s["clause_no"] = self.clause_no(task)
        if "region" in used:
            s["region"] = self.region_ref(doc, need_unique=not ({"year", "yy"} & set(used)))
        if "yy" in used:
            s["yy"] = self.year_slot(doc.year, item, two_digit=True)
        if "year" in used and "year" not in s:
            s["year"] = self.year_slot(doc.year, item)

    def _refs(self, tasks: list[Task]) -> list[str]:
        return [t.keyword for t in tasks]

    # ---- lead
    def _lead(self, tpl: dict, doc: SynthDoc, item: Item) -> Item:
        tid, expect, used = tpl["id"], tpl["expect"], tpl["slots"]
        s = item.slots
        if "similar clause" in expect:
            raise Skip("needs a comparable clause in another document")
        national = "national" in expect and tid not in ("multi-002", "multi-007")
        task = self.pick_task(doc, (lambda t: bool(t.national)) if national else (lambda t: True))
        subject = task
        if "clause before" in expect:
            prev = [t for t in doc.tasks if t.number == task.number - 1]
            if not prev:
                raise Skip("no previous clause")
            subject = prev[0]
        if "first clause under" in expect:
            s["section"] = task.section
            subject = next(t for t in doc.tasks if t.section == task.section)
        self._task_slots(tpl, doc, task, item)
        item.notation = subject.notation
        all_units = ("all " in expect or "responsible units of clause" in expect or "bracket" in expect
                     or "full list" in expect or "responsible for clause" in expect)
        item.answer = list(subject.units if all_units else subject.leads)
        if "national" in expect:
            item.answer = list(subject.national) + (list(subject.units) if "local" in expect else [])
        item.cite = [subject.keyword]
        if "dept_short" in used:
            truthful = self.rng.random() < 0.5
            name = subject.leads[0] if truthful else self.other_dept(doc, subject.units)
            s["dept_short"] = self.dept_name(doc, name, item, "short")
        if "dept_typo" in used:
            truthful = self.rng.random() < 0.5 or tid == "multi-018"
            name = subject.leads[0] if truthful else self.other_dept(doc, subject.units)
            s["dept_typo"] = self.dept_name(doc, name, item, "typo")
        if tid == "lead-012":
            wrong = self.other_dept(doc, subject.units)
            pair = [subject.leads[0], wrong] if self.rng.random() < 0.5 else [wrong, subject.leads[0]]
            s["dept"], s["dept2"] = pair
            item.name_form = "full"
        elif tid == "lead-043":
            s["dept"] = self.rng.choice(subject.units)
            item.name_form = "full"
        elif tid == "multi-018":
            s["dept2"] = self.rng.choice(subject.units[1:]) if len(subject.units) > 1 and self.rng.random() < 0.5 \
                else self.other_dept(doc, subject.units)
            item.answer = list(subject.units)
        if tid == "lead-042":
            other = self.pick_task(doc, lambda t: t is not task)
            s["clause_no"] = self.clause_no(other)
            item.answer = list(dict.fromkeys(task.leads + other.leads))
            item.cite = [task.keyword, other.keyword]
        if tid in ("multi-002", "multi-007"):
            other = self.pick_task(doc, lambda t: bool(t.national))
            s["clause_no"] = self.clause_no(other)
            item.answer, item.cite, item.notation = list(other.national), [other.keyword], other.notation
        if not item.answer:
            raise Skip("nothing to answer")
        others = [d.name for d in doc.depts if d.name not in subject.units + subject.national and d.kind == "local"]
        if others and not ({"dept", "dept2", "dept_short", "dept_typo"} & set(used)) and tid not in ("lead-042",):
            item.must_not = [self.rng.choice(others)]
        return item

    # ---- deadline
    def _deadline(self, tpl: dict, doc: SynthDoc, item: Item) -> Item:
        tid, expect, used = tpl["id"], tpl["expect"], tpl["slots"]
        s = item.slots
        if "form of submission" in expect:
            raise Skip("the generator writes no submission form")
        if "reporting date" in expect:
            rep = doc.header.get("reporting")
            if not rep:
                raise Skip("no reporting duty")
            s["doc"] = self.doc_ref(doc, item)
            s["task"] = rep["item"]
            item.any_of, item.cite, item.notation = [[rep["date"]]], [rep["date"]], "notice"
            return item
        if "goals section" in expect:
            s["doc"] = self.doc_ref(doc, item)
            s["task"] = "知识产权创造质量提升"
            y = doc.years[-1]
            item.any_of, item.cite, item.notation = [[f"{y}年底", f"{y}年12月底"]], [f"到{y}年底"], "goals"
            return item
        if "earliest deadline" in expect:
            return self._earliest(tpl, doc, item)
        dated = "date" in tpl["notes"] or "几月" in tpl["turns"][-1] or tid in ("deadline-030", "deadline-029")
        pred = (lambda t: bool(t.deadline) and t.deadline != "持续推进") if dated else (lambda t: bool(t.deadline))
        if "national" in expect:
            pred0 = pred
            pred = lambda t: pred0(t) and bool(t.national)  # noqa: E731
        task = self.pick_task(doc, pred)
        self._task_slots(tpl, doc, task, item)
        item.any_of = [deadline_variants(task.deadline)]
        item.cite = [task.keyword]
        if "national" in expect:
            item.answer = list(task.national)
        if tid == "deadline-011":
            truthful = self.rng.random() < 0.5
            wrong = [t.deadline for t in doc.tasks if t.deadline and t.deadline.removesuffix("前") != task.deadline.removesuffix("前")]
            if not truthful and not wrong:
                raise Skip("no wrong deadline to offer")
            s["deadline"] = task.deadline if truthful else self.rng.choice(wrong)
        if tid == "deadline-027":
            other = self.pick_task(doc, lambda t: t is not task and bool(t.deadline))
            s["clause_no"] = self.clause_no(other)
            item.any_of.append(deadline_variants(other.deadline))
            item.cite.append(other.keyword)
        if tid == "deadline-030":
            y = int(task.deadline[:4])
            s["yy"] = self.year_slot(y if self.rng.random() < 0.5 else doc.year, item, two_digit=True)
        return item

    def _earliest(self, tpl: dict, doc: SynthDoc, item: Item) -> Item:
        dept = self.rng.choice([d for d in doc.depts if d.kind == "local"])
        tasks = [t for t in doc.tasks if dept.name in t.units and t.deadline and t.deadline != "持续推进"]
        if not tasks:
            raise Skip("department has no dated clause")
        key = lambda t: tuple(int(x) for x in re.findall(r"\d+", t.deadline)[:2])  # noqa: E731
        first = min(tasks, key=key)
        if sum(key(t) == key(first) for t in tasks) > 1:
            raise Skip("earliest deadline is shared")
        item.slots["doc"] = self.doc_ref(doc, item)
        item.slots["dept_short"] = self.dept_name(doc, dept.name, item, "short")
        item.any_of, item.cite, item.notation = [deadline_variants(first.deadline)], [first.keyword], first.notation
        return item

    # ---- target
    def _target(self, tpl: dict, doc: SynthDoc, item: Item) -> Item:
        tid, expect, used = tpl["id"], tpl["expect"], tpl["slots"]
        turns = "".join(tpl["turns"])
        s = item.slots
        if "other documents" in expect or "every document" in expect:
            raise Skip("cross-document comparison is not generated")
        two_years = any(w in expect for w in ("both years", "next year", "difference")) or "明年" in turns \
            or tid == "multi-003"
        ind = self.pick_indicator(doc, (lambda i: len(i.values) >= 2) if two_years else (lambda i: True))
        years = sorted(ind.values)
        no_doc = "doc" not in used and "region" not in used
        if "明年" in turns:
            year = years[0] + 1
        elif "今年" in turns:
            year = years[0]
        elif "year" in used or "yy" in used:
            year = self.rng.choice(years)
        else:
            year = years[-1]
        if tid in ("multi-003", "multi-004"):
            year = years[0]
        if no_doc and self.indicator_years[(ind.name, year)] > 1:
            raise Skip("indicator/year pair not unique in the corpus")
        if "region" in used:
            s["region"] = self.region_ref(doc, need_unique=not ({"year", "yy"} & set(used)))
        if "doc" in used:
            s["doc"] = self.doc_ref(doc, item)
        if "year" in used:
            s["year"] = self.year_slot(year, item)
        if "yy" in used:
            s["yy"] = self.year_slot(year, item, two_digit=True)
        if "indicator" in used:
            s["indicator"] = ind.name
        if "indicator_short" in used:
            s["indicator_short"] = ind.short
            item.name_form = "short"
        item.notation = f"indicator-{ind.style}"
        item.cite = [ind.name]
        item.any_of = [value_variants(ind, year)]
        if not ({"year", "yy"} & set(used)) and not re.search("今年|明年|最后", turns):
            # no year asked: a multi-year table has no single right year; any stated target year counts
            item.any_of = [[v for y in years for v in value_variants(ind, y)]]
        if tid == "target-030":
            other = self.pick_indicator(doc, lambda i: i is not ind)
            s["indicator_short"] = other.short
            item.any_of.append(value_variants(other, sorted(other.values)[-1]))
            item.cite.append(other.name)
        if two_years and tid != "target-030":
            if tid in ("multi-004", "multi-021", "multi-003") or "明年" in turns:
                a, b = years[0], years[1]
            else:
                a, b = years[0], years[-1]
            if tid == "multi-003":
                item.any_of = [value_variants(ind, a)]
            else:
                item.any_of = [value_variants(ind, b)]
                if "difference" in expect or "多少" in turns[-8:] or tid == "target-029":
                    diff = fmt_number(round(ind.values[b] - ind.values[a], 1))
                    item.any_of.append([f"{diff}{ind.unit}", f"{diff}({ind.unit})", f"多{diff}", f"增加{diff}",
                                        f"增长{diff}", f"提高{diff}", f"差{diff}", f"相差{diff}"])
                if "both" in expect:
                    item.any_of.insert(0, value_variants(ind, a))
        if "nature" in expect or "预期性" in expect:
            if ind.nature:
                item.answer.append(ind.nature)
            elif "预期性" in expect:
                raise Skip("no nature stated")
        if "value" in used:
            truthful = self.rng.random() < 0.5
            v = ind.values[year] if truthful else round(ind.values[year] * 1.5 + 1)
            s["value"] = f"{fmt_number(v)}{ind.unit}"
        return item

    # ---- list
    def _list(self, tpl: dict, doc: SynthDoc, item: Item) -> Item:
        tid, expect, used = tpl["id"], tpl["expect"], tpl["slots"]
        turns = "".join(tpl["turns"])
        s = item.slots
        tasks = doc.tasks
        locals_ = [d for d in doc.depts if d.kind == "local"]
        if "numbered clauses (the last" in expect:
            if doc.numbering == "regulation" and doc.layout == "inline":
                raise Skip("articles outside the task list")
            s["doc"] = self.doc_ref(doc, item)
            n = len(tasks)
            item.any_of = [[f"{n}条", f"{n}项", f"第{n}条", f"第{cn_numeral(n)}条", f"（{cn_numeral(n)}）", f"({n})"]]
            item.cite = [tasks[-1].keyword]
            item.notation = "count"
            return item
        if "section heading" in expect:
            section = self.rng.choice(doc.task_sections)
            s["doc"] = self.doc_ref(doc, item)
            s["section"] = section
            chosen = [t for t in tasks if t.section == section]
            return self._list_answer(item, chosen, tasks, count=False)
        if "due by the end" in expect:
            limit = doc.year + (1 if "year after" in expect else 0)
            chosen = [t for t in tasks if t.deadline[:4].isdigit() and int(t.deadline[:4]) <= limit]
            s["doc"] = self.doc_ref(doc, item)
            item.year_form = "relative"
            if not chosen:
                raise Skip("none due")
            return self._list_answer(item, chosen, tasks, count="count" in expect)
        if "national counterpart" in expect or "national" in expect:
            nats = [d for d in doc.depts if d.kind == "national"]
            if not nats:
                raise Skip("no national counterparts")
            dept = self.rng.choice(nats)
            chosen = [t for t in tasks if dept.name in t.national]
            s["doc"] = self.doc_ref(doc, item)
            if "dept_short" in used:
                s["dept_short"] = dept.short
                item.name_form = "short"
            else:
                s["dept"] = dept.name
                item.name_form = "full"
            if "earliest" in expect:
                dated = [t for t in chosen if t.deadline[:4].isdigit()]
                if not dated:
                    raise Skip("no dated clause")
            return self._list_answer(item, chosen, tasks, count="number" in expect or "count" in expect)
        # a department subject
        if "deadline" in used and "dept" not in used:
            dated = sorted({t.deadline for t in tasks if t.deadline[:4].isdigit()})
            if not dated:
                raise Skip("no dated deadline")
            deadline = self.rng.choice(dated)
            core = deadline.removesuffix("前")
            chosen = [t for t in tasks if t.deadline.removesuffix("前") == core]
            s["doc"] = self.doc_ref(doc, item)
            s["deadline"] = deadline
            return self._list_answer(item, chosen, tasks, count="number" in expect or "count" in expect)
        dept = self.rng.choice(locals_)
        name = dept.name
        naming = [t for t in tasks if name in t.units]
        role = "naming"
        if "leads" in expect and "two" not in expect:
            role = "leads"
        if "only responsible" in expect or "only unit" in expect:
            role = "only"
        if "support role" in expect or "not the (first) lead" in expect or "not the first-named" in expect:
            role = "support"
        if "together with at least one other" in expect:
            role = "joint"
        chosen = {
            "naming": naming,
            "leads": [t for t in naming if name in t.leads],
            "only": [t for t in naming if t.units == [name]],
            "support": [t for t in naming if name not in t.lead and (name in t.cooperating or t.units[0] != name)],
            "joint": [t for t in naming if len(t.units) > 1],
        }[role]
        if "dept2" in used:
            dept2 = self.rng.choice([d for d in locals_ if d.name != name] or [dept])
            if dept2 is dept:
                raise Skip("one department only")
            s["dept2"] = dept2.name
            both = [t for t in naming if dept2.name in t.units]
            if tid == "list-006":
                chosen = both
            elif tid == "multi-005":
                chosen = [t for t in tasks if dept2.name in t.units]
            else:  # list-035: each list and the overlap
                chosen = naming + [t for t in tasks if dept2.name in t.units and t not in naming]
        if "deadline" in used:
            dated = sorted({t.deadline for t in chosen if t.deadline[:4].isdigit()})
            if not dated:
                raise Skip("no dated deadline for the department")
            deadline = self.rng.choice(dated)
            s["deadline"] = deadline
            chosen = [t for t in chosen if t.deadline.removesuffix("前") == deadline.removesuffix("前")]
        if "region" in used:
            s["region"] = self.region_ref(doc, need_unique=not ({"year", "yy"} & set(used)))
            if "yy" in used:
                s["yy"] = self.year_slot(doc.year, item, two_digit=True)
        else:
            s["doc"] = self.doc_ref(doc, item)
        if "dept" in used:
            s["dept"] = self.dept_name(doc, name, item, "full")
        if "dept_short" in used:
            s["dept_short"] = self.dept_name(doc, name, item, "short")
        if "dept_typo" in used:
            s["dept_typo"] = self.dept_name(doc, name, item, "typo")
        count = any(w in expect for w in ("count", "number", "two counts")) or "几" in turns
        return self._list_answer(item, chosen, tasks, count=count and tid not in ("list-035", "list-020", "list-033"))

    def _list_answer(self, item: Item, chosen: list[Task], tasks: list[Task], count: bool) -> Item:
        if not chosen or len(chosen) > 6:
            raise Skip("list empty or too long")
        item.answer = self._refs(chosen)
        item.cite = self._refs(chosen)
        if count:
            item.any_of = [count_variants(len(chosen))]
        rest = [t for t in tasks if t not in chosen]
        if rest:
            item.must_not = [self.rng.choice(rest).keyword]
        notations = {t.notation for t in chosen}
        item.notation = notations.pop() if len(notations) == 1 else "mixed"
        return item

    # ---- meta
    def _meta(self, tpl: dict, doc: SynthDoc, item: Item) -> Item:
        tid, expect, used = tpl["id"], tpl["expect"], tpl["slots"]
        s = item.slots
        item.notation = "header"
        keys: list[str] = []
        if "field" in used:
            word = self.rng.choice(sorted(FIELD_WORDS))
            s["field"] = word
            keys.append(FIELD_WORDS[word])
        checks = [("number (文号)", "doc_number"), ("document number", "doc_number"), ("issu", "issuer"),
                  ("date of writing", "issue_date"), ("signing date", "issue_date"), ("落款", "issue_date"),
                  ("printing date", "print_date"), ("addressees", "addressees"), ("copy recipients", "cc"),
                  ("copies printed", "copies"), ("printing office", "printer"), ("both dates", "issue_date"),
                  ("both dates", "print_date")]
        for phrase, key in checks:
            if phrase in expect and key not in keys:
                keys.append(key)
        if "full title" in expect:
            keys.append("title")
        if "the date" in expect and not keys:
            keys.append("issue_date")
        if tid == "meta-006":
            keys = ["issuer", "issue_date"]
        if tid == "multi-011":
            others = [d for d in self.corpus.docs if d is not doc]
            other = self.rng.choice(others)
            s["doc"] = self.doc_ref(doc, item, ("title", "region-year", "short"))
            s["region"] = self.region_ref(other, need_unique=False)
            s["year"] = self.year_slot(other.year, item)
            doc = other
        elif "region" in used:
            s["region"] = self.region_ref(doc)
            item.year_form = "relative"
        else:
            forms = ("doc-number",) if tid == "meta-010" else ("title", "region-year", "short") \
                if "doc_number" in keys else ("title", "region-year", "doc-number", "short")
            s["doc"] = self.doc_ref(doc, item, forms)
        if not keys:
            raise Skip("no fact recognised")
        for key in keys:
            if key == "title":
                item.answer.append(doc.title)
                item.cite.append(doc.doc_number if tid == "meta-010" else doc.title)
                continue
            answer, any_of, cite = fact_expect(doc, key)
            item.answer += answer
            item.any_of += any_of
            item.cite += cite
        if tid == "meta-022":
            from datetime import date

            def parse(text: str) -> date:
                y, m, d = map(int, re.findall(r"\d+", text))
                return date(y, m, d)
            days = (parse(doc.header["print_date"]) - parse(doc.header["issue_date"])).days
            item.any_of.append([f"{days}天", f"{days}日"])
        item.cite = list(dict.fromkeys(item.cite))
        return item

    # ---- open
    def _open(self, tpl: dict, doc: SynthDoc, item: Item) -> Item:
        tid, expect, used = tpl["id"], tpl["expect"], tpl["slots"]
        s = item.slots
        if "headings" in expect or "outline" in expect or "sequence" in expect:
            s["doc"] = self.doc_ref(doc, item)
            item.answer = [re.sub(r"^(第[一二三四五六七八九十]+章|[一二三四五六七八九十]+、)\s*", "", h) for h in doc.sections]
            item.notation = "structure"
            return item
        if "总体" in expect or "overall approach" in expect:
            s["doc"] = self.doc_ref(doc, item)
            item.cite, item.notation = ["总体思路"], "preamble"
            return item
        if "implementation requirements" in expect:
            s["doc"] = self.doc_ref(doc, item)
            item.cite, item.notation = [doc.guarantees[0].split("。")[0]], "guarantees"
            return item
        if "section" in used:
            pick = self.rng.choice(doc.task_sections + ["保障措施"])
            s["doc"] = self.doc_ref(doc, item)
            s["section"] = pick
            if pick == "保障措施":
                item.cite, item.notation = [doc.guarantees[0].split("。")[0]], "guarantees"
            else:
                first = next(t for t in doc.tasks if t.section == pick)
                item.cite, item.notation = [first.keyword], "section"
            return item
        task = self.pick_task(doc)
        self._task_slots(tpl, doc, task, item)
        item.cite = [task.keyword]
        if "responsible unit" in expect:
            item.answer = list(task.units if "clause" in expect else task.leads)
        if "text of clause" in expect:
            item.answer = [task.keyword]
        return item

    # ---- refuse
    def _refuse(self, tpl: dict, doc: SynthDoc, item: Item) -> Item:
        tid, expect, used = tpl["id"], tpl["expect"], tpl["slots"]
        turns = "".join(tpl["turns"])
        s = item.slots
        item.notation = "refusal:" + (
            "out-of-domain" if "topic_out" in used
            else "absent-dept" if "dept_absent" in used
            else "other-region" if "other_region" in used
            else "uncovered-year" if "other_year" in used or "yy" in used or "明年" in turns
            else "missing-fact" if "field" in used
            else "no-deadline" if "deadline" in expect
            else "number-not-given" if "number" in expect or "funding" in expect
            else "no-such-measure")
        if "other_region" in used:
            s["other_region"] = self.rng.choice(self.corpus.other_regions)
        if "topic_out" in used:
            s["topic_out"] = self.rng.choice(self.corpus.topics_out)
        if "dept_absent" in used:
            s["dept_absent"] = self.rng.choice(doc.absent).name
        if "dept" in used:
            s["dept"] = self.rng.choice([d.name for d in doc.depts if d.kind == "local"])
        if "other_year" in used:
            s["other_year"] = str(self.other_year(doc))
        if "明年" in turns:
            if doc.year + 1 in {y for d in self.by_region[doc.region] for y in d.years}:
                raise Skip("the following year is covered")
            item.year_form = "relative"
        if "yy" in used:
            s["yy"] = self.year_slot(self.other_year(doc), item, two_digit=True)
        if "year" in used:
            s["year"] = self.year_slot(doc.year, item)
        if "region" in used:
            s["region"] = self.region_ref(doc, need_unique=not ({"year", "yy", "other_year"} & set(used)) or "明年" in turns)
        if "doc" in used:
            s["doc"] = self.doc_ref(doc, item, ("title", "region-year", "short"))
        if "indicator" in used:
            s["indicator"] = self.pick_indicator(doc).name
        if "indicator_short" in used:
            s["indicator_short"] = self.pick_indicator(doc).short
        if "task" in used:
            if "sets no deadline" in expect:
                s["task"] = self.pick_task(doc, lambda t: not t.deadline).keyword
            else:
                s["task"] = self.pick_task(doc).keyword
        if "field" in used:
            lacking = [w for w, k in (("抄送", "cc"), ("印了几份", "copies")) if not doc.header.get(k)]
            if not lacking:
                raise Skip("the document has every header fact")
            s["field"] = self.rng.choice(lacking)
        return item


def fill_corpus(corpus: Corpus, templates: list[dict], copies: int = 2, seed: int = 0) -> tuple[list[dict], Counter]:
    filler = Filler(corpus, seed)
    gold = filler.fill_all(templates, copies)
    return gold, filler.skipped

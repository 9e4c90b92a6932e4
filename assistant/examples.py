"""Example questions for the chat page, generated from the corpus catalog and units.

Nothing here names a document, region, department or year: every example is a template (a small table
of generic ask words) filled with what the catalog and the parsed units hold — a document's short name
(`DocEntry.display`), a clause title fragment, an indicator with a stated target year, a department
with tasks, the 发文字号. Generation is deterministic (document order, then unit order), so the same
corpus always gives the same examples. `answerable_examples` keeps only the examples the assistant
really answers from the intended document, so the page never shows a question it cannot answer.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

# kind → (tab label, question templates in order of preference)
KINDS = {
    "lead": ("谁牵头", ["{doc}中“{topic}”由谁牵头？"]),
    "deadline": ("完成时限", ["{doc}中“{topic}”的完成时限是什么时候？"]),
    "target": ("指标目标", ["{doc}{year}年{indicator}的目标是多少？"]),
    "list": ("任务清单", ["{doc}中{dept}负责哪些任务？"]),
    "meta": ("文件信息", ["{doc}的文号是什么？", "{doc}是哪个单位发的？"]),
}
KIND_LABELS = {kind: label for kind, (label, _) in KINDS.items()}
# a clause title fragment: the title's first phrase, cut at a word boundary within this many characters
TOPIC_MIN, TOPIC_MAX = 4, 16
CANDIDATES_PER_KIND = 4  # tried in order by `answerable_examples` until one is answered
_PHRASE_END = re.compile(r"[，,。；;：:、（(“”\"《》\s]")


@dataclass(frozen=True)
class Example:
    """One example question, with what a correct answer must contain (for checking, not shown)."""

    kind: str  # lead | deadline | target | list | meta
    doc_id: str
    question: str
    unit_id: str = ""  # the unit that answers it (empty for document facts)
    expect: str = ""  # a string the answer must contain (a department, a deadline, a value, a 文号)
    subject: str = ""  # what it asks about (clause topic, indicator, department): varied across documents

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    def to_dict(self) -> dict:
        return asdict(self) | {"label": self.label}


def topic_of(title: str) -> str:
    """The first phrase of a clause title, shortened at a word boundary; "" when too short to name a task."""
    phrase = _PHRASE_END.split(title.strip(), maxsplit=1)[0]
    if len(phrase) > TOPIC_MAX:
        import jieba

        cut = ""
        for word in jieba.lcut(phrase):
            if len(cut) + len(word) > TOPIC_MAX:
                break
            cut += word
        phrase = cut
    return phrase if len(phrase) >= TOPIC_MIN else ""


def _number(value: float) -> str:
    return f"{value:g}"


def _doc_candidates(entry, units: list) -> dict[str, list[Example]]:
    """Candidates of every kind for one document, in preference order."""
    doc, name = entry.doc_id, entry.display
    clauses = [u for u in units if u.kind == "clause" and u.title]
    topics = {u.unit_id: topic_of(u.title) for u in clauses}
    counts: dict[str, int] = {}
    for topic in topics.values():
        counts[topic] = counts.get(topic, 0) + 1
    # a topic must point at one clause of its document; whole short titles read best, so they come first
    named = sorted(((u, topics[u.unit_id]) for u in clauses if topics[u.unit_id] and counts[topics[u.unit_id]] == 1),
                   key=lambda pair: pair[1] != pair[0].title.strip())
    found: dict[str, list[Example]] = {kind: [] for kind in KINDS}

    def add(kind: str, unit_id: str = "", expect: str = "", subject: str = "", **fields) -> None:
        for template in KINDS[kind][1]:
            found[kind].append(Example(kind, doc, template.format(doc=name, **fields), unit_id, expect, subject))

    for unit, topic in named:
        if unit.lead_units and len(unit.lead_units) <= 3:
            add("lead", unit.unit_id, unit.lead_units[0], topic, topic=topic)
    for unit, topic in named:
        if unit.deadline and re.search(r"\d", unit.deadline):
            add("deadline", unit.unit_id, unit.deadline, topic, topic=topic)
    seen_targets: set[tuple] = set()
    for unit in units:
        for target in unit.targets:
            key = (target.indicator, target.year)
            if target.year and target.indicator and key not in seen_targets:
                seen_targets.add(key)
                add("target", unit.unit_id, f"{_number(target.value)}{target.unit}", target.indicator, year=target.year, indicator=target.indicator)
    tasks: dict[str, list[str]] = {}
    for unit in clauses:
        for dept in unit.lead_units:
            tasks.setdefault(dept, []).append(unit.unit_id)
    # departments leading several tasks but not all of them (a list that says something)
    for dept, unit_ids in sorted(tasks.items(), key=lambda item: (-len(item[1]), item[0])):
        if 2 <= len(unit_ids) < len(clauses):
            add("list", unit_ids[0], dept, dept, dept=dept)
    if entry.doc_number:
        found["meta"].append(Example("meta", doc, KINDS["meta"][1][0].format(doc=name), "", entry.doc_number))
    if entry.issuer:
        found["meta"].append(Example("meta", doc, KINDS["meta"][1][1].format(doc=name), "", entry.issuer))
    return {kind: items[:CANDIDATES_PER_KIND] for kind, items in found.items()}


def candidates(catalog, units: list) -> dict[str, dict[str, list[Example]]]:
    """doc_id → kind → candidate examples, preferred first; documents in catalog order."""
    by_doc: dict[str, list] = {}
    for unit in units:
        by_doc.setdefault(unit.doc_id, []).append(unit)
    return {entry.doc_id: _doc_candidates(entry, by_doc.get(entry.doc_id, []))
            for entry in catalog.docs if entry.display and entry.state == "ok"}


def _ordered(catalog, units: list):
    """Per document and kind, the candidates with subjects an earlier document's example already asks
    about moved last (so the targets shown are not one indicator five times); deterministic."""
    used: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for kinds in candidates(catalog, units).values():
        for kind, items in kinds.items():
            items = sorted(items, key=lambda e: bool(e.subject) and e.subject in used[kind])
            if items:
                used[kind].add(items[0].subject)
            yield items


def generate(catalog, units: list) -> list[Example]:
    """The first candidate of every kind for every document (unchecked)."""
    return [items[0] for items in _ordered(catalog, units) if items]


def is_answered(example: Example, answer) -> bool:
    """Answered, citing the intended document (and unit), with the expected fact in the text."""
    if not answer.answered or not answer.citations:
        return False
    cited = {c.unit_id for c in answer.citations}
    if example.unit_id and example.unit_id not in cited:
        return False
    return not example.expect or _mentions(answer.answer, example.expect)


def _mentions(text: str, expect: str) -> bool:
    """`expect` in `text`; a number must not be the tail of a larger one (3万件 is not in 23万件)."""
    return re.search(("(?<![\\d.])" if expect[:1].isdigit() else "") + re.escape(expect), text) is not None


def answerable_examples(assistant, catalog=None, units: list | None = None) -> list[Example]:
    """Per document and kind, the first candidate the assistant answers correctly (each in a new session)."""
    from .chat import Session

    catalog = catalog or assistant.catalog
    units = units if units is not None else assistant.index.units
    chosen = []
    for items in _ordered(catalog, units):
        chosen.extend(next(([e] for e in items if is_answered(e, assistant.ask(e.question, Session()))), []))
    return chosen


def by_kind(examples: list[Example]) -> dict[str, list[Example]]:
    """Examples grouped by kind in the order of KINDS (for one gr.Examples block per kind)."""
    return {kind: [e for e in examples if e.kind == kind] for kind in KINDS
            if any(e.kind == kind for e in examples)}

"""Answers: compose a grounded, cited answer from units' parsed fields for one resolved query.

Every fact in an answer comes from a unit's parsed fields or is quoted from its text, and every
answer cites the units it used; when nothing fits, the answer says so (answered=False).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .retrieval import Hit
from .units import Target, Unit


@dataclass
class Citation:
    n: int
    doc_id: str
    doc_title: str
    unit_id: str
    label: str
    section: str
    text: str
    lead_units: list[str] = field(default_factory=list)
    deadline: str = ""


@dataclass
class Answer:
    answer: str
    answered: bool
    intent: str
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[str] = field(default_factory=list)  # unit ids ranked before composition

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Query:
    """A question resolved against the conversation: what to look up, where, and how to answer."""

    text: str
    intent: str
    docs: list[str] = field(default_factory=list)
    turn_text: str = ""  # this turn's own words, when `text` merges in the previous turn
    years: list[int] = field(default_factory=list)
    clause: Unit | None = None
    department: str = ""
    deadline_filter: str = ""
    foreign_region: str = ""
    missing_doc: str = ""
    compare: bool = False


class Composer:
    """Collects cited units while an answer is written, numbering them in order of first use."""

    def __init__(self) -> None:
        self.units: list[Unit] = []

    def cite(self, unit: Unit) -> str:
        if unit not in self.units:
            self.units.append(unit)
        return f"[{self.units.index(unit) + 1}]"

    def citations(self) -> list[Citation]:
        return [Citation(n=i, doc_id=u.doc_short, doc_title=u.doc_title, unit_id=u.unit_id, label=u.label,
                         section=u.section, text=u.full_text, lead_units=list(u.lead_units), deadline=u.deadline)
                for i, u in enumerate(self.units, 1)]


def where(unit: Unit) -> str:
    label = f"{unit.label}“{unit.title}”" if unit.kind == "clause" else unit.label
    return f"《{unit.doc_title}》{label}"


def not_found(intent: str, message: str, retrieved: list[str], coverage: str) -> Answer:
    return Answer(answer=f"{message}\n\n{coverage}", answered=False, intent=intent, retrieved=retrieved)


# --------------------------------------------------------------------------- lead / deadline

def _clause_line(unit: Unit, composer: Composer, with_deadline: bool) -> str:
    ref = composer.cite(unit)
    if not unit.lead_units and not unit.national_units:
        return f"{where(unit)}未写明牵头或责任单位 {ref}"
    label = "牵头部门" if any("牵头" in r.raw for r in unit.responsibilities) else "责任单位"
    parts = [f"{label}：**{'、'.join(unit.lead_units)}**"]
    if unit.national_units:
        parts.append(f"国家知识产权局方面：**{'、'.join(unit.national_units)}**")
    if unit.deadline and with_deadline:
        parts.append(f"完成时限：**{unit.deadline}**")
    return f"{where(unit)}——{'；'.join(parts)} {ref}"


def answer_lead(query: Query, clauses: list[Unit], retrieved: list[str]) -> Answer:
    composer = Composer()
    lines = [_clause_line(u, composer, with_deadline=bool(u.deadline)) for u in clauses]
    answered = any(u.lead_units for u in clauses)
    intro = "根据文件：" if len(lines) == 1 else "多个文件都有相关条款，分别为："
    body = intro + "\n" + "\n".join(f"- {line}" for line in lines)
    return Answer(answer=body, answered=answered, intent="lead",
                  citations=composer.citations() if answered else [], retrieved=retrieved)


def answer_deadline(query: Query, clauses: list[Unit], retrieved: list[str]) -> Answer:
    composer = Composer()
    lines = []
    for unit in clauses:
        ref = composer.cite(unit)
        if unit.deadline:
            lines.append(f"{where(unit)}的完成时限为 **{unit.deadline}** {ref}")
        else:
            lines.append(f"{where(unit)}未规定具体完成时限（该文件为{unit.doc_title}，按年度/计划期推进） {ref}")
    return Answer(answer="\n".join(f"- {line}" for line in lines), answered=True, intent="deadline",
                  citations=composer.citations(), retrieved=retrieved)


def answer_notice_deadlines(header: Unit, retrieved: list[str]) -> Answer:
    composer = Composer()
    ref = composer.cite(header)
    items = header.facts.get("reporting_deadlines", [])
    lines = [f"- {item.strip()} {ref}" for item in items]
    return Answer(answer=f"《{header.doc_title}》印发通知要求：\n" + "\n".join(lines), answered=True,
                  intent="deadline", citations=composer.citations(), retrieved=retrieved)


# --------------------------------------------------------------------------- targets

def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[\s（）()“”\"%]", "", text.lower())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def indicator_match(indicator: str, question: str) -> float:
    wanted = _bigrams(indicator)
    # short forms ("服判息诉率") name an indicator as well as its full wording does
    return len(wanted & _bigrams(question)) / min(len(wanted), 6) if wanted else 0.0


def find_targets(query: Query, units: list[Unit]) -> list[tuple[Unit, Target]]:
    """Targets whose indicator the question names, best match first, filtered by year and scope."""
    pool = [(u, t) for u in units if u.targets and (not query.docs or u.doc_id in query.docs) for t in u.targets]
    texts = [query.turn_text, query.text] if query.turn_text else [query.text]
    for text in texts:  # the latest turn first: a follow-up may name a new indicator
        scored = [(indicator_match(t.indicator, text), u, t) for u, t in pool]
        best = max((s for s, _, _ in scored), default=0.0)
        if best >= 0.5:
            break
    if best < 0.5:
        return []
    if query.compare or len(query.docs) > 1:
        # a comparison: each document's own best match, not only the documents matching the overall best
        best_of = {}
        for s, u, _ in scored:
            best_of[u.doc_id] = max(best_of.get(u.doc_id, 0.0), s)
        chosen = [(u, t) for s, u, t in scored if best_of[u.doc_id] >= 0.5 and s >= best_of[u.doc_id] - 0.12]
    else:
        chosen = [(u, t) for s, u, t in scored if s >= best - 0.12]
    sub_scope = [(u, t) for u, t in chosen if t.scope not in (u.doc_title, _region_of(u, units)) and (
                 t.scope.strip("“”") in query.text or any(word in query.text for word in re.findall(r"“(.+?)”", t.scope)))]
    if sub_scope:
        chosen = sub_scope
    else:
        main = [(u, t) for u, t in chosen if u.doc_id and t.scope in (u.doc_title, _region_of(u, units))]
        chosen = main or chosen
    if query.years:
        chosen = [(u, t) for u, t in chosen if t.year in query.years]
    return chosen


def _region_of(unit: Unit, units: list[Unit]) -> str:
    return next((t.scope for u in units if u.doc_id == unit.doc_id for t in u.targets
                 if "“" not in t.scope), "")


def answer_target(query: Query, units: list[Unit], retrieved: list[str], coverage: str) -> Answer:
    found = find_targets(query, units)
    if not found:
        years = f"{'、'.join(str(y) for y in query.years)}年的" if query.years else ""
        return not_found("target", f"文件中未找到{years}这项指标的目标值。", retrieved, coverage)
    composer = Composer()
    lines = []
    for unit, target in found:
        ref = composer.cite(unit)
        year = f"{target.year}年" if target.year else ""
        lines.append(f"{target.scope}（《{unit.doc_title}》）：{target.indicator} {year}目标 "
                     f"**{target.value_text}** {ref}")
    several_docs = len({u.doc_id for u, _ in found}) > 1
    intro = "各文件的目标分别为：" if several_docs else "目标值："
    return Answer(answer=intro + "\n" + "\n".join(f"- {line}" for line in lines), answered=True,
                  intent="target", citations=composer.citations(), retrieved=retrieved)


# --------------------------------------------------------------------------- list / meta / open

def answer_list(query: Query, units: list[Unit], retrieved: list[str], coverage: str) -> Answer:
    clauses = [u for u in units if u.kind == "clause" and (not query.docs or u.doc_id in query.docs)]
    if query.department:
        core = query.department.removeprefix("国家知识产权局")
        clauses = [u for u in clauses if any(query.department == d or query.department in d
                                             or core == d.removeprefix("国家知识产权局")
                                             for d in u.lead_units + u.national_units)]
    if query.deadline_filter:
        clauses = [u for u in clauses if u.deadline == query.deadline_filter]
    if not clauses:
        who = query.department or query.deadline_filter
        return not_found("list", f"文件中没有找到由「{who}」负责的任务。", retrieved, coverage)
    composer = Composer()
    lines = [f"{i}. {where(u)}（{'、'.join(u.lead_units)}{'；' + u.deadline if u.deadline else ''}） "
             f"{composer.cite(u)}" for i, u in enumerate(clauses, 1)]
    who = f"「{query.department}」牵头或负责的" if query.department else f"完成时限为「{query.deadline_filter}」的"
    return Answer(answer=f"共 {len(clauses)} 项{who}任务：\n" + "\n".join(lines), answered=True,
                  intent="list", citations=composer.citations(), retrieved=retrieved)


META_FIELDS = [
    (("文号", "字号", "编号"), "doc_number", "文号"),
    (("发文机关", "发文单位", "印发单位", "哪个单位发", "谁发", "发布机关", "发布单位", "落款", "哪个部门发", "发的"), "issuers", "发文机关"),
    (("主送", "发给", "下发给", "对象"), "addressees", "主送单位"),
    (("抄送",), "cc", "抄送"),
    (("份",), "copies", "印发份数"),
    (("印发日期", "印发时间", "哪天印发", "什么时候印发"), "print_date", "印发日期"),
    (("成文", "发布日期", "发布时间", "日期", "哪天", "什么时候", "时间"), "issue_date", "成文日期"),
]


def answer_meta(query: Query, headers: list[Unit], retrieved: list[str], coverage: str) -> Answer:
    wanted = [(key, label) for words, key, label in META_FIELDS if any(w in query.text for w in words)]
    wanted = wanted[:1] if wanted else [("doc_number", "文号"), ("issuers", "发文机关"), ("issue_date", "成文日期")]
    composer = Composer()
    lines = []
    for header in headers:
        facts = header.facts
        values = []
        for key, label in wanted:
            value = facts.get(key)
            if key == "issuers" and not value:
                value = facts.get("issuer")
            if key == "copies" and value:
                value = f"共印{value}份"
            if value:
                values.append(f"{label}：**{'、'.join(value) if isinstance(value, list) else value}**")
        if values:
            lines.append(f"《{header.doc_title}》{'；'.join(values)} {composer.cite(header)}")
    if not lines:
        return not_found("meta", "文件中没有写明这一项信息。", retrieved, coverage)
    return Answer(answer="\n".join(f"- {line}" for line in lines), answered=True, intent="meta",
                  citations=composer.citations(), retrieved=retrieved)


def excerpt(unit: Unit, query_text: str, limit: int = 150) -> str:
    """The sentences of a unit that share the most words with the question, quoted."""
    sentences = [s for s in re.split(r"(?<=。)", unit.body) if s.strip()]
    if unit.kind == "clause" and sentences:
        sentences = sentences[1:] or sentences
    wanted = _bigrams(query_text)
    ranked = sorted(sentences, key=lambda s: -len(_bigrams(s) & wanted))[:2]
    text = "".join(s for s in sentences if s in ranked) if ranked else unit.text
    text = re.sub(r"^\d+\s*[、.．]\s*", "", text.strip())
    return text if len(text) <= limit else text[:limit] + "……"


def answer_open(query: Query, hits: list[Hit], retrieved: list[str]) -> Answer:
    composer = Composer()
    lines = []
    for hit in hits:
        unit = hit.unit
        lines.append(f"- **{where(unit)}**：“{excerpt(unit, query.text)}” {composer.cite(unit)}")
    return Answer(answer="文件中的相关安排：\n" + "\n".join(lines), answered=True, intent="open",
                  citations=composer.citations(), retrieved=retrieved)


def answer_generated(text: str, units: list[Unit], retrieved: list[str]) -> Answer:
    """An LLM's phrasing (citations already checked against `units`), marked as such for the reader."""
    composer = Composer()
    for unit in units:
        composer.cite(unit)
    return Answer(answer=f"{text}\n\n（以上由语言模型依据所引条款组织语言，请以条款原文为准。）", answered=True,
                  intent="open", citations=composer.citations(), retrieved=retrieved)


def best_clauses(hits: list[Hit], several_docs: bool) -> list[Unit]:
    """The best clause; with no document named, the best clause of each document that fits about as well."""
    clause_hits = [h for h in hits if h.unit.kind == "clause"]
    with_lead = [h for h in clause_hits if h.unit.lead_units]
    if several_docs and with_lead:
        clause_hits = with_lead
    if not clause_hits:
        return []
    if not several_docs:
        return [clause_hits[0].unit]
    top = clause_hits[0].score
    chosen: dict[str, Unit] = {}
    for hit in clause_hits[:6]:  # fused scores lie in [0, 1]; within 80% of the best counts as "about as well"
        if hit.score >= 0.8 * top and hit.unit.doc_id not in chosen:
            chosen[hit.unit.doc_id] = hit.unit
    return list(chosen.values())[:3]

"""Plan: a understood question + the conversation so far → a small plan over units → a cited answer.

`make_plan` settles the scope (documents named, inherited from the conversation, or limited by the
page's filter), the years (absolute, two-digit, relative to the document in focus), the clauses in
question and the reasons to refuse; `execute` runs each ask of the question over the units (filter by
document, department, role, deadline, section; pick a clause by topic; count; compute a difference)
and writes one answer with citations. Nothing here knows a particular document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .answer import Answer, Composer, excerpt, overlap, refusal, where
from .catalog import Catalog
from .normalize import normalize
from .retrieval import Hit, Retriever
from .understanding import Question
from .units import Target, Unit

ROLE_LABELS = [("lead_units", "牵头"), ("responsible_units", "负责"), ("cooperating_units", "配合"),
               ("guiding_units", "指导"), ("national_units", "国家层面对口")]


@dataclass
class DialogueState:
    """What a follow-up may lean on; each answered turn replaces what it established."""

    docs: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)  # unit ids, in the order answered
    department: str = ""
    indicators: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)  # unit ids of the last list answer
    topic: str = ""
    meta_fields: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict) -> "DialogueState":
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Context:
    """The loaded corpus a plan runs over (read-only, shared by all conversations)."""

    units: list[Unit]
    catalog: Catalog
    retriever: Retriever
    vocabulary: str
    by_id: dict[str, Unit] = field(default_factory=dict)
    clauses: dict[str, list[Unit]] = field(default_factory=dict)
    years: dict[str, set[int]] = field(default_factory=dict)  # per document, filled on first use

    def __post_init__(self) -> None:
        self.by_id = {u.unit_id: u for u in self.units}
        for unit in self.units:
            if unit.kind == "clause":
                self.clauses.setdefault(unit.doc_id, []).append(unit)

    def header(self, doc_id: str) -> Unit | None:
        return next((u for u in self.units if u.doc_id == doc_id and u.kind == "header"), None)

    def title(self, doc_id: str) -> str:
        return self.catalog.doc(doc_id).title

    def coverage(self, docs: list[str] | None = None) -> str:
        entries = [d for d in self.catalog.docs if not docs or d.doc_id in docs]
        return "目前可查询的文件：" + "；".join(f"《{d.title}》" for d in entries) + "。"


@dataclass
class Plan:
    question: Question
    asks: list[str]
    docs: list[str]
    years: list[int]
    clauses: list[Unit] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    meta_fields: list[str] = field(default_factory=list)
    refuse: str = ""
    note: str = ""  # said before the answer (e.g. the filter overrides a named document)
    follow_up: bool = False
    hits: list[Hit] = field(default_factory=list)  # the first search's, what `retrieved` reports
    searches: dict[str, list[Hit]] = field(default_factory=dict)  # one retrieval per text, depth, documents


# --------------------------------------------------------------------------- planning

def _is_follow_up(q: Question, state: DialogueState) -> bool:
    if not (state.asks or state.docs):
        return False
    return q.pronoun or q.ellipsis or (not q.topic and not q.docs and not q.indicators) or len(q.text) <= 8


def make_plan(q: Question, state: DialogueState, ctx: Context, doc_filter: list[str] | None = None) -> Plan:
    follow = _is_follow_up(q, state)
    asks = list(q.asks) or (list(state.asks) if follow else ["target"] if q.indicators else ["open"])
    if follow and q.asks == ["diff"] and state.asks:
        asks = [a for a in state.asks if a != "diff"] + ["diff"]
    docs = list(q.docs)
    if not docs and follow:
        docs = list(state.docs)
    if "list" in asks and ({"target", "diff"} & set(asks)) and not (q.departments or q.deadlines or q.sections or q.count):
        asks = [a for a in asks if a != "list"]
    plan = Plan(question=q, asks=asks, docs=docs, years=[y for y in q.years if not _names_document_only(q, y)],
                follow_up=follow)
    if doc_filter:
        outside = [d for d in docs if d not in doc_filter]
        if outside:
            plan.note = (f"问题提到的《{ctx.title(outside[0])}》不在当前限定的文件范围内（如需查询，请在“限定文件”中"
                         f"加入它或取消限定），以下只在限定范围内回答。")
        plan.docs = [d for d in docs if d in doc_filter] or list(doc_filter)
    base = _focus_year(plan.docs or state.docs, ctx, state)
    if re.search(r"下一年|次年|上一年", q.text) and state.years:
        base = state.years[0]  # the year just discussed, not the document's
    if q.relative_years and base:
        plan.years += [base + off for off in q.relative_years if base + off not in plan.years]
    if follow and not plan.years and state.years and not q.docs:
        plan.years = list(state.years) if "diff" not in asks else []
    if "diff" in asks and follow and state.years:
        plan.years = list(dict.fromkeys(state.years + plan.years))
    if q.departments and not q.topic and set(asks) <= {"lead", "open"} and not (q.clause_numbers or q.clause_shift
                                                                                or q.pronoun or q.this_clause):
        asks = ["list"]
        plan.asks = asks
    plan.departments = list(q.departments) or ([state.department] if follow and state.department
                                               and not q.absent_departments else [])
    plan.indicators = list(q.indicators) or (list(state.indicators) if follow else [])
    plan.meta_fields = list(q.meta_fields) or (list(state.meta_fields) if follow and "meta" in asks else [])
    plan.refuse = _refusal_reason(q, plan, ctx)
    return plan


def _names_document_only(q: Question, year: int) -> bool:
    """A year written once, as part of a document's name ("桂岗2031年实施办法里…的目标"), picks the
    document, not the year of its targets or deadlines."""
    said = len(re.findall(rf"(?<!\d)(?:{year}|{year % 100:02d})\s*年", q.text))
    return bool(q.docs) and year in q.doc_years and said == 1


def _focus_year(docs: list[str], ctx: Context, state: DialogueState) -> int | None:
    """今年 is the first year the title of the document in focus covers (else the first year it names)."""
    for doc_id in docs:
        years = _title_years(ctx, doc_id)
        if years:
            return min(years)
    return None


def _doc_years(ctx: Context, doc_id: str) -> set[int]:
    """Years a document speaks of: those its title covers, its targets' years and any year its text names."""
    if doc_id not in ctx.years:
        years = set(ctx.catalog.doc(doc_id).years)
        for unit in ctx.units:
            if unit.doc_id == doc_id:
                years |= {t.year for t in unit.targets if t.year}
                years |= {int(y) for y in re.findall(r"(?<!\d)(20\d{2})\s*年", unit.text)}
        ctx.years[doc_id] = years
    return ctx.years[doc_id]


def _refusal_reason(q: Question, plan: Plan, ctx: Context) -> str:
    if q.missing_document:
        return f"文件库中没有《{q.missing_document}》这份文件。"
    if q.foreign_places and not q.docs:
        regions = "、".join(dict.fromkeys(d.region for d in ctx.catalog.docs if d.region))
        return f"文件库中没有「{q.foreign_places[0]}」的文件（现有文件涉及：{regions}）。"
    if q.absent_departments and not q.departments and ("list" in plan.asks or not _topic_without(q, q.absent_departments)):
        name = q.absent_departments[0]
        where_ = f"《{ctx.title(plan.docs[0])}》" if plan.docs else "现有文件"
        named = _departments_of(ctx, plan.docs)
        hint = f"该文件中有分工的单位有：{'、'.join(named[:12])}{'等' if len(named) > 12 else ''}。" if plan.docs and named else ""
        return f"{where_}中没有提到「{name}」，也没有给它分工。{hint}"
    if q.departments and q.docs and set(plan.asks) <= {"lead", "list", "open"} and q.departments[0] in ctx.catalog.departments \
            and not set(ctx.catalog.departments[q.departments[0]].docs) & set(plan.docs) \
            and not any(len(w) >= 3 for w in _topic_without(q, [q.typed.get(q.departments[0], "")]).split()):
        said = q.typed.get(q.departments[0], q.departments[0])
        names = "、".join(_departments_of(ctx, plan.docs)[:12])
        return f"《{ctx.title(plan.docs[0])}》没有给「{said}」分工。该文件中有分工的单位有：{names}。"
    named = [d for d in plan.docs if ctx.catalog.doc(d).years]
    if q.doc_years and named and all(y not in _title_years(ctx, d) for y in q.doc_years for d in named):
        have = "；".join(f"《{ctx.title(d)}》" for d in named)
        region = ctx.catalog.doc(named[0]).region
        return f"文件库中没有{region}{q.doc_years[0]}年的这类文件（现有的是{have}）。"
    by_year_end = "list" in plan.asks and (_deadline_filter(plan) or ("",))[0] == "by"
    if plan.years and not by_year_end:  # "due by the end of 2029" is a bound any document's deadlines meet
        scope = plan.docs or [d.doc_id for d in ctx.catalog.docs]
        covered = set().union(*(_doc_years(ctx, d) for d in scope)) if scope else set()
        missing = [y for y in plan.years if y not in covered]
        if missing and (len(missing) == len(plan.years) or not q.docs):
            if plan.docs:
                have = "、".join(str(y) for y in sorted(covered)) or "无"
                return (f"《{ctx.title(plan.docs[0])}》没有涉及{missing[0]}年的内容（它涉及的年份：{have}）。"
                        if len(plan.docs) == 1 else f"所指文件没有涉及{missing[0]}年的内容。")
            return f"文件库中没有涉及{missing[0]}年的文件。"
    return ""


def _title_years(ctx: Context, doc_id: str) -> list[int]:
    """The years a document's title covers (its issue year when the title names none)."""
    from .header import years_of

    entry = ctx.catalog.doc(doc_id)
    return years_of(entry.title) or entry.years


def _topic_without(q: Question, words: list[str]) -> str:
    """The topic without the words of these names (a name may come split into several topic words)."""
    return " ".join(w for w in q.topic.split() if not any(w in word for word in words))


def _departments_of(ctx: Context, docs: list[str]) -> list[str]:
    names: list[str] = []
    for unit in ctx.units:
        if unit.kind == "clause" and (not docs or unit.doc_id in docs):
            for key, _ in ROLE_LABELS:
                names.extend(n for n in getattr(unit, key) if n not in names)
    return names


# --------------------------------------------------------------------------- clause selection

def roles_of(unit: Unit) -> list[str]:
    out: list[str] = []
    for key, _ in ROLE_LABELS:
        out.extend(n for n in getattr(unit, key) if n not in out)
    return out


def _search(plan: Plan, ctx: Context, text: str, k: int = 10) -> list[Hit]:
    """Hybrid retrieval of `text` within the plan's documents, run once per text and depth; the first
    search an answer runs is what its `retrieved` reports."""
    key = f"{text}|{k}|{','.join(plan.docs)}"
    if key not in plan.searches:
        plan.searches[key] = ctx.retriever.search(text, k=k, docs=plan.docs or None)
    plan.hits = plan.hits or plan.searches[key]
    return plan.searches[key]


def _retrieved(plan: Plan) -> list[str]:
    """The unit ids the answer's first search ranked ([] when it answered from parsed fields alone)."""
    return [hit.unit.unit_id for hit in plan.hits]


def select_clauses(plan: Plan, state: DialogueState, ctx: Context) -> list[Unit]:
    """The clause(s) a lead/deadline/open question is about."""
    q = plan.question
    scope = plan.docs or (state.docs if q.clause_numbers or q.clause_shift else [])
    if q.clause_numbers:
        if state.listed and re.search(r"里面|其中|这些|这里", q.text):
            listed = [ctx.by_id[i] for i in state.listed if i in ctx.by_id]
            return [listed[n - 1] for n in q.clause_numbers if 0 < n <= len(listed)]
        docs = scope or list(ctx.clauses)
        found = [u for d in docs for u in ctx.clauses.get(d, []) if u.number in q.clause_numbers]
        found = found if scope else found[:3]
        if q.topic and len(q.topic.replace(" ", "")) >= 4 and re.search(r"[和与跟].{0,3}第", q.text):
            found = [u for u in _clauses_by_topic(plan, ctx, q.topic)[:1] if u not in found] + found
        return found
    if q.clause_shift and state.clauses:
        last = ctx.by_id.get(state.clauses[0])
        if last is not None:
            wanted = (last.number or 0) + q.clause_shift
            return [u for u in ctx.clauses.get(last.doc_id, []) if u.number == wanted]
    if q.last_clause and scope:
        clauses = ctx.clauses.get(scope[0], [])
        return clauses[-1:] if clauses else []
    own_topic = q.topic and not (plan.follow_up and (q.pronoun or q.this_clause or len(q.topic) <= 2))
    if not own_topic and state.clauses and plan.follow_up:
        units = [ctx.by_id[i] for i in state.clauses if i in ctx.by_id]
        if q.docs and not any(u.doc_id in q.docs for u in units) and state.topic:
            return _clauses_by_topic(plan, ctx, state.topic)
        return units
    if q.sections and not (plan.follow_up and q.pronoun):  # "目标部分，X定的是哪年": within that section
        inside = {u.unit_id for u in ctx.units if q.sections[0] in u.section and (not scope or u.doc_id in scope)}
        hits = [h.unit for h in _search(plan, ctx, q.topic or q.text) if h.unit.unit_id in inside]
        if hits:
            return hits[:1]
    return _clauses_by_topic(plan, ctx, q.topic or q.text)


def _clauses_by_topic(plan: Plan, ctx: Context, topic: str) -> list[Unit]:
    hits = _search(plan, ctx, topic)
    clause_hits = [h for h in hits if h.unit.kind == "clause"]
    if not clause_hits:
        return []
    several = len(plan.docs) != 1
    if not several:
        return [clause_hits[0].unit]
    who = {"lead", "deadline", "national"} & set(plan.asks)
    with_roles = ([h for h in clause_hits if roles_of(h.unit)] if who else []) or clause_hits
    top = with_roles[0].score
    chosen: dict[str, Unit] = {}
    for hit in with_roles[:6]:
        if hit.score >= 0.8 * top and hit.unit.doc_id not in chosen:
            chosen[hit.unit.doc_id] = hit.unit
    return list(chosen.values())[:3]


def unrelated(q: Question, hits: list[Hit], vocabulary: str) -> bool:
    """The corpus does not cover the question: its content words are mostly absent from the best units."""
    from .lexicon import GENERIC_WORDS
    from .normalize import tokenize

    words = [t for t in tokenize(q.topic or q.text) if t not in GENERIC_WORDS and len(t) > 1]
    if not words:
        return not hits
    pool = " ".join(h.unit.full_text + " ".join(roles_of(h.unit)) for h in hits[:5]).lower()
    coverage = sum(w in pool for w in words) / len(words)
    unknown = [w for w in tokenize(q.topic or q.text, whole_words=True)
               if len(w) >= 2 and w not in GENERIC_WORDS and w not in vocabulary]
    if any(len(w) >= 3 for w in unknown):
        return coverage < 0.75
    return coverage < 0.4 or (bool(unknown) and coverage < 0.6)


# --------------------------------------------------------------------------- lines per ask

def role_line(unit: Unit, composer: Composer, with_deadline: bool = False) -> str:
    parts = []
    if unit.lead_units and unit.responsible_units and unit.lead_units != unit.responsible_units:
        parts.append(f"牵头：**{'、'.join(unit.lead_units)}**")
        parts.append(f"负责：**{'、'.join(u for u in unit.responsible_units if u not in unit.lead_units)}**")
    elif unit.lead_units:
        label = "牵头单位" if _names_lead(unit) else "责任单位"
        parts.append(f"{label}：**{'、'.join(unit.lead_units)}**")
    for key, label in ROLE_LABELS[2:]:
        names = getattr(unit, key)
        if names:
            parts.append(f"{label}：**{'、'.join(names)}**")
    if with_deadline and unit.deadline:
        parts.append(f"完成时限：**{unit.deadline}**")
    ref = composer.cite(unit)
    if not parts:
        return f"{where(unit)}未写明责任单位 {ref}"
    return f"{where(unit)}——{'；'.join(parts)} {ref}"


_BODY_END = re.compile(r"(行政管理部门|行政部门|主管部门|管理部门|部门|委员会|机关|机构|总局|总署|局|署|厅|办公室|人民政府|政府|商标局|法院)")
_ACTS = re.compile(r"^(负责|主管|对|依法|依照|应当|可以|会同|批准|查处|裁决|监督|管理|组织|统筹|指导|依当事人|根据|按照|予以|作出|建立)")
_BOUNDARY = "，。；：、（）“”《》,;:()和或及与向由经报被将在"


def _actors_in(sentence: str) -> list[str]:
    """Bodies a sentence makes responsible: a name ending in 部门/局/委员会/机关…, extended left to a boundary,
    acting ("…部门负责/对/依法…") or named after 由/经."""
    from .roles import prose_responsibilities

    found = prose_responsibilities(sentence)
    if found and found.units:
        return list(found.units)
    actors = []
    for match in _BODY_END.finditer(sentence):
        end = match.end()
        start = match.start()
        while start > 0 and sentence[start - 1] not in _BOUNDARY and end - start < 30:
            start -= 1
        name = sentence[start:end]
        before = sentence[start - 1] if start > 0 else ""
        if len(name) >= 3 and (_ACTS.match(sentence[end:]) or (before and before in "由经")) and name not in actors \
                and not any(name in a for a in actors):
            actors = [a for a in actors if a not in name] + [name]
    return actors


def clause_actors(unit: Unit, topic: str) -> tuple[str, list[str]]:
    """(sentence, actors) of a clause without a responsibility notation: the bodies its text makes
    responsible ("国务院专利行政部门负责…", "须经…部门批准", "由X负责"); the sentence closest to the topic is
    quoted, and the actors of every sentence are named."""
    best: tuple[float, str] = (-1.0, "")
    everyone: list[str] = []
    for sentence in sentences(unit.body):
        sentence = re.sub(r"^第[一二三四五六七八九十百零〇]+条\s*", "", sentence)
        actors = _actors_in(sentence) if sentence else []
        if actors:
            everyone.extend(a for a in actors if a not in everyone)
            score = overlap(topic, sentence) if topic else 0.0
            if score > best[0]:
                best = (score, sentence)
    return best[1], everyone


def lead_part(plan: Plan, clauses: list[Unit], composer: Composer) -> tuple[str, bool]:
    q = plan.question
    with_roles = [u for u in clauses if roles_of(u)]
    if not with_roles:
        lines = []
        for unit in clauses[:3]:
            sentence, actors = clause_actors(unit, q.topic or q.text)
            if actors:
                lines.append(f"{where(unit)}没有单独标注责任单位，条文写明：“{sentence}”——主体为 "
                             f"**{'、'.join(actors)}** {composer.cite(unit)}")
        return "\n".join(f"- {line}" for line in lines), bool(lines)
    lines = [role_line(u, composer, with_deadline="deadline" not in plan.asks) for u in with_roles]
    prefix = ""
    if q.confirm and plan.departments:
        named = set(roles_of(with_roles[0]))
        hit = [d for d in plan.departments if d in named]
        if len(plan.departments) > 1 and hit:
            prefix = f"是{'、'.join(hit)}。"
        else:
            prefix = "是的。" if hit else "不是。"
    if plan.departments and re.search(r"一家|一起|别的单位", q.text):
        names = roles_of(with_roles[0])
        prefix = "只有这一家。" if len(names) == 1 else f"不止一家，共 {len(names)} 个单位。"
    body = "\n".join(f"- {line}" for line in lines)
    return (prefix + "\n" if prefix else "") + body, True


def deadline_part(plan: Plan, clauses: list[Unit], composer: Composer, ctx: Context) -> tuple[str, bool]:
    q = plan.question
    lines, ok = [], False
    for unit in clauses:
        if unit.deadline:
            lines.append(f"{where(unit)}的完成时限：**{unit.deadline}** {composer.cite(unit)}")
            ok = True
            continue
        dated = _dated_sentence(unit, q.topic)
        if dated and (overlap(q.topic, dated) >= 0.2 or not q.topic or q.clause_numbers):
            lines.append(f"{where(unit)}写明：“{dated}” {composer.cite(unit)}")
            ok = True
    if (not ok or re.search(r"报送|上报|报告|总结", q.text)) and not q.clause_numbers \
            and not (clauses and named_task(plan, ctx) in clauses[:1]):  # a named task's silence is the answer
        notice = notice_deadlines(plan, ctx, composer) or dated_elsewhere(plan, ctx, composer)
        if notice:
            lines, ok = notice, True
    if not ok:
        return "", False
    prefix = ""
    if len(clauses) == 2 and re.search(r"一样|相同", q.text):
        prefix = "一样。" if clauses[0].deadline == clauses[1].deadline else "不一样。"
    elif q.confirm and (q.deadlines or plan.years):
        said = q.deadlines[0] if q.deadlines else f"{plan.years[0]}年"
        truth = clauses[0].deadline
        prefix = ("是的。" if truth and said[:6] in truth or (said.endswith("年") and said in truth) else "不是。")
    return (prefix + "\n" if prefix else "") + "\n".join(f"- {line}" for line in lines), True


def notice_deadlines(plan: Plan, ctx: Context, composer: Composer) -> list[str]:
    """Reporting deadlines a notice sets (报送…前), from the header that best fits the question."""
    q = plan.question
    headers = [u for u in ctx.units if u.kind == "header" and u.facts.get("reporting_deadlines")
               and (not plan.docs or u.doc_id in plan.docs)]
    if not headers:
        return []
    best = max(headers, key=lambda h: overlap(q.topic or q.text, h.full_text + h.doc_title))
    items = best.facts["reporting_deadlines"]
    fitting = [i for i in items if overlap(q.topic, i) >= 0.3]
    if not fitting and re.search(r"报送|上报|报告|总结", q.text):
        fitting = items
    return [f"《{best.doc_title}》要求：{item.strip()} {composer.cite(best)}" for item in fitting]


_TIME_LIMIT = re.compile(
    r"20\d{2}年(\d{1,2}月)?(底|末|上半年|下半年|年底|\d{1,2}日)?(前|以前|之前|内|起)?|每年\d{1,2}月(底|\d{1,2}日)?前|"
    r"[一二三四五六七八九十百\d]+个?(工作日|日|天|个月|年)(内|以内|之内|前|届满)|有效期|期满前")


def sentences(text: str) -> list[str]:
    """A text's sentences: split after 。 and ； and at line ends, stripped, empty ones dropped."""
    return [s.strip() for s in re.split(r"(?<=[。；])|\n", text) if s.strip()]


def best_sentence(units: list[Unit], topic: str, pattern: re.Pattern) -> tuple[float, str, Unit] | None:
    """(overlap, sentence, unit): of these units' sentences matching `pattern`, the one closest to the topic."""
    scored = [(overlap(topic, s), s, unit) for unit in units for s in sentences(unit.text) if pattern.search(s)]
    return max(scored, key=lambda t: t[0]) if scored else None


def dated_sentences(text: str) -> list[str]:
    return [s for s in sentences(text) if _TIME_LIMIT.search(s)]


def _dated_sentence(unit: Unit, topic: str = "") -> str:
    sentences = dated_sentences(unit.body)
    return max(sentences, key=lambda s: overlap(topic, s)) if sentences else ""


def dated_elsewhere(plan: Plan, ctx: Context, composer: Composer) -> list[str]:
    """A time limit the question's topic finds in any retrieved unit (closing paragraphs, notices, articles)."""
    q = plan.question
    topic = q.topic or q.text
    best = best_sentence([hit.unit for hit in _search(plan, ctx, topic)[:6]], topic, _TIME_LIMIT)
    if best is None:
        return []
    score, sentence, unit = best
    if score < 0.25:
        return []
    return [f"{where(unit)}写明：“{sentence}” {composer.cite(unit)}"]


def national_part(plan: Plan, clauses: list[Unit], composer: Composer) -> tuple[str, bool]:
    lines = [f"{where(u)}国家层面对口：**{'、'.join(u.national_units)}** {composer.cite(u)}" for u in clauses
             if u.national_units]
    return "\n".join(f"- {line}" for line in lines), bool(lines)


def open_part(plan: Plan, units: list[Unit], composer: Composer) -> tuple[str, bool]:
    q = plan.question
    if not units:
        return "", False
    whole = bool(q.clause_numbers) or re.search(r"原文|全文|什么意思|说了什么|说的啥", q.text)
    lines = []
    for unit in units[:3]:
        body = unit.body.strip()
        quote = (unit.text if len(unit.text) <= 600 else unit.text[:400] + "……") if whole else \
            body if len(body) <= 260 else excerpt(unit, q.topic or q.text, limit=260)
        lines.append(f"- **{where(unit)}**：“{quote}” {composer.cite(unit)}")
    return "文件中的相关安排：\n" + "\n".join(lines), True


# --------------------------------------------------------------------------- targets

def _targets(ctx: Context, docs: list[str], indicators: list[str]) -> list[tuple[Unit, Target]]:
    wanted = set(indicators)
    return [(u, t) for u in ctx.units if u.targets and (not docs or u.doc_id in docs)
            for t in u.targets if t.indicator in wanted or any(i in t.indicator or t.indicator in i for i in wanted)]


def _goal_ahead(ctx: Context, doc_id: str, goal_year: int | None, asked: int) -> bool:
    """A multi-year plan's goal for a later year of its own period answers for an earlier year of it
    ("今年" of a 2026—2028 plan whose table gives 2028 only): the plan sets no nearer goal."""
    years = _title_years(ctx, doc_id)
    return bool(goal_year and years and min(years) <= asked < goal_year <= max(years))


def target_part(plan: Plan, ctx: Context, composer: Composer) -> tuple[str, bool, str]:
    """(text, answered, refusal reason)."""
    q = plan.question
    compare = bool(re.search(r"各份|各文件|别的文件|其他文件|哪个定得最高|各区|分别|同一个指标", q.text))
    docs = [] if compare else plan.docs
    found = _targets(ctx, docs, plan.indicators)
    if not re.search(r"实际|现状|基期|完成了多少|已经", q.text):
        found = [(u, t) for u, t in found if getattr(t, "kind", "target") != "actual"]
    if not found:
        return "", False, ""
    main = [(u, t) for u, t in found if t.scope in ("", u.doc_title) or t.scope == ctx.catalog.doc(u.doc_id).region]
    named_scope = [(u, t) for u, t in found if t.scope and any(len(part) >= 2 and part in q.text
                                                              for part in re.split(r"[“”\"]", t.scope))
                   and t.scope != ctx.catalog.doc(u.doc_id).region]
    if named_scope:
        found = named_scope
    elif main and len(main) < len(found):
        found = main
    available = sorted({t.year for _, t in found if t.year})
    if plan.years:
        dated = [(u, t) for u, t in found if t.year in plan.years]
        ahead = [(u, t) for u, t in found if not dated and _goal_ahead(ctx, u.doc_id, t.year, plan.years[0])]
        if not dated and not ahead:
            return "", False, (f"文件中{plan.indicators[0]}只有{'、'.join(map(str, available))}年的目标，"
                               f"没有{plan.years[0]}年的。")
        found = dated or ahead
    ahead_note = f"文件没有单列{plan.years[0]}年的目标，规划期内定的是：\n" if plan.years and not dated else ""
    lines = []
    for unit, target in found:
        year = f"{target.year}年" if target.year else ""
        kind = "（实际）" if getattr(target, "kind", "target") == "actual" else ""
        scope = f"{target.scope}：" if target.scope else ""
        lines.append(f"{scope}{target.indicator} {year}{kind}目标 **{target.value_text}**"
                     f"（《{unit.doc_title}》）{composer.cite(unit)}")
    text = ahead_note + "\n".join(f"- {line}" for line in lines)
    if q.confirm and q.values:
        said = re.sub(r"\s", "", q.values[0]).replace("％", "%")
        truths = {t.value_text for _, t in found}
        text = ("是的，没记错。\n" if said in truths else "不对，文件中的目标是：\n") + text
    if compare and re.search(r"最高|最大|最多", q.text) and len(found) > 1:
        unit, best = max(found, key=lambda p: p[1].value)
        text += f"\n其中最高的是《{unit.doc_title}》：**{best.value_text}**。"
    if re.search(r"预期性|约束性|累计|当年|新增|口径", q.text):
        text += "\n" + _target_nature(found, ctx, composer)
    return text, True, ""


def _target_nature(found: list[tuple[Unit, Target]], ctx: Context, composer: Composer) -> str:
    unit, target = found[0]
    pool = [u for u in ctx.units if u.doc_id == unit.doc_id and u.kind in ("goals", "section")]
    for candidate in [unit] + pool:
        match = re.search(r"[^。；\n]*(预期性|约束性)[^。；\n]*", candidate.full_text)
        if match:
            return f"文件写明：“{match.group(0).strip('（）()')}” {composer.cite(candidate)}"
    words = [w for w in ("累计", "新增", "当年", "年均") if w in target.indicator or w in target.text]
    if words:
        return f"指标名称写的是“{target.indicator}”，口径为{words[0]}。"
    return "文件没有写明该指标是预期性还是约束性、累计还是当年口径。"


def diff_part(plan: Plan, ctx: Context, composer: Composer) -> tuple[str, bool]:
    """The difference between an indicator's targets in two years (the years asked, or its first and last),
    one line per indicator when a short name left two."""
    lines = []
    for indicator in plan.indicators:
        found = [(u, t) for u, t in _targets(ctx, plan.docs, [indicator]) if getattr(t, "kind", "target") != "actual"]
        by_year: dict[int, tuple[Unit, Target]] = {}
        for unit, target in found:
            if target.year and target.year not in by_year:
                by_year[target.year] = (unit, target)
        years = sorted(y for y in by_year if len(plan.years) < 2 or y in plan.years)
        if len(years) < 2:
            continue
        for year in (years[0], years[-1]):
            composer.cite(by_year[year][0])
        (_, a), (_, b) = by_year[years[0]], by_year[years[-1]]
        change = b.value - a.value
        sign = "增加" if change >= 0 else "减少"
        name = f"{b.indicator}：" if len(plan.indicators) > 1 else ""
        lines.append(f"{name}{years[-1]}年目标 **{b.value_text}**，{years[0]}年 **{a.value_text}**，"
                     f"**{sign}{abs(change):g}{b.unit if b.unit != '%' else '个百分点'}**。")
    return "\n".join(lines), bool(lines)


def named_task(plan: Plan, ctx: Context) -> Unit | None:
    """The clause whose task the question spells out (most of its title, verb aside), when it matches the
    question better than any indicator guessed from shared words: "X合规管理覆盖多少家企业" asks about task
    X, not about some goal that also counts 企业."""
    from difflib import SequenceMatcher

    def common(a: str, b: str) -> int:
        return SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size

    text = plan.question.text
    for doc_id in plan.docs:  # the document's own name ("…知识产权保护条例") is no task
        for name in sorted(ctx.catalog.doc(doc_id).names, key=len, reverse=True):
            if len(name) >= 4 and name in text:
                text = text.replace(name, " ")
    best, best_len = None, 0
    for doc in plan.docs or list(ctx.clauses):
        for unit in ctx.clauses.get(doc, []):
            title = normalize(unit.title or "")[2:]  # the task without its leading verb (推进, 加强…)
            size = common(text, title)
            if len(title) >= 4 and size >= max(4, 0.6 * len(title)) and size > best_len:
                best, best_len = unit, size
    if best is None or any(common(text, normalize(i)) >= best_len for i in plan.indicators):
        return None
    return best


def numbers_in_units(plan: Plan, units: list[Unit], composer: Composer) -> tuple[str, bool]:
    """Quote the sentence of these units that states a number, if one does."""
    best = best_sentence(units, plan.question.topic or plan.question.text, _NUMBER)
    if best is None:
        return "", False
    _, sentence, unit = best
    return f"{where(unit)}写明：“{sentence}” {composer.cite(unit)}", True


def numbers_in_text(plan: Plan, ctx: Context, composer: Composer) -> tuple[str, bool]:
    """A number asked for that no goal table holds: quote the sentence of the best clause that states it."""
    q = plan.question
    topic = q.topic or q.text
    best = best_sentence([hit.unit for hit in _search(plan, ctx, topic)[:5]], topic, _NUMBER)
    if best is None:
        return "", False
    score, sentence, unit = best
    measured = q.topic.split()[-1] if q.topic else ""
    if score < 0.3 or (len(measured) >= 2 and overlap(measured, sentence) < 0.5):
        return "", False
    return f"{where(unit)}写明：“{sentence}” {composer.cite(unit)}", True


# a stated quantity; a year (2027年) and a day of a date (1月9日) are no quantity
_NUMBER = re.compile(r"(?<![\d.])(?!(?:19|20)\d{2}\s*年)(?<!月)\d+(\.\d+)?\s*(万件|万元|亿元|万人|件|家|个|项|次|%|人|所|座|元|批|天|日|毫米|吨|年)|"
                     r"[一二三四五六七八九十百千万两]+(分之[一二三四五六七八九十]+|个?(件|家|项|次|批|天|日|月|年|人|所))|百分之")


# --------------------------------------------------------------------------- lists

def _month(deadline: str) -> tuple[int, int] | None:
    """(year, month) a deadline falls due: 2019年6月底 → (2019, 6), 2019年上半年 → (2019, 6), 2019年底 → (2019, 12)."""
    match = re.search(r"(20\d{2})年(?:(\d{1,2})月|(上半年)|(一季度|第一季度)|(二季度|第二季度)|(三季度|第三季度))?", deadline)
    if not match:
        return None
    month = int(match.group(2)) if match.group(2) else 6 if match.group(3) else 3 if match.group(4) else \
        6 if match.group(5) else 9 if match.group(6) else 12
    return int(match.group(1)), month


def _deadline_filter(plan: Plan) -> tuple[str, tuple[int, int] | str] | None:
    """How a list question filters by deadline: ("exact", (y, m)) when a month is named — the clauses due
    then, as deadlines group tasks; ("by", (y, 12)) for a year's end (2029年底前, 明年年底前): everything
    due by then; ("text", 持续推进) for an undated deadline. Years that only name a document filter nothing."""
    q = plan.question
    if q.deadlines:
        month = _month(q.deadlines[0])
        if month is None:
            return "text", q.deadlines[0]
        return ("exact" if re.search(r"\d月", q.deadlines[0]) else "by"), month
    year_end = re.search(r"年(年底|底|末|内)", q.text)
    if plan.years and year_end and (q.relative_years or re.search(r"(?<!\d)\d{2}年(年底|底|末|内)", q.text)):
        return "by", (plan.years[0], 12)
    return None


def list_units(plan: Plan, state: DialogueState, ctx: Context) -> tuple[list[Unit], str, str]:
    """(clauses, how they were chosen, a note on what the filter left out) for a list or count question."""
    q = plan.question
    lean = plan.follow_up and state.listed and (q.pronoun or re.search(r"这些|这里面|其中|一共", q.text)) \
        and not q.departments
    pool = [ctx.by_id[i] for i in state.listed if i in ctx.by_id] if lean else \
        [u for d in (plan.docs or list(ctx.clauses)) for u in ctx.clauses.get(d, [])]
    how, note = [], ""
    if plan.departments and not lean:
        dept = plan.departments[0]
        roles = [r for r in q.roles if r != "lead" or len(q.roles) == 1] or (state.roles if plan.follow_up else [])
        if "joint" in roles and "lead" in q.roles:
            roles = ["co-lead"] + roles
        both = len(plan.departments) > 1 and re.search(r"共同|一起|都在|两家|联合", q.text)
        pool = [u for u in pool if _has_role(u, dept, [] if both else roles)]
        how.append(f"「{dept}」" + _role_words(roles))
        if both:
            pool = [u for u in pool if any(same_unit(plan.departments[1], n) for n in roles_of(u))]
            how[-1] = f"「{dept}」与「{plan.departments[1]}」共同承担的"
    wanted = _deadline_filter(plan)
    if wanted:
        kind, value = wanted
        if kind == "exact":
            earlier = [u for u in pool if (m := _month(u.deadline)) and m < value]
            pool = [u for u in pool if _month(u.deadline) == value]
            how.append(f"完成时限为{value[0]}年{value[1]}月底的")
            if earlier:
                note = f"另有 {len(earlier)} 项的完成时限早于{value[0]}年{value[1]}月底，如需一并列出请说明。"
        elif kind == "by":
            pool = [u for u in pool if (m := _month(u.deadline)) and m <= value]
            how.append(f"{value[0]}年底前到期的")
        else:
            pool = [u for u in pool if u.deadline == value]
            how.append(f"完成时限为「{value}」的")
    if q.sections:
        under = [u for u in pool if q.sections[0] in u.section]
        if not under:  # a section of paragraphs or sub-headings rather than numbered tasks
            under = [u for u in ctx.units if u.kind in ("section", "clause", "goals") and q.sections[0] in u.section
                     and (not plan.docs or u.doc_id in plan.docs)]
        pool = under
        how.append(f"「{q.sections[0]}」下的")
    if "national" in q.roles and not plan.departments:
        pool = [u for u in pool if u.national_units]
        how.append("有国家层面对口部门的")
    return pool, "".join(how), note


def _has_role(unit: Unit, dept: str, roles: list[str]) -> bool:
    local = _unique(unit.lead_units + unit.responsible_units)
    if "sole" in roles:
        return _unique(local + unit.cooperating_units + unit.guiding_units) == [dept]
    if "co-lead" in roles:  # 共同牵头: one of several leads
        return dept in local and len(local) > 1
    if "joint" in roles:  # 搭伙, 一起: named in any role, with others
        everyone = _unique(local + unit.cooperating_units + unit.guiding_units)
        return any(same_unit(dept, n) for n in everyone) and len(everyone) > 1
    named = lambda names: any(same_unit(dept, n) for n in names)  # noqa: E731
    if "cooperating" in roles:
        return named(unit.cooperating_units) or (dept in local and local[0] != dept and not
                                                 any(r.lead for r in unit.responsibilities))
    if "guiding" in roles:
        return named(unit.guiding_units)
    if "national" in roles:
        return named(unit.national_units)
    if "lead" in roles:
        return named(unit.lead_units)
    return named(roles_of(unit))


def _role_words(roles: list[str]) -> str:
    words = {"sole": "单独负责的", "co-lead": "与其他单位共同牵头的", "joint": "与其他单位共同承担的",
             "cooperating": "参与或配合的", "guiding": "指导的", "national": "作为国家层面对口部门的", "lead": "牵头的"}
    return next((words[r] for r in roles if r in words), "负责或参与的")


def same_unit(a: str, b: str) -> bool:
    """Two spellings of one unit: equal, or one is the other with its parent body in front."""
    short, long = sorted((a, b), key=len)
    return a == b or (len(short) >= 3 and long.endswith(short))


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def list_part(plan: Plan, state: DialogueState, ctx: Context, composer: Composer) -> tuple[str, bool, list[Unit]]:
    q = plan.question
    if q.last_clause and not plan.departments:
        docs = plan.docs or list(ctx.clauses)
        lines = []
        for d in docs:
            clauses = ctx.clauses.get(d, [])
            if clauses and re.search(r"任务|事项", q.text):
                clauses = task_run(clauses)
            if clauses:
                last = clauses[-1]
                lines.append(f"《{last.doc_title}》共 {len(clauses)} 条，最后一条是{last.label}“{last.title}” "
                             f"{composer.cite(last)}")
        return "\n".join(lines), bool(lines), []
    groups = []
    if plan.departments and {"sole", "joint"} <= set(q.roles):
        groups = [["sole"], ["joint"]]
    elif plan.departments and "lead" in q.roles and "cooperating" in q.roles:
        groups = [["lead"], ["cooperating"]]
    elif len(plan.departments) > 1 and re.search(r"各", q.text):
        groups = [[], []]
    if groups:
        texts, everything = [], []
        for i, roles in enumerate(groups):
            sub = Plan(question=_with_roles(q, roles), asks=plan.asks, docs=plan.docs, years=plan.years,
                       departments=[plan.departments[min(i, len(plan.departments) - 1)]] if not roles else
                       plan.departments[:1], follow_up=plan.follow_up)
            units, how, note = list_units(sub, state, ctx)
            texts.append(_render_list(units, how, composer, q.count) + (f"\n{note}" if note else ""))
            everything.extend(units)
        return "\n\n".join(texts), True, everything
    units, how, note = list_units(plan, state, ctx)
    if "deadline" in plan.asks and re.search(r"最早", q.text) and units:
        dated = sorted((u for u in units if _month(u.deadline)), key=lambda u: _month(u.deadline))
        if dated:
            first = dated[0]
            earliest = f"其中最早到期的是{where(first)}，完成时限 **{first.deadline}** {composer.cite(first)}"
            if plan.follow_up and state.listed:  # "这些里头哪条最早": the list is on screen already
                return f"共 {len(units)} 项，{earliest}", True, units
            return f"{_render_list(units, how, composer, q.count)}\n\n{earliest}", True, units
    others = _other_roles(plan, state, ctx, units)
    if not units and not others:
        return "", False, []
    text = _render_list(units, how, composer, q.count) if units else f"文件中没有{how}任务。"
    if others:
        dept = plan.departments[0]
        lines = [f"{i}. {where(u)}（{dept}：{role_of(u, dept)}{'；' + u.deadline if u.deadline else ''}） "
                 f"{composer.cite(u)}" for i, u in enumerate(others, 1)]
        text += f"\n\n{'另外，' if units else ''}「{dept}」以其他角色出现在以下 {len(others)} 项任务中：\n" + "\n".join(lines)
    return text + (f"\n\n{note}" if note else ""), True, units or others


def _other_roles(plan: Plan, state: DialogueState, ctx: Context, units: list[Unit]) -> list[Unit]:
    """The clauses that name the department asked about in a role the question did not ask for, each
    with X's role: shown when the role matched nothing ("X配合的" where X only leads) or when the question
    asks for all of X's work ("由X牵头的全部任务"); never for 单独 (the question excludes the others)."""
    q = plan.question
    roles = q.roles or (state.roles if plan.follow_up else [])
    everything = re.search(r"全部|所有|清单|全都|都有哪些", q.text)  # asked for all, or the role matched nothing
    if not plan.departments or not roles or len(plan.departments) > 1 or _deadline_filter(plan) \
            or (units and not everything) or "sole" in roles \
            or q.sections or (plan.follow_up and q.pronoun):
        return []
    dept = plan.departments[0]
    chosen = {u.unit_id for u in units}
    return [u for d in (plan.docs or list(ctx.clauses)) for u in ctx.clauses.get(d, [])
            if u.unit_id not in chosen and any(same_unit(dept, n) for n in roles_of(u))]


def role_of(unit: Unit, dept: str) -> str:
    """The department's role in a clause, in the document's words (牵头, 负责, 配合, 指导, 国家层面对口)."""
    label = next((label for key, label in ROLE_LABELS if any(same_unit(dept, n) for n in getattr(unit, key))), "")
    return "负责" if label == "牵头" and not _names_lead(unit) else label


def _names_lead(unit: Unit) -> bool:
    """The clause says 牵头: its lead units lead; otherwise they are the units responsible (负责, 责任单位)."""
    return any(r.lead for r in unit.responsibilities) or "牵头" in unit.text


def task_run(clauses: list[Unit]) -> list[Unit]:
    """The longest run of clauses numbered on from one another when it holds most of them: a plan's task
    list without the short list that restarts at 1 after it (保障措施 （一）（二）); a document whose
    numbering restarts in every section keeps all its clauses."""
    runs: list[list[Unit]] = []
    for unit in clauses:
        if runs and unit.number and runs[-1][-1].number and unit.number == runs[-1][-1].number + 1:
            runs[-1].append(unit)
        else:
            runs.append([unit])
    longest = max(runs, key=len)
    return longest if len(longest) >= 0.7 * len(clauses) else clauses


def _with_roles(q: Question, roles: list[str]) -> Question:
    from dataclasses import replace

    return replace(q, roles=roles)


def _render_list(units: list[Unit], how: str, composer: Composer, count: bool) -> str:
    if not units:
        return f"没有{how}任务。"
    lines = []
    for i, unit in enumerate(units, 1):
        extra = "；".join(part for part in ("、".join(roles_of(unit)[:6]), unit.deadline) if part)
        lines.append(f"{i}. {where(unit)}{f'（{extra}）' if extra else ''} {composer.cite(unit)}")
    return f"共 {len(units)} 项{how}任务：\n" + "\n".join(lines)


# --------------------------------------------------------------------------- meta and structure

def _date(text: str) -> date | None:
    match = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text or "")
    return date(*map(int, match.groups())) if match else None


_ENACTED_BY = re.compile(r"[\u4e00-\u9fff]{0,10}人民代表大会常务委员会|[\u4e00-\u9fff]{0,10}人民代表大会(?!常务)")


def header_fact(header: Unit, key: str, ctx: Context):
    """A header fact, with the fallbacks the text allows: 印发 → the page's 发布日期, 发文机关 → the body that
    enacted a law (history lines), 施行日期 → "自…起施行", 印发机关 without a 版记 → the issuer itself."""
    facts = header.facts
    value = facts.get(key)
    if value:
        return value
    if key in ("issuers", "printer"):
        value = facts.get("issuer")
        if not value:
            found = _ENACTED_BY.findall(header.text + " " + " ".join(map(str, facts.get("history", []) or [])))
            value = [re.sub(r"^第[一二三四五六七八九十]+届", "", found[-1])] if found else None
    elif key == "print_date":
        value = facts.get("published")
    elif key == "effective":
        for unit in ctx.units:
            if unit.doc_id == header.doc_id:
                match = re.search(r"自(\d{4}年\d{1,2}月\d{1,2}日)起施行", unit.text)
                if match:
                    return match.group(1)
    return value


def meta_part(plan: Plan, ctx: Context, composer: Composer) -> tuple[str, bool, str]:
    from .lexicon import META_FIELDS

    q = plan.question
    fields = plan.meta_fields or ["doc_number", "issuers", "issue_date"]
    labels = {key: label for _, key, label in META_FIELDS}
    lines, missing = [], []
    for doc_id in plan.docs:
        header = ctx.header(doc_id)
        if header is None:
            continue
        values = []
        for key in fields:
            value = header_fact(header, key, ctx)
            if key == "title":
                value = value or header.doc_title
            if key == "copies" and value:
                value = f"共印{value}份"
            if value:
                values.append(f"{labels.get(key, key)}：**{'、'.join(value) if isinstance(value, list) else value}**")
            else:
                missing.append(labels.get(key, key))
        if "diff" in plan.asks or re.search(r"隔了?几天|相隔|间隔", q.text):
            a, b = _date(str(header_fact(header, "issue_date", ctx) or "")), _date(str(header_fact(header, "print_date", ctx) or ""))
            if a and b:
                values.append(f"相隔 **{abs((b - a).days)}天**")
        if values:
            refs = composer.cite(header)
            for key in fields:
                value = header_fact(header, key, ctx)
                text = value if isinstance(value, str) else ""
                if text and normalize(text) not in normalize(header.full_text):
                    source = next((u for u in ctx.units if u.doc_id == doc_id and normalize(text) in normalize(u.text)), None)
                    if source is not None:
                        refs += composer.cite(source)
            lines.append(f"《{header.doc_title}》{'；'.join(values)} {refs}")
    if not lines:
        what = "、".join(dict.fromkeys(missing)) or "这一项信息"
        return "", False, f"文件中没有写明{what}。"
    text = "\n".join(f"- {line}" for line in lines)
    if missing and len(plan.docs) == 1:
        text += f"\n（文件中没有写明{'、'.join(dict.fromkeys(missing))}。）"
    return text, True, ""


def structure_part(plan: Plan, ctx: Context, composer: Composer) -> tuple[str, bool]:
    lines = []
    for doc_id in plan.docs[:2]:
        tops: list[str] = []
        first_unit: dict[str, Unit] = {}
        for unit in ctx.units:
            if unit.doc_id != doc_id or unit.kind == "header" or not unit.section:
                continue
            top = unit.section.split(" > ")[0]
            if top not in tops:
                tops.append(top)
                first_unit[top] = unit
        if tops:
            lines.append(f"《{ctx.title(doc_id)}》分为 {len(tops)} 部分：\n" +
                         "\n".join(f"{i}. {t} {composer.cite(first_unit[t])}" for i, t in enumerate(tops, 1)))
    return "\n".join(lines), bool(lines)


def section_part(plan: Plan, ctx: Context, composer: Composer) -> tuple[str, bool, list[Unit]]:
    q = plan.question
    name = q.sections[0]
    units = [u for u in ctx.units if (not plan.docs or u.doc_id in plan.docs) and u.kind != "header"
             and name in u.section]
    if not units:  # no heading of that name: the paragraph that states it ("总体思路是：…")
        said = [u for u in ctx.units if (not plan.docs or u.doc_id in plan.docs) and u.kind != "header"
                and name in u.text]
        return (open_part(plan, said[:3], composer)[0], True, said[:3]) if said else ("", False, [])
    lines = []
    for i, unit in enumerate(units[:30], 1):
        text = unit.title or excerpt(unit, q.topic or name, limit=80)
        lines.append(f"{i}. {unit.label}：{text} {composer.cite(unit)}")
    return f"「{name}」部分共 {len(units)} 项：\n" + "\n".join(lines), True, units


# --------------------------------------------------------------------------- execution

def execute(plan: Plan, state: DialogueState, ctx: Context) -> tuple[Answer, DialogueState]:
    q = plan.question
    composer = Composer()

    def topic_hits() -> list[Hit]:
        """The search of the question's topic, run only by the parts that need it: an answer drawn from
        parsed fields alone (a goal's figure, a department's list, a document's header) embeds nothing."""
        return _search(plan, ctx, q.topic or q.text)

    scope_note = ctx.coverage(plan.docs if plan.docs and len(plan.docs) < len(ctx.catalog.docs) else None)
    intent = _intent(plan)
    if plan.refuse:
        return refusal(intent, _noted(plan, plan.refuse), _retrieved(plan), scope_note), state
    if q.ambiguous_docs and len(plan.docs) > 1 and not (set(plan.asks) & {"lead", "deadline", "target", "list", "open"}):
        names = "、".join(f"《{ctx.title(d)}》" for d in plan.docs)
        return refusal(intent, f"有多份文件符合：{names}。请说明是哪一份。", _retrieved(plan), scope_note), state
    parts: list[str] = []
    answered = False
    reason = ""
    clauses: list[Unit] = []
    listed: list[Unit] = []
    needs_clause = {"lead", "deadline", "national", "open"} & set(plan.asks)
    structured = {"meta", "structure", "list", "target", "diff"} & set(plan.asks)
    if needs_clause and not (q.sections and "open" in plan.asks) and not ({"list", "target"} & set(plan.asks) and
                                                                          not q.topic):
        clauses = select_clauses(plan, state, ctx)
    if not plan.docs and "meta" in plan.asks:
        header = next((h.unit for h in topic_hits() if h.unit.kind == "header"), None)
        plan.docs = [header.doc_id] if header else []
    specific = q.departments or q.indicators or q.clause_numbers or q.sections or q.last_clause or plan.follow_up \
        or q.deadlines or ("list" in plan.asks and plan.docs) or (q.strong_doc and "open" in plan.asks)
    if not specific and not q.topic and not q.docs and not ({"meta", "structure"} & set(plan.asks)):
        return refusal(intent, "请说明想了解的具体事项，例如哪项任务、哪个指标或哪份文件。", _retrieved(plan), scope_note), state
    if not specific and q.topic and not ({"meta", "structure"} & set(plan.asks)) and \
            unrelated(q, topic_hits(), ctx.vocabulary):
        return refusal(intent, "抱歉，文件中没有与该问题相关的内容。", _retrieved(plan), scope_note), state
    for ask in plan.asks:
        text, ok = "", False
        if ask == "lead":
            if "list" in plan.asks and plan.departments:
                continue
            text, ok = lead_part(plan, clauses, composer)
            if not ok and clauses:
                reason = reason or f"{where(clauses[0])}没有写明牵头或责任单位。"
        elif ask == "deadline":
            if "list" in plan.asks:
                continue
            text, ok = deadline_part(plan, clauses, composer, ctx)
            if not ok and clauses:
                reason = reason or f"{where(clauses[0])}没有写明完成时限。"
        elif ask == "national":
            if "list" in plan.asks:
                continue
            text, ok = national_part(plan, clauses, composer)
            if not ok and clauses:
                reason = reason or f"{where(clauses[0])}没有写明国家层面的对口部门。"
        elif ask == "target":
            if not plan.indicators and ("open" in plan.asks or "list" in plan.asks):
                continue
            task = named_task(plan, ctx)  # a task named more fully than any indicator
            if task:
                text, ok = numbers_in_units(plan, [task], composer)
                reason = reason or f"{where(task)}没有写明这一数字。"
            elif not plan.indicators:
                text, ok = numbers_in_text(plan, ctx, composer)
                reason = reason or "文件中没有给出这一数字。"
            else:
                text, ok, why = target_part(plan, ctx, composer)
                reason = reason or why
        elif ask == "diff":
            if "meta" in plan.asks:
                continue
            text, ok = diff_part(plan, ctx, composer)
        elif ask == "list":
            text, ok, listed = list_part(plan, state, ctx, composer)
            if not ok:
                reason = reason or _empty_list_reason(plan, ctx)
        elif ask == "meta":
            text, ok, why = meta_part(plan, ctx, composer)
            reason = reason or why
        elif ask == "structure":
            text, ok = structure_part(plan, ctx, composer)
        elif ask == "open":
            text, ok, listed = section_part(plan, ctx, composer) if q.sections else ("", False, listed)
            if not ok and {"lead", "deadline"} & set(plan.asks) and clauses:
                text, ok = open_part(plan, clauses[:1], composer)
            elif not ok:
                units = clauses or [h.unit for h in topic_hits() if h.unit.kind != "header"][:3]
                text, ok = open_part(plan, units, composer)
        if ok:
            parts.append(text)
            answered = True
    if not answered:
        reason = reason or "抱歉，文件中没有找到能回答该问题的内容。"
        # a refusal about a named document still sets what a follow-up leans on ("那另一份的呢")
        kept = _next_state(plan, state, composer, clauses, listed) if clauses or plan.docs else state
        return refusal(intent, _noted(plan, reason), _retrieved(plan), scope_note), kept
    body = "\n\n".join(parts)
    if plan.note:
        body = f"{plan.note}\n\n{body}"
    answer = Answer(answer=body, answered=True, intent=intent, citations=composer.citations(),
                    retrieved=_retrieved(plan))
    return answer, _next_state(plan, state, composer, clauses, listed)


def _noted(plan: Plan, reason: str) -> str:
    """A refusal under a document filter first says that the document the question names is outside it."""
    return f"{plan.note}\n\n{reason}" if plan.note else reason


def _empty_list_reason(plan: Plan, ctx: Context) -> str:
    if plan.departments:
        dept = plan.departments[0]
        anywhere = [u for d in (plan.docs or list(ctx.clauses)) for u in ctx.clauses.get(d, []) if dept in roles_of(u)]
        if anywhere:
            return f"文件中没有符合条件的「{dept}」任务（它共参与 {len(anywhere)} 项任务，但不符合所问的角色或时限）。"
        said = plan.question.typed.get(dept, dept)  # the department as the user wrote it: it is not in these documents
        return f"文件中没有给「{said}」分工的任务。"
    return "文件中没有符合条件的任务。"


def _intent(plan: Plan) -> str:
    for ask, intent in (("meta", "meta"), ("list", "list"), ("structure", "open"), ("target", "target"),
                        ("diff", "target"), ("lead", "lead"), ("deadline", "deadline"), ("national", "lead")):
        if ask in plan.asks:
            return intent
    return "open"


def _next_state(plan: Plan, state: DialogueState, composer: Composer, clauses: list[Unit],
                listed: list[Unit]) -> DialogueState:
    cited_docs = list(dict.fromkeys(u.doc_id for u in composer.units))
    cited_clauses = [u.unit_id for u in composer.units if u.kind == "clause"]
    q = plan.question
    return DialogueState(
        docs=cited_docs or plan.docs,
        clauses=([u.unit_id for u in clauses] if clauses else cited_clauses[:3]) or state.clauses,
        department=plan.departments[0] if plan.departments else state.department,
        indicators=plan.indicators or state.indicators,
        years=plan.years or state.years,
        asks=[a for a in plan.asks if a != "diff"] or state.asks,
        listed=[u.unit_id for u in listed] if listed else ([] if "list" in plan.asks else state.listed),
        topic=q.topic if q.topic and not plan.follow_up else (state.topic or q.topic),
        meta_fields=plan.meta_fields or state.meta_fields,
        roles=q.roles or state.roles,
    )

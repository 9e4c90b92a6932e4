"""Understanding: one question → what it asks and which corpus entities it names, against the catalog.

The catalog (built from the parsed units) knows every document, department, indicator, section and
year; the lexicon knows the ask words. A `Question` is what this stage hands to the planner: asks in
the order written, the entities found (tolerant of abbreviations, homophone slips and traditional
characters), years absolute/two-digit/relative, clause references, and the topic left for retrieval.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import lexicon
from .catalog import Catalog
from .matching import CONTRACTIONS, Mention
from .normalize import normalize, parse_int

_YEAR4 = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_YEAR2 = re.compile(r"(?<![\d.〔\[（(])(\d{2})\s*年(?![\d度]?\d)")
_CLAUSE = re.compile(r"第\s*([零〇一二两三四五六七八九十百\d]+)\s*[条项点條項點]")
_LAST_CLAUSE = re.compile(r"最后一[条项]|编到(了)?第几|第几条")
_DEADLINE = re.compile(r"20\d{2}年(\d{1,2}月(底|末|中旬|上旬|下旬|\d{1,2}日)?|底|年底|末)|持续推进|长期坚持|常态化推进")
_VALUE = re.compile(r"(\d+(?:\.\d+)?)\s*(万件|万元|亿元|万人|件|家|个|项|次|%|％|人|所|座|元|天|小时)")
_PLACE = re.compile(r"([\u4e00-\u9fff]{2,6}?)(新区|自治区|特别行政区|省|市|区|县)(?![\u4e00-\u9fff]{0,2}(局|委|办|院|处|中心|会|政府))")
_GENERIC_LONGEST_FIRST = sorted(lexicon.GENERIC_WORDS, key=len, reverse=True)
_PLACE_LEADS_LONGEST_FIRST = sorted(lexicon.PLACE_LEADS, key=len, reverse=True)
WEAK_DOC_PARTS = {"genre", "title_word", "year_genre", "subject", ""}


@dataclass
class Question:
    """What one turn asks and names; positions refer to `text` (normalised)."""

    raw: str
    text: str
    asks: list[str] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)  # documents named, best first
    ambiguous_docs: list[str] = field(default_factory=list)  # a generic name that fits several documents
    departments: list[str] = field(default_factory=list)
    typed: dict[str, str] = field(default_factory=dict)  # department → the words the question used for it
    absent_departments: list[str] = field(default_factory=list)  # department-like words the corpus never names
    indicators: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    relative_years: list[int] = field(default_factory=list)  # offsets: today 0, next year +1
    doc_years: list[int] = field(default_factory=list)  # years that name a document ("杉门区26年那份要点")
    clause_numbers: list[int] = field(default_factory=list)
    clause_shift: int = 0  # 上一条 -1, 下一条 +1
    last_clause: bool = False  # 最后一条 / 编到第几条
    meta_fields: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # role filters: sole, joint, cooperating, guiding, national, lead
    deadlines: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    foreign_places: list[str] = field(default_factory=list)
    missing_document: str = ""  # a document named by region and genre that the region does not have
    strong_doc: bool = False  # a document named by more than a region or a genre word
    topic: str = ""
    pronoun: bool = False
    ellipsis: bool = False
    count: bool = False
    confirm: bool = False
    loose_indicators: bool = False  # indicators guessed from shared words, not named
    this_clause: bool = False  # "在这条里", "该项": the clause in focus, wherever the words stand



@lru_cache(maxsize=64)
def _compiled(fragments: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(f"(?:{f})" for f in fragments))


def _find(fragments: list[str], text: str) -> list[re.Match]:
    return list(_compiled(tuple(fragments)).finditer(text))


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """Text with the given spans replaced by spaces (so positions stay valid)."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            chars[i] = " "
    return "".join(chars)


def detect_asks(text: str) -> list[str]:
    """Asks in the order they are written; a meta question's 谁/多少 are not lead/target asks."""
    found: dict[str, int] = {}
    for ask, fragments in lexicon.ASKS.items():
        matches = _find(fragments, text)
        if matches:
            found[ask] = matches[0].start()
    if "meta" in found:
        for other in ("lead", "target", "deadline", "open"):
            found.pop(other, None)
        if "diff" in found and not re.search(r"[隔相]", text):
            found.pop("diff")
    if "structure" in found:
        found.pop("open", None)
        found.pop("list", None)
    if "list" in found and "open" in found and not re.search(r"措施|举措|办法|说了|讲了", text):
        found.pop("open")
    return sorted(found, key=found.get)


def _mentions(catalog: Catalog, text: str) -> tuple[list[Mention], list[Mention], list[Mention]]:
    """Documents first; department and indicator mentions inside a document mention are dropped."""
    docs = catalog.find_docs(text) or titled_docs(catalog, text)
    doc_spans = [(m.start, m.end) for m in docs]
    inside = lambda m: any(s <= m.start and m.end <= e for s, e in doc_spans)  # noqa: E731
    named = list(dict.fromkeys(m.key for m in docs)) or None  # a name means that document's own department first
    depts = [m for m in catalog.find_departments(text, docs=named) if not inside(m)]
    indicators = [m for m in catalog.find_indicators(text, docs=named) if not inside(m)]
    return docs, depts, indicators


_GENRE = re.compile(r"([\u4e00-\u9fff“”\"]{2,12}?)(通知|方案|意见|条例|办法|要点|计划|措施|规划|决定|细则|规定|法)(?![\u4e00-\u9fff]{0,1}(局|院|委|部|律师))")


_PART = re.compile(r"[\u4e00-\u9fff]{2,4}?(部分|那部分|一节|一章|章节)")
NOT_LAW_CHARS = tuple("执办方做用违非合司立守依护")  # + 法: words, not the genre of a law's name


def titled_docs(catalog: Catalog, text: str) -> list[Mention]:
    """Documents named by some of their title's characters plus a genre word: most of the named characters
    occur in one title, and that title has the genre word."""
    found: list[Mention] = []
    for match in _GENRE.finditer(text):
        words, genre = match.group(1).strip("“”\""), match.group(2)
        if genre == "法" and words.endswith(NOT_LAW_CHARS):  # 执法, 办法, 依法: a word, not a law's name
            continue
        scored = []
        for doc in catalog.docs:
            title = normalize(doc.title)
            if genre not in title or len(words) < 2 or (genre == "法" and not re.sub(r"[（(][^（）()]*[)）]$", "", title).endswith("法")):
                continue
            share = sum(ch in title for ch in words) / len(words)
            scored.append((share, doc.doc_id))
        scored.sort(reverse=True)
        if scored and scored[0][0] >= 0.5 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            found.append(Mention(kind="doc", key=scored[0][1], surface=match.group(0), start=match.start(),
                                 end=match.end(), score=scored[0][0], how="fuzzy"))
    return found


def missing_document(catalog: Catalog, text: str, regions: list[Mention]) -> str:
    """"X区…专项资金管理办法": a region's document named by words its documents' titles do not have."""
    for match in _GENRE.finditer(text):
        if match.group(2) in ("法", "规定") or not re.match(r"\s*(里|中|的|里面|，|,|[?？]|$)", text[match.end():]):
            continue
        near = [m for m in regions if m.start < match.end() and m.end >= match.start() - 1]
        if not near:
            continue
        stem = near[0].key[:2]
        titles = [normalize(d.title) for d in catalog.docs if stem and stem in d.region]
        words = text[max(near[0].end, match.start()):match.end()]
        words = re.sub(r"今年|明年|去年|这份|那份|这个|那个|\d+\s*年|的", "", words)
        distinctive = words.removesuffix(match.group(2))
        for generic in _GENERIC_LONGEST_FIRST:
            distinctive = distinctive.replace(generic, "")
        if len(distinctive) < 2:  # "丹原的工作要点": a genre alone names the region's plan, whatever its title
            continue
        if titles and len(words) >= 4 and max(sum(ch in t for ch in words) / len(words) for t in titles) < 0.6:
            return text[min(near[0].start, match.start()):match.end()]
    return ""


def _resolve_docs(catalog: Catalog, mentions: list[Mention], years: list[int]) -> tuple[list[str], list[str]]:
    """(documents named, documents a generic mention leaves ambiguous): a year narrows the candidates."""
    by_span: dict[tuple[int, int], list[Mention]] = {}
    for m in mentions:
        by_span.setdefault((m.start, m.end), []).append(m)
    chosen: list[str] = []
    ambiguous: list[str] = []
    groups = [sorted(group, key=lambda m: -m.score) for group in by_span.values()]
    longest = max((len(g[0].surface) for g in groups), default=0)
    if len(groups) > 1:  # a bare genre word ("计划") yields to a specific name ("行政保护")
        groups = [g for g in groups if len(g[0].surface) > 2 or len(g[0].surface) == longest]
    named_sets = [{m.key for m in group} for group in groups]
    # documents that every group agrees on (region + genre + year name one document together)
    common = set.intersection(*named_sets) if named_sets else set()
    if common and len(named_sets) > 1:
        groups = [[m for m in group if m.key in common] for group in groups]
    for group in groups:
        keys = list(dict.fromkeys(m.key for m in group))
        if years:
            dated = [k for k in keys if set(catalog.doc(k).years) & set(years)]
            keys = dated or keys
        if len(keys) > 1:
            best = group[0].score
            keys = [k for k in keys if next(m.score for m in group if m.key == k) >= best - 1e-9] or keys
        if len(keys) > 1:
            ambiguous.extend(k for k in keys if k not in ambiguous)
        for key in keys:
            if key not in chosen:
                chosen.append(key)
    return chosen, ambiguous


def _years(text: str, catalog: Catalog) -> tuple[list[int], list[int]]:
    years = [int(y) for y in _YEAR4.findall(text)]
    for match in _YEAR2.finditer(text):
        years.append(2000 + int(match.group(1)))
    relative = [offset for word, offset in lexicon.RELATIVE_YEARS.items() if word in text]
    return list(dict.fromkeys(years)), relative


def _region_years(text: str, catalog: Catalog, mentions: list[Mention]) -> list[int]:
    """Two digits right after a region or document mention ("浦东23", "普陀24年") are a year."""
    years = []
    for m in mentions:
        after = re.match(r"\s*(\d{2})(?!\d)", text[m.end:])
        if after:
            years.append(2000 + int(after.group(1)))
    return years


_NAMING_YEAR = re.compile(r"\s*(?:20)?(\d{2})\s*年度?\s*(?:的|那份|这份|那个|的那份)?\s*(?:知识产权)?(?:工作要点|要点|行动方案|实施方案|"
                          r"实施办法|方案|计划|规划|文件)")


def _naming_years(text: str, mentions: list[Mention]) -> list[int]:
    """A year written between a region and a genre word names the document ("杉门区26年那份要点"), so it is
    checked against the years the documents' titles cover, not against every year their text mentions."""
    years = []
    for m in mentions:
        after = _NAMING_YEAR.match(text[m.end:])
        if after:
            years.append(2000 + int(after.group(1)))
    return list(dict.fromkeys(years))


_DEPT_TAIL = re.compile(r"(委员会|办公室|管委会|检察院|法院|海关|街道|集团|政府|协会|支队|分局|中心|银行|局|委|办(?!法|理|好)|院|处|科|署|厅|司|部(?!门|分))")
# 和 separates two names where a unit suffix ends the first (区财政局和区商务委) or, outside the contraction
# table's words, a level word opens the second; inside a name (发展和改革委员会, 市规划和自然资源局) it joins
_NAME_AND = "|".join(sorted({long.split("和", 1)[1] for long, _ in CONTRACTIONS if "和" in long}, key=len, reverse=True))
_CUT = re.compile(rf".*(在|里|裡|的|是|(?<=[局委办处科院署厅司部室队心会关府组行])和|和(?!{_NAME_AND})(?=[国省市区县])|与|及|中(?!心)|对|由|让|给|把|被|有|问|看|跟|同|请|了|那边|这边|呢|吗|，|,)")
_GENERIC_UNIT = re.compile(r"(责任|牵头|主管|负责|配合|对口)(处|科|局|委|办|部门|单位)$|^(哪|什么|那|这|各|该|其|本|全|跨|其他|责任|牵头|配合|协办|承办|主管|对口|有关|相关|一级|二级|国家层面|国家局|第)|哪|谁|什么|几")


def department_like(text: str) -> list[str]:
    """Words shaped like a department name (a run of characters ending in 局/委/办/处/中心/署/厅…)."""
    out = []
    for match in re.finditer(r"[\u4e00-\u9fff]{2,16}", text):
        run = match.group(0)
        for tail in _DEPT_TAIL.finditer(run):
            word = _CUT.sub("", run[: tail.end()])
            if 3 <= len(word) <= 16 and not _GENERIC_UNIT.search(word) and word not in out:
                out.append(word)
    return out


def place_names(text: str) -> list[str]:
    """Place names by jieba's part-of-speech tags (ns) and by administrative suffixes."""
    from .normalize import place_tagger

    places = [w for w, flag in place_tagger().lcut(text) if flag == "ns" and len(w) >= 2]
    for match in _PLACE.finditer(text):
        place = match.group(0)
        lead = next((w for w in _PLACE_LEADS_LONGEST_FIRST if place.startswith(w) and len(place) - len(w) >= 3), "")
        places.append(place[len(lead):])
    return list(dict.fromkeys(places))


def _absent_departments(text: str, known_spans: list[tuple[int, int]], vocabulary: str) -> list[str]:
    """Department-like words that no document names: a reason to refuse, not to guess."""
    return [w for w in department_like(_blank(text, known_spans)) if w not in vocabulary]


_OWNS_DOCUMENT = re.compile(r"^\s*(\d{2,4}\s*年|今年|明年|去年|的?(知识产权(局|工作|强[区市]|保护)?)?(\d{4}年)?(工作要点|要点|行动方案|实施方案|方案|计划|文件|规划)"
                            r"|那[边份]|有没有|是否|出台|的?\s|，|,|$)")


def _foreign_places(text: str, known_spans: list[tuple[int, int]], regions: list[str], vocabulary: str) -> list[str]:
    """Places named as the owner of a document or a body ("闵行区2025年…", "杭州的工作要点", "杭州…保护中心")
    that no document belongs to."""
    blanked = _blank(text, known_spans)
    stems = {r[:2] for r in regions if r}
    out = []
    bodies = department_like(text)
    for place in place_names(blanked):
        if place[:2] in stems:
            continue
        at = blanked.find(place)
        if len(place) == 2 and vocabulary and text[at: at + 4] in vocabulary:
            continue  # a word the documents use with what follows it (外国专利代理机构), not an owner's name
        after = blanked[at + len(place):]
        owns_body = any(s == at + len(place) for s, _ in known_spans) and place[:2] not in vocabulary
        switched = re.search(r"(换成|换到|改成|改为|那|看看)\s*$", blanked[:at])
        # "X区 topic 责任单位": an unknown place that opens the question qualifies all of it
        body = next((w for w in bodies if w.startswith(place) and len(w) > len(place) + 2), "")
        first = at == 0 and place[:2] not in vocabulary and (len(place) >= 3 or (body and body not in vocabulary))
        if _OWNS_DOCUMENT.match(after) and (not re.match(r"[，,]", after) or switched) or owns_body or first:
            out.append(place)
    return out


def _topic(text: str, spans: list[tuple[int, int]]) -> str:
    """What the question is about: its words minus entities, asks, years and framing words."""
    from .normalize import tokenize

    rest = _blank(text, spans)
    for fragments in lexicon.ASKS.values():
        rest = _compiled(tuple(fragments)).sub(" ", rest)
    for fragments in lexicon.ROLE_FILTERS.values():
        rest = _compiled(tuple(fragments)).sub(" ", rest)
    rest = re.sub(r"20\d{2}\s*年?|\d{2}\s*年|第\s*[零〇一二两三四五六七八九十百\d]+\s*[条项点條項點]", " ", rest)
    rest = re.sub("|".join(lexicon.RELATIVE_YEARS), " ", rest)
    rest = _compiled(tuple(lexicon.FILLERS)).sub(" ", rest)
    words = []
    for chunk in re.split(r"[^\w\u4e00-\u9fff%％.]+", rest):
        kept = [w for w in tokenize(chunk, whole_words=True) if w not in lexicon.FILLER_WORDS]
        if kept:
            words.append("".join(kept) if "".join(kept) in chunk else " ".join(kept))
    return " ".join(w for w in words if len(w) >= 2 or re.match(r"[A-Za-z]", w))


def understand(raw: str, catalog: Catalog, vocabulary: str = "") -> Question:
    """Parse one turn. `vocabulary` is the corpus text (normalised) for telling known words from unknown."""
    text = normalize(raw)
    q = Question(raw=raw, text=text)
    doc_mentions, dept_mentions, indicator_mentions = _mentions(catalog, text)
    # "X的工作要点里": a name, not an ask; it starts no earlier than a document mention inside it ("请列出|丹鹭实施方案中")
    containers = [(min([d.start for d in doc_mentions if m.start() <= d.start < m.end()] or [m.start()]), m.end())
                  for m in _GENRE.finditer(text) if re.match(r"\s*(里|中|裡|内|的)", text[m.end():])]
    parts = [(m.start(), m.end()) for m in _PART.finditer(text)]  # "目标部分" names a part, it asks no target
    q.asks = detect_asks(_blank(text, [(m.start, m.end) for m in doc_mentions + dept_mentions + indicator_mentions]
                                + containers + parts))
    # 〔2031〕 dates a 文号 only; the years of a whole title name the document
    numbers = [(m.start, m.end) for m in doc_mentions if "number" in (m.part or "") or m.part == "title"]
    years, relative = _years(_blank(text, numbers), catalog)
    years += [y for y in _region_years(text, catalog, doc_mentions + catalog.find_regions(text)) if y not in years]
    q.years, q.relative_years = years, relative
    q.doc_years = _naming_years(text, [m for m in doc_mentions if m.part in ("region", "issuer")]
                                + catalog.find_regions(text))
    q.docs, q.ambiguous_docs = _resolve_docs(catalog, doc_mentions, years)
    q.strong_doc = any(getattr(m, "part", "") not in WEAK_DOC_PARTS | {"region"} for m in doc_mentions)
    q.departments = list(dict.fromkeys(m.key for m in sorted(dept_mentions, key=lambda m: m.start)))
    q.typed = {m.key: m.surface for m in dept_mentions}
    q.indicators = list(dict.fromkeys(m.key for m in sorted(indicator_mentions, key=lambda m: (-m.score, m.start))))
    if "diff" not in q.asks:  # a short name two indicators share equally ("高价值专利"): both are shown
        tied = [a.key for a in catalog.find_indicators(text, docs=q.docs or None, alternatives=True)
                if any(a.span == m.span and a.how == m.how and abs(a.score - m.score) < 1e-9 for m in indicator_mentions)]
        q.indicators += [k for k in tied if k not in q.indicators]
    if q.docs:
        q.indicators = [i for i in q.indicators if set(catalog.indicators[i].docs) & set(q.docs)]
    spans = [(m.start, m.end) for m in doc_mentions]
    if {"target", "diff"} & set(q.asks) or not q.asks:
        spans += [(m.start, m.end) for m in indicator_mentions]
    if {"lead", "list"} & set(q.asks) or not q.asks:
        spans += [(m.start, m.end) for m in dept_mentions]
    region_mentions = catalog.find_regions(text)
    spans += [(m.start, m.end) for m in region_mentions]
    for match in _CLAUSE.finditer(text):
        number = parse_int(match.group(1))
        if number:
            q.clause_numbers.append(number)
    q.last_clause = bool(_LAST_CLAUSE.search(text))
    if re.search(r"上一[条项]", text):
        q.clause_shift = -1
    elif re.search(r"下一[条项]", text):
        q.clause_shift = 1
    for words, key, _ in lexicon.META_FIELDS:
        if "meta" in q.asks and _find(words, text) and key not in q.meta_fields:
            q.meta_fields.append(key)
    named = _blank(text, [(m.start, m.end) for m in doc_mentions + dept_mentions + indicator_mentions])
    for role, fragments in lexicon.ROLE_FILTERS.items():
        if _find(fragments, named):
            q.roles.append(role)
    if "joint" in q.roles and re.search(r"(没有|沒有|无|不与|不跟|不和)[^，,。？?]{0,6}(一起|共同|联合|合作|搭伙)", named):
        q.roles.remove("joint")  # "没有其他单位一起": it says alone, not together
    q.deadlines = [m.group(0) for m in _DEADLINE.finditer(text)]
    if q.deadlines and "list" not in q.asks and re.search(r"哪(些|几)", text):  # "6月底前要交差的…有哪些"
        q.asks.append("list")
    q.values = [m.group(0) for m in _VALUE.finditer(text) if not re.match(r"20\d{2}", m.group(0))]
    q.sections = _sections(catalog, text, q.docs) or _section_kind(catalog, text, q.docs, vocabulary)
    spans += [(m.start(), m.end()) for m in _DEADLINE.finditer(text)]
    q.absent_departments = _absent_departments(text, spans, vocabulary) if vocabulary else []
    entity_spans = [(m.start, m.end) for m in doc_mentions + dept_mentions + indicator_mentions]
    q.missing_document = missing_document(catalog, text, region_mentions)
    q.foreign_places = _foreign_places(text, entity_spans, [d.region for d in catalog.docs], vocabulary)
    owned = [m for m in doc_mentions for p in q.foreign_places
             if re.fullmatch(r"[的\s]*(\d{2,4}\s*年度?)?[的\s]*(有没有|是否|有无)?(出台|出|发布|印发|制定)?过?"
                             r"(那份|这份|那个|的)?[的\s]*",
                             text[text.find(p) + len(p):m.start] if text.find(p) + len(p) <= m.start else "x")]
    if q.foreign_places and (owned or all(getattr(m, "part", "") in WEAK_DOC_PARTS for m in doc_mentions)):
        q.docs, q.ambiguous_docs = [], []  # "北京市…工作要点": the genre words name no document of that place
    q.topic = _topic(text, spans + [(m.start(), m.end()) for m in _VALUE.finditer(text)])
    q.pronoun = any(re.search(p, text) for p in lexicon.PRONOUNS)
    q.this_clause = bool(re.search(r"(这|该|此)一?(条|项)(?!件|目)", text))
    q.ellipsis = any(re.search(p, text) for p in lexicon.ELLIPSIS)
    q.count = bool(re.search(r"[几多少]+[项条件个]|一共|总共|条目数|编到", text)) and "list" in q.asks
    if not q.indicators and ({"target", "diff"} & set(q.asks) or q.ellipsis):
        q.indicators = similar_indicators(catalog, _blank(text, [(m.start, m.end) for m in doc_mentions]), q.docs)
        q.loose_indicators = bool(q.indicators)
    elif {"target", "diff"} & set(q.asks) and any(re.match(r"[和与及、]", text[m.end:m.end + 1]) for m in indicator_mentions):
        # "X和服务机构的目标": the second indicator named loosely after a named one
        rest = _blank(text, [(m.start, m.end) for m in doc_mentions + indicator_mentions])
        q.indicators += [i for i in similar_indicators(catalog, rest, q.docs)[:1] if i not in q.indicators]
    q.confirm = bool(re.search(r"是不是|是否|对吗|没记错|对不对|还是|吗[？?]?$|一样吗|有没有份|有份吗", text))
    return q


def _sections(catalog: Catalog, text: str, docs: list[str]) -> list[str]:
    """Section headings the question names ("保障措施", "工作要求"), longest first."""
    found = []
    scope = docs or list(catalog.sections)
    for doc_id in scope:
        for heading in catalog.sections.get(doc_id, []):
            name = re.sub(r"^[（(]?[一二三四五六七八九十百\d]+[)）、.．]?\s*|^第[一二三四五六七八九十百]+[章节编]\s*", "", heading)
            name = normalize(name)
            at = text.find(name)
            if len(name) < 2 or at < 0 or name in found:
                continue
            after, before = text[at + len(name):], text[:at]
            if re.match(r"[”\"」]|\s*(部分|一章|章|一节|节|下面|下列|里面|方面|讲了|主要|都说|要点|分几|有几|[几哪]条|这一?块|中|里)", after) \
                    or before.endswith(("“", "\"", "「")):
                found.append(name)
    return sorted(found, key=len, reverse=True)


def _section_kind(catalog: Catalog, text: str, docs: list[str], vocabulary: str) -> list[str]:
    """A kind of section asked for in other words (总体要求 → the 总体思路 heading or paragraph), or a part
    the question names itself ("试点目标部分") that the text titles a paragraph with."""
    own = re.search(r"([\u4e00-\u9fff]{2,8}?)(部分|一节|这一块|那一块)", text)
    if own and len(own.group(1)) >= 4 and own.group(1) in vocabulary:
        return [own.group(1)]
    for pattern, words in lexicon.SECTION_KINDS:
        if not re.search(pattern, text):
            continue
        headings = [normalize(h) for d in (docs or list(catalog.sections)) for h in catalog.sections.get(d, [])]
        for word in words:
            named = [h for h in headings if word in h]
            if named:
                return [word]
        return [w for w in words if w in vocabulary][:1]
    return []


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[\s（）()“”\"%]", "", text.lower())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def similar_indicators(catalog: Catalog, text: str, docs: list[str] | None = None) -> list[str]:
    """Indicators named loosely ("服判息诉率", "质押融资登记金额"): most of their character pairs are in the question."""
    names = [n for n, e in catalog.indicators.items() if not docs or set(e.docs) & set(docs)]
    counts: dict[str, int] = {}
    for name in names:
        for pair in _bigrams(name):
            counts[pair] = counts.get(pair, 0) + 1
    common = {pair for pair, n in counts.items() if len(names) >= 4 and n >= 0.4 * len(names)}
    asked = _bigrams(text) - common
    scored = []
    for name in names:
        wanted = _bigrams(name) - common
        if wanted:
            scored.append((len(wanted & asked) / min(len(wanted), 6), name))
    best = max((score for score, _ in scored), default=0.0)
    if best >= 0.5:
        return [name for score, name in sorted(scored, reverse=True) if score >= best - 0.12]
    return _in_order(text, names)


def _in_order(text: str, names: list[str]) -> list[str]:
    """Names a short form abbreviates: 3+ consecutive question characters found in order in the name
    ("版权登记" → 版权作品登记量, "调解案件" → 知识产权纠纷调解成功案件量); the longest such form wins."""
    best, chosen = 2, []
    chunks = re.findall(r"[\u4e00-\u9fffA-Za-z]{3,}", text)
    for name in names:
        longest = 0
        for chunk in chunks:
            for i in range(len(chunk)):
                for j in range(min(len(chunk), i + 8), i + 2, -1):
                    if j - i > longest and _subsequence(chunk[i:j], name) and chunk[i] in name[:len(name) - 1]:
                        longest = j - i
                        break
        if longest > best:
            best, chosen = longest, [name]
        elif longest == best and longest > 2:
            chosen.append(name)
    return chosen


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)

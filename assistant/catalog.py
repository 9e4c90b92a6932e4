"""Catalog: every name a question may use, derived from the parsed units and saved with the index.

Documents with all the ways staff name them (title, 通知 title, 文号 and its parts, region, region +
year, issuer + year, short titles such as 共建要点 / 行动方案 / 商标法), departments with their roles
per document and generated short forms, indicators with short forms, section headings, clause numbers
and the years covered. Nothing here knows a particular document: names come from the units, and the
rules for short names are generic vocabulary (genre words, level words) kept as small tables.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .matching import (TIERS, Mention, NameMatcher, graded, level_of, region_chain, region_short, select, short_forms,
                       split_prefix)
from .normalize import normalize

CATALOG_VERSION = "catalog-11"  # part of the index fingerprint: change it when the names a catalog derives change

# genre words that close a title, longest first; each maps to the shorter genres people also say
GENRES = {
    "工作要点": ["要点"], "要点": [], "三年行动计划": ["行动计划", "计划"], "三年行动方案": ["行动方案", "方案"],
    "行动方案": ["方案"], "实施方案": ["方案"], "工作方案": ["方案"], "方案": [],
    "行动计划": ["计划"], "实施计划": ["计划"], "工作计划": ["计划"], "推进计划": ["计划"], "计划": [],
    "实施意见": ["意见"], "指导意见": ["意见"], "意见": [], "实施细则": ["细则"], "细则": [],
    "实施条例": ["条例"], "条例": [], "实施办法": ["办法"], "管理办法": ["办法"], "办法": [],
    "若干措施": ["措施"], "措施": [], "规划": [], "纲要": [], "规定": [], "决定": [], "通知": [], "法": [],
}
GENRE_KIND = {"要点": "plan", "方案": "plan", "计划": "plan", "规划": "plan", "纲要": "plan", "措施": "plan",
              "意见": "opinion", "细则": "regulation", "条例": "regulation", "办法": "regulation",
              "规定": "regulation", "决定": "decision", "通知": "notice", "法": "law"}
# genre words that alone never name one document (too common in questions or too short)
# genre words that alone may name a document (ambiguous among all of that genre); 措施, 意见, 办法, 通知…
# are too common in questions to name anything alone
GENRE_ALONE = {"工作要点", "要点", "行动方案", "实施方案", "工作方案", "方案", "行动计划", "实施计划", "条例", "实施条例",
               "实施细则", "细则", "若干措施", "纲要", "实施意见", "指导意见", "管理办法", "实施办法"}
GENERIC_GENRES = {"通知", "意见", "决定", "规定", "措施", "若干措施"}
COUNTRY_PREFIXES = ("中华人民共和国",)
TITLE_FILLERS = {"关于", "的", "和", "与", "及", "年", "工作", "进一步", "印发", "年度", "、", ",", "(", ")", "《", "》"}
TITLE_VERBS = {"加强", "支持", "推进", "推动", "促进", "加快", "深化", "落实", "做好", "实施", "开展", "完善", "建立",
               "健全", "进一步", "全面", "切实", "大力", "积极", "对", "关于", "印发", "贯彻", "贯彻落实"}
DEMONSTRATIVES = re.compile(r"(这个|那个|这份|那份|该|本|此|这|那|上述|上面的|刚才的)$")
ISSUER_TAILS = ("办公厅", "办公室")
ROLE_FIELDS = {"lead": "lead_units", "responsible": "responsible_units", "cooperating": "cooperating_units",
               "guiding": "guiding_units", "national": "national_units"}

_PERIOD = re.compile(r"(20\d{2})\s*[—–\-~～至到]+\s*(20\d{2})")
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_DOC_NUMBER = re.compile(r"^(.*?)[〔\[(【（]\s*(\d{4})\s*[〕\])】）]\s*(第?)(\d+)\s*号$")
_NOTICE_TITLE = re.compile(r"^(.{2,60}?关于(?:印发)?.{2,80}的(?:通知|意见|决定|批复|函))$")
_QUOTED = re.compile(r"《([^》]+)》")


@dataclass
class DocEntry:
    doc_id: str
    short: str
    title: str
    region: str
    issuer: str
    years: list[int]
    doc_number: str
    kind: str  # plan | law | regulation | opinion | notice | decision | other
    names: list[str]  # every surface form, normalised
    display: str  # a short readable name ("浦东2023要点")
    state: str = "ok"
    genre: str = ""
    issuers: list[str] = field(default_factory=list)
    notice_title: str = ""  # the 通知 that issued it ("…关于印发…的通知")
    # [form, how, score, part]: how trusted each name is (generic names score lower and stay ambiguous) and
    # what it is made of: title, number, region, region_year, region_genre, year_genre, genre, short_title,
    # subject, title_word, issuer_year, issuer_genre
    forms: list[list] = field(default_factory=list)


@dataclass
class DeptEntry:
    name: str
    docs: list[str]
    roles: dict[str, list[str]]  # doc_id → roles among lead/responsible/cooperating/guiding/national
    aliases: list[str]
    count: int = 0  # units naming it, for ranking ambiguous short forms


@dataclass
class IndicatorEntry:
    name: str
    docs: list[str]
    aliases: list[str]


@dataclass
class Catalog:
    docs: list[DocEntry]
    departments: dict[str, DeptEntry]
    indicators: dict[str, IndicatorEntry]
    sections: dict[str, list[str]]  # doc_id → section headings without numbering
    clause_numbers: dict[str, list[int]]
    years: list[int]
    regions: list[str]

    # ------------------------------------------------------------------ building

    @classmethod
    def from_units(cls, units, documents_report=None) -> "Catalog":
        """Everything from the units; `documents_report` (Documents or dicts with doc_id/region/year) may add facts."""
        reported = {}
        for item in documents_report or []:
            data = item if isinstance(item, dict) else vars(item)
            if data.get("doc_id"):
                reported[data["doc_id"]] = data
        by_doc: dict[str, list] = {}
        for unit in units:
            by_doc.setdefault(unit.doc_id, []).append(unit)
        titles = {doc_id: _doc_title(us) for doc_id, us in by_doc.items()}
        docs = [_doc_entry(doc_id, us, reported.get(doc_id, {})) for doc_id, us in by_doc.items()]
        _name_docs(docs, {doc_id: re.sub(r"\s", "", "".join(u.text for u in us)).lower() for doc_id, us in by_doc.items()})

        departments: dict[str, DeptEntry] = {}
        # a national document (国务院, 国发/国办发/国令, a 中华人民共和国 law) names national bodies without 国家
        region_of = {d.doc_id: d.region or ("国家" if _national(d) else "") for d in docs}
        for unit in units:
            for role, attr in ROLE_FIELDS.items():
                for name in getattr(unit, attr, None) or []:
                    name = name.strip()
                    if len(name) < 2:
                        continue
                    entry = departments.setdefault(name, DeptEntry(name=name, docs=[], roles={}, aliases=[]))
                    if unit.doc_id not in entry.docs:
                        entry.docs.append(unit.doc_id)
                    roles = entry.roles.setdefault(unit.doc_id, [])
                    if role not in roles:
                        roles.append(role)
                    entry.count += 1
        for entry in departments.values():
            aliases: list[str] = []
            for doc_id in entry.docs:
                for form in short_forms(entry.name, "department", region_of.get(doc_id, "")):
                    if form not in aliases:
                        aliases.append(form)
            entry.aliases = aliases

        indicators: dict[str, IndicatorEntry] = {}
        for unit in units:
            for target in getattr(unit, "targets", None) or []:
                name = target.indicator.strip()
                if len(name) < 2:
                    continue
                entry = indicators.setdefault(name, IndicatorEntry(name=name, docs=[], aliases=short_forms(name, "indicator")))
                if unit.doc_id not in entry.docs:
                    entry.docs.append(unit.doc_id)
        _drop_common_openings(indicators)

        sections: dict[str, list[str]] = {}
        clause_numbers: dict[str, list[int]] = {}
        for doc_id, us in by_doc.items():
            title = normalize(titles[doc_id])
            heads: list[str] = []
            for unit in us:
                if unit.kind == "header":
                    continue
                for part in (unit.section or "").split(" > "):
                    name = strip_numbering(part)
                    if len(name) >= 2 and normalize(name) != title and name not in heads:
                        heads.append(name)
            sections[doc_id] = heads
            clause_numbers[doc_id] = sorted({u.number for u in us if u.kind == "clause" and u.number})

        years = sorted({y for d in docs for y in d.years})
        regions = [d.region for d in docs if d.region]
        for name in departments:
            for region in region_chain(name):
                if not name.startswith("各"):
                    regions.append(region)
        regions = list(dict.fromkeys(regions))
        return cls(docs=docs, departments=departments, indicators=indicators, sections=sections,
                   clause_numbers=clause_numbers, years=years, regions=regions)

    def to_dict(self) -> dict:
        return {"docs": [asdict(d) for d in self.docs],
                "departments": {k: asdict(v) for k, v in self.departments.items()},
                "indicators": {k: asdict(v) for k, v in self.indicators.items()},
                "sections": self.sections, "clause_numbers": self.clause_numbers,
                "years": self.years, "regions": self.regions}

    @classmethod
    def from_dict(cls, d: dict) -> "Catalog":
        cat = cls(docs=[DocEntry(**x) for x in d.get("docs", [])],
                  departments={k: DeptEntry(**v) for k, v in d.get("departments", {}).items()},
                  indicators={k: IndicatorEntry(**v) for k, v in d.get("indicators", {}).items()},
                  sections=d.get("sections", {}), clause_numbers={k: list(v) for k, v in d.get("clause_numbers", {}).items()},
                  years=d.get("years", []), regions=d.get("regions", []))
        cat.__dict__["_content_key"] = _content_key(d)  # what the saved matchers are keyed by (1 ms)
        return cat

    # ------------------------------------------------------------------ lookups

    def doc(self, doc_id) -> DocEntry:
        for entry in self.docs:
            if entry.doc_id == doc_id:
                return entry
        raise KeyError(doc_id)

    def _matchers(self) -> dict:
        cached = self.__dict__.get("_matcher_cache")
        if cached is None:
            cached = self.__dict__["_matcher_cache"] = _saved_matchers(self)
        return cached

    def find_docs(self, text) -> list[Mention]:
        """Documents named in the text: every candidate of a span with its score (a generic name such as
        实施方案 gives all documents it fits). A department written just before a year or genre
        ("区知识产权局2024年工作要点") is the issuer naming the document and joins the mention."""
        return list(self._cached_find(normalize(text))[0])

    def find_departments(self, text, docs: list[str] | None = None, alternatives: bool = False) -> list[Mention]:
        """Departments named in the text, outside document mentions, one per span: the most trusted,
        preferring those the documents in `docs` name (知产局 → that document's 知识产权局).
        alternatives=True also returns the other candidates of each span, after the best."""
        found = list(self._cached_find(normalize(text))[1])
        found = self._rank_by_docs(found, lambda key: self.departments[key].docs if key in self.departments else [],
                                   docs or [], lambda key: self.departments[key].count if key in self.departments else 0)
        return found if alternatives else _first_per_span(found)

    def find_indicators(self, text, docs: list[str] | None = None, alternatives: bool = False) -> list[Mention]:
        """Indicators named in the text, one per span (see find_departments)."""
        found = list(self._cached_find(normalize(text))[2])
        found = self._rank_by_docs(found, lambda key: self.indicators[key].docs if key in self.indicators else [],
                                   docs or [], lambda key: 0)
        return found if alternatives else _first_per_span(found)

    def issued_by(self, name: str) -> list[str]:
        """Documents whose issuer is `name` or one of its short forms (a department asked about as a sender)."""
        name = normalize(name)
        out = []
        for d in self.docs:
            forms = set()
            for issuer in d.issuers or ([d.issuer] if d.issuer else []):
                forms.update(_issuer_forms(issuer, d.region))
            if name in forms:
                out.append(d.doc_id)
        return out

    def warm(self) -> "Catalog":
        """Build the matchers now (pinyin table, indexes) so the first question does not pay for it."""
        self._matchers()
        self.find_departments("预热")
        return self

    def find_regions(self, text) -> list[Mention]:
        return self._matchers()["regions"].find(normalize(text))

    def find_sections(self, text, docs: list[str] | None = None) -> list[Mention]:
        """Section headings named in the text (key = heading; exact or close), within `docs` if given."""
        return [m for m in self._matchers()["sections"].find(normalize(text))
                if not docs or any(m.key in self.sections.get(d, []) for d in docs)]

    @staticmethod
    def _rank_by_docs(found: list[Mention], docs_of, docs: list[str], weight) -> list[Mention]:
        """Order each span's candidates: named by the documents in scope, then trust, score, frequency."""
        scope = set(docs)
        return sorted(found, key=lambda m: (m.start, m.end, not (scope & set(docs_of(m.key))), TIERS[m.how],
                                            m.surface[:1] != normalize(m.key)[:1], -m.score, -weight(m.key)))

    def _cached_find(self, text: str):
        cache = self.__dict__.setdefault("_find_cache", {})
        if text in cache:
            return cache[text]
        result = self._find_all(text)
        if len(cache) > 512:
            cache.clear()
        cache[text] = result
        return result

    def _find_all(self, text: str):
        m = self._matchers()
        dept_all = m["departments"].candidates(text)
        doc_all = m["docs"].candidates(text)
        issuer_all = [x for x in m["issuers"].candidates(text) if x.how in ("exact", "alias", "abbrev")]
        doc_found = select(doc_all)
        # a generic genre word after a demonstrative is a reference back (这个方案), not a name
        doc_found = [x for x in doc_found if not (x.part == "genre" and DEMONSTRATIVES.search(text[: x.start]))]
        # an issuer right before a year/genre mention narrows it and joins it
        joined: list[Mention] = []
        for x in doc_found:
            before = [i for i in issuer_all if i.end == x.start and i.key == x.key]
            if before:
                i = max(before, key=lambda b: b.end - b.start)
                joined.append(Mention("doc", x.key, text[i.start: x.end], i.start, x.end, min(1.0, x.score + 0.1), x.how,
                                      f"issuer+{x.part}"))
        if joined:
            spans = {(j.start, j.end) for j in joined}
            covered = [(j.start, j.end) for j in joined]
            doc_found = [x for x in doc_found if not any(s <= x.start and x.end <= e for s, e in covered)] + joined
            doc_found = [x for x in doc_found if (x.start, x.end) in spans or
                         not any(x.start < e and s < x.end for s, e in covered)]
        doc_found = _merge_parts(text, doc_found)
        # a region that is part of a department's own name (浦东新区政府, 上海知识产权局) names no document;
        # a region put in front of a short name (普陀区知识产权局 for 区知识产权局) still does
        depts = select(dept_all)
        doc_found = [x for x in doc_found if not (
            x.part == "region"
            and any(d.start <= x.start and x.end <= d.end and (d.end - d.start) > (x.end - x.start)
                    and x.surface in normalize(d.key) for d in depts))]
        strong = {x.key for x in doc_found if x.score > WEAK_SCORE}
        if strong:  # a weak name (a title word, a genre word alone) gives way to a stronger one that disagrees
            doc_found = [x for x in doc_found if x.score > WEAK_SCORE or x.key in strong]
        doc_found.sort(key=lambda x: (x.start, -x.score))
        doc_spans = [(x.start, x.end) for x in doc_found if x.score > GENERIC_SCORE]
        dept_found = [d for d in select(dept_all)
                      if not any(s <= d.start and d.end <= e or (d.start < e and s < d.end and e - s > d.end - d.start)
                                 for s, e in doc_spans)]
        ind_found = [i for i in m["indicators"].find(text)
                     if not any(s <= i.start and i.end <= e for s, e in doc_spans)]
        return tuple(doc_found), tuple(dept_found), tuple(ind_found)

GENERIC_SCORE = 0.5
WEAK_SCORE = 0.55  # a distinctive title word alone: kept only when no stronger document name disagrees
# what may stand between two parts of one document name (浦东 的 要点, 普陀 那边的 行动方案)
NAME_GAPS = ("", "的", "之", "那边的", "这边的", "那个", "这个", "的那个", "的这个", "那份", "的那份", "区的", "市的")


def _first_per_span(found: list[Mention]) -> list[Mention]:
    seen: set[tuple[int, int]] = set()
    out = []
    for m in found:
        if m.span not in seen:
            seen.add(m.span)
            out.append(m)
    return out


def _merge_parts(text: str, found: list[Mention]) -> list[Mention]:
    """Adjacent document mentions whose candidates overlap name one thing ("浦东" + "的" + "要点")."""
    while True:
        groups: dict[tuple[int, int], list[Mention]] = {}
        for m in found:
            groups.setdefault(m.span, []).append(m)
        spans = sorted(groups)
        merged = False
        for a, b in zip(spans, spans[1:]):
            if b[0] < a[1] or text[a[1]: b[0]] not in NAME_GAPS:
                continue
            keys_a = {m.key: m for m in groups[a]}
            common = [m for m in groups[b] if m.key in keys_a]
            if not common:
                continue
            joined = [Mention("doc", m.key, text[a[0]: b[1]], a[0], b[1],
                              round(min(1.0, max(m.score, keys_a[m.key].score) + 0.05), 4),
                              min(m.how, keys_a[m.key].how, key=TIERS.get), f"{keys_a[m.key].part}+{m.part}")
                      for m in common]
            found = [m for m in found if m.span not in (a, b)] + joined
            merged = True
            break
        if not merged:
            return found


def strip_numbering(heading: str) -> str:
    """"二、主要任务" → "主要任务", "（三）强化…" → "强化…", "第二章 总则" → "总则"."""
    heading = heading.strip()
    heading = re.sub(r"^第[一二三四五六七八九十百零〇\d]+[章节编条]\s*", "", heading)
    heading = re.sub(r"^[（(]?[一二三四五六七八九十百零〇\d]+[)）、.．]\s*", "", heading)
    return heading.strip()


# --------------------------------------------------------------------------- documents

def _doc_title(units) -> str:
    header = next((u for u in units if u.kind == "header"), None)
    title = (header.facts.get("title") if header and header.facts else "") or units[0].doc_title
    return title or units[0].doc_short


def _doc_entry(doc_id: str, units, reported: dict) -> DocEntry:
    header = next((u for u in units if u.kind == "header"), None)
    facts = dict(header.facts) if header and header.facts else {}
    title = _doc_title(units)
    issuers = facts.get("issuers") or []
    if isinstance(issuers, str):
        issuers = [issuers]
    if not issuers and facts.get("enacted_by"):
        issuers = [facts["enacted_by"]]
    issuer = facts.get("issuer") or (issuers[0] if issuers else "")
    if not issuers and issuer:
        issuers = [p for p in re.split(r"[、,，\s]+", issuer) if p]
    region = reported.get("region") or facts.get("region") or _region_of(title, issuers)
    years = _years_of(title, facts, units, reported)
    genre = _genre_of(title)
    kind = next((GENRE_KIND[g] for g in [genre] + GENRES.get(genre, []) if g in GENRE_KIND), "other")
    if not kind or kind == "other":
        kind = next((v for k, v in GENRE_KIND.items() if genre.endswith(k)), "other")
    return DocEntry(doc_id=doc_id, short=units[0].doc_short, title=title, region=region, issuer=issuer,
                    years=years, doc_number=str(facts.get("doc_number") or reported.get("doc_number") or ""),
                    kind=kind, names=[], display="", genre=genre, issuers=list(issuers),
                    notice_title=str(facts.get("notice_title") or ""))


def _region_of(title: str, issuers: list[str]) -> str:
    """The administrative prefix of the title (after a leading year), else the issuer's innermost region."""
    head = re.sub(r"^(20\d{2}\s*[—–\-~至到]*\s*)+年?", "", normalize(title))
    chain = region_chain(head)
    if chain:
        return _original_case(chain[0], title)
    for issuer in issuers:
        chain = region_chain(issuer)
        if chain:
            return _original_case(chain[-1], issuer)
    return ""


def _original_case(norm: str, source: str) -> str:
    """The normalised region as written in `source` (keeps XX rather than xx)."""
    flat = re.sub(r"\s", "", source)
    at = flat.lower().find(norm)
    return flat[at: at + len(norm)] if at >= 0 else norm


def _years_of(title: str, facts: dict, units, reported: dict) -> list[int]:
    """Years a document covers: a period in the title covers each year, plus its issue year and goal years."""
    years: set[int] = set()
    flat = normalize(title)
    for a, b in _PERIOD.findall(flat):
        a, b = int(a), int(b)
        if a <= b <= a + 30:
            years |= set(range(a, b + 1))
    years |= {int(y) for y in _YEAR.findall(_PERIOD.sub(" ", flat))}
    if reported.get("year"):
        years.add(int(reported["year"]))
    for key in ("issue_date", "published"):
        value = facts.get(key)
        if isinstance(value, str) and (m := _YEAR.search(value)) and not years:
            years.add(int(m.group(1)))
    history = facts.get("history")
    if history and not years:
        # a statute: the year of its current version (the last revision)
        found = [int(y) for y in _YEAR.findall(str(history))]
        if found:
            years.add(max(found))
    for unit in units:
        for target in getattr(unit, "targets", None) or []:
            if target.year and getattr(target, "kind", "target") != "actual":  # a baseline year is no year it covers
                years.add(int(target.year))
    return sorted(years)


def _genre_of(title: str) -> str:
    flat = normalize(title)
    flat = re.sub(r"(\([^()]*\))+$", "", flat)  # (试行) (2024-2025)
    if (m := re.match(r"^.*关于印发(.+)的通知$", flat)):
        flat = m.group(1).strip("《》")
    elif (m := re.match(r"^.*关于(.+)的(意见|决定|通知)$", flat)):
        inner = _genre_of(m.group(1))
        return inner if inner not in ("", "通知") else m.group(2)
    for genre in sorted(GENRES, key=len, reverse=True):
        if flat.endswith(genre):
            return genre
    return ""


def _drop_common_openings(indicators: dict) -> None:
    """Words that open many of the corpus' indicator names (知识产权… here) are the field, not the
    indicator: people leave them out (服务机构 for 知识产权服务机构数量), so the names without them are aliases."""
    from os.path import commonprefix

    names = [normalize(n) for n in indicators]
    openings = {commonprefix([a, b]) for i, a in enumerate(names) for b in names[i + 1:]}
    for opening in (o for o in openings if len(o) >= 2):
        sharing = [n for n in indicators if normalize(n).startswith(opening)]
        if len(sharing) < 3 or len(sharing) < 0.25 * len(indicators):
            continue
        for name in sharing:
            rest = normalize(name)[len(opening):]
            entry = indicators[name]
            for form in [rest] + short_forms(rest, "indicator"):
                if len(form) >= 4 and form not in entry.aliases and form not in indicators:
                    entry.aliases.append(form)


def _national(d: "DocEntry") -> bool:
    issuers = " ".join(d.issuers or [d.issuer])
    return bool(re.match(r"(国务院|全国人民代表大会|中华人民共和国)", issuers) or re.match(r"国(发|办发|办函|函|令)", d.doc_number)
                or normalize(d.title).startswith("中华人民共和国"))


def _body_phrases(words: list[str], text: str, title: str, least: int = 3) -> list[str]:
    """Title word + a dictionary word that follows it at least `least` times in the text and is not in the
    title, most frequent first."""
    from .matching import _word_table

    table = _word_table()
    counts: dict[str, int] = {}
    for word in {w for w in words if len(w) >= 2 and w not in TITLE_FILLERS and w not in TITLE_VERBS}:
        for match in re.finditer(re.escape(word) + r"([\u4e00-\u9fff]{2})", text):
            phrase = word + match.group(1)
            if match.group(1) in table and phrase not in title and not match.group(1).startswith(("第", "条", "款")):
                counts[phrase] = counts.get(phrase, 0) + 1
    return [p for p, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n >= least]


def _name_docs(docs: list[DocEntry], texts: dict[str, str]) -> None:
    """Fill names, forms and display of every document (needs all documents: word frequency, collisions).
    `texts`: each document's text, to tell a title word that is the document's own subject from common words."""
    def own_subject(word: str, doc_id: str) -> bool:
        """More frequent in this document than in all the others together (行政保护, not 知识产权)."""
        own = texts.get(doc_id, "").count(word)
        others = sum(t.count(word) for k, t in texts.items() if k != doc_id)
        return own > others

    word_docs: dict[str, set[str]] = {}
    cores: dict[str, list[str]] = {}
    for d in docs:
        words = _title_words(d)
        cores[d.doc_id] = words
        for w in set(words):
            word_docs.setdefault(w, set()).add(d.doc_id)
    for d in docs:
        forms: dict[str, tuple[str, float, str]] = {}

        def add(form: str, how: str, score: float, part: str) -> None:
            form = normalize(form)
            if len(form) < 2:
                return
            old = forms.get(form)
            if old is None or old[1] < score:
                forms[form] = (how, score, part)

        title = normalize(d.title)
        add(title, "exact", 1.0, "title")
        if d.notice_title:
            add(d.notice_title, "exact", 1.0, "title")
        add(title.replace("《", "").replace("》", ""), "alias", 0.95, "title")
        add(re.sub(r"(\([^()]*\))+$", "", title), "alias", 0.95, "title")
        for prefix in COUNTRY_PREFIXES:
            if title.startswith(prefix):
                add(title[len(prefix):], "alias", 0.95, "title")
        _number_forms(d.doc_number, add)
        genres = [d.genre] + GENRES.get(d.genre, []) if d.genre else []
        alone = [g for g in genres if g in GENRE_ALONE]
        region_forms = _dedupe([normalize(d.region), region_short(d.region)]) if d.region else []
        year_forms = [(y, f) for y in d.years for f in (f"{y}年", f"{y}年度", f"{y}", f"{y % 100:02d}年")]
        if len(d.years) > 1:
            a, b = d.years[0], d.years[-1]
            year_forms += [(None, f"{a}{sep}{b}年") for sep in ("—", "-", "~", "至", "到")]
            year_forms += [(None, f"{a}{sep}{b}") for sep in ("—", "-")]
        for r in region_forms:
            add(r, "alias", 0.6, "region")
            for _, y in year_forms:
                add(r + y, "alias", 0.8, "region_year")
                for g in genres:
                    add(r + y + g, "alias", 0.95, "region_genre")
                    add(r + y + "的" + g, "alias", 0.9, "region_genre")
                if y.endswith(("年", "年度")):
                    add(y + r, "alias", 0.8, "region_year")  # 2023年浦东…
                    for g in genres:
                        add(y + r + g, "alias", 0.95, "region_genre")
            for g in genres:
                add(r + g, "alias", 0.9, "region_genre")
        for _, y in year_forms:
            for g in alone:
                add(y + g, "alias", 0.7, "year_genre")
        for g in alone:
            add(g, "alias", GENERIC_SCORE, "genre")
        # short titles: title words before the genre (共建要点, 行政保护方案, 商标法)
        words = cores[d.doc_id]
        for n in (1, 2, 3, 4):
            for i in range(len(words) - n + 1):
                gram = words[i: i + n]
                if gram[0] in TITLE_FILLERS or gram[-1] in TITLE_FILLERS - {"工作"}:
                    continue
                text = "".join(gram)
                if len(text) < 2:
                    continue
                shared = set.intersection(*(word_docs.get(w, set()) for w in gram))
                score = 0.85 if len(shared) <= 1 else 0.75
                if len(shared) <= 1 and len(text) >= 4 and gram[-1] != "工作" and gram[0] not in TITLE_VERBS \
                        and own_subject(text, d.doc_id):
                    add(text, "alias", WEAK_SCORE, "title_word")  # a distinctive title word alone (行政保护): a weak name
                for g in genres:
                    if g == "法" and i + n != len(words):
                        continue  # a law is named by the words right before 法
                    add(text + g, "alias", score, "short_title")
                    for r in region_forms:
                        add(r + text + g, "alias", min(0.95, score + 0.05), "short_title")
        # a title word with the word its text keeps putting after it names the document too (标题"…激励支持
        # 力度的通知", text "督查激励措施" ×10 → 激励措施通知)
        own_words = [w for w in words if len(word_docs.get(w, ())) <= 1]
        for phrase in _body_phrases(own_words, texts.get(d.doc_id, ""), title)[:2]:
            if own_subject(phrase, d.doc_id):
                for g in genres:
                    add(phrase + g, "alias", 0.75, "short_title")
        if words:
            whole = "".join(w for w in words if w not in TITLE_FILLERS)
            subject = "".join(w for w in _drop_leading_verbs(words) if w not in TITLE_FILLERS)
            for g in genres:
                add(whole + g, "alias", 0.9, "short_title")
            # a long, distinctive subject names the document without its genre (三级公立医院绩效考核)
            for text in {whole, subject}:
                if len(text) >= 6 and sum(1 for other in cores.values() if text in "".join(other)) == 1 \
                        and (len(docs) == 1 or own_subject(text, d.doc_id)):
                    add(text, "alias", 0.8, "subject")
        # issuer + year / genre (上海市知识产权局2023年…); the issuer alone names a department, not a document
        for issuer in d.issuers or ([d.issuer] if d.issuer else []):
            for form in _issuer_forms(issuer, d.region):
                for _, y in year_forms:
                    add(form + y, "alias", 0.85, "issuer_year")
                    for g in genres:
                        add(form + y + g, "alias", 0.95, "issuer_genre")
                for g in genres:
                    add(form + g, "alias", 0.85, "issuer_genre")
        d.forms = [[f, how, score, part] for f, (how, score, part) in forms.items()]
        d.names = list(forms)
    _displays(docs, cores)


def _title_words(d: DocEntry) -> list[str]:
    """Content words of the title between the region/issuer/year opening and the genre word."""
    from .normalize import _jieba

    flat = normalize(d.title)
    flat = re.sub(r"(\([^()]*\))+$", "", flat)
    if (m := re.match(r"^.*关于印发(.+)的通知$", flat)):
        flat = m.group(1)
    elif (m := re.match(r"^.*关于(.+)的(意见|决定|通知)$", flat)):
        flat = m.group(1)
    flat = _QUOTED.sub("", flat)
    for prefix in COUNTRY_PREFIXES:
        flat = flat.replace(prefix, "")
    flat = _PERIOD.sub("", flat)
    flat = re.sub(r"(?<!\d)20\d{2}年?", "", flat)
    strip = []
    for issuer in d.issuers or ([d.issuer] if d.issuer else []):
        strip += _issuer_forms(issuer, d.region)
    strip += [normalize(d.region), region_short(d.region)] if d.region else []
    for form in sorted({s for s in strip if len(s) >= 2}, key=len, reverse=True):
        flat = flat.replace(form, "")
    if d.genre and flat.endswith(d.genre):
        flat = flat[: -len(d.genre)]
    flat = re.sub(r"[()（）\[\]“”\"'、,，:：]", "", flat)
    if not flat:
        return []
    return [w for w in _jieba().lcut(flat) if w.strip()]


def _issuer_forms(issuer: str, region: str) -> list[str]:
    """An issuer and its shorter names (办公厅/办公室 of a government is the government for naming)."""
    name = normalize(issuer)
    out = [name]
    for tail in ISSUER_TAILS:
        if name.endswith(tail) and len(name) - len(tail) >= 4:
            out.append(name[: -len(tail)])
    for form in list(out):
        out += short_forms(form, "department", region)
        prefix, core = split_prefix(form)
        if prefix and core and region and level_of(region):
            out.append(level_of(region) + core)
    return _dedupe([f for f in out if len(f) >= 3])


def _number_forms(number: str, add) -> None:
    """文号 as typed: any bracket style, no brackets, 第N号, "N号文"."""
    number = normalize(number)
    if not number:
        return
    add(number, "exact", 1.0, "number")
    m = _DOC_NUMBER.match(number)
    if not m:
        return
    head, year, di, n = m.groups()
    for left, right in (("〔", "〕"), ("[", "]"), ("(", ")"), ("【", "】"), ("", ""), ("", "年")):
        add(f"{head}{left}{year}{right}{n}号", "exact", 1.0, "number")
        add(f"{head}{left}{year}{right}第{n}号", "exact", 1.0, "number")
    add(f"{head}{n}号", "alias", 0.9, "number")
    add(f"{n}号文", "alias", 0.6, "number")


def _displays(docs: list[DocEntry], cores: dict[str, list[str]]) -> None:
    """region (or issuer) + years + genre; the first distinctive title word joins when names collide or
    the genre says little (通知, 意见); a statute is its title without the country prefix."""
    def word(d: DocEntry) -> str:
        return next((w for w in _drop_leading_verbs(cores[d.doc_id]) if w not in TITLE_FILLERS and len(w) >= 2), "")

    def base(d: DocEntry, extra: str = "") -> str:
        if d.kind in ("law", "regulation") and not d.doc_number.count("〔"):
            title = re.sub(r"(\([^()（）]*\)|（[^()（）]*）)+$", "", d.title)
            for prefix in COUNTRY_PREFIXES:
                title = title.replace(prefix, "")
            return title
        who = _original_case(region_short(d.region), d.region) if d.region else (d.issuers[0] if d.issuers else "")
        years = ""
        if d.years:
            years = f"{d.years[0]}" if len(d.years) == 1 else f"{d.years[0]}—{d.years[-1]}"
        genre = GENRES.get(d.genre, [d.genre])[0] if d.genre == "工作要点" else d.genre
        return f"{who}{years}{extra}{genre or '文件'}"

    names = [base(d, word(d) if d.genre in GENERIC_GENRES else "") for d in docs]
    for i, d in enumerate(docs):
        if names.count(names[i]) > 1 and d.genre not in GENERIC_GENRES:
            names[i] = base(d, word(d))
    for d, name in zip(docs, names):
        d.display = name


def _drop_leading_verbs(words: list[str]) -> list[str]:
    """Title words from the first one that is not a generic action verb (加强三级公立医院… → 三级公立医院…)."""
    i = 0
    while i < len(words) - 1 and (words[i] in TITLE_VERBS or words[i] in TITLE_FILLERS):
        i += 1
    return words[i:]


def _dedupe(items):
    return list(dict.fromkeys(i for i in items if i))


# --------------------------------------------------------------------------- matchers

MATCHERS_KEPT = 8  # saved matcher sets kept in the cache folder (one per catalog: publishes make new ones)


def _content_key(d: dict) -> str:
    """Digest of a catalog as its JSON gives it (marshal version 2 writes equal data as equal bytes)."""
    import hashlib
    import marshal

    return hashlib.sha1(marshal.dumps(d, 2)).hexdigest()


def _saved_matchers(cat: Catalog) -> dict:
    """The matchers of this catalog, unpickled when the same catalog was matched before by the same code
    (building them normalises and indexes every name and its pinyin: ~0.3 s cold at start-up); built and
    saved otherwise. Keyed by the catalog's content, the matching code and jieba's dictionary."""
    import hashlib
    import json
    import pickle
    from pathlib import Path

    from . import matching, normalize as normalize_module
    from .normalize import _derived_cache, _jieba_source_key, _package_file_key, _write_atomically

    content = cat.__dict__.get("_content_key") or _content_key(json.loads(json.dumps(cat.to_dict())))
    digest = hashlib.sha1(content.encode() + _jieba_source_key().encode())
    for package, data in (("zhconv", "zhcdict.json"), ("pypinyin", "pinyin_dict.json")):  # normalize, pinyin_of
        digest.update(_package_file_key(package, data).encode())
    for module in (matching, normalize_module):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    path = _derived_cache("matchers", digest.hexdigest()[:20])
    if path.exists():
        try:
            return pickle.loads(path.read_bytes())
        except Exception:  # noqa: BLE001 - an unreadable cache is rebuilt
            pass
    matchers = _build_matchers(cat)
    if _write_atomically(path, pickle.dumps(matchers, protocol=pickle.HIGHEST_PROTOCOL)):
        saved = sorted(path.parent.glob("matchers-*.bin"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in saved[MATCHERS_KEPT:]:
            old.unlink(missing_ok=True)
    return matchers


def _build_matchers(cat: Catalog) -> dict:
    docs = {d.doc_id: [tuple(f) for f in d.forms] or [d.title] for d in cat.docs}
    issuers = {}
    for d in cat.docs:
        forms = []
        for issuer in d.issuers or ([d.issuer] if d.issuer else []):
            forms += _issuer_forms(issuer, d.region)
        if forms:
            issuers[d.doc_id] = _dedupe(forms)
    departments = {name: [name] + [graded(name, a) for a in e.aliases] for name, e in cat.departments.items()}
    indicators = {name: [name] + [graded(name, a) for a in e.aliases] for name, e in cat.indicators.items()}
    regions = {r: [r] + short_forms(r, "region") for r in cat.regions}
    sections = {h: [h] for hs in cat.sections.values() for h in hs if len(normalize(h)) >= 2}
    return {
        "docs": NameMatcher("doc", docs, tolerant=False),
        "issuers": NameMatcher("issuer", issuers, tolerant=False),
        "departments": NameMatcher("department", departments),
        "indicators": NameMatcher("indicator", indicators),
        "regions": NameMatcher("region", regions, tolerant=False),
        "sections": NameMatcher("section", sections),
    }

"""Tolerant entity matching: find corpus names in a question the way people type them.

A `NameMatcher` holds the surface forms of one kind of name (departments, indicators, documents…) and
finds them in normalised text, in this order of trust: the name itself (exact), a given alias
(alias), an abbreviation whose characters appear in order in the name (abbrev), a homophone typo
(pinyin) and a one-character slip (fuzzy). Abbreviations are a rule, not a list: the short form starts
with the first character of the name's core (or its level prefix) and ends with the name's last
character or the short character of its suffix (委员会 → 委). The only knowledge kept here is generic
vocabulary (level words, unit suffixes, word contractions, measure words) as small tables.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .normalize import normalize

# --------------------------------------------------------------------------- generic vocabulary (data)

# level words that may open a department name; dropping them gives the name's core
LEVELS = ("国家", "省", "市", "区", "县", "镇", "乡", "街道")
LEVEL_CHARS = "国省市区县"
NOT_LEVEL_WORDS = ("市场", "区域", "县域")  # words that open with a level character but are no level
# unit-name suffixes and the short character people use for them (委员会 → 委)
SUFFIX_SHORT = {
    "管理委员会": "管委会", "委员会": "委", "办公室": "办", "办公厅": "办", "人民政府": "政府",
    "人民法院": "法院", "人民检察院": "检察院", "领导小组": "小组", "服务中心": "中心",
}
UNIT_SUFFIXES = ("管委会", "委员会", "办公室", "办公厅", "政府", "法院", "检察院", "中心", "分局", "总局", "支队",
                 "海关", "支行", "分行", "协会", "联合会", "促进会", "研究院", "局", "委", "办", "处", "科", "院",
                 "署", "厅", "司", "部", "会", "所", "站", "队", "室", "行", "组")
# generic word contractions used in department names (long form → short form)
CONTRACTIONS = (
    ("经济和信息化", "经济信息化"), ("发展和改革", "发展改革"), ("文化和旅游", "文化旅游"),
    ("住房和城乡建设", "住房城乡建设"), ("人力资源和社会保障", "人力资源社会保障"),
    ("经济和信息化", "经信"), ("经济信息化", "经信"), ("发展和改革", "发改"), ("发展改革", "发改"),
    ("市场监督管理", "市场监管"), ("市场监督管理", "市监"), ("市场监管", "市监"), ("知识产权", "知产"),
    ("人民政府", "政府"), ("委员会", "委"), ("科学技术", "科"), ("科学技术", "科技"), ("人力资源和社会保障", "人社"),
    ("人力资源社会保障", "人社"), ("住房和城乡建设", "住建"), ("住房城乡建设", "住建"), ("文化和旅游", "文旅"),
    ("文化旅游", "文旅"), ("生态环境", "环境"), ("商务委员会", "商务委"), ("教育委员会", "教委"),
    ("办公室", "办"), ("金融服务", "金融"), ("地方金融监督管理", "金融监管"), ("投资促进", "投促"),
    ("街道办事处", "街道"), ("街道办事处", "街道办"), ("中国人民银行", "央行"), ("人民银行", "央行"),
)
GENERIC_UNITS = set(SUFFIX_SHORT) | set(SUFFIX_SHORT.values()) | set(UNIT_SUFFIXES)
# internal offices called by their last word (监测预警科 → 预警科, 知识产权保护处 → 保护处)
OFFICE_SUFFIXES = ("科", "处", "室")
GENERIC_OFFICE_WORDS = ("管理", "服务", "综合", "工作", "业务", "事务", "办公")
# words that follow a department's name in a question ("X管的", "X牵头"): a guessed name ending right
# before one ends at a word boundary even where the dictionary joins the two (局管, 处理)
# one-character words that stand between a name and the rest of a question (X在…, …里X)
FUNCTION_CHARS = set("在里的是对和与由把被给有要都也还就让向从于及或中内呢吗啊")
NAME_FOLLOWERS = ("管", "负责", "牵头", "挑头", "前头", "配合", "参与", "协办", "指导", "主管", "主抓", "抓", "办",
                  "干", "承担", "落实", "对口", "分管", "名下", "手上", "有份", "的")
# names that are collective, not one department: they get no generated short forms
COLLECTIVE = re.compile(r"^(各|有关|相关|全体|其他|其它)|成员单位$|各有关")
# indicator qualifiers people leave out, and measure words that close an indicator name
INDICATOR_PREFIXES = ("每万人口", "每万人", "新增", "累计", "年均", "全年", "年度", "年")
MEASURE_SUFFIXES = ("拥有量", "申请量", "注册量", "登记量", "授权量", "数量", "金额", "次数", "件数", "案件数",
                    "覆盖率", "增长率", "量", "数")
INDICATOR_DROPS = ("国际", "发明", "申请", "登记", "注册")

TIERS = {"exact": 0, "alias": 1, "abbrev": 2, "pinyin": 3, "fuzzy": 4}
BASE_SCORE = {"exact": 1.0, "alias": 0.9, "abbrev": 0.8, "pinyin": 0.7, "fuzzy": 0.6}

# common nouns that end like a region (试点城市, 开发区) but name none
NOT_REGIONS = ("城市", "都市", "超市", "地区", "社区", "园区", "小区", "景区", "市区", "城区", "郊区", "辖区", "街区",
               "县区", "试验区", "开发区", "功能区", "保税区", "集聚区", "示范区", "各区", "全区", "全市", "全省", "本市", "本区")
_ADMIN = re.compile(r"([\u4e00-\u9fffa-z]{2,4}?(?:特别行政区|自治区|自治州|自治县|新区|新片区|省|市|区|县|州|旗))")


@dataclass
class Mention:
    """One name found in a question: `key` is the catalog entry, positions refer to the normalised text."""

    kind: str
    key: str
    surface: str
    start: int
    end: int
    score: float
    how: str  # exact | alias | abbrev | pinyin | fuzzy
    part: str = ""  # for documents: what the name is made of (title, number, region, region_genre, genre…)

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


# --------------------------------------------------------------------------- regions and short forms

def region_chain(text: str) -> list[str]:
    """Administrative names at the start of a text, outermost first ("上海市浦东新区知识产权局" → 上海市, 浦东新区)."""
    text = normalize(text)
    chain = []
    pos = 0
    while True:
        match = _ADMIN.match(text, pos)
        if not match:
            break
        word = match.group(1)
        rest = text[match.end():]
        if word.endswith(NOT_REGIONS):
            break
        # a suffix glued to a longer word is no region (市场…, 区域…)
        if rest[:1] in ("场", "域", "级", "内", "外", "委", "政", "直") and not rest.startswith("政府"):
            break
        chain.append(word)
        pos = match.end()
        if len(chain) >= 3:
            break
    return chain


def region_short(region: str) -> str:
    """浦东新区 → 浦东, 普陀区 → 普陀: the suffix goes when at least two characters remain."""
    region = normalize(region)
    for suffix in ("特别行政区", "自治区", "自治州", "自治县", "新片区", "新区", "省", "市", "区", "县", "州", "旗"):
        if region.endswith(suffix) and len(region) - len(suffix) >= 2:
            return region[: -len(suffix)]
    return region


def level_of(region: str) -> str:
    """The level word a region's own bodies use in short names (上海市 → 市, 浦东新区 → 区)."""
    region = normalize(region)
    for suffix, level in (("省", "省"), ("自治区", "区"), ("市", "市"), ("新片区", "区"), ("区", "区"), ("县", "县")):
        if region.endswith(suffix):
            return level
    return ""


def split_prefix(name: str) -> tuple[str, str]:
    """(prefix, core): the region names or level word opening a name, then the rest."""
    name = normalize(name)
    chain = region_chain(name)
    prefix = "".join(chain)
    if prefix and len(name) - len(prefix) >= 2:
        return prefix, name[len(prefix):]
    for level in LEVELS:
        if name.startswith(level) and len(name) - len(level) >= 2 and not name.startswith(NOT_LEVEL_WORDS):
            return level, name[len(level):]
    return "", name


def unit_suffix(name: str) -> str:
    for suffix in sorted(set(UNIT_SUFFIXES) | set(SUFFIX_SHORT), key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return ""


def _contracted(core: str) -> set[str]:
    """Every form of `core` with some of the generic contractions applied."""
    forms = {core}
    for long, short in CONTRACTIONS:
        forms |= {f.replace(long, short) for f in forms if long in f}
    return forms


def _expanded(core: str) -> set[str]:
    """Long forms of a contracted name (发改委 → 发展和改革委员会), so a full spelling finds the short name."""
    forms = {core}
    for long, short in CONTRACTIONS:
        if len(short) < 2 and short != "委":
            continue
        grown = set()
        for f in forms:
            if short in f and long not in f:
                grown.add(f.replace(short, long, 1))
        forms |= grown
        if len(forms) > 24:
            break
    return forms


def short_forms(name: str, kind: str = "department", region: str = "") -> list[str]:
    """Generated other names of `name` (without the name itself).

    department: level/region prefix dropped or swapped for its level word or for the document's region
    (上海市知识产权局 → 市知识产权局, 知识产权局; 区知识产权局 + 普陀区 → 普陀区知识产权局), generic word
    contractions (经济信息化委 → 经信委) and their long forms, the sub-unit of a "parent + unit" name
    (国家知识产权局保护司 → 保护司). indicator: qualifiers and measure words dropped
    (每万人口高价值发明专利拥有量 → 高价值发明专利拥有量, 高价值发明专利). region: the name without its suffix.
    """
    name = normalize(name)
    out: list[str] = []

    def add(form: str) -> None:
        if form and form != name and form not in out and len(form) >= 2:
            out.append(form)

    if kind == "region":
        add(region_short(name))
        return out
    if kind == "indicator":
        return _indicator_forms(name)
    if COLLECTIVE.search(name):
        return out
    prefix, core = split_prefix(name)
    suffix = unit_suffix(core)
    generic_core = core in SUFFIX_SHORT or core in SUFFIX_SHORT.values() or core in UNIT_SUFFIXES or len(core) < 2
    # parent + unit: 国家知识产权局保护司 → 保护司 (an inner suffix followed by a named unit)
    for inner in ("局", "委", "部", "院", "厅", "署"):
        at = core.find(inner)
        if 0 < at < len(core) - 3:
            tail = core[at + 1:]
            if unit_suffix(tail) and len(tail) >= 3 and tail not in GENERIC_UNITS:
                add(tail)
    # a centre is called by its last words (知识产权保护中心 → 保护中心), an office by its last word
    if core.endswith("中心") and len(core) >= 6:
        add(core[-4:])
    if name.endswith(OFFICE_SUFFIXES) and len(core) >= 5:
        from .normalize import tokenize

        words = tokenize(name[:-1], whole_words=True)
        if len(words) == 1 and len(words[0]) == 4:  # one dictionary word of two halves (政策法规 → 法规处)
            words = [words[0][:2], words[0][2:]]
        if len(words) >= 2 and len(words[-1]) >= 2 and words[-1] not in GENERIC_OFFICE_WORDS:
            add(words[-1] + name[-1])
    levels = []
    if prefix:
        chain = region_chain(prefix)
        if chain:
            levels.append(level_of(chain[-1]))
            if len(chain) > 1:
                add("".join(chain[1:]) + core)
                add(region_short(chain[-1]) + core)
        elif prefix != "国家":
            levels.append(prefix)
    region = normalize(region)
    if region and prefix in ("", level_of(region)) and prefix != "国家" and not generic_core:
        # a document's own 区/市 bodies: the region may be written in front
        add(region + core)
        add(region_short(region) + core)
    if prefix == "国家":
        levels = ["国家"]
    for level in levels if not generic_core else []:
        add(level + core)  # 区政府 alone is any district's government: not a short form of one
    if prefix != "国家" and not generic_core and suffix != core:
        add(core)
    for variant in [core] + [f[len(level):] for level in levels for f in out if f.startswith(level)]:
        for form in sorted(_contracted(variant) | _expanded(variant)):
            if form == variant or form in SUFFIX_SHORT or form in UNIT_SUFFIXES:
                continue
            for level in levels or [""]:
                add(level + form)
            if prefix != "国家" and len(form) >= 3:
                add(form)
    return out


def _indicator_forms(name: str) -> list[str]:
    out: list[str] = []

    def add(form: str) -> None:
        if form and form != name and form not in out and len(form) >= 3:
            out.append(form)

    core = name
    changed = True
    while changed:
        changed = False
        for prefix in INDICATOR_PREFIXES:
            if core.startswith(prefix) and len(core) - len(prefix) >= 3:
                core = core[len(prefix):]
                add(core)
                changed = True
    for form in [name, core]:
        for measure in MEASURE_SUFFIXES:
            if form.endswith(measure) and len(form) - len(measure) >= 3:
                add(form[: -len(measure)])
                break
    for drop in INDICATOR_DROPS:
        for form in list(out) + [name]:
            if drop in form[1:-1]:
                add(form.replace(drop, "", 1))
    return out


def graded(name: str, form: str) -> tuple[str, str, float]:
    """(form, how, score) for a generated form: one that keeps the name's words (a part of it, or region +
    its core) is an alias; one that leaves characters out of a word (知产局, 高价值专利) is an abbreviation."""
    name, form = normalize(name), normalize(form)
    _, core = split_prefix(name)
    if form in name or core in form or name in form:
        return form, "alias", BASE_SCORE["alias"]
    return form, "abbrev", 0.85


def graded_forms(name: str, kind: str = "department", region: str = "") -> list:
    """The name itself then its short forms, each graded: what a NameMatcher takes for one key."""
    return [name] + [graded(name, f) for f in short_forms(name, kind, region)]


def abbreviates(short: str, full: str) -> float:
    """How well `short` abbreviates `full` (0 when it does not): its characters appear in order in `full`,
    each but the last opening a word of `full` (技交会 → 国际技术进出口交易会, 专精特新 → 专业化、精细化、
    特色化、新颖化), the last one opening a word or closing `full`. For task and event names in clause text."""
    from .normalize import _jieba

    short, full = normalize(short), normalize(full)
    if len(short) < 2 or len(short) >= len(full) or not _is_subsequence(short, full):
        return 0.0
    starts = set()
    pos = 0
    for word in _jieba().lcut(full):
        starts.add(pos)
        if len(word) > 2:  # words of jieba's dictionary may hide smaller words (知识产权 → 知识 产权)
            starts.update(pos + k for k in range(2, len(word), 2))
        pos += len(word)
    i = 0
    for k, ch in enumerate(short):
        last = k == len(short) - 1
        while i < len(full):
            if full[i] == ch and (i in starts or (last and i == len(full) - 1)):
                break
            i += 1
        else:
            return 0.0
        i += 1
    return round(0.6 + 0.4 * len(short) / len(full), 4)


# --------------------------------------------------------------------------- pinyin

@lru_cache(maxsize=1)
def _pinyin_table() -> dict[str, str]:
    """Character → default reading without tone marks, for the CJK block: made once from pypinyin's
    character table and cached (importing pypinyin loads its phrase dictionary too: 0.3 s, 49 MiB)."""
    import marshal

    from .normalize import _derived_cache, _package_file_key, _write_atomically

    key = _package_file_key("pypinyin", "pinyin_dict.json")
    path = _derived_cache("pinyin", key) if key else None  # no key: built in memory each time
    if path is not None and path.exists():
        try:
            return marshal.loads(path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            pass
    table = _toneless_readings()
    if path is not None:
        _write_atomically(path, marshal.dumps(table))
    return table


def _toneless_readings() -> dict[str, str]:
    import unicodedata

    from pypinyin.pinyin_dict import pinyin_dict

    table = {}
    for code in range(0x4E00, 0xA000):
        reading = pinyin_dict.get(code)
        if reading:
            first = reading.split(",", 1)[0]
            table[chr(code)] = "".join(c for c in unicodedata.normalize("NFKD", first) if not unicodedata.combining(c))
    return table


def _char_pinyin(ch: str) -> str:
    """The default reading of a character without tone marks (中 → zhong); other characters as they are."""
    return _pinyin_table().get(ch, ch)


@lru_cache(maxsize=4096)
def pinyin_of(text: str) -> tuple[str, ...]:
    table = _pinyin_table()
    return tuple(table.get(ch, ch) for ch in text)


@lru_cache(maxsize=1)
def _word_table() -> dict:
    """jieba's dictionary of words (word → frequency), to see whether two characters form a word."""
    from .normalize import _jieba

    return _jieba().dt.FREQ


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


# --------------------------------------------------------------------------- matcher

@dataclass
class _Form:
    key: str
    form: str
    how: str
    score: float
    part: str = ""


class NameMatcher:
    """Finds the names of one kind in normalised text.

    names: key → surface forms; the first form is the name itself (exact), the others aliases. A form
    may also be given as (form, how, score[, part]) to set its trust (and say what it is made of).
    `tolerant` turns on abbreviations, homophones and slips (off for closed vocabularies such as regions).
    """

    MIN_ABBREV = 3  # characters in an abbreviation
    MIN_PINYIN = 3
    MIN_FUZZY = 5

    def __init__(self, kind: str, names: dict[str, list], tolerant: bool = True):
        self.kind = kind
        self.tolerant = tolerant
        self.exact: dict[str, list[_Form]] = {}
        self.lengths_by_first: dict[str, list[int]] = {}
        all_forms: list[_Form] = []
        seen: set[tuple[str, str]] = set()
        for key, forms in names.items():
            for i, item in enumerate(forms):
                if isinstance(item, (tuple, list)):
                    form, how, score, *rest = item
                    part = rest[0] if rest else ""
                else:
                    form, how = item, ("exact" if i == 0 else "alias")
                    score, part = BASE_SCORE[how], ""
                form = normalize(form)
                if not form:
                    continue
                if (form, key) in seen:
                    continue
                seen.add((form, key))
                entry = _Form(key, form, how, float(score), part)
                self.exact.setdefault(form, []).append(entry)
                all_forms.append(entry)
        lengths: dict[str, set[int]] = {}
        for form in self.exact:
            lengths.setdefault(form[:2], set()).add(len(form))
        self.lengths_by_start = {start: sorted(ls, reverse=True) for start, ls in lengths.items()}
        self._build_tolerant(names, all_forms) if tolerant else None

    def _build_tolerant(self, names: dict[str, list], forms: list[_Form]) -> None:
        # abbreviations: (first char of the core, last char) → (key, full name, core length, level chars)
        self.abbrev: dict[tuple[str, str], list[tuple[str, str, int, str]]] = {}
        self.abbrev_reach: dict[str, int] = {}  # last char → longest span worth trying
        # long spellings of short names: (first char, last char of the long spelling) → (key, full name)
        self.expand: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.expand_reach: dict[str, int] = {}
        for key, items in names.items():
            if not items:
                continue
            spelled = [normalize(i[0] if isinstance(i, (tuple, list)) else i) for i in items]
            full = spelled[0]
            if len(full) < 3 or COLLECTIVE.search(full):
                continue
            # the name, and its forms with the level it was left without (知识产权局 of a national document →
            # 国家知识产权局, abbreviated 国知局)
            levelled = [f for f in spelled[1:] if f.startswith(LEVELS) and f.endswith(full) and f != full]
            for name in [full] + levelled:
                firsts, lasts, core_len, levels = self._anchors(name)
                for f in firsts:
                    for last in lasts:
                        self.abbrev.setdefault((f, last), []).append((key, name, core_len, levels))
                for last in lasts:
                    self.abbrev_reach[last] = max(self.abbrev_reach.get(last, 0), len(name) - 1)
            if self.kind != "indicator":
                ends = {full[-1]} | {long[-1] for long, short in SUFFIX_SHORT.items() if short[-1] == full[-1]}
                for last in ends:
                    self.expand.setdefault((full[0], last), []).append((key, full))
                    self.expand_reach[last] = max(self.expand_reach.get(last, 0), 2 * len(full) + 2)
        self.indicator_words: dict[str, tuple[tuple[str, ...], set[str]]] = {}
        if self.kind == "indicator":
            from .normalize import _jieba

            split = {}
            for key, items in names.items():
                full = normalize(items[0][0] if isinstance(items[0], (tuple, list)) else items[0])
                core = full
                for prefix in INDICATOR_PREFIXES:
                    if core.startswith(prefix) and len(core) - len(prefix) >= 3:
                        core = core[len(prefix):]
                split[key] = tuple(p for p in _jieba().tokenize(core, mode="search") if p[0].strip())
            counts: dict[str, int] = {}
            for pieces in split.values():
                for w in {p[0] for p in pieces}:
                    counts[w] = counts.get(w, 0) + 1
            for key, pieces in split.items():
                rare = {w for w, _, _ in pieces if counts[w] <= 2 and w not in MEASURE_SUFFIXES and len(w) >= 2}
                self.indicator_words[key] = (pieces, rare)
        # homophones: pinyin of every form of 3+ characters, found by the pinyin of its first two characters
        self.by_pinyin: dict[tuple[str, ...], list[_Form]] = {}
        self.pinyin_starts: dict[tuple[str, str], set[int]] = {}
        # slips: forms of 5+ characters bucketed by (first, last) character, lengths by first character
        self.fuzzy: dict[tuple[str, str], list[_Form]] = {}
        self.fuzzy_starts: dict[str, set[int]] = {}
        for entry in forms:
            form = entry.form
            if len(form) >= self.MIN_PINYIN and re.search(r"[\u4e00-\u9fff]", form):
                pys = pinyin_of(form)
                self.by_pinyin.setdefault(pys, []).append(entry)
                self.pinyin_starts.setdefault(pys[:2], set()).add(len(form))
            if len(form) >= self.MIN_FUZZY:
                self.fuzzy.setdefault((form[0], form[-1]), []).append(entry)
                self.fuzzy_starts.setdefault(form[0], set()).add(len(form))

    def _anchors(self, full: str) -> tuple[set[str], set[str], int, str]:
        """First characters an abbreviation may start with, last characters it may end with, the core's
        length, and the level words (国省市区县) an abbreviation may put in front."""
        if self.kind == "indicator":
            core = full
            for prefix in INDICATOR_PREFIXES:
                if core.startswith(prefix) and len(core) - len(prefix) >= 3:
                    core = core[len(prefix):]
            lasts = {full[-1]}
            for measure in MEASURE_SUFFIXES:
                if core.endswith(measure) and len(core) > len(measure) + 2:
                    lasts.add(core[-len(measure) - 1])
                    break
            return {core[0]}, lasts, len(core), ""
        prefix, core = split_prefix(full)
        firsts = {core[0], full[0]}
        levels = "".join(ch for ch in prefix if ch in LEVEL_CHARS)
        suffix = unit_suffix(core)
        lasts = {full[-1]}
        core_len = len(core)
        for long, short in SUFFIX_SHORT.items():  # 管理委员会 → 管委会 and also 委员会 → 委
            if core.endswith(long):
                lasts.add(short[-1])
                core_len = min(core_len, len(core) - (len(long) - len(short)))
        return firsts, lasts, max(core_len, 1), levels

    # ------------------------------------------------------------------ finding

    def candidates(self, text: str) -> list[Mention]:
        """Every match of every tier, overlapping (for callers that arbitrate themselves)."""
        out: list[Mention] = []
        n = len(text)
        for i in range(n):
            for length in self.lengths_by_start.get(text[i: i + 2], ()):
                if i + length <= n:
                    span = text[i: i + length]
                    for entry in self.exact.get(span, ()):
                        out.append(Mention(self.kind, entry.key, span, i, i + length, entry.score, entry.how, entry.part))
        if not self.tolerant:
            return out
        taken = {(m.start, m.end, m.key) for m in out}
        tolerant = self._abbreviations(text, taken) + self._expansions(text, taken) + self._homophones(text) \
            + self._slips(text)
        out += tolerant
        if self.kind in ("department", "indicator"):
            out = [m for m in out if m.how == "exact" or (self._fits(text, m) and self._level_agrees(text, m))]
        return out

    def _fits(self, text: str, m: Mention) -> bool:
        """A guessed name does not cut a word of the text in two (监管与处 of 监管与处置, 知产局 of 知产局长),
        unless the text on the other side starts a word of its own (经信委 | 任务, not 委任)."""
        words = _word_table()
        after, before = text[m.end: m.end + 2], text[max(0, m.start - 2): m.start]
        if m.end < len(text) and text[m.end - 1: m.end + 1] in words and not (len(after) == 2 and after in words) \
                and not text.startswith(NAME_FOLLOWERS, m.end) and text[m.end] not in FUNCTION_CHARS:
            return False
        if m.start > 0 and text[m.start - 1: m.start + 1] in words and text[m.start - 1] not in LEVEL_CHARS \
                and not (len(before) == 2 and before in words) and text[m.start - 1] not in FUNCTION_CHARS:
            return False
        return True

    def _level_agrees(self, text: str, m: Mention) -> bool:
        """A short name right after a level word belongs to that level (国家知识产权局 is no 区知识产权局)."""
        if self.kind != "department":
            return True
        before = text[max(0, m.start - 2): m.start]
        level = "国家" if before == "国家" else (before[-1:] if before[-1:] in LEVEL_CHARS else "")
        if not level:
            return True
        prefix, _ = split_prefix(m.key)
        own = prefix if prefix in LEVELS else "".join(level_of(r) for r in region_chain(prefix)) if prefix else ""
        return level in own or (level == "国家" and prefix == "国家")

    def _abbreviations(self, text: str, taken: set) -> list[Mention]:
        """Spans whose characters appear in order in a name, anchored at the core's first character (or a
        level word before it) and at the name's last character or its suffix's short character."""
        out = []
        abbrev = self.abbrev
        for end in range(len(text)):
            reach = self.abbrev_reach.get(text[end])
            if not reach:
                continue
            last = text[end]
            for start in range(end - self.MIN_ABBREV + 1, max(-1, end - reach), -1):
                span = text[start: end + 1]
                first = span[0]
                checks = [(e, False) for e in abbrev.get((first, last), ())]
                if first in LEVEL_CHARS and len(span) >= 4:
                    checks += [(e, True) for e in abbrev.get((span[1], last), ()) if first in e[3]]
                for (key, full, core_len, _), levelled in checks:
                    if len(span) >= len(full) or (start, end + 1, key) in taken or span in GENERIC_UNITS:
                        continue
                    if not _is_subsequence(span, full):
                        continue
                    coverage = (len(span) - levelled) / core_len
                    if coverage < 0.3:
                        continue
                    if self.kind == "indicator" and not self._kept_words(span, key):
                        continue
                    score = BASE_SCORE["abbrev"] * (0.85 + 0.15 * min(1.0, coverage))
                    out.append(Mention(self.kind, key, span, start, end + 1, round(score, 4), "abbrev"))
        return out

    def _kept_words(self, span: str, key: str) -> bool:
        """An indicator's short form keeps whole words of it (jieba's words and their parts), starting with
        its first word, two or more of them, one distinctive (高价值专利 of 每万人口高价值发明专利拥有量,
        PCT申请量 of 新增PCT国际专利申请量; not 服务业 of 服务科创板拟上市企业)."""
        pieces, rare = self.indicator_words.get(key, ((), set()))
        # states: (characters of the span spelled, end of the last piece in the name) → pieces used, any rare
        states = {(0, 0): (0, False)}
        for pos in range(len(span)):
            for (at, name_end), (count, has_rare) in list(states.items()):
                if at != pos:
                    continue
                for word, w_start, w_end in pieces:
                    if w_start < name_end or (pos == 0 and w_start != 0) or not span.startswith(word, pos):
                        continue
                    state = (pos + len(word), w_end)
                    value = (count + 1, has_rare or word in rare)
                    if states.get(state, (0, False)) < value:
                        states[state] = value
        return any(at == len(span) and count >= 2 and has_rare for (at, _), (count, has_rare) in states.items())

    def _expansions(self, text: str, taken: set) -> list[Mention]:
        """A span longer than a short name that contracts to it with the generic contractions (区科学技术委员会
        → 区科委, 区发展和改革委员会 → 区发改委); a span that already starts with another name is not one."""
        out = []
        for end in range(len(text)):
            reach = self.expand_reach.get(text[end])
            if not reach:
                continue
            for start in range(max(0, end - reach + 1), end - 2):
                bucket = self.expand.get((text[start], text[end]))
                if not bucket:
                    continue
                span = text[start: end + 1]
                if re.search(r"[^\w]", span):
                    continue
                for key, full in bucket:
                    if len(span) <= len(full) or len(span) > 2 * len(full) + 2 or (start, end + 1, key) in taken:
                        continue
                    if not _is_subsequence(full, span):
                        continue
                    if any(span[:k] in self.exact for k in range(2, len(span))):
                        continue
                    if not (_contracted(span) & (_contracted(full) | {full})):
                        continue  # the extra characters are not the long form of a contracted word
                    out.append(Mention(self.kind, key, span, start, end + 1, 0.75, "abbrev"))
        return out

    def _homophones(self, text: str) -> list[Mention]:
        """Spans that sound like a form (same toneless pinyin) with at most one character in four different."""
        if not self.by_pinyin:
            return []
        out = []
        pys = pinyin_of(text)
        n = len(text)
        for start in range(n - self.MIN_PINYIN + 1):
            for length in self.pinyin_starts.get(pys[start: start + 2], ()):
                if start + length > n:
                    continue
                for entry in self.by_pinyin.get(pys[start: start + length], ()):
                    span = text[start: start + length]
                    diff = sum(1 for a, b in zip(span, entry.form) if a != b)
                    if 0 < diff <= max(1, length // 4) and length - diff >= 2:
                        out.append(Mention(self.kind, entry.key, span, start, start + length,
                                           round(BASE_SCORE["pinyin"] * entry.score, 4), "pinyin"))
        return out

    def _slips(self, text: str) -> list[Mention]:
        """Spans of a form's length with one character slipped (5+ characters, same first and last character);
        a character left out is an abbreviation, found by the abbreviation rule."""
        if not self.fuzzy:
            return []
        from rapidfuzz.distance import Levenshtein

        out = []
        n = len(text)
        for start in range(n):
            for length in self.fuzzy_starts.get(text[start], ()):
                if start + length > n:
                    continue
                bucket = self.fuzzy.get((text[start], text[start + length - 1]))
                if not bucket:
                    continue
                span = text[start: start + length]
                for entry in bucket:
                    if len(entry.form) != length or entry.form == span:
                        continue
                    if Levenshtein.distance(span, entry.form, score_cutoff=1) <= 1:
                        out.append(Mention(self.kind, entry.key, span, start, start + length,
                                           round(BASE_SCORE["fuzzy"] * entry.score, 4), "fuzzy"))
        return out

    def find(self, text: str) -> list[Mention]:
        """Non-overlapping mentions, longest then most trusted first; several keys may share one span
        when a name is ambiguous (best first). Positions refer to normalize(text)."""
        return select(self.candidates(normalize(text)))  # normalize() of normalised text is a cache hit


def select(candidates: list[Mention]) -> list[Mention]:
    """Greedy arbitration: longest span, then tier, then score. Other keys found on exactly the chosen span
    stay as alternatives (after it, by tier and score): the caller decides with the documents in scope."""
    ranked = sorted(candidates, key=lambda m: (-(m.end - m.start), TIERS[m.how], -m.score, m.start))
    chosen: list[Mention] = []
    spans: dict[tuple[int, int], int] = {}  # span → tier of its best mention
    for m in ranked:
        if m.span in spans:
            if not any(c.key == m.key and c.span == m.span for c in chosen):
                chosen.append(m)
            continue
        if any(m.start < e and s < m.end for s, e in spans):
            continue
        spans[m.span] = TIERS[m.how]
        chosen.append(m)
    best_by_key: dict[tuple[int, int, str], Mention] = {}
    for m in chosen:
        best_by_key.setdefault((m.start, m.end, m.key), m)
    return sorted(best_by_key.values(), key=lambda m: (m.start, TIERS[m.how], -m.score))

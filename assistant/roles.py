"""Roles: who is responsible for a clause, in every notation official documents use.

API (what units.py calls; all pure functions):
    is_department(name) -> bool            a unit name, by its ending (局 委 署 厅 银行 街道 镇 集团 …) or a
                                           collective (各有关部门, 各区政府); never a whitelist of names
    is_national(name) -> bool              a national/superior body, judged from the name itself
    find_responsibilities(text, rules=None, statute=False) -> list[Responsibility]   (statute: no effect)
                                           every bracket group of a text, in order, with offsets:
                                           keyed groups anywhere, role-word groups anywhere, bare unit
                                           lists only where they close a clause. `rules`: the standing
                                           rules stated before `text` (accumulate standing_rules(line)
                                           line by line); rules inside `text` apply to later groups
    parse_responsibility(inner, bare=False) -> Responsibility | None   the inside of one bracket group
                                           (bare=True also accepts a plain unit list / level form)
    prose_responsibilities(sentence, statute=False) -> Responsibility | None
                                           "由X负责", "X负责…", "2019年3月底前，X建立…"; never for statutes
    find_deadline(text) -> str             完成时限：X, "…前", 每年…前, 持续推进 standing alone
    standing_rules(text) -> list[StandingRule]   排在第一位的为牵头部门 / 以下均需X落实，不再列出 /
                                           以下除…外，适用范围均为X
    apply_rules(resp, rules) -> Responsibility   re-type a group by the rules in force
    table_roles(header_cells) -> dict[int, str]  column → lead/responsible/cooperating/guiding/deadline/scope
    row_responsibility(cells, roles_by_col) -> Responsibility

A Responsibility keeps every role apart: lead (牵头), responsible (负责/责任单位/trailing list),
cooperating (配合/参与/协办), guiding (指导), national_units (superior counterparts listed in their own
；-part), deadline, scope (适用范围). `units` is what an answer names first: lead, or responsible when no
lead is singled out. Vocabularies live in the tables below ("knowledge as data"); one mechanism reads them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# --------------------------------------------------------------------------- vocabulary (data)

# Endings of unit names (行 only as 银行/分行/支行: 进行/执行 are verbs). An ending in _NOT_UNIT_ENDINGS wins.
UNIT_SUFFIXES = (
    "委员会", "管委会", "办公室", "办公厅", "联合会", "检察院", "联席会议", "合作社", "出版社", "通讯社",
    "杂志社", "电视台", "工商联", "领导小组", "监管局", "总局", "分局", "总署", "总社", "总队", "支队",
    "大队", "中心", "部门", "单位", "政府", "党委", "纪委", "党组", "公司", "集团", "法院", "海关", "机关",
    "银行", "分行", "支行", "协会", "学会", "商会", "街道", "大学", "学院", "高校", "报社", "电台", "妇联",
    "侨联", "文联", "残联", "科协", "团委",
    "局", "委", "办", "院", "室", "处", "科", "部", "会", "司", "馆", "队", "所", "组", "署", "厅", "镇", "乡",
)
# Ordinary words that happen to end like a unit (部署, 布局, 社会, 博览会…): never a unit.
_NOT_UNIT_ENDINGS = (
    "部署", "签署", "联署", "全部", "内部", "外部", "局部", "东部", "西部", "南部", "北部", "中部", "干部",
    "头部", "底部", "总部", "格局", "布局", "开局", "大局", "全局", "结局", "僵局", "变局", "新局", "当局",
    "举办", "主办", "承办", "协办", "创办", "开办", "兴办", "督办", "包办", "代办", "筹办", "查办", "交办",
    "社会", "机会", "大会", "全会", "年会", "峰会", "例会", "体会", "都会", "博览会", "展览会", "交易会",
    "洽谈会", "研讨会", "座谈会", "推进会", "发布会", "交流会", "对接会", "培训会", "见面会", "说明会",
    "运动会", "报告会", "动员会", "现场会", "联谊会", "晚会", "展会", "拍卖会", "分享会", "宣讲会",
    "庭院", "四合院", "教室", "居室", "卧室", "温室", "好处", "坏处", "益处", "之处", "各处", "到处", "住处",
    "长处", "短处", "难处", "用处", "相处", "出处", "深处", "此处", "何处", "共处", "论处", "惩处", "判处",
    "查处", "学科", "本科", "专科", "工科", "理科", "文科", "前科", "百科", "场所", "住所", "处所", "寓所",
    "有所", "重组", "改组", "分组", "编组", "词组", "团队", "梯队", "排队", "插队", "站队", "列队", "官司",
    "上司", "场馆", "大厅", "餐厅", "客厅", "展厅", "门厅", "城镇", "集镇", "坐镇", "重镇", "城乡", "家乡",
    "故乡", "老乡", "下乡", "返乡", "回乡", "异乡", "水乡", "为中心",
)
# Unit endings that contain an ordinary word's ending (专利管理科 ends like 理科): these win over it.
_UNIT_OVER_WORD = ("管理科", "管理处", "管理所", "管理部", "管理局", "治理科", "治理处", "受理科", "受理处",
                   "审理科", "办理科", "处理科", "代理科", "事务科", "事务所", "研究所", "派出所", "服务部",
                   "稽查处", "检查处", "调查处", "督查处", "审查处", "监察处", "稽查科", "检查科", "审查科")
# Phrases that open a bracket but never a unit name: （以下简称…）（含…）（包括…）.
_NOT_UNIT_STARTS = ("（", "(", "以下", "以上", "含", "不含", "包括", "包含", "除", "见", "详见", "其中", "即", "如", "简称",
                    "注", "按", "依", "根据", "对", "为", "在", "将", "由", "从", "与", "和")
# Words no unit name contains: a "name" holding them is a clause (鼓励地方政府, 实施方案按程序报送…部).
_NOT_IN_NAME = ("是", "通过", "鼓励", "支持", "允许", "报送", "反映", "按程序", "简称", "加强", "推动", "确保",
                "实现", "提升", "要求", "建立", "开展", "依照", "按照", "根据", "负责", "牵头", "配合", "参与",
                "落实", "应当", "可以")
# Collective names that carry no unit ending: 各地, 各省份, 各有关地区, 有关方面, 各区 …
_COLLECTIVE = re.compile(
    r"^(?:各|有关|相关|各有关|各相关|各成员)(?:省|市|区|县|乡镇|街镇|地|地区|省份|省（区、市）|省区市|部委|方面"
    r"|试点城市|城市)$"
)
_GENERIC_NOUNS = ("部门", "单位", "机构", "主体", "中心", "政府")  # a role noun alone names nobody
_BAD_CHARS = re.compile(r"[的，。；：:;,\"“”《》〈〉？！?!\n\t]|\d{4}\s*年")

# National/superior level, judged from the name: a national prefix (国家/国务院/中央/全国/中国) or a
# ministry-level ending (…部, …总局, …总署, …监会), and no local level word (省/市/区/县/州/盟/旗/乡/镇/
# 街道) anywhere in it (市场/区域 are not level words). So 国家知识产权局条法司, 海关总署, 商务部 are national;
# 上海市知识产权局, 区委宣传部, 金融监管总局上海监管局 (ends in 监管局, not 总局) are not. The level only
# decides a ；-part after the first one: the first part is always the document's own responsible units.
_NATIONAL_PREFIXES = ("国家", "国务院", "中共中央", "中央", "全国", "中国")
_MINISTRY_ENDINGS = ("总局", "总署", "总社", "监会")
_NOT_MINISTRY = ("部门", "支部", "分部", "总部", "本部", "事业部", "俱乐部")
_LOCAL_LEVEL = re.compile(r"省|市(?!场)|区(?!域|块|别|分)|县(?!域)|州|盟|旗|乡|镇|街道|自治")

# Role words, typed. Longest first when used in a pattern.
_ROLE_OF_WORD = {
    "牵头": "lead",
    "责任": "responsible", "主责": "responsible", "负责": "responsible", "实施": "responsible",
    "承办": "responsible", "主办": "responsible", "落实": "responsible", "承担": "responsible",
    "配合": "cooperating", "协办": "cooperating", "参与": "cooperating", "协同": "cooperating",
    "协作": "cooperating", "协助": "cooperating", "参加": "cooperating",
    "指导": "guiding", "督导": "guiding",
}
_KEY_NOUNS = ("部门", "单位", "主体", "机构", "处室", "科室")
_DEADLINE_KEYS = ("完成时限", "完成时间", "完成期限", "时间节点", "时限要求", "时间安排", "进度安排", "时限")
_SCOPE_KEYS = ("适用范围", "实施范围")
# Trailing role verbs of an unkeyed group: （X牵头，Y参与）（X、Y负责）（X指导）（X负责落实）
_CLAUSE_VERBS = {
    "牵头负责": "lead", "牵头落实": "lead", "牵头": "lead",
    "负责落实": "responsible", "具体负责": "responsible", "负责": "responsible", "落实": "responsible",
    "指导": "guiding", "督导": "guiding",
    "参与": "cooperating", "配合": "cooperating", "协办": "cooperating", "协助": "cooperating",
    "协同": "cooperating", "参加": "cooperating",
}
# Ongoing deadlines written instead of a date.
_ONGOING = ("持续推进", "长期坚持", "长期推进", "持续开展", "持续实施", "长期实施", "常态化推进", "长期")
# Verbs that may follow a department subject at the start of a prose sentence.
_PROSE_VERBS = (
    "负责", "牵头", "会同", "联合", "组织", "建立", "推行", "印发", "制定", "出台", "完成", "开展", "推动",
    "推进", "指导", "发布", "修订", "研究", "编制", "设立", "实施", "启动", "统筹", "协调", "落实", "做好",
    "加强", "健全", "完善", "监督", "要", "将", "于", "在", "每年", "按", "依法", "定期", "适时", "及时",
)

_ROLES = ("lead", "responsible", "cooperating", "guiding")


# --------------------------------------------------------------------------- data


@dataclass
class Responsibility:
    """One responsibility statement: who (by role), national counterpart, deadline, scope, where."""

    units: list[str] = field(default_factory=list)  # lead, or responsible when no lead is singled out
    national_units: list[str] = field(default_factory=list)
    deadline: str = ""
    raw: str = ""  # the bracket text as written (stripped from a clause body); empty for prose and tables
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    cooperating: list[str] = field(default_factory=list)
    guiding: list[str] = field(default_factory=list)
    scope: str = ""  # 适用范围
    start: int = -1  # character offsets of the evidence in the text it was found in
    end: int = -1
    notation: str = ""  # keyed | roles | list | levels | prose | table

    def __post_init__(self) -> None:
        # Old callers build Responsibility(units=[...]): those units are the responsible ones.
        if self.units and not self.lead and not self.responsible:
            self.responsible = list(self.units)
        self.refresh()

    def refresh(self) -> "Responsibility":
        """Recompute `units` after the roles changed."""
        for role in _ROLES:
            setattr(self, role, _unique(getattr(self, role)))
        self.national_units = _unique(self.national_units)
        self.units = list(self.lead or self.responsible)
        return self

    @property
    def empty(self) -> bool:
        return not (self.lead or self.responsible or self.cooperating or self.guiding or self.national_units
                    or self.deadline)


@dataclass
class StandingRule:
    """A sentence that types every later list: 排在第一位的为牵头部门 / 以下均需X落实，不再列出."""

    kind: str  # first_is_lead | implementer | scope
    units: list[str] = field(default_factory=list)
    value: str = ""  # the default scope for kind == "scope"
    text: str = ""
    start: int = -1
    end: int = -1


# --------------------------------------------------------------------------- names


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _balanced(name: str) -> bool:
    depth = 0
    for ch in name:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def is_department(name: str) -> bool:
    """True when `name` reads as a unit name (by its ending) or a collective of units."""
    name = name.strip()
    if not 2 <= len(name) <= 30 or _BAD_CHARS.search(name) or not _balanced(name):
        return False
    if _COLLECTIVE.match(name):
        return True
    if name.startswith(_NOT_UNIT_STARTS) or (name.endswith(_NOT_UNIT_ENDINGS) and not name.endswith(_UNIT_OVER_WORD)):
        return False
    if any(word in name for word in _NOT_IN_NAME):
        return False
    return name.endswith(UNIT_SUFFIXES) and name not in _GENERIC_NOUNS


def is_national(name: str) -> bool:
    """A national/superior body: national prefix or ministry-level ending, and no local level word."""
    name = name.strip()
    if not name or _LOCAL_LEVEL.search(name):
        return False
    if name.startswith(_NATIONAL_PREFIXES):
        return True
    if name.endswith(_MINISTRY_ENDINGS):
        return True
    return name.endswith("部") and not name.endswith(_NOT_MINISTRY)


def _split_top(text: str, separators: str) -> list[str]:
    """Split on `separators` outside brackets, so that 各省（区、市）政府 stays one name."""
    pieces, depth, current = [], 0, []
    for ch in text:
        depth += ch in "（("
        depth -= ch in "）)"
        if ch in separators and depth <= 0:
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
    pieces.append("".join(current))
    return pieces


def _split_units(text: str) -> list[str]:
    """Unit names of a list as written: split on 、，, and drop 等/等部门 tails."""
    items = []
    for item in _split_top(text, "、,，"):
        item = re.sub(r"等(?:有关|相关|其他)?(?:部门|单位|机构)$", "", item.strip())
        item = item.strip(" 　。等")
        if item:
            items.append(item)
    return items


def _looks_like_units(items: list[str]) -> bool:
    return bool(items) and all(is_department(item) for item in items)


def _joined(item: str) -> list[str]:
    """区法院和区检察院 → two units; 文化和旅游部 stays one (文化 is no unit name)."""
    pieces = [p for p in re.split(r"[和及与]", item) if p]
    if len(pieces) > 1 and all(is_department(p) for p in pieces):
        return pieces
    return [item]


def _unit_list(text: str) -> list[str] | None:
    """The units of `text` when every item is a unit name, else None."""
    items = [piece for item in _split_units(text) for piece in _joined(item)]
    if items and all(is_department(item) for item in items):
        return items
    return None


# --------------------------------------------------------------------------- deadlines

_DATE = (r"\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日|\s*[上中下]旬|\s*[底末])?|\s*[底末]|\s*[上下]半年)?"
         r"|\d{1,2}\s*月(?:\s*\d{1,2}\s*日|\s*[底末])?")
_PERIODIC = r"每(?:年|季度|半年|月)(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日|\s*[底末])?|\s*\d{1,2}\s*日|\s*[底末])?"
_BEFORE = re.compile(rf"(?:{_PERIODIC}|{_DATE})\s*(?:前|以前|之前)")
_DEADLINE_KEY_RE = re.compile(rf"(?:{'|'.join(_DEADLINE_KEYS)})\s*[:：]\s*([^；;）)。\n]+)")
_ONGOING_ALONE = re.compile(rf"(?:^|[（(；;：:，,])\s*({'|'.join(_ONGOING)})\s*(?=$|[)）；;。])")
_DATE_ALONE = re.compile(rf"(?:^|[（(；;])\s*((?:{_DATE})\s*(?:前|以前|之前)?)\s*(?=[)）]|$)")
# a sentence that opens with its time frame: "到2020年，在试点城市……全面推行" / "2019年上半年，试点城市政府印发实施方案";
# no day (a sentence opening with a full date tells an event), no "…前" (that is _BEFORE, read first)
_FRAME = re.compile(r"(?:^|[。；;！!])\s*(?:力争|争取)?(?:到|至|在|于)?\s*(\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*[底末])?"
                    r"|\s*[底末]|\s*[上下]半年)?)\s*[，,]")
_DEADLINE_VALUE = re.compile(
    rf"^(?:于|在)?\s*(?:(?:{_PERIODIC}|{_DATE})\s*(?:前|以前|之前|内|起)?(?:完成)?"
    rf"|\d{{4}}\s*[—\-－~～至]\s*\d{{4}}\s*年?|{'|'.join(_ONGOING)})$"
)


def _is_deadline(part: str) -> bool:
    return bool(_DEADLINE_VALUE.match(part.strip()))


def find_deadline(text: str) -> str:
    """The deadline as written: a keyed value first, else the first "…前" date, else a lone 持续推进, else the
    time frame a sentence opens with (到2020年，…)."""
    keyed = _DEADLINE_KEY_RE.search(text)
    if keyed:
        return keyed.group(1).strip(" ，,")
    found = []
    for pattern in (_BEFORE, _DATE_ALONE, _ONGOING_ALONE):
        match = pattern.search(text)
        if match:
            value = match.group(1) if match.groups() else match.group(0)
            found.append((match.start(), re.sub(r"\s+", "", value)))
    if found:
        return min(found)[1]
    frame = _FRAME.search(text)  # the weakest form: only when the task states no deadline of its own
    return re.sub(r"\s+", "", frame.group(1)) if frame else ""


# --------------------------------------------------------------------------- standing rules

_RULE_FIRST_LEAD = re.compile(
    r"(?:排|列)(?:在|于)?(?:首位|第一位?|第一个|最前)的?(?:部门|单位)?(?:为|是)牵头(?:部门|单位)"
)
_RULE_IMPLEMENTER = re.compile(
    r"以下(?:各项)?(?:任务)?(?:均|都|皆)(?:需|须|由|要)?(?P<units>[^，,。；;）)]{2,40}?)(?:负责)?落实[，,]?\s*不再(?:一一)?列出"
)
_RULE_SCOPE = re.compile(r"以下除[^，,。；;]*外[，,]?\s*适用范围均为(?P<scope>[^）)；;。，,]+)")


def standing_rules(text: str) -> list[StandingRule]:
    """Rules that a document states once for every later task, in order of appearance."""
    rules: list[StandingRule] = []
    for match in _RULE_FIRST_LEAD.finditer(text):
        rules.append(StandingRule("first_is_lead", text=match.group(0), start=match.start(), end=match.end()))
    for match in _RULE_IMPLEMENTER.finditer(text):
        units = _unit_list(match.group("units"))
        if units:
            rules.append(StandingRule("implementer", units=units, text=match.group(0),
                                      start=match.start(), end=match.end()))
    for match in _RULE_SCOPE.finditer(text):
        rules.append(StandingRule("scope", value=match.group("scope").strip(), text=match.group(0),
                                  start=match.start(), end=match.end()))
    return sorted(rules, key=lambda r: r.start)


def apply_rules(resp: Responsibility | None, rules: list[StandingRule] | None) -> Responsibility:
    """Re-type one group by the standing rules in force; None (a task with no group) gets a new one."""
    resp = resp if resp is not None else Responsibility(notation="rule")
    for rule in rules or []:
        if rule.kind == "first_is_lead" and not resp.lead and len(resp.responsible) > 0:
            resp.lead = resp.responsible[:1]
            resp.cooperating = resp.responsible[1:] + resp.cooperating
            resp.responsible = []
        elif rule.kind == "implementer":
            resp.responsible = resp.responsible + [u for u in rule.units if u not in resp.responsible]
        elif rule.kind == "scope" and not resp.scope:
            resp.scope = rule.value
    return resp.refresh()


# --------------------------------------------------------------------------- bracket groups

_ROLE_WORD_RE = "|".join(sorted(_ROLE_OF_WORD, key=len, reverse=True))
_KEY_RE = re.compile(
    rf"^\s*(?P<key>(?:{_ROLE_WORD_RE})(?:{'|'.join(_KEY_NOUNS)})(?:[（(](?:{'|'.join(_KEY_NOUNS)})[)）])?"
    rf"|{'|'.join(_DEADLINE_KEYS)}|{'|'.join(_SCOPE_KEYS)})\s*[:：]\s*(?P<value>.*)$",
    re.S,
)
_KEY_SPLIT = re.compile(
    rf"[，,。]\s*(?=(?:(?:{_ROLE_WORD_RE})(?:{'|'.join(_KEY_NOUNS)})|{'|'.join(_DEADLINE_KEYS)}"
    rf"|{'|'.join(_SCOPE_KEYS)})\s*[:：])"
)
_CLAUSE_RE = re.compile(rf"^(?P<units>.+?)(?P<verb>{'|'.join(sorted(_CLAUSE_VERBS, key=len, reverse=True))})$")
_BRACKET = re.compile(r"[（(]([^（）()]*(?:[（(][^（）()]*[)）][^（）()]*)*)[)）]")


def _key_role(key: str) -> str:
    if key in _DEADLINE_KEYS:
        return "deadline"
    if key in _SCOPE_KEYS:
        return "scope"
    for word in sorted(_ROLE_OF_WORD, key=len, reverse=True):
        if key.startswith(word):
            return _ROLE_OF_WORD[word]
    return "responsible"


def _strip_rules(inner: str) -> str:
    """The group without standing-rule sentences (they type later tasks, not this one)."""
    for pattern in (_RULE_IMPLEMENTER, _RULE_SCOPE, _RULE_FIRST_LEAD):
        inner = pattern.sub("", inner)
    return inner.strip(" ，,。；;")


def _parse_keyed(parts: list[str]) -> Responsibility | None:
    """（牵头单位：X；配合单位：Y；完成时限：Z）; unkeyed ；-parts follow the seed form rules."""
    pieces: list[str] = []
    for part in parts:
        pieces.extend(p.strip() for p in _KEY_SPLIT.split(part) if p.strip())
    if not pieces or not _KEY_RE.match(pieces[0]):
        return None
    resp = Responsibility(notation="keyed")
    role = "responsible"
    first_units: list[str] = []
    for index, piece in enumerate(pieces):
        keyed = _KEY_RE.match(piece)
        if keyed:
            role = _key_role(keyed.group("key"))
            value = keyed.group("value").strip(" ，,。")
            if role == "deadline":
                resp.deadline = value
            elif role == "scope":
                resp.scope = value
            else:
                items = [piece for item in _split_units(value) for piece in _joined(item)]
                getattr(resp, role).extend(items)
                if index == 0:
                    first_units = items
            continue
        _add_level_part(resp, piece, first_units, role)
    return resp.refresh()


def _add_level_part(resp: Responsibility, part: str, first_units: list[str], role: str) -> None:
    """A ；-part after the first: a deadline, a national counterpart list, or more units of `role`."""
    if _is_deadline(part):
        resp.deadline = part.strip()
        return
    items = _split_units(part)
    if not items:
        return
    first_is_national = bool(first_units) and is_national(first_units[0])
    if is_national(items[0]) and not first_is_national:
        resp.national_units.extend(items)
    elif role in ("deadline", "scope"):
        resp.responsible.extend(items)
    else:
        getattr(resp, role).extend(items)


def _parse_clauses(inner: str) -> Responsibility | None:
    """（X牵头，Y参与）（X、Y负责）（X指导，Y负责落实）（X会同有关部门负责）."""
    clauses = [c.strip() for c in re.split(r"[，,；;。]", inner) if c.strip()]
    if not clauses:
        return None
    resp = Responsibility(notation="roles")
    for clause in clauses:
        match = _CLAUSE_RE.match(clause)
        keyed_deadline = _DEADLINE_KEY_RE.match(clause)
        if not match and keyed_deadline and resp.lead + resp.responsible + resp.guiding + resp.cooperating:
            resp.deadline = keyed_deadline.group(1).strip(" ，,")  # （X牵头，Y参与；完成时限：…）
            continue
        if not match and _is_deadline(clause) and resp.lead + resp.responsible + resp.guiding + resp.cooperating:
            resp.deadline = clause
            continue
        if not match:
            return None
        role = _CLAUSE_VERBS[match.group("verb")]
        subject = match.group("units")
        together = re.split(r"会同|联合|协调", subject, maxsplit=1)
        lead_units = _unit_list(together[0])
        if lead_units is None:
            return None
        if len(together) == 2:
            partners = _unit_list(together[1])
            if partners is None:
                return None
            resp.lead.extend(lead_units)
            resp.cooperating.extend(partners)
            if role != "responsible":
                getattr(resp, role).extend(lead_units)
            continue
        getattr(resp, role).extend(lead_units)
    return resp.refresh()


def _parse_levels(parts: list[str]) -> Responsibility | None:
    """（上海市…局、市…委；国家…局…司、…司；2024年12月底）: unkeyed ；-parts."""
    first = _unit_list(parts[0])
    if first is None:
        return None
    resp = Responsibility(responsible=first, notation="list" if len(parts) == 1 else "levels")
    for part in parts[1:]:
        if not _is_deadline(part) and _unit_list(part) is None:
            return None
        _add_level_part(resp, part, first, "responsible")
    return resp.refresh()


def parse_responsibility(inner: str, bare: bool = False) -> Responsibility | None:
    """Parse the inside of one bracket group; None when it is not a responsibility statement.

    Keyed and role-word groups are recognised always; a bare unit list (and the ；-separated level form)
    only with `bare=True`, i.e. when the caller knows the group closes a clause.
    """
    inner = _strip_rules(inner.strip())
    if not inner:
        return None
    parts = [part.strip() for part in re.split(r"[；;]", inner) if part.strip()]
    resp = _parse_keyed(parts)
    if resp is not None:
        return resp
    if len(parts) == 1 and _DEADLINE_KEY_RE.match(parts[0]):
        return Responsibility(deadline=find_deadline(parts[0]), notation="keyed")
    resp = _parse_clauses(inner)
    if resp is not None:
        return resp
    if bare:
        return _parse_levels(parts)
    return None


def _closes_clause(text: str, start: int, end: int) -> bool:
    """A group closes a clause when a sentence ends right before it, or nothing but 。； follows it."""
    before = text[:start].rstrip(" \u3000\t")
    after = text[end:].lstrip(" \u3000\t")
    if not before or before[-1] in "。；;！？!?\n":
        return True
    return not after or after[0] in "。；;\n"


def find_responsibilities(text: str, rules: list[StandingRule] | None = None,
                          statute: bool = False) -> list[Responsibility]:
    """Every responsibility bracket group of a text, in order, with offsets.

    Keyed groups (牵头部门：…) and role-word groups (X指导) count wherever they stand; a bare list of unit
    names counts only when it closes a clause, so （以下简称…）（国家法律法规暂不允许的除外） are never taken.
    `rules` are the standing rules already in force; rules stated inside `text` apply to later groups.
    `statute` changes nothing here: a statute's prose assigns powers, not tasks (prose_responsibilities
    ignores it), but a bracket notation written after an article is as explicit there as in a plan.
    """
    own_rules = standing_rules(text)
    found: list[Responsibility] = []
    for match in _BRACKET.finditer(text):
        resp = parse_responsibility(match.group(1), bare=_closes_clause(text, match.start(), match.end()))
        if resp is None or resp.empty:
            continue
        resp.raw = match.group(0)
        resp.start, resp.end = match.start(), match.end()
        in_force = list(rules or []) + [r for r in own_rules if r.end <= match.start()]
        found.append(apply_rules(resp, in_force) if in_force else resp)
    return found


# --------------------------------------------------------------------------- prose

_LEAD_IN = re.compile(
    rf"^(?:(?:从|自)?\s*\d{{4}}\s*年起|(?P<deadline>(?:{_PERIODIC}|{_DATE})\s*(?:前|以前|之前)))\s*[，,]?\s*"
)
_BY = re.compile(
    r"(?<![自理缘事来因])由(?!此|于)(?P<units>[^，,。；;由]{2,80}?)(?P<verb>牵头负责|具体负责|负责|牵头|组织实施|承担)"
)
_FOLLOW_ROLE = re.compile(
    rf"^[，,]\s*(?P<units>[^，,。；;]{{2,80}}?)(?P<verb>{'|'.join(sorted(_CLAUSE_VERBS, key=len, reverse=True))})"
)


def _leading_units(text: str) -> tuple[list[str], int]:
    """Unit names that open `text` and are followed by a verb (X、Y负责…): (units, end offset).

    The shortest name that reads as a unit and is followed by 、 or a verb wins, so that
    "国家卫生健康委建立全国三级公立医院…" gives 国家卫生健康委, not a name ending in 医院.
    """
    verbs = _PROSE_VERBS + tuple(_CLAUSE_VERBS)
    for end in range(2, min(len(text), 31) + 1):
        name = text[:end]
        if not is_department(name):
            continue
        rest = text[end:]
        if rest[:1] == "、":
            more, stop = _leading_units(rest[1:])
            if more:
                return [name] + more, end + 1 + stop
        tail = re.match(r"等(?:有关|相关)?(?:部门|单位)", rest)
        if tail and rest[tail.end():].startswith(verbs):
            return [name], end + tail.end()
        if rest.startswith(verbs):
            return [name], end
    return [], 0


def prose_responsibilities(sentence: str, statute: bool = False) -> Responsibility | None:
    """Responsibility written in a sentence: "由X负责", "X负责…", "2019年3月底前，X建立…".

    Conservative: the department must be the sentence subject (at its start, after an optional date
    lead-in) or follow 由. A statute assigns powers, not tasks, so `statute=True` returns None.
    """
    if statute:
        return None
    text = sentence.strip()
    by = _BY.search(text)
    if by:
        units = _unit_list(by.group("units"))
        if units:
            role = "lead" if by.group("verb").startswith("牵头") else "responsible"
            resp = Responsibility(notation="prose", start=by.start("units"), end=by.end("units"))
            getattr(resp, role).extend(units)
            follow = _FOLLOW_ROLE.match(text[by.end():])
            if follow and (more := _unit_list(follow.group("units"))):
                getattr(resp, _CLAUSE_VERBS[follow.group("verb")]).extend(more)
            resp.deadline = find_deadline(text)
            return resp.refresh()
    lead_in = _LEAD_IN.match(text)
    offset = lead_in.end() if lead_in else 0
    units, stop = _leading_units(text[offset:])
    if not units:
        return None
    rest = re.sub(r"^(?:要|将|应|须|需)(?=会同|牵头)", "", text[offset + stop:])
    resp = Responsibility(notation="prose", start=offset, end=offset + stop)
    if rest.startswith("会同"):
        after = rest[2:]
        if after.startswith(("有关部门", "相关部门")):
            others = [after[:4]]
        else:
            others, _ = _leading_units(after)
        resp.lead.extend(units)
        resp.cooperating.extend(others)
    elif rest.startswith("牵头"):
        resp.lead.extend(units)
    elif rest.startswith("指导") and not rest.startswith("指导下"):
        resp.guiding.extend(units)
    else:
        resp.responsible.extend(units)
    if lead_in and lead_in.group("deadline"):
        resp.deadline = re.sub(r"\s+", "", lead_in.group("deadline"))
    else:
        resp.deadline = find_deadline(rest)
    return resp.refresh()


# --------------------------------------------------------------------------- tables

_HEADER_ROLES = (  # checked in order: 配合 before 牵头 so that "配合牵头…" never reads as lead
    ("deadline", _DEADLINE_KEYS + ("完成时限", "时间进度", "进度")),
    ("scope", _SCOPE_KEYS),
    ("cooperating", ("配合", "协办", "参与", "协同", "协作", "协助")),
    ("lead", ("牵头",)),
    ("guiding", ("指导", "督导")),
    ("responsible", ("责任单位", "责任部门", "责任主体", "主责", "负责", "实施单位", "实施部门", "承办",
                     "落实单位", "落实部门", "责任处室")),
)


_PLACEHOLDER = re.compile(r"^[—\-－–/／~～无\s]*$")


def table_roles(header_cells: list[str]) -> dict[int, str]:
    """Column index → role, from the words of a table's header row (牵头部门, 配合单位, 完成时限…)."""
    roles: dict[int, str] = {}
    for index, cell in enumerate(header_cells):
        words = re.sub(r"\s+", "", cell)
        if not words or len(words) > 20:
            continue
        for role, keys in _HEADER_ROLES:
            if any(key in words for key in keys):
                roles[index] = role
                break
    return roles


def row_responsibility(cells: list[str], roles_by_col: dict[int, str]) -> Responsibility:
    """One table row read by its column roles; "X（牵头）" inside a cell still marks the lead."""
    resp = Responsibility(notation="table")
    for index, role in roles_by_col.items():
        if index >= len(cells) or not cells[index].strip():
            continue
        value = cells[index].strip()
        if _PLACEHOLDER.match(value):  # "—", "/", "无": an empty cell written out
            continue
        if role == "deadline":
            resp.deadline = resp.deadline or value
            continue
        if role == "scope":
            resp.scope = resp.scope or value
            continue
        for item in _split_units(value.replace("\n", "、")):
            marked = re.match(r"^(.+?)[（(](牵头|配合|参与|指导|负责)[)）]$", item)
            if marked:
                getattr(resp, _CLAUSE_VERBS[marked.group(2)]).append(marked.group(1))
            else:
                getattr(resp, role).append(item)
    return resp.refresh()

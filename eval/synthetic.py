"""Synthetic policy documents with known truth, for measuring generalization.

Every document is drawn from a seeded random generator: an invented region and issuing body,
departments with varied suffixes, years 2026–2032, a 文号, tasks on IP-policy topics with their
responsibility written in one of several notations, deadlines, an indicator table, a numbering
style and a GB/T 9704 header. The generator keeps what it wrote (the truth) apart from any
parser, so a disagreement between truth and `assistant.units.build_units` points at the parser.

The document content is a list of blocks (headings, paragraphs, tables) that `eval.formats`
writes out as .txt/.md/.docx/.pdf/.html.
"""
from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

FORMATS = ("txt", "md", "docx", "pdf", "html")
NUMBERING = ("plan-arabic", "plan-paren", "plan-arabic-paren", "regulation")
NOTATIONS = ("keyed-lead", "keyed-subject", "keyed-dept", "keyed-fuze", "trailing", "trailing-fuze",
             "lead-participate", "guiding", "prose")
CN_NUM = "零一二三四五六七八九十"

# --------------------------------------------------------------------------- vocabulary (data)

REGION_CHARS_1 = "青云枫桐柳松桂梅翠金银玉石清白紫丹鹿凤澄岚霞溪泓沅湄苍黛琅璟蓝橙杉榆槐棠"
REGION_CHARS_2 = "溪澜林湾岭川屏沙湖泉门河鹭荆霞原阳江浦塘洲渚峰谷坪桥滨港源岗湄汀野庄"
REAL_REGIONS = {"浦东", "普陀", "上海", "闵行", "徐汇", "黄浦", "静安", "杨浦", "虹口", "长宁", "宝山", "嘉定",
                "金山", "松江", "青浦", "奉贤", "崇明", "临港", "白沙", "石门", "清河", "金沙", "云林", "丹阳",
                "松原", "桂林", "白城", "金华", "玉林", "清原", "凤阳", "石岗", "青岛", "柳州", "梅州", "玉溪",
                "凤岗", "金门", "青原", "白云", "紫阳", "松溪", "桐庐", "澄江", "丹江", "石河", "清江", "云阳"}
REGION_SUFFIX = ("区", "区", "县", "市", "新区")
LEVEL_OF = {"区": "区", "县": "县", "市": "市", "新区": "区"}

# (full name after the level word, abbreviation after the level word)
GOV_UNITS = [
    ("科学技术委员会", "科委"), ("经济和信息化委员会", "经信委"), ("商务委员会", "商务委"),
    ("发展和改革委员会", "发改委"), ("财政局", "财政局"), ("司法局", "司法局"), ("教育局", "教育局"),
    ("文化和旅游局", "文旅局"), ("市场监督管理局", "市场监管局"), ("公安分局", "公安分局"),
    ("人力资源和社会保障局", "人社局"), ("金融工作办公室", "金融办"), ("投资促进办公室", "投促办"),
    ("农业农村委员会", "农委"), ("知识产权局", "知产局"), ("数据局", "数据局"),
    ("卫生健康委员会", "卫健委"), ("国有资产监督管理委员会", "国资委"), ("生态环境局", "环境局"),
    ("人民法院", "法院"), ("人民检察院", "检察院"), ("知识产权保护中心", "保护中心"),
    ("企业服务中心", "企服中心"), ("税务局", "税务局"), ("应急管理局", "应急局"), ("统计局", "统计局"),
]
# units absent from every generated document, used for "absent department" refusals
ABSENT_UNITS = [("民政局", "民政局"), ("退役军人事务局", "退役军人局"), ("体育局", "体育局"),
                ("审计局", "审计局"), ("住房和城乡建设管理委员会", "建管委"), ("规划和自然资源局", "规资局")]
AGENCY_UNITS = [
    ("办公室", "办公室"), ("保护处", "保护处"), ("运用促进处", "运促处"), ("公共服务处", "公服处"),
    ("执法稽查处", "稽查处"), ("政策法规处", "法规处"), ("综合科", "综合科"), ("专利管理科", "专利科"),
    ("商标监督管理科", "商标科"), ("知识产权服务中心", "服务中心"), ("执法大队", "执法大队"),
    ("监测预警科", "预警科"),
]
UPPER_UNITS = [("科学技术厅", "科技厅"), ("商务厅", "商务厅"), ("知识产权局", "知识产权局")]
NATIONAL_UNITS = [("国家知识产权局保护司", "保护司"), ("国家知识产权局运用促进司", "运用促进司"),
                  ("国家知识产权局公共服务司", "公共服务司"), ("国家知识产权局战略规划司", "战略规划司")]
# invented-name units: (suffix as written, abbreviation suffix)
NAMED_UNITS = [("街道办事处", "街道"), ("镇人民政府", "镇"), ("投资控股集团", "集团"), ("海关", "海关"),
               ("科创园管理委员会", "科创园管委会")]

INDUSTRIES = ["生物医药", "集成电路", "新能源汽车", "人工智能", "高端装备", "新材料", "文化创意", "现代农业",
              "跨境电商", "航运物流", "低空经济", "智能网联", "海洋经济", "绿色低碳", "数字内容", "工业软件"]
TOPICS = [
    ("推进", "高价值专利培育"), ("开展", "专利导航服务"), ("实施", "商标品牌建设工程"), ("加强", "地理标志保护"),
    ("拓展", "知识产权质押融资"), ("完善", "海外知识产权纠纷应对"), ("探索", "数据知识产权登记"),
    ("健全", "知识产权快速维权机制"), ("推广", "专利开放许可"), ("加强", "知识产权人才培养"),
    ("布局", "知识产权公共服务网点"), ("强化", "展会知识产权保护"), ("加强", "商业秘密保护"),
    ("推进", "知识产权信用监管"), ("开展", "标准必要专利培育"), ("推动", "知识产权证券化试点"),
    ("深化", "知识产权纠纷多元调解"), ("建设", "专利转化运营平台"), ("开展", "知识产权执法专项行动"),
    ("推进", "企业知识产权合规管理"), ("培育", "知识产权优势示范企业"), ("加强", "版权登记与保护"),
]
ELABORATIONS = [
    "围绕重点产业链，支持企业开展全链条布局",
    "发挥行业协会作用，引导市场主体规范运作",
    "建立部门协同机制，形成工作合力",
    "完善工作流程，提升服务便利化水平",
    "强化宣传培训，营造良好社会氛围",
    "加强信息共享，推动数据互联互通",
    "总结试点经验，适时在全区范围推广",
    "鼓励高校院所与企业开展合作，促进成果落地",
]
SECTION_NAMES = ["强化知识产权创造", "促进知识产权运用", "加强知识产权保护", "优化知识产权服务",
                 "深化知识产权管理", "推进知识产权国际合作"]
GUARANTEES = [("加强组织领导", "知识产权工作领导小组统筹推进各项任务落实"),
              ("强化经费保障", "统筹安排相关经费，支持重点任务实施"),
              ("加强督促检查", "建立任务台账，定期通报工作进展"),
              ("营造良好氛围", "加强政策宣传解读，及时总结推广典型经验")]
INDICATORS = [  # name, unit, low, high, casual short name
    ("每万人口高价值发明专利拥有量", "件", 10, 40, "高价值专利"),
    ("PCT国际专利申请量", "件", 50, 400, "PCT申请量"),
    ("知识产权质押融资登记金额", "亿元", 2, 30, "质押融资"),
    ("有效注册商标总量", "万件", 1, 20, "注册商标"),
    ("地理标志产品数量", "个", 3, 20, "地理标志"),
    ("专利转化实施率", "%", 20, 60, "转化实施率"),
    ("知识产权纠纷调解成功案件量", "件", 100, 800, "调解案件"),
    ("海外知识产权纠纷应对指导服务企业数", "家", 20, 200, "海外指导企业"),
    ("知识产权优势示范企业数量", "家", 10, 120, "示范企业"),
    ("知识产权服务机构数量", "家", 20, 150, "服务机构"),
    ("版权作品登记量", "万件", 1, 5, "版权登记"),
    ("高价值发明专利授权量", "件", 200, 2000, "发明专利授权"),
]
KINDS = ("工作要点", "行动方案", "实施方案", "实施办法")
TOPIC_OUT = ["公积金提取", "医保报销", "个税专项附加扣除", "社保关系转移", "积分落户", "驾驶证换领",
             "出入境签证办理", "义务教育入学", "养老金领取", "不动产登记"]
REPORT_ITEMS = ["年度工作计划", "半年度工作总结", "年度工作总结"]


# --------------------------------------------------------------------------- truth

@dataclass
class Dept:
    name: str  # as the document writes it
    short: str  # an abbreviation or casual name staff use
    kind: str = "local"  # local | national


@dataclass
class Task:
    number: int
    label: str  # as written: "3.", "（三）", "第三条", "（3）", or the table row number
    section: str  # section heading as written, without numbering
    keyword: str  # wording unique to this clause in the corpus
    text: str  # the clause as written (with label, for inline layouts)
    notation: str
    lead: list[str] = field(default_factory=list)
    cooperating: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)  # named as 负责/责任 without a lead
    guiding: list[str] = field(default_factory=list)  # named as 指导
    national: list[str] = field(default_factory=list)
    deadline: str = ""

    @property
    def leads(self) -> list[str]:
        """Units an answer names first: the lead, or the responsible units when no lead is named."""
        return self.lead or self.responsible

    @property
    def units(self) -> list[str]:
        return self.guiding + self.lead + self.responsible + self.cooperating


@dataclass
class Indicator:
    name: str  # without the unit
    unit: str
    short: str
    values: dict[int, float]  # target year -> value
    actual: dict[int, float] = field(default_factory=dict)
    nature: str = ""  # 预期性 | 约束性 | ""
    style: str = "table-unit-name"  # table-unit-name | table-unit-column | text

    def value_text(self, year: int) -> str:
        return f"{fmt_number(self.values[year])}{self.unit}"


@dataclass
class SynthDoc:
    doc_id: str
    filename: str
    format: str
    region: str
    region_short: str
    years: list[int]
    kind: str
    title: str
    numbering: str
    layout: str  # inline | table
    issuer: str
    doc_number: str
    header: dict
    sections: list[str]  # top-level headings as written (with numbering)
    task_sections: list[str]
    tasks: list[Task]
    indicators: list[Indicator]
    depts: list[Dept]  # every unit named in the document
    absent: list[Dept]  # plausible units named nowhere in the document
    preamble: str
    goal_deadline: str
    guarantees: list[str]  # 保障措施 points, as written
    blocks: list = field(default_factory=list, repr=False)

    @property
    def year(self) -> int:
        return self.years[0]

    def dept(self, name: str) -> Dept:
        return next(d for d in self.depts if d.name == name)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("blocks")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "SynthDoc":
        data = dict(data)
        data["tasks"] = [Task(**t) for t in data["tasks"]]
        data["indicators"] = [Indicator(**{**i, "values": {int(k): v for k, v in i["values"].items()},
                                           "actual": {int(k): v for k, v in i["actual"].items()}})
                              for i in data["indicators"]]
        data["depts"] = [Dept(**d) for d in data["depts"]]
        data["absent"] = [Dept(**d) for d in data["absent"]]
        return cls(**data)


def fmt_number(value: float) -> str:
    return f"{value:g}"


def cn_numeral(n: int) -> str:
    """1..99 in Chinese numerals (十二, 二十三)."""
    if n <= 10:
        return CN_NUM[n] if n else "零"
    tens, ones = divmod(n, 10)
    return (CN_NUM[tens] if tens > 1 else "") + "十" + (CN_NUM[ones] if ones else "")


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# --------------------------------------------------------------------------- generator

class Generator:
    """Draws documents from one seeded RNG; keeps corpus-wide uniqueness (regions, task wording)."""

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)
        self.regions: dict[str, list[tuple[int, int]]] = {}  # region -> covered year spans
        self.keywords: set[str] = set()
        self.used_names: set[str] = set()

    # ---- names
    def place_name(self) -> str:
        while True:
            name = self.rng.choice(REGION_CHARS_1) + self.rng.choice(REGION_CHARS_2)
            if name not in REAL_REGIONS and name not in self.used_names:
                self.used_names.add(name)
                return name

    def other_regions(self, n: int) -> list[str]:
        """Regions with no document (for refusals), written like the generated ones."""
        return [self.place_name() + self.rng.choice(REGION_SUFFIX) for _ in range(n)]

    def keyword(self, avoid: set[str]) -> tuple[str, str]:
        """A task wording unique in the corpus, on a topic not yet used in this document."""
        tries = 0
        while True:
            tries += 1
            verb, topic = self.rng.choice(TOPICS)
            if topic in avoid:
                continue
            kw = self.rng.choice(INDUSTRIES) + topic if tries < 40 else f"{self.place_name()}园区{topic}"
            if kw not in self.keywords:
                self.keywords.add(kw)
                avoid.add(topic)
                return verb, kw

    # ---- one document
    def document(self, index: int, fmt: str) -> SynthDoc:
        rng = self.rng
        reuse = [r for r in self.regions if len(self.regions[r]) == 1]
        if reuse and rng.random() < 0.12:
            region = rng.choice(reuse)
            start = max(end for _, end in self.regions[region]) + 2
            if start > 2031:
                region = None
        else:
            region = None
        if region is None:
            short = self.place_name()
            region = short + rng.choice(REGION_SUFFIX)
            start = rng.randint(2026, 2031)
        short = region[:2]
        level = LEVEL_OF[region[2:]]
        kind = rng.choice(KINDS)
        span = 1 if kind == "工作要点" or start == 2032 else rng.choice((1, 2, 2, 3))
        span = min(span, 2033 - start)
        years = list(range(start, start + span))
        self.regions.setdefault(region, []).append((years[0], years[-1]))
        yspan = f"{years[0]}年" if len(years) == 1 else f"{years[0]}—{years[-1]}年"
        if kind == "工作要点":
            title = f"{region}{yspan}知识产权工作要点"
        elif kind == "行动方案":
            title = f"{region}知识产权强{level}建设{yspan}行动方案"
        elif kind == "实施方案":
            title = f"{region}{yspan}知识产权保护工作实施方案"
        else:
            title = f"{region}知识产权高质量发展实施办法（{yspan.rstrip('年')}）" if len(years) > 1 \
                else f"{region}{yspan}知识产权高质量发展实施办法"
        numbering = rng.choice(NUMBERING)
        layout = "table" if numbering != "regulation" and rng.random() < 0.2 else "inline"
        agency = rng.random() < 0.35
        if agency:
            issuer = f"{region}知识产权局"
            prefix = f"{short[0]}知"
        else:
            issuer = f"{region}人民政府办公室"
            prefix = f"{short[0]}府办"
        doc_number = f"{prefix}〔{years[0]}〕{rng.randint(1, 60)}号"

        depts = self._departments(level, agency)
        named_units = [d for d in depts if d.kind == "local"]
        absent_pool = [(level + full, level + abbr) for full, abbr in ABSENT_UNITS]
        absent = [Dept(n, s) for n, s in rng.sample(absent_pool, 3)]
        national = [Dept(n, s, "national") for n, s in rng.sample(NATIONAL_UNITS, 2)] if rng.random() < 0.3 else []

        # ---- tasks
        n_sections = rng.randint(2, 4)
        section_names = rng.sample(SECTION_NAMES, n_sections)
        tasks: list[Task] = []
        number = 0
        notations = list(NOTATIONS)
        topics: set[str] = set()
        for s_name in section_names:
            for _ in range(rng.randint(2, 4)):
                number += 1
                verb, kw = self.keyword(topics)
                notation = "table" if layout == "table" else rng.choice(notations)
                tasks.append(self._task(number, s_name, verb, kw, notation, named_units, national, years))
        used = {u for t in tasks for u in t.units + t.national}
        depts = [d for d in depts + national if d.name in used]

        indicators = self._indicators(years)
        issue = date(years[0], rng.randint(1, 4), rng.randint(1, 28))
        printed = issue + timedelta(days=rng.randint(1, 12))
        cc_units = rng.sample(["区委办公室", "区人大常委会办公室", "区政协办公室", "区纪委监委", "区法院", "区检察院"], 3)
        cc_units = [u.replace("区", level, 1) for u in cc_units]
        header = {
            "title": title,
            "doc_number": doc_number,
            "issuer": issuer,
            "issuers": [issuer],
            "issue_date": cn_date(issue),
            "addressees": rng.choice([f"各街道办事处、镇人民政府，{level}政府各委、办、局",
                                      f"{level}政府各委、办、局，各有关单位"]) if not agency else "局机关各处室、各直属单位",
            "cc": "，".join(cc_units) if rng.random() < 0.75 else "",
            "printer": issuer,
            "print_date": cn_date(printed),
            "copies": str(rng.choice((10, 12, 15, 20, 30, 40))) if rng.random() < 0.6 else "",
            "attachments": [f"{title.split('知识产权')[0]}知识产权主要指标解释"] if rng.random() < 0.6 else [],
            "public_note": rng.random() < 0.5,
            "reporting": {},
            "published": cn_date(printed + timedelta(days=rng.randint(1, 5))),
            "index_no": f"{rng.randint(10000000, 99999999)}/{years[0]}-{rng.randint(10000, 99999)}",
        }
        if rng.random() < 0.5:
            due = date(years[0], rng.choice((6, 7, 12)), rng.choice((10, 15, 20, 30)))
            item = rng.choice(REPORT_ITEMS)
            header["reporting"] = {"item": item, "date": cn_date(due)}
        goal_deadline = f"到{years[-1]}年底"
        preamble = (f"{years[0]}年是深入实施知识产权强国建设纲要的关键之年。总体思路是：坚持创新驱动发展，"
                    f"全面提升知识产权创造质量、运用效益、保护效果、管理能力和服务水平，为{region}高质量发展提供有力支撑。")
        guarantees = [f"{head}。{body}。" for head, body in rng.sample(GUARANTEES, rng.randint(2, 4))]
        doc = SynthDoc(
            doc_id=f"{index:03d}", filename="", format=fmt, region=region, region_short=short, years=years,
            kind=kind, title=title, numbering=numbering, layout=layout, issuer=issuer, doc_number=doc_number,
            header=header, sections=[], task_sections=section_names, tasks=tasks, indicators=indicators,
            depts=depts, absent=absent, preamble=preamble, goal_deadline=goal_deadline, guarantees=guarantees)
        doc.filename = f"{doc.doc_id}_synthetic-{index:03d}.{fmt}"
        doc.blocks = render_blocks(doc, rng)
        return doc

    def _departments(self, level: str, agency: bool) -> list[Dept]:
        rng = self.rng
        out: list[Dept] = []
        if agency:
            for full, abbr in rng.sample(AGENCY_UNITS, 6):
                out.append(Dept(full, abbr))
            for full, abbr in rng.sample(GOV_UNITS, 2):
                out.append(Dept(level + full, level + abbr))
        else:
            for full, abbr in rng.sample(GOV_UNITS, 7):
                out.append(Dept(level + full, level + abbr))
        if rng.random() < 0.5:
            name = self.place_name()
            suffix, abbr = rng.choice(NAMED_UNITS)
            out.append(Dept(name + suffix, name + abbr))
        if rng.random() < 0.3:
            full, abbr = rng.choice(UPPER_UNITS)
            out.append(Dept("省" + full, "省" + abbr))
        seen: set[str] = set()
        unique = []
        for d in out:
            if d.name not in seen and d.short not in seen:
                seen.update((d.name, d.short))
                unique.append(d)
        return unique

    def _deadline(self, years: list[int]) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.25:
            return "持续推进"
        if roll < 0.33:
            return ""
        year = rng.choice(years)
        month = rng.choice((3, 6, 6, 9, 12, 12, 12))
        return f"{year}年{month}月底" + ("前" if rng.random() < 0.3 else "")

    def _task(self, number: int, section: str, verb: str, kw: str, notation: str,
              units: list[Dept], national: list[Dept], years: list[int]) -> Task:
        rng = self.rng
        names = [d.name for d in rng.sample(units, rng.choice((2, 3) if notation == "guiding" else (1, 2, 2, 3)))]
        elab = "，".join(rng.sample(ELABORATIONS, 2))
        task = Task(number=number, label="", section=section, keyword=kw, text="", notation=notation,
                    deadline=self._deadline(years))
        first, rest = names[:1], names[1:]
        if notation in ("keyed-lead", "lead-participate", "table"):
            task.lead, task.cooperating = first, rest
        elif notation == "keyed-dept":
            task.lead, task.cooperating = first, rest
        elif notation == "prose":
            task.responsible, task.cooperating = first, rest
        elif notation == "guiding":
            task.guiding, task.responsible = first, rest
        else:  # keyed-subject, keyed-fuze, trailing, trailing-fuze: all named units are responsible
            task.responsible = names
        if national and notation in ("keyed-subject", "trailing", "keyed-lead") and rng.random() < 0.7:
            task.national = [d.name for d in rng.sample(national, rng.choice((1, 2)))]
        task.text = f"{verb}{kw}。{elab}。"
        return task

    def _indicators(self, years: list[int]) -> list[Indicator]:
        rng = self.rng
        chosen = rng.sample(INDICATORS, rng.randint(3, 5))
        style = rng.choice(("table-unit-name", "table-unit-column", "table-unit-name", "text"))
        nature = rng.choice(("预期性", "约束性", "")) if style != "text" else ""
        out = []
        with_actual = style != "text" and rng.random() < 0.6
        for name, unit, low, high, short in chosen:
            def draw(step: float) -> float:
                value = rng.uniform(low, high) * step
                return round(value, 1) if unit in ("亿元", "%", "万件") else float(round(value))
            base = draw(1.0)
            values, step = {}, 1.0
            for y in years:
                step += rng.uniform(0.08, 0.25)
                values[y] = round(base * step, 1) if unit in ("亿元", "%", "万件") else float(round(base * step))
            actual = {years[0] - 1: base} if with_actual else {}
            if style == "text":  # running text states the final year only
                values = {years[-1]: values[years[-1]]}
            out.append(Indicator(name=name, unit=unit, short=short, values=values, actual=actual,
                                 nature=nature, style=style))
        return out


# --------------------------------------------------------------------------- blocks

def _responsibility_text(task: Task, rng: random.Random) -> str:
    """The responsibility notation of an inline clause (empty for prose: it is in the body)."""
    join = "、".join
    dl = task.deadline
    dl_part = f"；完成时限：{dl}" if dl else ""
    nat = f"；{join(task.national)}" if task.national else ""
    n = task.notation
    if n == "keyed-lead":
        coop = f"；配合单位：{join(task.cooperating)}" if task.cooperating else ""
        return f"（牵头单位：{join(task.lead)}{coop}{nat}{dl_part}）"
    if n == "keyed-dept":
        coop = f"；配合部门：{join(task.cooperating)}" if task.cooperating else ""
        return f"（牵头部门：{join(task.lead)}{coop}{dl_part}）"
    if n == "keyed-subject":
        return f"（责任主体：{join(task.responsible)}{nat}{dl_part}）"
    if n == "keyed-fuze":
        return f"（负责部门：{join(task.responsible)}{dl_part}）"
    if n == "guiding":
        return f"（{join(task.guiding)}指导，{join(task.responsible)}负责{dl_part}）"
    if n == "trailing":
        return f"（{join(task.responsible)}{nat}）" + (f"（完成时限：{dl}）" if dl else "")
    if n == "trailing-fuze":
        return f"（{join(task.responsible)}负责{dl_part}）"
    if n == "lead-participate":
        coop = f"，{join(task.cooperating)}参与" if task.cooperating else ""
        return f"（{join(task.lead)}牵头{coop}{dl_part}）"
    return ""


def _prose_body(task: Task) -> str:
    coop = f"，{'、'.join(task.cooperating)}配合" if task.cooperating else ""
    due = ""
    if task.deadline == "持续推进":
        due = "，持续推进"
    elif task.deadline:
        due = f"，{task.deadline.rstrip('前')}前完成"
    return f"由{'、'.join(task.responsible)}负责{coop}{due}。"


def _label(style: str, n: int, sep: str) -> str:
    if style == "plan-arabic":
        return f"{n}{sep}"
    if style == "plan-paren":
        return f"（{cn_numeral(n)}）"
    if style == "plan-arabic-paren":
        return f"（{n}）"
    return f"第{cn_numeral(n)}条　"


def _top(style: str, n: int, name: str) -> str:
    return f"第{cn_numeral(n)}章　{name}" if style == "regulation" else f"{cn_numeral(n)}、{name}"


def _sub(style: str, n: int, name: str) -> str:
    return f"{n}.{name}" if style == "plan-arabic-paren" else f"（{cn_numeral(n)}）{name}"


def indicator_rows(doc: SynthDoc) -> tuple[list[list[str]], str]:
    """The indicator table as rows of cells (header first), and its caption."""
    inds = [i for i in doc.indicators if i.style != "text"]
    if not inds:
        return [], ""
    style = inds[0].style
    actual_years = sorted({y for i in inds for y in i.actual})
    with_actual = bool(actual_years)
    head = ["序号", "指标名称"] + (["单位"] if style == "table-unit-column" else [])
    year_cols = [(y, "actual") for y in actual_years] + [(y, "target") for y in doc.years]
    for y, kind in year_cols:
        head.append(f"{y}年（{'实际' if kind == 'actual' else '目标'}）" if with_actual else f"{y}年")
    if inds[0].nature:
        head.append("属性")
    rows = [head]
    for i, ind in enumerate(inds, 1):
        name = ind.name if style == "table-unit-column" else f"{ind.name}（{ind.unit}）"
        row = [str(i), name] + ([ind.unit] if style == "table-unit-column" else [])
        for y, kind in year_cols:
            source = ind.actual if kind == "actual" else ind.values
            row.append(fmt_number(source[y]) if y in source else "—")
        if ind.nature:
            row.append(ind.nature)
        rows.append(row)
    return rows, f"{doc.region}知识产权发展主要指标"


def task_table_rows(doc: SynthDoc, rng: random.Random) -> tuple[list[list[str]], list[int]]:
    """The task-assignment table (table layout): rows, and the indices of merged section rows."""
    rows = [["序号", "重点任务", "牵头部门", "配合部门", "完成时限"]]
    merged = []
    current = None
    for t in doc.tasks:
        if t.section != current:
            current = t.section
            sec_no = doc.task_sections.index(t.section) + 1
            merged.append(len(rows))
            title = f"（{cn_numeral(sec_no)}）{t.section}"
            rows.append([title] * 5)
        rows.append([str(t.number), t.text, "、".join(t.lead), "、".join(t.cooperating) or "—", t.deadline or "—"])
    return rows, merged


def render_blocks(doc: SynthDoc, rng: random.Random) -> list[tuple]:
    """Blocks: ("mark", text) 发文机关标志, ("center", text), ("title", text), ("h1"|"h2", text),
    ("p", text), ("table", rows, merged_row_indices, caption), ("rule",), ("pagebreak",)."""
    h = doc.header
    style = doc.numbering
    sep = rng.choice((".", "．", "、"))
    blocks: list[tuple] = [("mark", f"{doc.issuer}文件"), ("center", doc.doc_number), ("rule",)]
    blocks.append(("title", f"{doc.issuer}关于印发《{doc.title}》的通知"))
    blocks.append(("p", f"{h['addressees']}："))
    notice = f"经研究同意，现将《{doc.title}》印发给你们，请结合实际认真贯彻落实。"
    if h["reporting"]:
        notice += f"各单位请于{h['reporting']['date']}前报送{h['reporting']['item']}。"
    blocks.append(("p", notice))
    if h["attachments"]:
        blocks.append(("p", f"附件：{h['attachments'][0]}"))
    blocks.append(("sign", doc.issuer))
    blocks.append(("sign", h["issue_date"]))
    if h["public_note"]:
        blocks.append(("p", "（此件公开发布）"))
    blocks.append(("pagebreak",))
    blocks.append(("title", doc.title))
    blocks.append(("p", doc.preamble))

    tops: list[str] = []
    top_no = 0

    def top(name: str) -> None:
        nonlocal top_no
        top_no += 1
        heading = _top(style, top_no, name)
        tops.append(heading)
        blocks.append(("h1", heading))

    article = 0
    if style == "regulation":
        top("总则")
        article += 1
        own = {"工作要点": "要点", "行动方案": "方案", "实施方案": "方案"}.get(doc.kind, "办法")
        blocks.append(("p", f"第{cn_numeral(article)}条　为深入实施知识产权强国战略，结合本{LEVEL_OF[doc.region[2:]]}实际，制定本{own}。"))
    # goals
    top("主要目标")
    if style == "regulation":
        article += 1
        blocks.append(("p", f"第{cn_numeral(article)}条　{doc.goal_deadline}，全{LEVEL_OF[doc.region[2:]]}知识产权综合实力显著提升。"))
    else:
        blocks.append(("p", f"{doc.goal_deadline}，全{LEVEL_OF[doc.region[2:]]}知识产权创造质量、运用效益和保护水平显著提升。"))
    for ind in doc.indicators:
        if ind.style == "text":
            y = doc.years[-1]
            blocks.append(("p", f"到{y}年，{ind.name}达到{ind.value_text(y)}。"))
    rows, caption = indicator_rows(doc)
    if rows:
        blocks.append(("caption", caption))
        blocks.append(("table", rows, [], caption))
        natures = {i.nature for i in doc.indicators if i.nature}
        if natures and rng.random() < 0.4:
            blocks.append(("p", f"（以上指标均为{natures.pop()}指标）"))

    # tasks
    if doc.layout == "table":
        top("重点任务")
        blocks.append(("p", "各项重点任务分工如下表。"))
        table, merged = task_table_rows(doc, rng)
        for t in doc.tasks:
            t.label = str(t.number)
        blocks.append(("table", table, merged, "重点任务分工表"))
    else:
        nested = style != "regulation" and rng.random() < 0.5
        if nested:
            top("重点任务")
        for s_no, s_name in enumerate(doc.task_sections, 1):
            if nested:
                blocks.append(("h2", _sub(style, s_no, s_name)))
            else:
                top(s_name)
            for t in [t for t in doc.tasks if t.section == s_name]:
                if style == "regulation":
                    article += 1
                    t.number = article
                t.label = _label(style, t.number, sep)
                body = t.text
                if t.notation == "prose":
                    body = body + _prose_body(t)
                    t.text = f"{t.label}{body}"
                else:
                    t.text = f"{t.label}{body}{_responsibility_text(t, rng)}"
                blocks.append(("p", t.text))
    # guarantees
    top("保障措施")
    for g_no, g in enumerate(doc.guarantees, 1):
        if style == "regulation":
            article += 1
            blocks.append(("p", f"第{cn_numeral(article)}条　{g}"))
        else:
            blocks.append(("p", f"（{cn_numeral(g_no)}）{g}"))
    if style == "regulation":
        top("附则")
        article += 1
        blocks.append(("p", f"第{cn_numeral(article)}条　本{own}自{cn_date(date(doc.year, 1, 1))}起施行。"))
    doc.sections = tops
    # attachment
    if h["attachments"]:
        blocks.append(("pagebreak",))
        blocks.append(("p", "附件"))
        blocks.append(("title", h["attachments"][0]))
        for ind in doc.indicators:
            blocks.append(("p", f"{ind.name}：指统计期末{doc.region}范围内的{ind.name}，计量单位为{ind.unit}。"))
    # 版记
    blocks.append(("rule",))
    if h["cc"]:
        blocks.append(("p", f"抄送：{h['cc']}。"))
    blocks.append(("p", f"{h['printer']}　　{h['print_date']}印发"))
    if h["copies"]:
        blocks.append(("p", f"（共印{h['copies']}份）"))
    return blocks


# --------------------------------------------------------------------------- corpus

@dataclass
class Corpus:
    docs: list[SynthDoc]
    other_regions: list[str]
    topics_out: list[str]
    seed: int

    def to_dict(self) -> dict:
        return {"seed": self.seed, "other_regions": self.other_regions, "topics_out": self.topics_out,
                "docs": [d.to_dict() for d in self.docs]}

    @classmethod
    def from_dict(cls, data: dict) -> "Corpus":
        return cls(docs=[SynthDoc.from_dict(d) for d in data["docs"]], other_regions=data["other_regions"],
                   topics_out=data["topics_out"], seed=data["seed"])


def generate(n: int, seed: int = 0, formats: tuple[str, ...] = ("txt", "md"), first_id: int = 100) -> Corpus:
    """N documents, formats assigned round-robin after a seeded shuffle."""
    gen = Generator(seed)
    order = [formats[i % len(formats)] for i in range(n)]
    gen.rng.shuffle(order)
    docs = [gen.document(first_id + i, order[i]) for i in range(n)]
    return Corpus(docs=docs, other_regions=gen.other_regions(4), topics_out=list(TOPIC_OUT), seed=seed)


def write_corpus(corpus: Corpus, folder: Path, truth_path: Path | None = None) -> Path:
    """Write every document into `folder` and the truth JSON next to it (outside the corpus folder)."""
    from eval.formats import write_document

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for doc in corpus.docs:
        write_document(doc, folder / doc.filename)
    truth_path = truth_path or folder.parent / "truth.json"
    truth_path.write_text(json.dumps(corpus.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return truth_path


def load_truth(path: Path) -> Corpus:
    return Corpus.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

"""Lexicon: the words staff use to ask, kept as data. `understanding.py` is the one mechanism that reads it.

Each ask is a list of regular-expression fragments covering formal, plain, colloquial and terse
wording, and the homophone slips a pinyin keyboard produces (前头 for 牵头, 时后 for 时候). Nothing
here names a document, a region or a department: those come from the corpus catalog.
"""
from __future__ import annotations

# ask → fragments; the order of ASKS is the order in which a compound answer is written
ASKS: dict[str, list[str]] = {
    "meta": [
        r"文号", r"问号", r"文的号", r"(?<!老)字号", r"发文(机关|单位|时间|日期)?", r"谁发的?", r"哪个(机关|单位|部门)发",
        r"哪个單位印發", r"[印引]发(日期|时间|那天|单位|机关)", r"(哪天|什么时候|何时|谁)[印引]发", r"印發(日期|時間)", r"成文", r"主送", r"抄送", r"[几多]少?份",
        r"份数", r"落款", r"签发", r"发布(日期|时间|机关)", r"全称", r"标题叫", r"叫什么名", r"发给(哪些|谁)", r"抬头",
        r"盖章", r"版记", r"附件(有|是)", r"施行(日期|时间)?", r"生效(日期|时间)", r"发文機關", r"文號", r"機關發", r"(单位|机关|部门)发的?", r"谁印发", r"发的",
    ],
    "structure": [
        r"[几哪]部分", r"哪几块", r"几块", r"提纲", r"一级标题", r"框架", r"结构", r"先讲什么", r"大纲", r"目录",
    ],
    "list": [
        r"哪些(任务|工作|事|条|项|活|条目|事项)", r"哪几(项|条|件)", r"有哪些条", r"(任务|工作|事项|条目)有哪些",
        r"列(出|一下|给我)", r"列明[\u4e00-\u9fff]{0,12}(任务|工作|事项|条目)", r"哪(条|项|个)最(早|晚)", r"清单", r"逐条", r"拉出来", r"揽了", r"名下", r"都有(啥|哪些|那些)活", r"哪些活",
        r"分到了哪", r"分到哪", r"几件", r"干哪几", r"[几多少]+[项条件](?=任务|工作|事|条目|[？?，,。!！]|$|是|由|归|属于|需要|要|在|呢|啊|吧|了)", r"编到(了)?第几", r"一共(有)?[几多]",
        r"总共", r"条目数", r"配合事项", r"到期任务", r"有几条", r"有多少[项条]", r"到期的", r"(要|需)完成的有",
        r"哪幾", r"幾條", r"幾項", r"條目", r"(全部|所有)的?(任务|工作|事项|条目)",
        r"哪些[\u4e00-\u9fff]{1,4}?(任务|工作|事项|条目)", r"各(自)?[\u4e00-\u9fff]{0,3}哪些", r"(任务|工作|事项)中[，,]?哪些",
        r"(到期|完成|交差)的?[\u4e00-\u9fff]{0,3}(有|是)哪些", r"有活儿?(没|吗|么)", r"有没有(活|任务|分工)",
    ],
    "diff": [
        r"相差", r"差(了)?多少", r"[多少]了?多少", r"涨了?多少", r"增加(了)?多少", r"提高(了)?多少", r"差距", r"隔了?几天",
        r"相隔", r"间隔",
    ],
    "national": [
        r"国家(知识产权)?局.{0,6}(哪个|哪些|什么)司", r"国家局", r"对口", r"国家层面", r"国家方面", r"属于国家", r"上级(部门|单位)",
        r"部委", r"國家",
    ],
    "deadline": [
        r"时限", r"实现是", r"完成实现", r"期限", r"截[止至]", r"什么时[候间]", r"啥时[候后]?", r"何时", r"几时", r"完成时间",
        r"时间节点", r"哪天", r"哪一天", r"哪年哪月", r"几月", r"多久", r"交差", r"(弄|做|办|搞)完", r"办结", r"弄好",
        r"之前交", r"前完成", r"年底(就)?(得|要|前)", r"ddl", r"deadline", r"限时", r"持续推进", r"常态化", r"限期",
        r"时间卡", r"到什么时候", r"最后期限", r"時限", r"期限", r"幾時", r"何時", r"完成時間", r"最早到期", r"哪一时点",
    ],
    "target": [
        r"目标(?!部分|一节|章节)", r"指标", r"值标", r"多少(?!项|条|件事|份)", r"多稍", r"达到", r"達到", r"做到", r"要到", r"冲到", r"搞到",
        r"定[在倒到了]", r"数值", r"是几", r"多大的?(数|目标)", r"数是", r"的数", r"量化", r"水平", r"口径", r"预期性",
        r"约束性", r"累计", r"当年新增", r"目標", r"指標", r"數字", r"多少", r"一栏", r"什么程度",
    ],
    "lead": [
        r"谁", r"誰", r"牵头", r"牽頭", r"前头", r"牵投", r"牵的头", r"挑(的)?头", r"负责", r"負責", r"则任", r"责任",
        r"哪个(部门|单位|处|处室|机构)", r"哪些(部门|单位|处室)", r"哪几个(部门|单位)", r"哪家", r"哪一部门", r"那个部门",
        r"那几个单位", r"何单位", r"归(谁|哪)", r"谁管", r"在抓", r"交给", r"派给", r"落在", r"落到", r"安排给",
        r"承办", r"协办", r"处室", r"分工", r"主管", r"归口", r"对接", r"落实的", r"哪個(部門|單位)", r"哪些單位", r"落實",
        r"配合", r"参与", r"有没有份", r"职责", r"辦的",
    ],
    "open": [
        r"怎么说", r"说了(什么|啥|些啥)", r"讲了?(什么|啥|些啥|哪)", r"将了什么", r"講了", r"什么意思", r"原文", r"(的|些|么|主要|具体|哪些)内容|内容(是|有|包括|为|呢)",
        r"举措", r"措施", r"措失", r"办法", r"路子", r"怎么做", r"怎麼做", r"干些啥", r"要做哪些", r"(什么|啥|哪些)[^，,。？?]{0,3}打算", r"打算怎么", r"概述", r"要点",
        r"要求", r"总体思路", r"讲讲", r"有没有(讲|关于|提到)", r"提到", r"具体", r"安排", r"是什么", r"怎么", r"如何",
        r"情况", r"介绍", r"说的?是?(啥|什么)", r"啥事",
    ],
}

# role words of a department question: which role the question restricts a list to
ROLE_FILTERS: dict[str, list[str]] = {
    "sole": [r"单独", r"單獨", r"一家", r"仅为", r"只有", r"单干", r"独自", r"自己"],
    "joint": [r"共同", r"联合", r"一起", r"搭伙", r"两家都", r"与其他", r"跟别", r"合作"],
    # bare 参与 ("有X参与的任务") is any involvement; it means a supporting role only set against 牵头
    "cooperating": [r"配合", r"协办", r"不是第一", r"参[与于](但|而)", r"只是参[与于]", r"仅参[与于]",
                    r"(牵头|前头)[^？?]{0,8}参[与于]", r"参[与于][^？?]{0,8}(牵头|前头)"],
    "guiding": [r"指导"],
    "national": [r"对口", r"国家层面"],
    "lead": [r"牵头", r"前头", r"挑头", r"牽頭"],
}

# meta fields: question words → (fact key, label shown in the answer)
META_FIELDS: list[tuple[list[str], str, str]] = [
    ([r"文号", r"问号", r"文的号", r"(?<!老)字号", r"文號", r"几号文"], "doc_number", "发文字号"),
    ([r"全称", r"标题", r"叫什么", r"名称", r"题目"], "title", "标题"),
    ([r"印发机关", r"印发单位", r"哪个单位印发", r"谁印发", r"印發機關"], "printer", "印发机关"),
    ([r"发文(机关|单位)", r"谁发", r"哪个(机关|单位|部门)发", r"(?<!印)發", r"(?<!印)发的", r"(由|是)谁", r"发布机关"],
     "issuers", "发文机关"),
    ([r"主送", r"发给", r"抬头", r"下发给"], "addressees", "主送机关"),
    ([r"抄送"], "cc", "抄送机关"),
    ([r"份"], "copies", "印发份数"),
    ([r"签发"], "signer", "签发人"),
    ([r"[印引]发(?!份|机关|单位|機關)(日期|时间|那天|的日期)?", r"印發(?!份|機關)", r"哪天印发", r"最后那行"], "print_date", "印发日期"),
    ([r"成文", r"落款", r"盖章", r"发文时间", r"发文日期", r"哪一年成文", r"日期"], "issue_date", "成文日期"),
    ([r"发布(日期|时间)"], "published", "发布日期"),
    ([r"施行", r"生效"], "effective", "施行日期"),
    ([r"附件"], "attachments", "附件"),
]

# kinds of section asked for in other words than the heading ("总体要求" for a 总体思路 paragraph):
# question pattern → heading words, tried in order, first in the headings, then in the text
SECTION_KINDS: list[tuple[str, tuple[str, ...]]] = [
    (r"总体要求|总体思路|指导思想|总的思路|总体考虑|什么样的一年|基本原则",
     ("总体要求", "总体思路", "指导思想", "基本原则")),
    (r"落实(工作)?.{0,6}要求|工作要求|保障措施|组织实施|保障方面",
     ("保障措施", "工作要求", "组织实施", "组织保障")),
    (r"目标(部分|那部分|一节|一章|章节|那块|这块)", ("主要目标", "发展目标", "总体目标", "目标")),
]

# words that only frame a question; removed before the rest is used as the retrieval topic
FILLERS = [
    r"请问", r"請問", r"烦请明确", r"请予核实", r"请告知", r"请列明", r"请逐条列明", r"请提供", r"帮我(查一下|看一下|看看|找下|查)?",
    r"我想(确认|了解)一下", r"问一嘴", r"想查", r"查一下", r"看一下", r"给我", r"能帮我", r"顺便问下", r"对了", r"另外",
    r"顺带告诉我", r"来着", r"到底", r"翻了半天没看到", r"就是", r"里面", r"里头", r"裡面", r"这项工作", r"这项任务",
    r"这项", r"这条", r"这一条", r"这件事", r"这事", r"这摊事", r"这块", r"那一项", r"那项", r"那段", r"那个", r"这个",
    r"相关工作", r"一事", r"一项", r"具体", r"是不是", r"有没有", r"明确了?", r"所列", r"关于", r"涉及", r"围绕",
    r"为了", r"提出", r"哪些", r"哪个", r"什么", r"上写的", r"写的", r"写了", r"定的", r"方面",
]
# single words dropped from the topic when jieba cuts them out whole
FILLER_WORDS = set("工作 任务 事项 文件 规定 中 里 裡 的 了 吗 呢 啊 吧 呗 是 在 有 和 与 及 按 依据 根据 啥 怎么 咋 如何 多少 几 看 "
                   "给 要 得 把 就 都 由 对 其 该 这 那 哪 个 还 又 也 一下 情况 内容 安排 一 下".split())

# a follow-up that leans on the previous turn
PRONOUNS = [r"^(那|那么)?(它|其|这条|该条|这项|该项|那项|那条|这一条|上一条|下一条|这些|这里面|其中|这个数|该文件|这份)"]
ELLIPSIS = [r"呢[？?]?$", r"^那", r"^换成", r"^下一年", r"^明年", r"^上一条", r"^下一条", r"^一共", r"^这些", r"^其中"]

# relative years against the document in focus
# words a question may put right before a place name ("换成X市", "看看X区"): not part of the name
PLACE_LEADS = ("换成", "换到", "改成", "改为", "看看", "问问", "问下", "那么", "那", "关于", "对于", "还有", "其中", "查查", "帮我看看")

RELATIVE_YEARS = {"今年": 0, "本年": 0, "明年": 1, "下一年": 1, "次年": 1, "去年": -1, "上一年": -1}

# topics outside policy documents: a question made only of these and ask words is out of domain
GENERIC_WORDS = set(
    "知识产权 工作 目标 任务 部门 文件 要点 方案 负责 牵头 单位 多少 年 哪些 情况 有关 内容 安排 规定 要求 政策 新区 区 市 国家 "
    "今天 明天 现在 怎么样 什么样 为什么 是不是 有没有 什么时候 最新 流程 办理 标准 能 查 弄 办 知道".split()
)

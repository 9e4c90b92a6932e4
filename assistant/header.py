"""Header: the facts of GB/T 9704-2012 (发文字号, 发文机关, 成文日期, 主送, 抄送, 印发…) and a document's name.

Official documents put these facts in fixed places around the body; they are read from the text,
never from a list of known documents. Statutes carry a different preamble (a 令 with its number,
the signing premier, revision history in parentheses), read by `parse_statute_header`.
"""
from __future__ import annotations

import re

_DATE = r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
_DATE_LINE = re.compile(rf"^{_DATE}$")
_PRINT_LINE = re.compile(rf"^(?P<who>.*?)\s*(?P<date>{_DATE})\s*印发$")
_TRAILER = re.compile(r"^(抄送|抄报)[:：]")
_SIGNER = re.compile(r"^签发人\s*[:：]\s*(.+)$")
_NOTE = re.compile(r"^[（(](此件[^（）()]*|联系人[^（）()]*)[)）]$")
_ATTACHMENT_NOTE = re.compile(r"^附件\s*[:：]\s*(.+)$")
_ATTACHMENT_ITEM = re.compile(r"^(\d+)\s*[.．、]\s*(.+)$")

_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[［(（]\d{4}[〕\]］)）]\d+号")
_ORDER_NUMBER = re.compile(r"^第\s*(\d+)\s*号$")
_LETTERHEAD_ORDER = re.compile(r"^(?:中华人民共和国)?(?P<issuer>[\u4e00-\u9fff]{2,20}?)令$")
_PREMIER = re.compile(r"^(总理|主席|省长|市长|区长|县长|部长|局长|主任)\s*(?P<name>[\u4e00-\u9fff·]{2,6})$")
_HISTORY = re.compile(rf"{_DATE}.{{0,80}}?(通过|修正|修订|公布|发布|施行)")
_ENACTED_BY = re.compile(
    rf"^[（(]?\s*{_DATE}\s*(?P<place>[\u4e00-\u9fff]{{0,10}}?)第[一二三四五六七八九十]+届(?P<organ>[\u4e00-\u9fff]{{4,30}}?)"
    r"第[一二三四五六七八九十百]+次会议"
)

# gov.cn metadata table (keys as printed) → header fact keys
META_KEYS = {"索引号": "index_no", "主题分类": "topic", "发文机关": "issuer", "成文日期": "issue_date",
             "标题": "notice_title", "发文字号": "doc_number", "发布日期": "published"}


def normalize_date(text: str) -> str:
    """'2018年12月06日' / '2018-12-06' → '2018年12月6日' (the form the body text uses)."""
    text = re.sub(r"\s", "", text)
    m = re.fullmatch(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?", text)
    return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日" if m else text


def _attachment_titles(lines: list[str]) -> list[str]:
    """附件说明: '附件：X' or '附件：1.X' followed by '2.Y' lines."""
    titles: list[str] = []
    for i, line in enumerate(lines):
        m = _ATTACHMENT_NOTE.match(line)
        if not m:
            continue
        first = m.group(1).strip()
        item = _ATTACHMENT_ITEM.match(first)
        titles.append(item.group(2).strip() if item else first)
        for following in lines[i + 1:]:
            item = _ATTACHMENT_ITEM.match(following)
            if not item or "。" in following:
                break
            titles.append(item.group(2).strip())
    return titles


def parse_header(lines: list[str], trailer: list[str]) -> dict[str, str | list[str]]:
    """Document facts: 文号, issuers, addressees, dates, copies printed, the notice text."""
    facts: dict[str, str | list[str]] = {}
    everything = lines + trailer
    for line in everything:
        if m := _DOC_NUMBER.search(line):
            facts.setdefault("doc_number", m.group(0))
        if m := re.search(r"共印\s*(\d+)\s*份", line):
            facts["copies"] = m.group(1)
        if m := _PRINT_LINE.match(line):
            facts["print_date"] = re.sub(r"\s", "", m.group("date"))
            if m.group("who"):
                facts["printer"] = m.group("who").strip()
        if m := _TRAILER.match(line):
            facts["cc"] = line[m.end():].strip("。 ")
        if m := re.search(r"发表时间\s*[:：]\s*(\S+)", line):
            facts["published"] = m.group(1)
        if m := _SIGNER.match(line):
            facts["signer"] = m.group(1).strip()
        if _NOTE.match(line):
            facts.setdefault("notes", line.strip("（）()"))
    for i, line in enumerate(lines):
        if line.endswith(("：", ":")) and "addressees" not in facts and len(line) < 200 \
                and not _ATTACHMENT_NOTE.match(line):
            facts["addressees"] = line.rstrip("：:")
        if _DATE_LINE.match(line) and "issue_date" not in facts:
            facts["issue_date"] = re.sub(r"\s", "", line)
            issuers = []
            for previous in reversed(lines[:i]):
                if previous.endswith(("。", "：", ":")) or _DOC_NUMBER.search(previous) or len(previous) > 30 \
                        or _ATTACHMENT_NOTE.match(previous) or _ATTACHMENT_ITEM.match(previous):
                    break
                issuers.insert(0, previous)
            facts["issuers"] = issuers
        if "print_date" not in facts and i + 1 < len(lines) and re.fullmatch(rf"{_DATE}\s*印发", lines[i + 1]):
            facts["printer"] = line
            facts["print_date"] = re.sub(r"\s|印发", "", lines[i + 1])
    attachments = _attachment_titles(everything)
    if attachments:
        facts["attachments"] = attachments
    notice = [line for line in lines if line.endswith("。") and len(line) > 15]
    if notice:
        facts["notice"] = "\n".join(notice)
    deadlines = re.findall(r"[^，。；]*?于?(\d{4}年\d{1,2}月\d{1,2}日[^，。；]*?前[^，。；]*)", "\n".join(notice))
    if deadlines:
        facts["reporting_deadlines"] = deadlines
    return facts


def parse_statute_header(lines: list[str]) -> dict[str, str | list[str]]:
    """Facts of a statute's preamble: the 令 and its number, signer, date, revision history.

    History lines ('1982年8月23日…会议通过', '（1991年…发布　2018年…修订通过）') are kept as history;
    their dates and organs are not the document's 成文日期 or 发文机关, and a 令 number cited inside
    them is not its 文号.
    """
    facts: dict[str, str | list[str]] = {}
    history: list[str] = []
    for i, line in enumerate(lines):
        bare = line.strip()
        if m := _LETTERHEAD_ORDER.match(bare):
            if i + 1 < len(lines) and (n := _ORDER_NUMBER.match(lines[i + 1].strip())):
                facts["doc_number"] = f"{bare}第{n.group(1)}号"
                facts["issuer"] = m.group("issuer")
            continue
        if m := _PREMIER.match(re.sub(r"\s", "", bare)):
            facts["signer"] = m.group("name")
            facts["signer_title"] = m.group(1)
            continue
        if _DATE_LINE.match(bare) and "issue_date" not in facts:
            facts["issue_date"] = re.sub(r"\s", "", bare)
            continue
        if bare.endswith("。") and ("公布" in bare or "施行" in bare) and "notice" not in facts:
            facts["notice"] = bare
            continue
        inner = re.sub(r"^[（(]|[)）]$", "", bare)
        if _HISTORY.search(inner) and "。" not in inner:
            parts = re.split(r"(?:[\s　]+|(?<=通过|发布|修正|修订|公布|施行))(?=\d{4}\s*年\d)", inner)
            history.extend(p.strip() for p in parts if p.strip())
    if history:
        facts["history"] = history
        if m := _ENACTED_BY.search(history[0]):
            facts["enacted_by"] = m.group("place") + m.group("organ")
    return facts


def merge_meta(facts: dict, meta: dict[str, str]) -> list[str]:
    """Add the reader's metadata (gov.cn table) to the facts; return Chinese warnings on conflicts.

    The text wins where it states a fact; the table fills what the text lacks.
    """
    warnings: list[str] = []
    for key, fact in META_KEYS.items():
        value = (meta or {}).get(key)
        if not value or not str(value).strip():
            continue
        value = str(value).strip()
        if fact in ("issue_date", "published"):
            value = normalize_date(value)
        if fact == "notice_title":
            title = facts.get("title", "")
            if re.sub(r"\s", "", value) != re.sub(r"\s", "", str(title)):
                facts.setdefault("notice_title", value)
            continue
        current = facts.get(fact)
        if fact == "doc_number" and current and re.findall(r"\d+", str(current)) == re.findall(r"\d+", value):
            facts[fact] = value  # the same number, written in the table's official short form
            continue
        if current and re.sub(r"\s", "", str(current)) != re.sub(r"\s", "", value):
            warnings.append(f"页面元数据与正文不一致：{key}「{value}」与正文「{current}」")
            continue
        facts[fact] = value
    if "issuers" not in facts and facts.get("issuer"):
        facts["issuers"] = [str(facts["issuer"])]
    return warnings


# --------------------------------------------------------------------------- name

# document kinds a title ends with (GB/T 9704 文种 and statute names), optionally a period in brackets
_KIND = r"(通知|意见|方案|办法|条例|规定|要点|计划|决定|细则|规划|纲要|措施|指引|公告|通告|批复|函|报告|规则|法|令|决议|清单|指南)"
_TITLE_END = re.compile(rf"{_KIND}\s*([（(][^（）()]{{2,20}}[)）])?$")
_LETTERHEAD = re.compile(r"(文件|令)$")
_ORG_SUFFIX = re.compile(r"(局|委|办|厅|院|部|署|政府|委员会|办公室|管委会|人民政府|公司|中心)$")
_HISTORY_LINE = re.compile(rf"^[（(]?{_DATE}")
_INNER = re.compile(r"(?:印发|转发)\s*(?P<inner>.+?)\s*的\s*通知$")
_STRIP_MARKS = re.compile(r"[\s《》〈〉<>]")
_YEAR = re.compile(r"(20\d{2})")
_YEAR_SPAN = re.compile(r"(20\d{2})\s*年?\s*[—\-–－~～至到]+\s*(20\d{2})")
# administrative prefix of a name: place names, each a 2–5 character name ending in a level word;
# rank: 1 province level, 2 city level, 3 county level (a prefix goes from larger to smaller)
_PLACE = re.compile(r"(?P<name>[A-Za-z\u4e00-\u9fff]{2,5}?)(?P<level>特别行政区|自治区|自治州|自治县|自治旗|新区|新片区|省|市|区|县|州|盟|旗)")
_RANK = {"特别行政区": 1, "自治区": 1, "省": 1, "自治州": 2, "市": 2, "州": 2, "盟": 2,
         "自治县": 3, "自治旗": 3, "新区": 3, "新片区": 3, "区": 3, "县": 3, "旗": 3}
_NATIONAL = re.compile(r"^(中华人民共和国|国务院|全国|国家|中共中央)")
_NOT_PLACE = re.compile(r"(关于|的|各|本|全|试验|开发|保护|示范|落实|建设|创建|知识|产权)")


def _is_title(line: str) -> bool:
    return bool(_TITLE_END.search(line)) and "。" not in line and len(line) <= 80 \
        and not _LETTERHEAD.search(line) and not _DOC_NUMBER.search(line)


def _candidates(lines: list[str]) -> list[str]:
    """Title candidates in order: single lines and pairs of short lines a title was split over."""
    out = []
    for i, line in enumerate(lines[:40]):
        line = line.strip()
        if not line or "\t" in line or _HISTORY_LINE.match(line) or line.startswith(("（", "(")):
            continue
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        joined = line + following
        if not _is_title(line) and following and "。" not in joined and len(joined) <= 80 \
                and _is_title(following) and not _TITLE_END.search(line) and "关于" in line \
                and not _LETTERHEAD.search(line):
            out.append(joined)
        elif _is_title(line):
            out.append(line)
    return out


def guess_title(lines: list[str], meta_title: str = "") -> str:
    """The document's own title: never the letterhead; for a notice that 印发 a plan, the plan's title."""
    candidates = _candidates(lines)
    title = candidates[0] if candidates else (meta_title or "")
    if not title:
        for line in lines:
            if "。" not in line and len(line) <= 80 and not _LETTERHEAD.search(line) and not _ORG_SUFFIX.search(line):
                title = line
                break
        else:
            title = lines[0][:80] if lines else ""
    notice = title if _INNER.search(_STRIP_MARKS.sub("", title)) else ""
    if not notice and meta_title and _INNER.search(_STRIP_MARKS.sub("", meta_title)):
        notice = meta_title
    if notice:
        inner = inner_title(notice)
        for line in lines[:80]:
            if _STRIP_MARKS.sub("", line) == _STRIP_MARKS.sub("", inner):
                return line.strip()
        return title
    return title


def inner_title(notice_title: str) -> str:
    """'…关于印发《X》的通知' → 'X' (marks removed)."""
    m = _INNER.search(_STRIP_MARKS.sub("", notice_title))
    return m.group("inner") if m else ""


def notice_title(lines: list[str], title: str) -> str:
    """The wrapping 通知's title when `title` is the title of what it 印发 ('' otherwise)."""
    key = _STRIP_MARKS.sub("", title)
    for candidate in _candidates(lines):
        if candidate != title and inner_title(candidate) and inner_title(candidate) == key:
            return candidate
    return ""


def region_of(*names: str) -> str:
    """Administrative prefix of an issuer or title ('上海市浦东新区知识产权局' → '浦东新区'): the most
    specific place of the leading run of place names; '全国' for national bodies."""
    for name in names:
        name = re.sub(r"^\s*(20\d{2}\s*[—\-–－~～至到]*\s*(20\d{2})?\s*年?度?)", "", name or "").strip()
        if not name:
            continue
        if _NATIONAL.match(name):
            return "全国"
        place, rank, at = "", 0, 0
        while m := _PLACE.match(name, at):
            part = m.group(0)
            if _NOT_PLACE.search(part) or _RANK[m.group("level")] < rank:
                break
            place, rank, at = part, _RANK[m.group("level")], m.end()
        if place:
            return place
    return ""


def years_of(title: str) -> list[int]:
    """Every year a title covers: a period '2023—2025' covers 2023, 2024 and 2025."""
    years: list[int] = []
    for m in _YEAR_SPAN.finditer(title):
        start, end = int(m.group(1)), int(m.group(2))
        if start <= end <= start + 30:
            years.extend(range(start, end + 1))
    years.extend(int(y) for y in _YEAR.findall(title))
    return sorted(set(years))


def describe(lines: list[str], title: str = "", meta: dict | None = None) -> dict:
    """Title, region, year(s) and 文号 of a document read from its opening lines (manifest values win)."""
    meta = meta or {}
    title = title or guess_title(lines, meta.get("标题", ""))
    head = "\n".join(lines[:40])
    number = meta.get("发文字号") or (m.group(0) if (m := _DOC_NUMBER.search(head)) else "")
    issuer = meta.get("发文机关", "")
    years = years_of(title)
    return {"title": title, "region": region_of(title, issuer),
            "year": years[0] if years else None, "years": years, "doc_number": number}

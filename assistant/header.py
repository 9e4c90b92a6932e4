"""Header: the facts of GB/T 9704-2012 (发文字号, 发文机关, 成文日期, 主送, 抄送, 印发…) and a document's name.

Official documents put these facts in fixed places around the body; they are read from the text,
never from a list of known documents.
"""
from __future__ import annotations

import re

_DATE = r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
_DATE_LINE = re.compile(rf"^{_DATE}$")
_PRINT_LINE = re.compile(rf"^(?P<who>.*?)\s*(?P<date>{_DATE})\s*印发$")
_TRAILER = re.compile(r"^(抄送|抄报)[:：]")


_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[［(（]\d{4}[〕\]］)）]\d+号")


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
    for i, line in enumerate(lines):
        if line.endswith(("：", ":")) and "addressees" not in facts and len(line) < 200:
            facts["addressees"] = line.rstrip("：:")
        if _DATE_LINE.match(line) and "issue_date" not in facts:
            facts["issue_date"] = re.sub(r"\s", "", line)
            issuers = []
            for previous in reversed(lines[:i]):
                if previous.endswith(("。", "：", ":")) or _DOC_NUMBER.search(previous) or len(previous) > 30:
                    break
                issuers.insert(0, previous)
            facts["issuers"] = issuers
        if "print_date" not in facts and i + 1 < len(lines) and re.fullmatch(rf"{_DATE}\s*印发", lines[i + 1]):
            facts["printer"] = line
            facts["print_date"] = re.sub(r"\s|印发", "", lines[i + 1])
    notice = [line for line in lines if line.endswith("。") and len(line) > 15]
    if notice:
        facts["notice"] = "\n".join(notice)
    deadlines = re.findall(r"[^，。；]*?于?(\d{4}年\d{1,2}月\d{1,2}日[^，。；]*?前[^，。；]*)", "\n".join(notice))
    if deadlines:
        facts["reporting_deadlines"] = deadlines
    return facts


# --------------------------------------------------------------------------- name

_REGION = re.compile(r"(浦东新区|[\u4e00-\u9fff]{2}区|XX新区|上海市)")
_YEAR = re.compile(r"(20\d{2})")


def guess_title(lines: list[str]) -> str:
    for line in lines:
        if ("要点" in line or "方案" in line or "计划" in line or "意见" in line) and "通知" not in line:
            if "。" not in line and len(line) <= 80:
                return line
    return lines[0][:80] if lines else ""


def describe(lines: list[str], title: str = "") -> dict:
    """Title, region, year and 文号 of a document read from its opening lines (manifest values win)."""
    title = title or guess_title(lines)
    head = "\n".join(lines[:40])
    number = _DOC_NUMBER.search(head)
    region = _REGION.search(title)
    year = _YEAR.search(title)
    return {"title": title, "region": region.group(1) if region else "",
            "year": int(year.group(1)) if year else None, "doc_number": number.group(0) if number else ""}

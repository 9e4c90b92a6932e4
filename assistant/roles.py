"""Roles: who is responsible for a clause, in every notation official documents use.

A clause names its units in a bracket group (（牵头部门：X；配合部门：Y）), a trailing list (（X、Y负责）),
prose (由X负责) or a table column; each name keeps its role: lead, responsible, cooperating, guiding,
or national counterpart. Vocabularies live in tables at the top; one mechanism reads them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Responsibility:
    """One bracket group of a clause: who is responsible, national counterpart, deadline."""

    units: list[str]  # the units an answer names first: lead, or responsible when no lead is singled out
    national_units: list[str] = field(default_factory=list)
    deadline: str = ""
    raw: str = ""
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    cooperating: list[str] = field(default_factory=list)
    guiding: list[str] = field(default_factory=list)



_UNIT_SUFFIX = re.compile(
    r"(局|委|办|院|室|处|中心|部|会|政府|单位|司|馆|队|所|组|分局|公司|委员会|办公室|管委会|党委|纪委|支队|部门)$"
)
_BRACKET = re.compile(r"[（(]([^（）()]*(?:[（(][^（）()]*[)）][^（）()]*)*)[)）]")
_KEYED = re.compile(r"^(牵头部门|牵头单位|责任单位|责任部门|主责部门|配合部门|实施单位)\s*[:：]\s*(.+)$")
_DEADLINE_KEY = re.compile(r"(完成时限|完成时间|时间节点)\s*[:：]\s*(.+)$")
_SUFFIX_RESPONSIBLE = re.compile(r"^(.+?)(牵头)?负责$")


def _split_units(text: str) -> list[str]:
    items = [item.strip(" 　。等") for item in re.split(r"[、,，]", text)]
    return [item for item in items if item]


def _looks_like_units(items: list[str]) -> bool:
    return bool(items) and all(_UNIT_SUFFIX.search(item) and len(item) <= 30 for item in items)


def parse_responsibility(inner: str) -> Responsibility | None:
    """Parse the inside of one bracket group; None when it is not a responsibility list."""
    inner = inner.strip()
    parts = [part.strip() for part in re.split(r"[；;]", inner) if part.strip()]
    keyed = _KEYED.match(parts[0]) if parts else None
    if keyed:
        resp = Responsibility(units=_split_units(keyed.group(2)), raw="")
        for part in parts[1:]:
            deadline = _DEADLINE_KEY.match(part)
            if deadline:
                resp.deadline = deadline.group(2).strip()
            elif part.startswith("国家知识产权局") or part.startswith("国家"):
                resp.national_units.extend(_split_units(part))
            else:
                resp.units.extend(_split_units(part))
        return resp
    if len(parts) == 1:
        deadline = _DEADLINE_KEY.match(parts[0])
        if deadline:
            return Responsibility(units=[], deadline=deadline.group(2).strip())
        suffix = _SUFFIX_RESPONSIBLE.match(parts[0])
        if suffix and _looks_like_units(_split_units(suffix.group(1))):
            return Responsibility(units=_split_units(suffix.group(1)))
    return None


def find_responsibilities(text: str) -> list[Responsibility]:
    """Every responsibility bracket group of a clause, in order.

    Keyed groups (牵头部门：…) count wherever they stand; a bare list of unit names counts only
    when it closes the clause, so inline parentheses and bracketed titles are never taken.
    """
    found: list[Responsibility] = []
    stripped = text.rstrip("。. ")
    for match in _BRACKET.finditer(text):
        resp = parse_responsibility(match.group(1))
        at_end = match.end() >= len(stripped)
        if resp is None and at_end:
            items = _split_units(match.group(1))
            if _looks_like_units(items):
                resp = Responsibility(units=items)
        if resp is not None:
            resp.raw = match.group(0)
            found.append(resp)
    return found


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))

"""Ingestion report: what the parser made of every document, so that nothing fails silently.

One `DocumentReport` per file: units by kind, clauses with a responsible unit (count and share),
targets, header facts found, warnings, and a state — ok / partial (sections only) / rejected — with
the Chinese reason. Files the readers could not open are in the report too (state rejected).
Built by `units.build_all_with_report`; shown by `python -m assistant documents [--json]`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

STATE_LABELS = {"ok": "正常", "partial": "部分解析", "rejected": "已拒绝"}
# header facts worth listing (GB/T 9704 elements and gov.cn metadata), in display order
FACT_NAMES = {
    "title": "标题", "notice_title": "通知标题", "doc_number": "发文字号", "issuer": "发文机关",
    "issuers": "发文机关署名", "issue_date": "成文日期", "signer": "签发人", "addressees": "主送机关",
    "attachments": "附件说明", "notes": "附注", "cc": "抄送机关", "printer": "印发机关", "print_date": "印发日期",
    "copies": "份数", "published": "发布日期", "index_no": "索引号", "topic": "主题分类", "history": "修订历史",
}
# below this many clauses a missing owner is not worth a warning
_MIN_CLAUSES_FOR_OWNER_WARNING = 3


@dataclass
class DocumentReport:
    """What one file gave: counts, share of clauses with an owner, header facts, warnings, state."""

    file: str
    doc_id: str = ""
    title: str = ""
    state: str = "ok"
    reason: str = ""
    structure: str = ""
    statute: bool = False
    units_by_kind: dict[str, int] = field(default_factory=dict)
    clauses: int = 0
    clauses_with_owner: int = 0
    targets: int = 0
    facts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def owner_share(self) -> float:
        return self.clauses_with_owner / self.clauses if self.clauses else 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["state_label"] = self.state_label
        data["owner_share"] = round(self.owner_share, 3)
        return data


def _owned(unit) -> bool:
    return bool(unit.lead_units or unit.responsible_units or unit.cooperating_units or unit.guiding_units
                or unit.national_units)


def document_report(result) -> DocumentReport:
    """Report of one parsed document (a units.ParseResult)."""
    doc = result.doc
    units = result.units
    kinds: dict[str, int] = {}
    for unit in units:
        kinds[unit.kind] = kinds.get(unit.kind, 0) + 1
    clauses = [u for u in units if u.kind == "clause"]
    owned = sum(1 for u in clauses if _owned(u))
    header = next((u for u in units if u.kind == "header"), None)
    facts = [name for key, name in FACT_NAMES.items() if header is not None and header.facts.get(key)]
    warnings = list(result.warnings)
    if not result.statute and len(clauses) >= _MIN_CLAUSES_FOR_OWNER_WARNING and owned < len(clauses) / 2:
        warnings.append(f"{len(clauses)} 条中 {owned} 条找到责任单位")
    if header is not None and not header.facts.get("doc_number") and not result.statute:
        warnings.append("未找到发文字号")
    return DocumentReport(
        file=doc.path.name, doc_id=doc.doc_id, title=doc.title, state=result.state, reason=result.reason,
        structure=result.structure, statute=result.statute, units_by_kind=kinds, clauses=len(clauses),
        clauses_with_owner=owned, targets=sum(len(u.targets) for u in units), facts=facts, warnings=warnings,
    )


@dataclass
class IngestionReport:
    """The report of a whole corpus: one entry per file, parsed or not."""

    documents: list[DocumentReport] = field(default_factory=list)

    @classmethod
    def build(cls, results: list, load_errors: list | None = None) -> "IngestionReport":
        reports = [document_report(result) for result in results]
        for error in load_errors or []:
            reports.append(DocumentReport(file=error.path.name, state="rejected", reason=error.reason))
        return cls(sorted(reports, key=lambda r: r.file))

    def by_state(self, state: str) -> list[DocumentReport]:
        return [d for d in self.documents if d.state == state]

    def summary(self) -> str:
        """One Chinese line for logs and the page: how many files are usable."""
        ok, partial, rejected = (len(self.by_state(s)) for s in ("ok", "partial", "rejected"))
        line = f"共 {len(self.documents)} 个文件：正常 {ok} 个，部分解析 {partial} 个，已拒绝 {rejected} 个"
        problems = [f"「{d.file}」{d.state_label}：{d.reason}" for d in self.documents if d.state != "ok"]
        return line + ("；" + "；".join(problems) if problems else "")

    def to_dict(self) -> dict:
        return {"summary": self.summary(), "documents": [d.to_dict() for d in self.documents]}

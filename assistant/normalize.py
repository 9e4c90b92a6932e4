"""Normalisation shared by units, index and question understanding: characters, numerals, tokens.

One place decides how text is compared: traditional → simplified, full-width → half-width where it
matters, Chinese numerals ↔ integers, and jieba tokens with the corpus' own names kept whole.
"""
from __future__ import annotations

import hashlib
import logging
import marshal
import mmap
import os
import re
import sys
import tempfile
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from .config import Settings

log = logging.getLogger(__name__)

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


_LOADING = threading.RLock()  # jieba's tokenizer is one per process: set it up once


@lru_cache(maxsize=1)
def _jieba():
    """jieba with its dictionary loaded lazily from a cache split by first character (see LazyDictionary):
    a question touches a few dozen characters, so start-up reads kilobytes instead of unmarshalling the
    whole prefix dictionary (0.7 s, 65 MiB). Segmentation is jieba's own over the same entries."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.dt
    with _LOADING:  # two first callers at once: the second finds the dictionary in place
        if not tokenizer.initialized and tokenizer.dictionary == jieba.DEFAULT_DICT:
            lazy = LazyDictionary.open(_derived_cache("jieba", _jieba_source_key()), tokenizer)
            if lazy is not None:
                tokenizer.FREQ, tokenizer.total, tokenizer.initialized = lazy, lazy.total, True
        jieba.initialize()  # nothing to do once the lazy dictionary is in place
    return jieba


@lru_cache(maxsize=1)
def place_tagger():
    """jieba.posseg's tokenizer for place names: the same segmentation and HMM tags, but its table of
    dictionary tags holds only the place words (ns), read from a small cached file — posseg otherwise reads
    every word's tag from the 350k-line dictionary when imported (0.6 s, 56 MiB). Other tags come out as
    "x"; ask it for places only."""
    jieba = _jieba()
    tokenizer = jieba.dt
    with _LOADING:
        path = _places_file()
        if path is not None and "jieba.posseg" not in sys.modules:
            tokenizer.get_dict_file = lambda: open(path, "rb")  # read by posseg's default tokenizer at import
            try:
                import jieba.posseg as posseg
            finally:
                del tokenizer.get_dict_file
        else:
            import jieba.posseg as posseg
    return posseg.dt


def _jieba_source_key() -> str:
    """Identity of jieba's bundled dictionary (version, size, mtime): a derived cache follows it."""
    import jieba

    source = Path(jieba.__file__).with_name("dict.txt")
    try:
        stat = source.stat()
    except OSError:  # no bundled dictionary file: nothing to key a cache by
        return "unknown"
    return hashlib.sha1(f"{jieba.__version__}:{stat.st_size}:{int(stat.st_mtime)}".encode()).hexdigest()[:12]


def _package_file_key(package: str, filename: str) -> str:
    """Identity of a data file shipped in a package (size, mtime), found without importing the package
    (importlib.metadata's version lookup scans every installed distribution: ~20 ms)."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return ""
    path = Path(list(spec.submodule_search_locations)[0]) / filename
    try:
        stat = path.stat()
    except OSError:
        return ""
    return f"{stat.st_size}-{int(stat.st_mtime)}"


def _derived_cache(kind: str, key: str) -> Path:
    return Path(Settings().cache_dir) / "text" / f"{kind}-{key}.bin"


def _write_atomically(path: Path, data: bytes) -> bool:
    """Write a derived cache file whole or not at all; False when the folder is not writable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        return True
    except OSError as exc:
        log.info("cannot write %s (%s): loading without the cache", path, exc)
        return False


def _places_file() -> Path | None:
    """A jieba dictionary file of the place words (ns) only, made once from jieba's dictionary."""
    path = _derived_cache("jieba-places", _jieba_source_key())
    if path.exists():
        return path
    import jieba

    lines = []
    try:
        with open(Path(jieba.__file__).with_name("dict.txt"), "rb") as handle:
            for raw in handle:
                parts = raw.strip().decode("utf-8").split(" ")
                if len(parts) == 3 and parts[2] == "ns":
                    lines.append(f"{parts[0]} {parts[1]} ns")
    except OSError:
        return None  # posseg reads its dictionary as it would without us
    return path if _write_atomically(path, ("\n".join(lines) + "\n").encode("utf-8")) else None


class LazyDictionary(dict):
    """jieba's prefix dictionary (word or word prefix → frequency) that reads its entries one first
    character at a time from a cache file, on first use of that character.

    It is a dict, so jieba's segmentation (get_DAG, calc, add_word) runs unchanged; lookups fill the
    character's bucket first, and whole-dictionary operations (iteration, len) fill everything. Buckets
    are removed from `pending` only after they are merged, under a lock, so threads never see a half-
    filled character.
    """

    MAGIC = b"PA-JIEBA-1\n"

    def __init__(self, data, pending: dict, total: int):
        super().__init__()
        self._data = data
        self._pending = pending  # first character → (offset, length) of its marshalled bucket
        self._lock = threading.Lock()
        self.total = total

    @classmethod
    def open(cls, path: Path, tokenizer) -> "LazyDictionary | None":
        """The cached dictionary; made from jieba's own (loaded once) when missing."""
        if not path.exists():
            tokenizer.initialize()  # jieba's full load, then split it for the next processes
            if not _write_atomically(path, cls.dump(tokenizer.FREQ, tokenizer.total)):
                return None
        try:
            with open(path, "rb") as handle:
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            if data[: len(cls.MAGIC)] != cls.MAGIC:
                raise ValueError("not a dictionary cache")
            at = len(cls.MAGIC)
            size = int.from_bytes(data[at: at + 8], "little")
            total, spans = marshal.loads(data[at + 8: at + 8 + size])
        except (OSError, ValueError, EOFError, TypeError) as exc:
            log.warning("jieba dictionary cache %s unreadable (%s); loading jieba's own", path, exc)
            return None
        base = at + 8 + size
        if len(data) != base + sum(length for _, length in spans.values()):
            log.warning("jieba dictionary cache %s is incomplete; loading jieba's own", path)
            return None
        if tokenizer.initialized:  # made just now: this process already holds the whole dictionary
            return None
        return cls(data, {ch: (base + offset, length) for ch, (offset, length) in spans.items()}, total)

    @classmethod
    def dump(cls, freq: dict, total: int) -> bytes:
        buckets: dict[str, dict] = {}
        for word, count in freq.items():
            buckets.setdefault(word[:1], {})[word] = count
        blobs, spans, offset = [], {}, 0
        for ch, bucket in buckets.items():
            blob = marshal.dumps(bucket)
            spans[ch] = (offset, len(blob))
            blobs.append(blob)
            offset += len(blob)
        head = marshal.dumps((total, spans))
        return cls.MAGIC + len(head).to_bytes(8, "little") + head + b"".join(blobs)

    def _fill(self, ch: str) -> None:
        with self._lock:
            span = self._pending.get(ch)
            if span is not None:
                start, length = span
                dict.update(self, marshal.loads(self._data[start: start + length]))
                del self._pending[ch]

    def _fill_all(self) -> None:
        for ch in list(self._pending):
            self._fill(ch)

    def __contains__(self, key) -> bool:
        if key[:1] in self._pending:
            self._fill(key[:1])
        return dict.__contains__(self, key)

    def __getitem__(self, key):
        if key[:1] in self._pending:
            self._fill(key[:1])
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        if key[:1] in self._pending:
            self._fill(key[:1])
        return dict.get(self, key, default)

    def __setitem__(self, key, value) -> None:
        if key[:1] in self._pending:
            self._fill(key[:1])
        dict.__setitem__(self, key, value)

    def setdefault(self, key, default=None):
        if key[:1] in self._pending:
            self._fill(key[:1])
        return dict.setdefault(self, key, default)

    def pop(self, key, *default):
        if key[:1] in self._pending:
            self._fill(key[:1])
        return dict.pop(self, key, *default)

    def __delitem__(self, key) -> None:
        if key[:1] in self._pending:
            self._fill(key[:1])
        dict.__delitem__(self, key)

    def __iter__(self):
        self._fill_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._fill_all()
        return dict.__len__(self)

    def keys(self):
        self._fill_all()
        return dict.keys(self)

    def values(self):
        self._fill_all()
        return dict.values(self)

    def items(self):
        self._fill_all()
        return dict.items(self)

    def copy(self) -> dict:
        self._fill_all()
        return dict(dict.items(self))

    def __eq__(self, other) -> bool:
        self._fill_all()
        return dict.__eq__(self, other)

    __hash__ = None

    def __reduce__(self):
        return dict, (self.copy(),)


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


# spaces that touch a Han character: they only separate the words of a topic
_HAN_SPACE = re.compile(r"\s+(?=[\u3400-\u9fff])|(?<=[\u3400-\u9fff])\s+")


def join_han(text: str) -> str:
    """Topic words written as running text, the way clauses are written ("专利 导航 赋能" → "专利导航赋能"); spaces
    between latin words stay. Each space before a Han word costs the embedding model a token of its own."""
    return _HAN_SPACE.sub("", text).strip()


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

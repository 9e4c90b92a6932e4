"""Loading the assistant for answering (CLI and web app) in the shortest wall time.

The longest single part of a start is onnxruntime building the query model's session (native work that
runs outside the GIL), so it starts in a thread first and overlaps with this thread's imports of the
pipeline (pure Python, under the GIL). It is used only when the index turns out current; a missing or
stale index is built as before by `Assistant(settings)`.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .config import Settings


def load_assistant(settings: Settings, rebuild=None):
    """The assistant over the index; `rebuild(settings)` (default: Assistant(settings), which builds the
    index) when there is no current index."""
    rebuild = rebuild or _assistant
    if not (Path(settings.index_dir) / "meta.json").exists():
        return rebuild(settings)
    # what the model thread imports is imported here first: two threads importing the same modules at
    # once may see partly initialised ones
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401

    from . import encoder  # noqa: F401
    from .embedding import load_query_embedder

    with ThreadPoolExecutor(max_workers=1) as pool:
        model = pool.submit(load_query_embedder, settings.model, settings.cache_dir, settings.query_prompt)
        from .chat import Assistant
        from .index import index_status, load_or_build

        if index_status(settings) != "current":
            return rebuild(settings)
        return Assistant(settings, index=load_or_build(settings, embedder=model.result()))


def _assistant(settings: Settings):
    from .chat import Assistant

    return Assistant(settings)


def warm_caches(settings: Settings) -> None:
    """After a build: make now what the first answer would otherwise make (jieba's place-word table, the
    pinyin table, the catalog's matchers, all in the cache folder), so that no answering process pays."""
    import json

    from .catalog import Catalog
    from .index import CATALOG
    from .normalize import place_tagger

    place_tagger()
    path = Path(settings.index_dir) / CATALOG
    if path.exists():
        Catalog.from_dict(json.loads(path.read_text(encoding="utf-8"))).warm()

"""Loading for answering: the query model loads beside the imports, and only a current index is loaded."""
import json
import shutil

from assistant.startup import load_assistant


def test_a_current_index_is_loaded_with_the_model_from_the_thread(index, settings):
    from assistant.chat import Session

    calls = []
    assistant = load_assistant(settings, rebuild=lambda s: calls.append(s))
    assert not calls
    assert type(assistant.index.embedder).__name__ == "OnnxEmbedder"
    assert len(assistant.index.units) == len(index.units)
    answer = assistant.ask("数据知识产权试点由哪个部门牵头？", Session())
    assert answer.answered and "办公室" in answer.answer


def test_a_stale_or_missing_index_goes_to_rebuild(index, settings, tmp_path):
    from dataclasses import replace

    stale = tmp_path / "index"
    shutil.copytree(settings.index_dir, stale)
    meta = json.loads((stale / "meta.json").read_text(encoding="utf-8"))
    (stale / "meta.json").write_text(json.dumps(dict(meta, fingerprint="old")), encoding="utf-8")
    for folder in (stale, tmp_path / "missing"):
        calls = []
        assert load_assistant(replace(settings, index_dir=folder), rebuild=lambda s: calls.append(s) or "rebuilt") \
            == "rebuilt"
        assert calls[0].index_dir == folder

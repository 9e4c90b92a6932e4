"""Answering imports only what answering needs: no torch, sentence-transformers, transformers, scikit-learn
or llama-index once the index exists (they cost seconds and hundreds of MiB at start-up)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "sentence_transformers", "transformers", "sklearn", "llama_index")

CLI = """
import json, runpy, sys
sys.argv = ["assistant", "ask", "--json", sys.argv[1]]
try:
    runpy.run_module("assistant", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
print("MODULES " + json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""

API = """
import json, sys
from fastapi.testclient import TestClient
from app import create_app
with TestClient(create_app()) as client:
    page = client.get("/")
    answer = client.post("/api/ask", json={"question": sys.argv[1]})
print("STATUS " + json.dumps([page.status_code, answer.status_code, answer.json()["answered"]]))
print("MODULES " + json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def run(code: str, settings, tmp_path, question: str) -> tuple[list[str], str]:
    env = dict(os.environ, PA_INDEX=str(settings.index_dir), PA_CORPUS=str(settings.corpus_dir),
               PA_CACHE=str(settings.cache_dir), PA_DATA=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code, question], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(l for l in done.stdout.splitlines() if l.startswith("MODULES "))
    return json.loads(line[len("MODULES "):]), done.stdout


def test_cli_answers_without_torch_or_llama_index(index, settings, tmp_path):
    from assistant.embedding import load_query_embedder

    load_query_embedder(settings.model, settings.cache_dir)  # the export exists (made once, with torch, if not)
    modules, out = run(CLI, settings, tmp_path, "数据知识产权试点由哪个部门牵头？")
    assert '"answered": true' in out
    assert "onnxruntime" in modules
    assert not [m for m in HEAVY if m in modules]
    assert not {"bm25s", "scipy"} & set(modules)  # BM25 is read with numpy alone (index.Bm25Scores)


def test_api_and_page_answer_without_torch_or_llama_index(index, settings, tmp_path):
    from assistant.embedding import load_query_embedder

    load_query_embedder(settings.model, settings.cache_dir)
    modules, out = run(API, settings, tmp_path, "数据知识产权试点由哪个部门牵头？")
    assert "STATUS [200, 200, true]" in out
    assert not [m for m in HEAVY if m in modules]

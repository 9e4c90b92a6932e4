"""The ingestion report saved with the index, logged at start-up and shown on the page; example questions
generated from the catalog, deterministic and answered by the real assistant.

A mixed corpus (the five seeds, a file without numbering, a note that is no policy and a broken .docx)
gets its own real index; the page is the real server (app.py) driven by Chromium, as in test_app.py.
"""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from assistant.catalog import Catalog
from assistant.chat import Session
from assistant.examples import KINDS, answerable_examples, by_kind, candidates, generate, is_answered, topic_of
from assistant.index import REPORT, load_index, load_or_build
from assistant.web import browser_entries, render_entry, render_report

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = ROOT / "tests" / "fixtures" / "units"
NOT_OK = {"011_prose.txt": ("partial", "部分解析", "未找到编号条款，已按段落切分"),
          "012_note.txt": ("rejected", "已拒绝", "未找到编号条款或目标，看起来不是政策文件"),
          "013_broken.docx": ("rejected", "已拒绝", "不是有效的 Word 文档")}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, embedder):
    """Settings and real index of the seeds plus one partly parsed and two rejected files."""
    from assistant.config import Settings

    corpus = tmp_path_factory.mktemp("mixed-corpus")
    for path in CORPUS.iterdir():
        shutil.copy(path, corpus / path.name)
    shutil.copy(FIXTURES / "no-numbering.txt", corpus / "011_prose.txt")
    (corpus / "012_note.txt").write_text("今天开会讨论了午餐安排。大家都很满意。", encoding="utf-8")
    (corpus / "013_broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    settings = Settings()
    settings.corpus_dir = corpus
    settings.index_dir = tmp_path_factory.mktemp("mixed-index") / "index"
    return settings, load_or_build(settings, embedder=embedder)


# --------------------------------------------------------------------------- report in the index

def test_index_saves_and_loads_the_report(index, settings):
    saved = json.loads((Path(settings.index_dir) / REPORT).read_text(encoding="utf-8"))
    assert index.report == saved
    assert saved["summary"] == "共 5 个文件：正常 5 个，部分解析 0 个，已拒绝 0 个"
    by_id = {d["doc_id"]: d for d in saved["documents"]}
    assert [by_id[k]["clauses"] for k in ("000", "001", "002", "003", "004")] == [20, 25, 53, 21, 16]
    assert by_id["000"]["owner_share"] == 1.0 and by_id["002"]["targets"] == 14
    assert by_id["004"]["warnings"] == ["16 条中 0 条找到责任单位"]
    assert all(d["state"] == "ok" and d["state_label"] == "正常" for d in saved["documents"])


def test_mixed_index_reports_rejected_files(mixed):
    settings, index = mixed
    states = {d["file"]: (d["state"], d["state_label"], d["reason"]) for d in index.report["documents"]}
    assert len(states) == 8
    for file, (state, label, reason) in NOT_OK.items():
        assert states[file][:2] == (state, label) and states[file][2].startswith(reason)
    assert {u.doc_id for u in index.units} == {"000", "001", "002", "003", "004", "011"}
    assert index.report["summary"].startswith("共 8 个文件：正常 5 个，部分解析 1 个，已拒绝 2 个")


def test_start_up_logs_every_file_not_ok_and_a_summary(mixed, embedder, caplog):
    settings, _ = mixed
    with caplog.at_level(logging.INFO, logger="assistant.index"):
        load_index(settings, embedder=embedder)
    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "assistant.index"]
    warned = [text for level, text in lines if level == logging.WARNING]
    for file, (_, label, reason) in NOT_OK.items():
        assert sum(f"「{file}」{label}：{reason}" in text for text in warned) == 1, file
    assert not any("000_pudong-2023.txt" in text for _, text in lines)  # ok files are not listed one by one
    assert warned[-1] == "文件解析报告：共 8 个文件，正常 5 个（其中 2 个有警告），部分解析 1 个，已拒绝 2 个"


def test_start_up_log_of_a_clean_corpus_is_one_info_line(index, settings, embedder, caplog):
    with caplog.at_level(logging.INFO, logger="assistant.index"):
        load_index(settings, embedder=embedder)
    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "assistant.index"]
    assert lines == [(logging.INFO, "文件解析报告：共 5 个文件，正常 5 个（其中 2 个有警告），部分解析 0 个，已拒绝 0 个")]


# --------------------------------------------------------------------------- report on the page (HTML)

def test_report_table_lists_every_file_with_state_counts_and_warnings(mixed):
    _, index = mixed
    html = render_report(index.report)
    assert html.count("<tr class=") == 8
    assert 'class="report-summary problem"' in html
    assert '<tr class="rejected"><td class="file">012_note.txt</td>' in html
    assert "已拒绝：未找到编号条款或目标，看起来不是政策文件" in html
    assert "部分解析：未找到编号条款，已按段落切分" in html
    assert "16 条中 0 条找到责任单位" in html
    assert "20/20（100%）" in html  # clauses with a responsible unit, 000
    assert "条款 20" in html and "文件头 1" in html


def test_document_view_shows_its_report_and_rejected_files_have_one(mixed):
    _, index = mixed
    entries = browser_entries(index.units, index.report)
    ids = [e["id"] for e in entries]
    assert ids == ["000", "001", "002", "003", "004", "011", "file:012_note.txt", "file:013_broken.docx"]
    view = render_entry(entries[4], index.units)
    assert "解析报告" in view and "16 条中 0 条找到责任单位" in view and "正常" in view
    rejected = render_entry(entries[-2], index.units)
    assert "已拒绝：未找到编号条款或目标" in rejected and "没有可引用单元" in rejected
    partial = render_entry(entries[5], index.units)
    assert 'data-state="partial"' in partial and "部分解析" in partial


# --------------------------------------------------------------------------- example questions

def test_examples_are_deterministic_and_come_from_the_catalog(assistant, units):
    first = generate(assistant.catalog, assistant.index.units)
    assert first == generate(assistant.catalog, assistant.index.units)
    assert first == generate(Catalog.from_units(units), units)  # the saved catalog and a fresh one agree
    displays = {d.doc_id: d.display for d in assistant.catalog.docs}
    assert {e.doc_id for e in first} == set(displays)
    for example in first:
        assert example.question.startswith(displays[example.doc_id]), example
    kinds = {(e.doc_id, e.kind) for e in first}
    assert all((doc, "meta") in kinds for doc in displays)
    assert {kind for _, kind in kinds} == set(KINDS)
    # a document whose clauses name no responsible unit gets no lead or list example
    assert ("004", "lead") not in kinds and ("004", "list") not in kinds
    assert list(by_kind(first)) == list(KINDS)


def test_topic_is_a_whole_first_phrase():
    assert topic_of("加快推进某某工作，完善某某机制") == "加快推进某某工作"
    assert topic_of("试点") == ""
    long = topic_of("深化某某领域改革创新试点示范建设工作推进落实情况")
    assert 4 <= len(long) <= 16 and "深化某某领域改革创新试点示范建设工作推进落实情况".startswith(long)


def test_every_example_on_the_page_is_answered(assistant):
    examples = generate(assistant.catalog, assistant.index.units)
    assert len(examples) >= 15
    for example in examples:
        answer = assistant.ask(example.question, Session())
        assert answer.answered is True, example.question
        assert is_answered(example, answer), (example, answer.answer)


def test_examples_of_another_corpus_are_answered(invented_assistant):
    """The seeds plus an invented plan: the invented document gets examples of its own, all answered."""
    examples = generate(invented_assistant.catalog, invented_assistant.index.units)
    seed_ids = {p.name.split("_")[0] for p in CORPUS.glob("*.txt")}
    invented = [e for e in examples if e.doc_id not in seed_ids]
    assert {e.kind for e in invented} >= {"lead", "target", "meta"}
    for example in invented:
        answer = invented_assistant.ask(example.question, Session())
        assert answer.answered is True and is_answered(example, answer), (example, answer.answer)
    assert answerable_examples(invented_assistant) == examples  # checking every first candidate keeps them all


def test_candidates_cover_every_document_and_kind(assistant):
    found = candidates(assistant.catalog, assistant.index.units)
    assert set(found) == {d.doc_id for d in assistant.catalog.docs}
    assert all(len(items) <= 4 for kinds in found.values() for items in kinds.values())
    assert len(found["002"]["target"]) == 4 and len(found["000"]["lead"]) == 4


# --------------------------------------------------------------------------- the real page



@pytest.fixture(scope="module")
def server(mixed, tmp_path_factory):
    """app.py over the mixed corpus and its index (already built and current)."""
    from bench.load import free_port, start_server, stop_server

    settings, _ = mixed
    data = tmp_path_factory.mktemp("web-report-data")
    port = free_port()
    proc = start_server(port, {"PA_INDEX": str(settings.index_dir), "PA_CORPUS": str(settings.corpus_dir),
                               "PA_DATA": str(data), "PA_FEEDBACK": str(data / "feedback.jsonl"),
                               "GRADIO_ANALYTICS_ENABLED": "False"})
    yield f"http://127.0.0.1:{port}", proc
    stop_server(proc, timeout=20)




def test_server_logs_the_report_at_start_up(server):
    _, proc = server
    log = Path(proc.log_path).read_text(errors="replace")
    for file, (_, label, reason) in NOT_OK.items():
        assert f"文件「{file}」{label}：{reason}" in log
    assert "文件解析报告：共 8 个文件，正常 5 个（其中 2 个有警告），部分解析 1 个，已拒绝 2 个" in log


def test_document_tab_shows_the_report_and_rejected_files(server, browser, tmp_path):
    base, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(base + "/", wait_until="load")
    page.get_by_role("tab", name="文件浏览").click()
    table = page.locator("#ingestion-report")
    table.wait_for(timeout=30_000)
    assert table.locator("tbody tr").count() == 8
    rejected = table.locator("tr.rejected")
    assert rejected.count() == 2
    assert "未找到编号条款或目标" in rejected.first.inner_text()
    assert "已拒绝 2 个" in page.locator(".report-summary").inner_text()
    assert "解析报告" in page.locator("#doc-view").inner_text()
    page.locator("#doc-picker input").click()
    page.get_by_role("option", name="〔已拒绝〕012_note.txt").click()
    page.get_by_text("此文件没有可引用单元", exact=False).wait_for(timeout=10_000)
    assert "看起来不是政策文件" in page.locator("#doc-view").inner_text()
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    page.close()


def test_chat_tab_examples_come_from_the_catalog_and_are_answered(server, browser, mixed, tmp_path):
    base, _ = server
    _, index = mixed
    examples = generate(Catalog.from_dict(index.catalog.to_dict()), index.units)
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.goto(base + "/", wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    for label in {e.label for e in examples}:
        assert page.get_by_text(f"示例：{label}", exact=False).count() >= 1
    target = next(e for e in examples if e.kind == "target"
                  and page.get_by_text(e.question, exact=True).count())  # one card per document and kind shown
    page.get_by_text(target.question, exact=True).first.click()  # a card sends its question at once
    page.locator("#chat details.source").first.wait_for(timeout=30_000)
    assert target.question in page.locator("#chat .message-row.user-row").first.inner_text()
    assert target.expect in page.locator("#chat").inner_text()
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
    page.close()

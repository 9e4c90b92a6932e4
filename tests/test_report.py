"""Ingestion report: every file gets a state, counts and warnings; the CLI prints it as a table and
as JSON, and units one JSON object per line."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from assistant.__main__ import main
from assistant.documents import load_corpus
from assistant.units import build_all, build_all_with_report

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "units"


def test_seed_report(documents):
    units, errors, report = build_all_with_report(documents)
    assert (units, errors) == build_all(documents)  # the report does not change the units
    assert [d.file for d in report.documents] == sorted(p.name for p in (ROOT / "corpus").glob("00*.txt"))
    assert all(d.state == "ok" and d.state_label == "正常" and d.structure == "1." for d in report.documents)
    by_id = {d.doc_id: d for d in report.documents}
    assert [by_id[k].clauses for k in ("000", "001", "002", "003", "004")] == [20, 25, 53, 21, 16]
    assert by_id["000"].clauses_with_owner == 20 and by_id["000"].owner_share == 1.0
    assert by_id["002"].targets == 14 and by_id["002"].units_by_kind["goals"] >= 7
    assert by_id["004"].warnings == ["16 条中 0 条找到责任单位"]
    assert by_id["003"].warnings == ["未找到发文字号"]
    assert {"发文字号", "成文日期", "印发日期", "份数", "主送机关"} <= set(by_id["000"].facts)
    assert report.summary() == "共 5 个文件：正常 5 个，部分解析 0 个，已拒绝 0 个"


def _mixed_folder(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "corpus" / "000_pudong-2023.txt", tmp_path / "000_pudong-2023.txt")
    shutil.copy(FIXTURES / "plan-level4-tasks.md", tmp_path / "010_plan.md")
    shutil.copy(FIXTURES / "no-numbering.txt", tmp_path / "011_prose.txt")
    (tmp_path / "012_note.txt").write_text("今天开会讨论了午餐安排。大家都很满意。", encoding="utf-8")
    (tmp_path / "013_broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    return tmp_path


def test_every_file_is_in_the_report_with_its_state(tmp_path):
    documents, load_errors = load_corpus(_mixed_folder(tmp_path))
    units, errors, report = build_all_with_report(documents, load_errors)
    states = {d.file: (d.state, d.reason) for d in report.documents}
    assert states["000_pudong-2023.txt"] == ("ok", "")
    assert states["010_plan.md"] == ("ok", "")
    assert states["011_prose.txt"] == ("partial", "未找到编号条款，已按段落切分")
    assert states["012_note.txt"] == ("rejected", "未找到编号条款或目标，看起来不是政策文件")
    assert states["013_broken.docx"][0] == "rejected" and "Word" in states["013_broken.docx"][1]
    assert [e.path.name for e in errors] == ["012_note.txt"]
    assert {u.doc_id for u in units} == {"000", "010", "011"}  # the partly parsed file is searchable
    summary = report.summary()
    assert summary.startswith("共 5 个文件：正常 2 个，部分解析 1 个，已拒绝 2 个")
    assert "「012_note.txt」已拒绝：未找到编号条款或目标" in summary


def test_cli_documents_json_and_table(tmp_path, capsys):
    folder = _mixed_folder(tmp_path)
    assert main(["documents", "--json", "--corpus", str(folder)]) == 1  # something was rejected
    data = json.loads(capsys.readouterr().out)
    plan = next(d for d in data["documents"] if d["file"] == "010_plan.md")
    assert plan["state"] == "ok" and plan["state_label"] == "正常" and plan["structure"] == "（1）"
    assert plan["clauses"] == 4 and plan["clauses_with_owner"] == 4 and plan["owner_share"] == 1.0
    assert plan["targets"] == 6 and plan["units_by_kind"] == {"header": 1, "section": 2, "goals": 3, "clause": 4}
    assert data["summary"].startswith("共 5 个文件")
    assert main(["--corpus", str(folder), "documents"]) == 1
    out = capsys.readouterr().out
    assert "文件解析报告" in out and "部分解析" in out and "已拒绝" in out and "010_plan.md" in out


def test_cli_units_json_one_object_per_unit(tmp_path, capsys):
    folder = _mixed_folder(tmp_path)
    main(["units", "--doc", "010", "--json", "--corpus", str(folder)])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["doc_id"] for r in rows} == {"010"}
    task = next(r for r in rows if r["unit_id"] == "plan#2-1-1")
    assert {k: task[k] for k in ("kind", "number", "label", "section", "lead_units", "cooperating_units", "deadline")} == {
        "kind": "clause", "number": 1, "label": "（1）", "section": "二、重点任务 > 1.强化知识产权创造",
        "lead_units": ["县市场监管局"], "cooperating_units": ["县科技局"], "deadline": "2026年11月底"}
    assert task["doc_title"] == "青禾县2026年知识产权工作要点"
    header = next(r for r in rows if r["kind"] == "header")
    assert header["facts"]["doc_number"] == "青市监〔2026〕3号"
    goal = next(r for r in rows if r["kind"] == "goals")
    assert goal["targets"][0] == {"indicator": "有效发明专利拥有量", "year": 2025, "value": 410.0, "unit": "件",
                                  "scope": "青禾县", "text": "有效发明专利拥有量 2025年 410", "kind": "actual",
                                  "attribute": "预期性"}


def test_duplicate_short_names_get_distinct_unit_ids(tmp_path):
    for name in ("plan.md", "plan.txt"):
        shutil.copy(FIXTURES / "plan-level4-tasks.md", tmp_path / name)
    documents, _ = load_corpus(tmp_path)
    units, _, report = build_all_with_report(documents)
    assert len({u.unit_id for u in units}) == len(units)
    assert sorted(d.doc_id for d in documents) == ["plan", "plan-txt"]  # one text in two formats stays two documents

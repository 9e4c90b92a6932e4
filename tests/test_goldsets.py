"""Gold sets from staff spreadsheets: the template, Chinese columns, row/column-level messages, reports."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from assistant import goldsets
from assistant.goldsets import GoldSetError, read_gold, write_template
from eval.grader import grade, load_gold

ROOT = Path(__file__).resolve().parent.parent


def sheet_file(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def filled_template(tmp_path: Path) -> Path:
    """The real template with three questions, an empty row in the middle, and a number typed as a number."""
    path = write_template(tmp_path / "template.xlsx")
    book = load_workbook(path)
    sheet = book["评测题"]
    sheet.append(["t1", "普陀区2025年PCT国际专利申请量的目标是多少？\n那2024年呢？", "目标", 60, "", "", "新增PCT国际专利申请量"])
    sheet.append([])
    sheet.append([None, "浦东2023年知识产权质押融资哪个处牵头||它的完成时限呢？", "lead", "发展促进处；保护中心",
                  "2023年12月底；2023年底||全年", "办公室;保护处\n监管与预警处", "积极推进知识产权金融创新工作", "000"])
    sheet.append(["r1", "火星的知识产权规划由谁牵头？", "拒答"])
    book.save(path)
    return path


def test_filled_template_reads_turns_types_and_multi_value_cells(tmp_path):
    gold = read_gold(filled_template(tmp_path))
    first, second, third = gold.items
    assert first == {"id": "t1", "turns": ["普陀区2025年PCT国际专利申请量的目标是多少？", "那2024年呢？"], "type": "target",
                     "answer": ["60"], "any_of": [], "must_not": [], "cite": ["新增PCT国际专利申请量"], "doc": []}
    assert second["id"] == "第4行"  # no 编号: the spreadsheet row
    assert second["turns"] == ["浦东2023年知识产权质押融资哪个处牵头", "它的完成时限呢？"]
    assert second["type"] == "lead"
    assert second["answer"] == ["发展促进处", "保护中心"]
    assert second["any_of"] == [["2023年12月底", "2023年底"], ["全年"]]
    assert second["must_not"] == ["办公室", "保护处", "监管与预警处"]
    assert second["doc"] == ["000"]
    assert third["type"] == "refuse" and third["cite"] == []
    assert gold.skipped_rows == [3]
    assert "已读取 3 道题" in gold.describe() and "跳过空行：第3行" in gold.describe()


def test_template_has_instructions_and_an_empty_question_sheet(tmp_path):
    path = write_template(tmp_path / "t.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["评测题", "填写说明"]
    assert [c.value for c in book["评测题"][1]] == goldsets.TEMPLATE_HEADERS
    help_text = "\n".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value)
    assert "||" in help_text and "任一答案" in help_text and "拒答" in help_text
    with pytest.raises(GoldSetError, match="没有任何题目"):
        read_gold(path)


def test_wrong_column_name_is_named_with_its_row(tmp_path):
    path = sheet_file(tmp_path / "bad.xlsx", [["问题", "类别", "答案"], ["谁牵头？", "牵头", "办公室"]])
    with pytest.raises(GoldSetError) as info:
        read_gold(path)
    message = str(info.value)
    assert "第1行“类别”列：不是可识别的列名（第B列）" in message
    assert "第1行“类型”列：缺少必需的列" in message
    assert {(p.row, p.column) for p in info.value.problems} == {(1, "类别"), (1, "类型")}


def test_unknown_type_and_empty_question_name_row_and_column(tmp_path):
    path = sheet_file(tmp_path / "bad.xlsx", [
        ["问题", "类型", "答案"],
        ["数据知识产权试点由哪个部门牵头？", "牵头", "办公室"],
        ["普陀区行动方案的文号是什么？", "牵投", ""],
        [None, "目标", "65件"],
        [None, None, None],
        ["那2024年呢？", "", ""],
    ])
    with pytest.raises(GoldSetError) as info:
        read_gold(path)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("第3行“类型”列：未知类型“牵投”；应为 牵头、时限、目标、清单、文件信息、开放、拒答 之一")
    assert lines[1] == "第4行“问题”列：问题为空。"
    assert lines[2].startswith("第6行“类型”列：类型为空")
    assert len(lines) == 3  # the empty row 5 is skipped, not reported


def test_english_type_codes_and_english_headers_are_accepted(tmp_path):
    path = sheet_file(tmp_path / "en.xlsx", [["id", "turns", "type", "answer", "cite"],
                                            ["a", "普陀区行动方案的文号是什么？", "META", "26号", "文号"]])
    assert read_gold(path).items[0]["type"] == "meta"


def test_ten_megabyte_file_is_refused_before_parsing(tmp_path, monkeypatch):
    import openpyxl

    path = tmp_path / "big.xlsx"
    with path.open("wb") as f:
        f.write(b"\0" * (10 * 1024 * 1024 + 1))
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("parsed a file over the limit"))
    with pytest.raises(GoldSetError, match=r"文件过大（10\.0 MB），上限为 10 MB"):
        read_gold(path)


def test_unsupported_and_corrupt_files(tmp_path):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0 not really")
    with pytest.raises(GoldSetError, match="另存为 .xlsx"):
        read_gold(tmp_path / "old.xls")
    (tmp_path / "notes.txt").write_text("问题", encoding="utf-8")
    with pytest.raises(GoldSetError, match="请上传 .xlsx、.csv 或 .jsonl"):
        read_gold(tmp_path / "notes.txt")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(GoldSetError, match="无法打开 Excel 文件"):
        read_gold(tmp_path / "broken.xlsx")


def test_csv_saved_by_excel_in_gbk_with_a_multi_line_cell(tmp_path):
    path = tmp_path / "gold.csv"
    with path.open("w", encoding="gb18030", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["编号", "问题", "类型", "答案", "任一答案"])
        writer.writerow(["c1", "普陀区2025年PCT国际专利申请量的目标是多少？\n那2024年呢？", "目标", "60件", "普陀||2024年"])
        writer.writerow(["c1", "谁牵头？", "时限", "", ""])
    with pytest.raises(GoldSetError, match="第3行“编号”列：编号“c1”与第2行重复"):
        read_gold(path)
    path.write_bytes(path.read_bytes().replace("c1,谁".encode("gb18030"), "c2,谁".encode("gb18030")))
    items = read_gold(path).items
    assert items[0]["turns"] == ["普陀区2025年PCT国际专利申请量的目标是多少？", "那2024年呢？"]
    assert items[0]["any_of"] == [["普陀"], ["2024年"]]
    assert items[1]["type"] == "deadline"


def test_the_shipped_jsonl_gold_reads_as_the_grader_reads_it():
    path = ROOT / "eval" / "gold.jsonl"
    ours = goldsets.load_gold_any(path)
    theirs = load_gold(path)
    assert len(ours) == len(theirs) > 100
    for a, b in zip(ours, theirs):
        for key in ("id", "turns", "type", "answer", "cite"):
            assert a[key] == b[key]
        assert a["any_of"] == b.get("any_of", []) and a["must_not"] == b.get("must_not", [])


def test_jsonl_problems_name_the_line(tmp_path):
    path = tmp_path / "gold.jsonl"
    good = {"id": "x", "turns": ["谁牵头？"], "type": "lead", "answer": ["办公室"], "cite": []}
    path.write_text("\n".join([json.dumps(good, ensure_ascii=False), "{not json",
                               json.dumps({**good, "id": "y", "type": "who"}, ensure_ascii=False),
                               json.dumps({**good, "id": "z", "answr": ["x"]}, ensure_ascii=False)]), encoding="utf-8")
    with pytest.raises(GoldSetError) as info:
        read_gold(path)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("第2行：不是有效的 JSON")
    assert lines[1].startswith("第3行“类型”列：未知类型“who”")
    assert len(lines) == 2
    # fields outside the format stay on the item (a generator may tag items) and are pointed out, not graded
    path.write_text("\n".join(l for l in path.read_text(encoding="utf-8").splitlines() if "answr" in l or '"x"' in l),
                    encoding="utf-8")
    gold = read_gold(path)
    assert gold.items[1]["answr"] == ["x"] and gold.items[1]["answer"] == ["办公室"]
    assert "字段“answr”（首见于第2行）不是评分字段，未参与评分。" in gold.describe()


def answer_object(text: str, answered: bool, citations: list[str], retrieved: list[str] = ()) -> dict:
    return {"answer": text, "answered": answered, "intent": "x", "retrieved": list(retrieved),
            "citations": [{"n": i, "doc_title": "某文件", "label": f"第{i}条", "text": t}
                          for i, t in enumerate(citations, 1)]}


def test_reports_table_failures_and_files(tmp_path):
    items = read_gold(filled_template(tmp_path)).items
    answers = [answer_object("2024年目标 **60件** [1]", True, ["新增PCT国际专利申请量（件）：2024年 60；2025年 65"]),
               answer_object("牵头部门：发展促进处 [1]", True, ["积极推进知识产权金融创新工作"]),
               answer_object("没有找到", False, [])]
    results = [goldsets.ItemResult(item=i, answer=a, grade=grade(i, a), recall={1: r, 5: r}, seconds=0.5)
               for i, a, r in zip(items, answers, (1.0, 0.0, None))]
    table = {row["type"]: row for row in goldsets.summarise(results)}
    assert table["target"]["strict"] == 1.0 and table["lead"]["strict"] == 0.0 and table["refuse"]["strict"] == 1.0
    assert table["all"]["n"] == 3 and table["all"]["recall@1"] == 0.5  # the refusal has no recall
    headers, rows = goldsets.summary_rows(goldsets.summarise(results))
    assert headers[:5] == ["类型", "题数", "答案正确率", "引用正确率", "严格正确率"]
    assert rows[-1][:5] == ["全部", 3, "66.7%", "100.0%", "66.7%"]
    (failure,) = goldsets.failure_rows(results)
    assert failure[0] == "第4行" and "答案：发展促进处；保护中心" in failure[3]
    assert failure[6] == "缺少“保护中心”；“2023年12月底 / 2023年底”一个也没有出现；“全年”一个也没有出现"
    assert "[1] 《某文件》第1条：积极推进知识产权金融创新工作" in failure[5]

    xlsx = goldsets.write_report_xlsx(tmp_path / "report.xlsx", results, "template.xlsx")
    book = load_workbook(xlsx)
    assert book.sheetnames == ["汇总", "未通过", "明细"]
    summary = [[c.value for c in row] for row in book["汇总"].iter_rows()]
    assert summary[0][:2] == ["评测集", "template.xlsx"] and summary[-1][:2] == ["全部", 3]
    assert [c.value for c in book["未通过"][2]][0] == "第4行"
    assert [c.value for c in book["明细"][2]][:7] == ["t1", "目标", "普陀区2025年PCT国际专利申请量的目标是多少？ → 那2024年呢？",
                                                    "x", "是", "是", "是"]
    md = goldsets.write_report_markdown(tmp_path / "report.md", results, "template.xlsx").read_text(encoding="utf-8")
    assert "| 全部 | 3 | 66.7% | 100.0% | 66.7% | 50.0% | 50.0% | 0.50 |" in md
    assert "### 第4行（牵头）" in md and "缺少“保护中心”" in md


def test_run_gold_on_the_real_assistant_reports_progress_and_recall(assistant, monkeypatch):
    items = [{"id": "t", "turns": ["普陀区2025年PCT国际专利申请量的目标是多少？"], "type": "target", "answer": ["65件"],
              "any_of": [], "must_not": [], "cite": ["新增PCT国际专利申请量"], "doc": []},
             {"id": "boom", "turns": ["这一题让助手出错"], "type": "refuse", "answer": [], "any_of": [], "must_not": [],
              "cite": [], "doc": []}]
    real_ask = assistant.ask

    def ask(question, session=None):
        if question == "这一题让助手出错":
            raise RuntimeError("测试用的故障")
        return real_ask(question, session)

    monkeypatch.setattr(assistant, "ask", ask)
    seen = []
    results = goldsets.run_gold(assistant, items, progress=lambda done, total, item: seen.append((done, total)))
    assert seen == [(0, 2), (1, 2), (2, 2)]
    target, broken = results
    assert target.strict_ok and "65件" in target.answer["answer"]
    assert target.recall[5] == 1.0
    assert not broken.strict_ok and "测试用的故障" in goldsets.reasons(broken)  # a crash is wrong, even for a refusal


def test_template_file_is_written_once_and_reused(tmp_path):
    from openpyxl import load_workbook

    from assistant.goldsets import TEMPLATE_HEADERS, template_file

    first = template_file(tmp_path)
    stamp = first.stat().st_mtime_ns
    again = template_file(tmp_path)
    assert again == first and again.stat().st_mtime_ns == stamp
    assert [c.value for c in load_workbook(first)["评测题"][1]] == TEMPLATE_HEADERS
    assert not [p for p in first.parent.iterdir() if p.name.startswith(".")]  # no staging file left


def test_template_file_falls_back_when_the_cache_is_not_writable(tmp_path):
    from assistant.goldsets import TEMPLATE_NAME, template_file

    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    path = template_file(blocked)
    assert path.name == TEMPLATE_NAME and path.exists() and not str(path).startswith(str(blocked))

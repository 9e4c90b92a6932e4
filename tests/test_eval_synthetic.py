"""The synthetic evaluation's machinery on a small fixed seed: generator, writers, filler, parse check, harness.

No accuracy thresholds: the understanding code changes; these tests pin that the harness measures.
"""
import json
import re
import unicodedata
from pathlib import Path

import pytest

from eval.fill import TEMPLATES, Filler, fill_corpus, homophone_typo, load_templates
from eval.grader import grade
from eval.synthetic import FORMATS, generate, load_truth, write_corpus

SEED = 7


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _plain_text(path: Path) -> str:
    """The file's text read without the assistant's readers (independent of the code under test)."""
    if path.suffix in (".txt", ".md"):
        return path.read_text(encoding="utf-8")
    if path.suffix == ".docx":
        import docx

        d = docx.Document(str(path))
        cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in d.paragraphs] + cells)
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text("\n")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    corpus = generate(5, seed=SEED, formats=FORMATS)
    folder = tmp_path_factory.mktemp("synthetic") / "corpus"
    truth = write_corpus(corpus, folder)
    return corpus, folder, truth


def test_generator_is_deterministic_and_seed_dependent():
    a, b, c = (generate(4, seed=s, formats=("txt", "md")).to_dict() for s in (SEED, SEED, SEED + 1))
    assert a == b
    assert a != c


def test_truth_covers_the_generator_vocabulary():
    corpus = generate(30, seed=SEED, formats=("txt",))
    notations = {t.notation for d in corpus.docs for t in d.tasks}
    assert {"keyed-lead", "keyed-subject", "keyed-dept", "trailing", "trailing-fuze", "lead-participate",
            "prose", "table", "guiding", "keyed-fuze"} <= notations
    assert {d.numbering for d in corpus.docs} == {"plan-arabic", "plan-paren", "plan-arabic-paren", "regulation"}
    years = {y for d in corpus.docs for y in d.years}
    assert min(years) >= 2026 and max(years) <= 2032
    keywords = [t.keyword for d in corpus.docs for t in d.tasks]
    assert len(keywords) == len(set(keywords))  # {task} wording is unique in the corpus
    assert not {d.region for d in corpus.docs} & set(corpus.other_regions)


def test_every_format_is_written_and_contains_its_truth(written):
    corpus, folder, truth_path = written
    assert {d.format for d in corpus.docs} == set(FORMATS)
    assert load_truth(truth_path).to_dict() == corpus.to_dict()  # truth JSON round trip
    assert not (folder / truth_path.name).exists()  # the truth lives next to the corpus, not in it
    for doc in corpus.docs:
        text = _norm(_plain_text(folder / doc.filename))
        assert _norm(doc.doc_number) in text and _norm(doc.header["issue_date"]) in text, doc.filename
        assert _norm(doc.header["print_date"]) in text
        for task in doc.tasks:
            assert _norm(task.keyword) in text, (doc.filename, task.keyword)
            for unit in task.units + task.national:
                assert _norm(unit) in text, (doc.filename, unit)
            if task.deadline:
                assert _norm(task.deadline) in text, (doc.filename, task.deadline)
        for ind in doc.indicators:
            assert _norm(ind.name) in text
            for value in ind.values.values():
                assert f"{value:g}" in text, (doc.filename, ind.name, value)


def test_pdf_has_running_header_and_page_numbers(written):
    corpus, folder, _ = written
    from pypdf import PdfReader

    doc = next(d for d in corpus.docs if d.format == "pdf")
    pages = [p.extract_text() for p in PdfReader(str(folder / doc.filename)).pages]
    assert len(pages) >= 2
    assert all("－" + str(i) + "－" in page.replace(" ", "") for i, page in enumerate(pages, 1))
    assert all(_norm(doc.title) in _norm(page) for page in pages)


def test_docx_task_table_has_merged_cells(tmp_path):
    import docx

    corpus = generate(30, seed=SEED, formats=("docx",))
    doc = next(d for d in corpus.docs if d.layout == "table")
    write_corpus(corpus.__class__([doc], corpus.other_regions, corpus.topics_out, corpus.seed), tmp_path / "c")
    table = next(t for t in docx.Document(str(tmp_path / "c" / doc.filename)).tables if "重点任务" in t.rows[0].cells[1].text)
    section_row = table.rows[1]
    assert len({id(c._tc) for c in section_row.cells}) == 1  # one cell spanning the row


def test_homophone_typo_keeps_the_pinyin():
    import random

    from pypinyin import lazy_pinyin

    name = "区科学技术委员会"
    typo = homophone_typo(name, random.Random(1))
    assert typo != name and len(typo) == len(name)
    assert sum(a != b for a, b in zip(typo, name)) == 1
    assert lazy_pinyin(typo) == lazy_pinyin(name)


def test_filled_gold_is_complete_and_true_to_the_text(written):
    corpus, folder, _ = written
    templates = load_templates()
    gold, skipped = fill_corpus(corpus, templates, copies=1, seed=SEED)
    assert len(gold) > 100
    assert {g["type"] for g in gold} == {"lead", "deadline", "target", "list", "meta", "open", "refuse"}
    assert len({g["id"] for g in gold}) == len(gold)
    assert sum(v for k, v in skipped.items() if not k.startswith("reason")) + len(gold) == len(templates)
    texts = {d.doc_id: _norm(_plain_text(folder / d.filename)) for d in corpus.docs}
    for g in gold:
        assert not any("{" in t for t in g["turns"]), g
        assert {"register", "template", "notation", "numbering", "format"} <= set(g)
        if g["type"] == "refuse":
            assert g["answer"] == [] and g["cite"] == []
            continue
        text = texts[g["doc"][0]] if g["template"] != "multi-011" else "".join(texts.values())
        for snippet in g["cite"] + [a for a in g["answer"] if not re.fullmatch(r"[\d.]+", a)]:
            if g["template"] in ("meta-002",) or snippet in ("预期性", "约束性"):
                continue
            assert _norm(snippet) in text, (g["id"], snippet)


def test_refusals_name_nothing_the_corpus_has(written):
    corpus, _, _ = written
    import zhconv

    gold, _ = fill_corpus(corpus, load_templates(), copies=1, seed=SEED)
    regions = {d.region for d in corpus.docs} | {d.region_short for d in corpus.docs}
    for g in gold:
        turns = zhconv.convert("".join(g["turns"]), "zh-cn")  # the traditional register converts slot values
        if g["notation"] == "refusal:other-region":
            asked = [r for r in corpus.other_regions if r in turns]
            assert asked and not any(r in regions for r in asked)
        if g["notation"] == "refusal:absent-dept":
            doc = next(d for d in corpus.docs if d.doc_id == g["doc"][0])
            names = {x.name for x in doc.depts}
            assert any(a.name in turns for a in doc.absent)
            assert not any(a.name in names for a in doc.absent)


def test_grader_ignores_the_extra_fields():
    item = {"id": "x", "turns": ["q"], "type": "lead", "answer": ["区科委"], "cite": ["专利导航"],
            "register": "plain", "template": "lead-008", "notation": "trailing", "numbering": "plan-arabic",
            "format": "pdf", "doc_form": "title", "name_form": "-"}
    got = {"answer": "区科委负责 [1]", "answered": True, "citations": [{"text": "3.开展专利导航服务。（区科委）"}]}
    assert grade(item, got).strict_ok


def test_missing_templates_give_a_clear_message(tmp_path):
    with pytest.raises(FileNotFoundError, match="question templates not found"):
        load_templates(tmp_path / "absent.jsonl")
    assert TEMPLATES.name == "templates.jsonl"


def test_parse_accuracy_table_is_computed(written):
    from eval.parse_accuracy import measure, parse_table_lines

    corpus, folder, _ = written
    records = measure(corpus, folder)
    metrics = {r["metric"] for r in records}
    assert {"clause found", "lead", "deadline", "target", "header:doc_number"} <= metrics
    assert {r["format"] for r in records} == set(FORMATS)
    checked_tasks = [r for r in records if r["metric"] == "clause found"]
    assert len(checked_tasks) == sum(len(d.tasks) for d in corpus.docs)
    lines = parse_table_lines(records)
    assert any(line.startswith("| format |") for line in lines)
    assert any(line.startswith("| notation |") for line in lines)


def test_end_to_end_run_reports_per_register(tmp_path, embedder):
    from assistant.chat import Assistant
    from assistant.config import Settings
    from assistant.index import load_or_build
    from eval.__main__ import DIMENSIONS, breakdown, group_failures, run_items, synthetic_text

    corpus = generate(2, seed=SEED, formats=("txt", "md"))
    write_corpus(corpus, tmp_path / "corpus")
    templates = {t["id"]: t for t in load_templates()}
    chosen = [templates[i] for i in ("lead-008", "deadline-006", "target-010", "meta-005", "refuse-010",
                                      "lead-036", "multi-001", "list-001")]
    filler = Filler(corpus, seed=SEED)
    gold = filler.fill_all(chosen, copies=1)
    assert len(gold) >= 6
    settings = Settings()
    settings.corpus_dir = tmp_path / "corpus"
    settings.index_dir = tmp_path / "index"
    assistant = Assistant(settings, index=load_or_build(settings, embedder=embedder))
    results = run_items(assistant, gold)
    assert len(results) == len(gold)
    by_register = breakdown(results, "register")
    assert sum(row["n"] for row in by_register.values()) == len(gold)
    assert {g["register"] for g in gold} == set(by_register)
    for row in by_register.values():
        assert 0.0 <= row["strict"] <= min(row["answer"], row["citation"]) <= 1.0
    summary = {"by": {dim: breakdown(results, dim) for dim in DIMENSIONS}}
    text = "\n".join(synthetic_text(summary, group_failures(results), []))
    assert "| register |" in text and "| format |" in text and "| notation |" in text
    assert json.dumps(results, ensure_ascii=False)  # the per-item results serialise for --json

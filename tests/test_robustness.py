"""Robustness: random and garbage input through the question path and the document readers, a
10,000-clause document, a 1 MB question. Nothing may crash; every failure is a clear message."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from assistant.chat import Session
from assistant.documents import DocumentError, load_corpus, load_document as read_document
from assistant.units import build_units

ROOT = Path(__file__).resolve().parent.parent
QUESTION_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))
POLICY_WORDS = st.sampled_from(["普陀", "浦东", "2025年", "目标", "谁牵头", "第二条", "那", "呢？", "它的完成时限", "<script>",
                                "PCT", "多少", "哪些任务", "文号", "\x00", "\u202e", "🙂", "　", "的"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(turns=st.lists(st.one_of(st.text(QUESTION_ALPHABET, max_size=80),
                                st.lists(POLICY_WORDS, max_size=8).map("".join)), min_size=1, max_size=3))
def test_question_path_never_crashes(assistant, turns):
    session = Session()
    for turn in turns:
        answer = assistant.ask(turn, session)
        assert isinstance(answer.answered, bool) and answer.answer.strip()
        assert answer.answered is False or answer.citations
        for citation in answer.citations:
            assert citation.unit_id in assistant.units_by_id


def test_a_one_megabyte_question_is_rejected_cleanly(assistant):
    session = Session()
    answer = assistant.ask("专" * (1024 * 1024), session)
    assert answer.intent == "invalid" and "问题过长" in answer.answer and session.history == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4000), suffix=st.sampled_from([".txt", ".md", ".docx", ".pdf", ".html", ".doc"]))
def test_readers_on_garbage_raise_only_document_errors(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("garbage") / f"junk{suffix}"
    path.write_bytes(data)
    try:
        build_units(read_document(path))
    except DocumentError as exc:
        assert path.name in str(exc) and "无法" in str(exc)


@settings(max_examples=60, deadline=None)
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=3000))
def test_unit_parser_on_random_text(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("random") / "random.txt"
    path.write_text(text, encoding="utf-8")
    try:
        units = build_units(read_document(path))
    except DocumentError as exc:
        assert "random.txt" in str(exc)
        return
    for unit in units:
        assert unit.unit_id and unit.kind in ("header", "goals", "clause", "section")


def test_a_corrupt_file_beside_good_ones_leaves_the_good_ones(tmp_path):
    for source in (ROOT / "corpus").glob("00[01]_*.txt"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    documents, errors = load_corpus(tmp_path)
    assert len(documents) == 2 and len(errors) == 1 and "broken.docx" in str(errors[0])


def test_a_document_with_ten_thousand_clauses(tmp_path):
    from bench.synthetic import _pools, document_text

    text = document_text(_pools(ROOT / "corpus"), random.Random(1), 1, 10_000)
    path = tmp_path / "big-plan.txt"
    path.write_text(text, encoding="utf-8")
    units = build_units(read_document(path))
    clauses = [u for u in units if u.kind == "clause"]
    assert [u.number for u in clauses] == list(range(1, 10_001))
    assert all(u.lead_units for u in clauses)
    assert len({u.unit_id for u in units}) == len(units)
    assert clauses[-1].section.startswith("二、重点任务 > （九十")

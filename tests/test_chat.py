"""The answer layer on the real corpus and real index: each intent, follow-ups, refusals, bad input."""
import re
from pathlib import Path

import pytest

from assistant.chat import Session


def ask(assistant, *turns):
    session = Session()
    for turn in turns:
        answer = assistant.ask(turn, session)
    return answer


def cited(answer):
    return [c.unit_id for c in answer.citations]


def test_lead_from_paraphrase(assistant):
    a = ask(assistant, "谁负责浦东南汇水蜜桃地理标志那块？")
    assert a.answered and a.intent == "lead" and "保护处" in a.answer
    assert "pudong-2023#3" in cited(a)


def test_lead_with_national_counterpart_and_deadline(assistant):
    a = ask(assistant, "共建工作要点中数据知识产权试点的责任单位有哪些？")
    assert "市经济信息化委" in a.answer and "战略规划司" in a.answer and "2024年12月底" in a.answer
    assert cited(a)[0] == "shanghai-cnipa-2023-2025#2"


def test_target_exact_value_year_and_unit(assistant):
    a = ask(assistant, "普陀区2025年PCT国际专利申请量的目标是多少？")
    assert a.intent == "target" and "65件" in a.answer and "60件" not in a.answer
    assert cited(a) == ["putuo-2024-2025#table-2"]


def test_target_comparison_lists_each_document(assistant):
    a = ask(assistant, "各区每万人口高价值发明专利拥有量目标分别是多少？")
    for value in ("75件", "23件", "85件"):
        assert value in a.answer
    assert {c.doc_id for c in a.citations} == {"pudong-2023", "putuo-2024-2025", "xx-newarea-2024"}


def test_target_comparison_of_named_regions_gives_each(assistant):
    a = ask(assistant, "浦东和普陀的每万人口高价值发明专利拥有量目标各是多少")
    assert {"pudong-2023", "putuo-2024-2025"} <= {c.doc_id for c in a.citations}
    assert "75件" in a.answer and "20件" in a.answer


def test_list_is_complete_from_parsed_fields(assistant):
    a = ask(assistant, "浦东2023年保护处牵头哪些任务？")
    assert a.intent == "list"
    assert cited(a) == [f"pudong-2023#{n}" for n in (1, 3, 4, 11, 16)]


def test_meta_facts(assistant):
    a = ask(assistant, "浦东2023年工作要点共印了几份")
    assert "共印9份" in a.answer and cited(a) == ["pudong-2023#header"]
    a = ask(assistant, "行政保护工作计划什么时候报送")
    assert "2023年4月7日" in a.answer


def test_open_question_quotes_and_cites(assistant):
    a = ask(assistant, "浦东在海外维权方面有哪些安排？")
    assert a.intent == "open" and "pudong-2023#11" in cited(a)
    assert re.search(r"\[1\]", a.answer)


@pytest.mark.parametrize("question", ["普陀区2026年PCT国际专利申请量目标", "闵行区2025年专利目标", "今天上海天气怎么样？",
                                      "浦东2024年工作要点的文号是什么"])
def test_unanswerable_is_refused_politely(assistant, question):
    a = ask(assistant, question)
    assert a.answered is False and a.citations == []
    assert "目前可查询的文件" in a.answer


@pytest.mark.parametrize("question", ["社保怎么交", "公积金贷款额度是多少", "上海地铁几点停运", "房产税怎么算",
                                      "增值税发票怎么开", "集成电路布图设计保护"])
def test_topics_outside_the_corpus_are_refused(assistant, question):
    a = ask(assistant, question)
    assert a.answered is False and a.citations == []


@pytest.mark.parametrize("question, unit", [("浦东的老字号商标保护谁负责？", "pudong-2023#9"),
                                            ("商业秘密保护由哪个部门负责", None),
                                            ("跨境电商知识产权保护有哪些措施", None),
                                            ("展会知识产权保护怎么做", "shanghai-protection-2023#8")])
def test_paraphrased_topics_inside_the_corpus_are_answered(assistant, question, unit):
    a = ask(assistant, question)
    assert a.answered and a.citations
    assert unit is None or unit in cited(a)


def test_question_without_subject_asks_for_one(assistant):
    a = ask(assistant, "谁负责？")
    assert a.answered is False and "具体事项" in a.answer


def test_two_turn_follow_ups(assistant):
    assert "60件" in ask(assistant, "普陀区2025年PCT国际专利申请量的目标是多少？", "那2024年呢？").answer
    a = ask(assistant, "共建要点中数据知识产权工作试点由谁负责？", "它的完成时限呢？")
    assert a.intent == "deadline" and "2024年12月底" in a.answer
    a = ask(assistant, "浦东新区知识产权局2023年工作要点的文号是什么？", "第二条是谁牵头？")
    assert "办公室" in a.answer and cited(a) == ["pudong-2023#2"]
    a = ask(assistant, "浦东2023年数据知识产权试点谁牵头", "那普陀的呢？")
    assert "区数据局" in a.answer


def test_three_turn_follow_up(assistant):
    a = ask(assistant, "共建要点里蓝天专项整治行动是什么", "由谁负责", "它的完成时限呢")
    assert "2025年12月底" in a.answer and cited(a) == ["shanghai-cnipa-2023-2025#20"]


def test_sessions_are_separate(assistant):
    first, second = Session(), Session()
    assistant.ask("普陀区2025年PCT国际专利申请量的目标是多少？", first)
    assistant.ask("浦东2023年知识产权质押融资金额目标是多少", second)
    assert "60件" in assistant.ask("那2024年呢？", first).answer


@pytest.mark.parametrize("question", ["", "   ", "问" * 600, None])
def test_bad_questions_get_a_clear_message(assistant, question):
    a = assistant.ask(question, Session())
    assert a.answered is False and a.intent == "invalid" and ("请输入问题" in a.answer or "问题过长" in a.answer)


def test_every_gold_value_is_in_its_cited_units(assistant):
    """No lead/target answer states a value absent from the unit it cites."""
    import json
    from pathlib import Path

    from eval.grader import normalise

    items = [json.loads(l) for l in (Path(__file__).parent.parent / "eval" / "gold.jsonl").read_text().splitlines()]
    for item in items:
        if item["type"] not in ("lead", "target") or len(item["turns"]) > 1:
            continue
        answer = ask(assistant, *item["turns"])
        cited_text = normalise(" ".join(c.text for c in answer.citations))
        for value in item["answer"]:
            if normalise(value) in normalise(answer.answer):
                assert normalise(value) in cited_text, (item["id"], value)


# --------------------------------------------------------------------------- capabilities on an invented plan
# tests/fixtures/invented/yunlan-2027.txt: a region, departments and years no code was written for.

def test_invented_lead_with_cooperating_units(invented_assistant):
    a = ask(invented_assistant, "青溪区行动计划里高价值专利组合谁牵头？")
    assert "区市场监督管理局" in a.answer and "区科学技术委员会" in a.answer and "配合" in a.answer


def test_invented_abbreviation_and_homophone(invented_assistant):
    a = ask(invented_assistant, "青溪区计划里区科委负责哪些任务？")
    assert a.intent == "list" and "专利转化运营平台" in a.answer
    a = ask(invented_assistant, "青溪区纠纷快速调解是保护中新负责的吗")
    assert a.answered and "区知识产权保护中心" in a.answer


def test_invented_two_asks_in_one_question(invented_assistant):
    a = ask(invented_assistant, "青溪区质押融资渠道谁牵头？什么时候完成？")
    assert "区金融服务办公室" in a.answer and "2028年6月底" in a.answer


def test_invented_sole_vs_joint(invented_assistant):
    a = ask(invented_assistant, "青溪区行动计划中区市场监督管理局单独负责的任务有哪些")
    assert [c.label for c in a.citations] == ["第2条"]  # 单独 excludes its shared tasks: no other-role list
    # "全部": all its work — what it leads, then where it only supports, each with its role
    a = ask(invented_assistant, "青溪区行动计划中由区科学技术委员会牵头的全部任务")
    primary, others = a.answer.split("以其他角色出现在以下")
    assert "共 1 项" in primary and "第4条" in primary and "第1条" in others and "区科学技术委员会：配合" in others


def test_invented_count_and_last_clause(invented_assistant):
    a = ask(invented_assistant, "青溪区行动计划一共有几条任务")
    assert "共 6 项" in a.answer
    a = ask(invented_assistant, "青溪区行动计划的任务编到了第几条")
    assert "第6条" in a.answer


def test_invented_target_unit_column_and_difference(invented_assistant):
    a = ask(invented_assistant, "青溪区2028年知识产权质押融资登记金额目标是多少")
    assert "5.5亿元" in a.answer
    a = ask(invented_assistant, "青溪区质押融资登记金额2027年目标是多少", "下一年呢？比2027年多多少？")
    assert "1.5亿元" in a.answer


def test_invented_relative_and_two_digit_years(invented_assistant):
    assert "21件" in ask(invented_assistant, "青溪区明年高价值发明专利拥有量目标").answer
    assert "18件" in ask(invented_assistant, "27年青溪区高价值发明专利拥有量要到多少").answer


def test_invented_refusals_with_reasons(invented_assistant):
    a = ask(invented_assistant, "青溪区2030年高价值发明专利拥有量目标")
    assert not a.answered and "2030" in a.answer
    a = ask(invented_assistant, "区文化旅游局在青溪区行动计划里牵头了几项")
    assert not a.answered and "区文化旅游局" in a.answer


def test_invented_meta_and_notice_deadline(invented_assistant):
    a = ask(invented_assistant, "青溪区行动计划的文号和成文日期")
    assert "青府办〔2027〕9号" in a.answer and "2027年3月15日" in a.answer
    a = ask(invented_assistant, "青溪区行动计划的成文日期和印发日期隔了几天？")
    assert "1天" in a.answer


def test_invented_follow_up_next_clause_and_deadline(invented_assistant):
    a = ask(invented_assistant, "青溪区行动计划第3条谁负责", "那第四条呢")
    assert "区科学技术委员会" in a.answer and "区教育局" in a.answer
    a = ask(invented_assistant, "青溪区行动计划第3条谁负责", "它的完成时限呢？")
    assert "2028年6月底" in a.answer


def test_invented_section_level(invented_assistant):
    a = ask(invented_assistant, "青溪区行动计划的保障措施讲了哪些内容")
    assert "加强组织领导" in a.answer and "强化经费保障" in a.answer


def test_invented_deadline_lists_group_by_month_and_sum_up_to_a_year_end(invented_assistant):
    a = ask(invented_assistant, "青溪区行动计划里2028年6月底前要完成的有哪些")
    assert cited(a) == [c for c in cited(a) if c.endswith("#3")] and len(cited(a)) == 1
    assert "另有 2 项" in a.answer  # the two clauses due earlier are counted, not listed
    a = ask(invented_assistant, "青溪区行动计划里明年年底前要完成的任务有几条")
    assert "共 3 项" in a.answer and len(cited(a)) == 3


def test_invented_joint_work_counts_any_role_and_co_lead_only_leads(invented_assistant):
    a = ask(invented_assistant, "青溪区行动计划里区财政局跟别人搭伙的有哪些")
    assert [c.split("#")[-1] for c in cited(a)] == ["3"]
    a = ask(invented_assistant, "青溪区行动计划里区财政局与其他部门共同牵头的任务有哪些")
    none, others = a.answer.split("以其他角色出现在以下")
    # it co-leads nothing; the one clause naming it is shown with its real role, not counted as co-led
    assert "没有「区财政局」与其他单位共同牵头的任务" in none
    assert [c.split("#")[-1] for c in cited(a)] == ["3"] and "区财政局：配合" in others


def test_invented_department_in_the_clause_in_focus(invented_assistant):
    a = ask(invented_assistant, "青溪区行动计划第3条谁负责", "那区财政局在这条里有没有份？")
    assert a.answered and [c.split("#")[-1] for c in cited(a)] == ["3"] and "区财政局" in a.answer


def test_invented_number_a_named_task_does_not_state_is_refused(invented_assistant):
    a = ask(invented_assistant, "青溪区专利转化运营平台计划覆盖多少家企业？")
    assert not a.answered and "没有写明" in a.answer and "专利转化运营平台" in a.answer


def test_invented_unknown_places_are_refused_however_placed(invented_assistant):
    a = ask(invented_assistant, "桐坪区 专利转化运营平台 责任单位")
    assert not a.answered and "桐坪区" in a.answer
    a = ask(invented_assistant, "青溪区2028年海外商标注册量目标是多少", "换成璟洲市，同一年的数有吗？")
    assert not a.answered and "璟洲市" in a.answer


def test_invented_genre_word_names_the_regions_plan_but_a_new_title_does_not(invented_assistant):
    a = ask(invented_assistant, "27年青溪区的工作要点里，专利转化运营平台交给谁牵头了？")
    assert a.answered and [c.split("#")[-1] for c in cited(a)] == ["4"] and "区科学技术委员会" in a.answer
    a = ask(invented_assistant, "青溪区知识产权专项资金管理办法里，专利资助标准是多少？")
    assert not a.answered and "青溪区知识产权专项资金管理办法" in a.answer


def test_place_named_in_a_department_is_not_refused(assistant):
    a = ask(assistant, "临港新片区管委会负责哪些任务")
    assert a.answered and a.citations


def test_question_naming_a_rejected_file_says_so(tmp_path, embedder):
    """A corpus file the parser rejects is named in the answer, not answered from another document."""
    import shutil

    from assistant.chat import Assistant
    from assistant.config import Settings
    from assistant.index import load_or_build

    corpus = tmp_path / "corpus"
    shutil.copytree(Path(__file__).parent.parent / "corpus", corpus)
    (corpus / "007_岚江区2027年知识产权工作要点.docx").write_bytes(b"PK\x03\x04 not really a word file")
    settings = Settings()
    settings.corpus_dir, settings.index_dir = corpus, tmp_path / "index"
    assistant = Assistant(settings, index=load_or_build(settings, embedder=embedder))
    a = assistant.ask("岚江区2027年知识产权工作要点的文号是什么？", Session())
    assert not a.answered and not a.citations
    assert "岚江区2027年知识产权工作要点.docx" in a.answer and "未能使用" in a.answer
    assert assistant.ask("普陀区行动方案的文号是什么？", Session()).answered


def test_invented_year_that_names_a_document_outside_its_period_is_refused(invented_assistant):
    a = ask(invented_assistant, "青溪区26年那份计划里商标品牌建设谁负责？")
    assert not a.answered and "2026" in a.answer and "2027—2028" in a.answer
    a = ask(invented_assistant, "青溪区28年那份计划里商标品牌建设谁负责？")  # inside 2027—2028: answered
    assert a.answered and "区市场监督管理局" in a.answer


def test_invented_goals_section_named_in_other_words(invented_assistant):
    a = ask(invented_assistant, "青溪区行动计划的目标部分，知识产权创造提升定的是哪一年底前完成？")
    assert a.answered and "到2028年底" in a.answer and cited(a)[0].endswith("goal-1")
    a = ask(invented_assistant, "青溪区行动计划对各单位落实工作提了哪些要求？")
    assert "加强组织领导" in a.answer and "强化经费保障" in a.answer


def test_invented_department_before_a_verb_and_enforcement_is_no_law(invented_assistant):
    a = ask(invented_assistant, "青溪区行动计划里有几条是区市监局管的？")
    assert a.answered and "区市场监督管理局" in a.answer
    a = ask(invented_assistant, "区市场监督管理局 知识产权执法专项行动 责任单位")  # 执法 names no law
    assert a.answered and "yunlan-2027#5" in cited(a)


def test_invented_number_of_a_task_is_not_a_date(invented_assistant):
    a = ask(invented_assistant, "青溪区知识产权纠纷快速调解机制要调解多少件纠纷？")
    assert a.answered and "300件" in a.answer and "2027年12月底" not in a.answer
    a = ask(invented_assistant, "青溪区专利转化运营平台的财政投入额度是多少？")
    assert not a.answered and not a.citations


def test_invented_known_department_the_named_document_gives_nothing(invented_assistant):
    a = ask(invented_assistant, "青溪区行动计划里上海市知识产权局承担了哪些分工？")
    assert not a.answered and "没有给「上海市知识产权局」分工" in a.answer and "区市场监督管理局" in a.answer


def test_answers_from_parsed_fields_embed_nothing_while_clause_answers_search(assistant, monkeypatch):
    """A goal's figure comes from the parsed indicator table: the question is not embedded and `retrieved`
    is empty. A lead question needs its clause found, so it searches and reports what it ranked. Recall@k
    is measured on `Assistant.ranked`, which searches either way."""
    embedded = []
    real = assistant.retriever.embed
    monkeypatch.setattr(assistant.retriever, "embed", lambda text: (embedded.append(text), real(text))[1])
    question = "普陀区2025年PCT国际专利申请量的目标是多少？"
    target = ask(assistant, question)
    assert target.answered and "65件" in target.answer and not embedded and target.retrieved == []
    ranked = assistant.ranked(question)
    assert embedded and cited(target)[0] in [unit.unit_id for unit in ranked[:5]]
    embedded.clear()
    lead = ask(assistant, "数据知识产权试点由哪个部门牵头？")
    assert lead.answered and embedded and cited(lead)[0] in lead.retrieved

"""Question understanding against the catalog of the real corpus and of an invented one (no model needed)."""
import shutil

import pytest

from assistant.catalog import Catalog
from assistant.understanding import department_like, detect_asks, understand

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

INVENTED = ROOT / "tests" / "fixtures" / "invented"


@pytest.fixture(scope="module")
def catalog(units):
    return Catalog.from_units(units)


@pytest.fixture(scope="module")
def invented(tmp_path_factory):
    from assistant.documents import load_corpus
    from assistant.units import build_all

    folder = tmp_path_factory.mktemp("invented")
    for path in INVENTED.iterdir():
        shutil.copy(path, folder / path.name)
    docs, errors = load_corpus(folder)
    units, unit_errors = build_all(docs)
    assert not errors and not unit_errors
    return Catalog.from_units(units), units


@pytest.mark.parametrize("question, asks", [
    ("商标品牌建设谁牵头？什么时候完成？", ["lead", "deadline"]),
    ("数据知识产权试点归谁管啊", ["lead"]),
    ("这摊事啥时候得弄完", ["deadline"]),
    ("文号是多少", ["meta"]),
    ("由谁发、发给谁、抄送谁？", ["meta"]),
    ("一共有几条任务", ["list"]),
    ("两年的目标相差多少", ["target", "diff"]),
    ("这个方案有哪几部分", ["structure"]),
    ("專利導航由哪個部門負責", ["lead"]),
])
def test_asks_in_every_register(question, asks):
    from assistant.normalize import normalize

    assert detect_asks(normalize(question)) == asks


def test_years_absolute_two_digit_and_relative(catalog):
    q = understand("浦东23年保护处牵头哪些任务", catalog)
    assert 2023 in q.years and q.docs
    q = understand("普陀今年PCT申请量的目标", catalog)
    assert q.relative_years == [0]


def test_clause_numbers_in_chinese_and_arabic(catalog):
    assert understand("共建要点第十二条谁负责", catalog).clause_numbers == [12]
    assert understand("共建要点第7条谁负责", catalog).clause_numbers == [7]


def test_department_inside_a_document_title_is_not_a_department(invented):
    catalog, _ = invented
    q = understand("青溪区知识产权强区建设2027—2028年行动计划的文号是什么", catalog)
    assert q.docs and not q.departments


@pytest.mark.parametrize("typed, meant", [
    ("区市场监督管理局", "区市场监督管理局"),
    ("区科学技术委员会", "区科学技术委员会"),
    ("區市場監督管理局", "区市场监督管理局"),
    ("区科委", "区科学技术委员会"),
    ("区经信委", "区经济和信息化委员会"),
    ("区金融办", "区金融服务办公室"),
    ("区知识产权保护中新", "区知识产权保护中心"),
])
def test_department_names_as_people_type_them(invented, typed, meant):
    catalog, _ = invented
    q = understand(f"{typed}牵头哪些任务", catalog)
    assert q.departments[:1] == [meant]


def test_unknown_department_and_place_are_reported(invented):
    catalog, units = invented
    from assistant.normalize import normalize

    vocabulary = normalize(" ".join(u.full_text for u in units))
    q = understand("区文化旅游局在青溪区行动计划里牵头了几项", catalog, vocabulary)
    assert q.absent_departments == ["区文化旅游局"]
    q = understand("江宁区2027年知识产权工作要点的文号", catalog, vocabulary)
    assert "江宁区" in q.foreign_places


def test_department_like_words():
    assert department_like("区市场监管局在文件里牵头了几项") == ["区市场监管局"]
    assert department_like("哪个部门负责，责任单位是谁") == []


def test_topic_keeps_the_task_words(catalog):
    q = understand("请问浦东2023年工作要点中“专利开放许可试点”一项的牵头单位是哪个部门？", catalog)
    assert "专利开放许可试点" in q.topic.replace(" ", "")

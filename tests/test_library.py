"""Document library: parse review, publish, replace, retire, the change log, bad uploads, a failed publish,
serialised publishes, hand-dropped files, the HTTP API with roles. Every test works on a temporary copy of
corpus/ and of the test index (tests/conftest.py), never on tracked files."""
from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from assistant.library import Library, LibraryError

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "tests" / "fixtures" / "library" / "lanxi-2026.txt"
PLAN_NAME = "岚溪区2026年数据要素市场培育工作方案.txt"
QUESTION = "岚溪区数据资产登记试点由哪个部门牵头？"
SEED_QUESTION = "普陀区2025年PCT国际专利申请量的目标是多少？"


def other_plan(text: str) -> str:
    """A second invented plan from the fixture: another district, another year, other figures."""
    return (text.replace("岚溪", "雁峰").replace("澄川市", "临崖市").replace("2026", "2027")
            .replace("10家重点企业", "15家重点企业"))


@pytest.fixture()
def env(tmp_path, settings, index, embedder):
    """A corpus copy, its index (copied from the session's, already current) and an assistant over it."""
    from assistant.chat import Assistant
    from assistant.config import Settings
    from assistant.index import index_status, load_index

    corpus = tmp_path / "corpus"
    shutil.copytree(settings.corpus_dir, corpus)
    local = Settings()
    local.corpus_dir, local.index_dir, local.data_dir = corpus, tmp_path / "index" / "index", tmp_path / "data"
    shutil.copytree(settings.index_dir, local.index_dir)
    assert index_status(local) == "current"
    assistant = Assistant(local, index=load_index(local, embedder=embedder))
    return Library(local, assistant=assistant)


def corpus_state(library: Library) -> dict:
    """Every file of the corpus folder (history included) with its bytes, and the index meta."""
    files = {p.relative_to(library.corpus).as_posix(): p.read_bytes() for p in library.corpus.rglob("*") if p.is_file()}
    meta = json.loads((Path(library.settings.index_dir) / "meta.json").read_text(encoding="utf-8"))
    return {"files": files, "fingerprint": meta["fingerprint"], "units": meta["units"]}


def ask(library: Library, question: str = QUESTION):
    from assistant.chat import Session

    return library.assistant.ask(question, Session())


def test_parse_review_shows_clauses_and_departments_and_changes_nothing(env):
    before = corpus_state(env)
    review = env.stage(PLAN_NAME, PLAN, "alice").to_dict()
    assert review["file"] == f"005_{PLAN_NAME}" and review["doc_id"] == "005"
    assert review["report"]["state"] == "ok"
    assert review["report"]["units_by_kind"]["clause"] == 8 and len(review["clauses"]) == 8
    assert review["report"]["clauses_with_owner"] == 8
    second = review["clauses"][1]
    assert (second["label"], second["lead_units"], second["cooperating_units"], second["deadline"]) == \
        ("第2条", ["区数据资源局"], ["区财政局"], "2026年12月底")
    assert {"区大数据管理中心", "区数据资源局", "区公安分局", "区人力资源和社会保障局"} <= set(review["departments"])
    assert len(review["departments"]) == 13
    assert corpus_state(env) == before
    assert ask(env).answered is False  # nothing published yet
    env.cancel(review["token"])
    assert not any((Path(env.settings.data_dir) / "library-staging").iterdir())


def test_publish_answers_at_once_then_retire_refuses_and_both_are_logged(env):
    from assistant.index import index_status

    seeds = len(env.assistant.index.units)
    review = env.stage(PLAN_NAME, PLAN, "alice")
    result = env.publish(review.token, "alice")
    assert (result["embedded"], result["reused"]) == (11, seeds)  # only the new document's units embedded
    answer = ask(env)
    assert answer.answered and "区数据资源局" in answer.answer
    assert answer.citations[0].doc_title == "岚溪区2026年数据要素市场培育工作方案"
    assert ask(env, SEED_QUESTION).answered  # the rest of the corpus still answers
    assert (env.corpus / f"005_{PLAN_NAME}").read_bytes() == PLAN.read_bytes()
    assert index_status(env.settings) == "current"  # a restart loads this index, no rebuild

    retired = env.retire("005", "bob")
    assert ask(env).answered is False
    assert not (env.corpus / f"005_{PLAN_NAME}").exists()
    assert (env.history / retired["history_file"]).read_bytes() == PLAN.read_bytes()
    assert index_status(env.settings) == "current"
    changes = env.changes()
    assert [(c["action"], c["actor"], c["file"]) for c in changes] == [
        ("retire", "bob", f"005_{PLAN_NAME}"), ("add", "alice", f"005_{PLAN_NAME}")]
    assert all(c["checksum"] == review.checksum for c in changes)
    # an id once given is not given again
    assert env.stage("另一份.txt", other_plan(PLAN.read_text("utf-8")).encode("utf-8"), "alice").doc_id == "006"


def test_replace_keeps_the_old_version_in_history_and_answers_cite_the_new(env):
    env.publish(env.stage(PLAN_NAME, PLAN, "alice").token, "alice")
    new_text = PLAN.read_text("utf-8").replace("（牵头单位：区数据资源局；配合单位：区财政局；完成时限：2026年12月底）",
                                               "（牵头单位：区数据资源局；配合单位：区财政局；完成时限：2026年8月底）")
    review = env.stage("岚溪区方案（修订）.txt", new_text.encode("utf-8"), "alice", replace="005")
    assert review.replaces == "005" and review.file == f"005_{PLAN_NAME}"
    env.publish(review.token, "alice")
    answer = ask(env, "岚溪区数据资产登记试点的完成时限是什么时候？")
    assert "2026年8月底" in answer.answer and "2026年12月底" not in answer.answer
    assert [u.doc_id for u in env.assistant.index.units].count("005") == 11  # one current version
    old = list(env.history.iterdir())
    assert len(old) == 1 and old[0].read_bytes() == PLAN.read_bytes()
    assert env.changes()[0]["action"] == "replace" and env.changes()[0]["history_file"] == old[0].name


def _encrypted_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    with open(path, "wb") as handle:
        writer.write(handle)


def _scanned_pdf(path: Path) -> None:
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).rectangle((20, 20, 380, 60), fill="black")
    pdf = canvas.Canvas(str(path))
    pdf.drawImage(ImageReader(image), 50, 500, width=400, height=200)
    pdf.showPage()
    pdf.save()


BAD = {
    "unsupported": ("工作方案.xlsx", lambda p: p.write_bytes(b"PK\x03\x04 not a policy"), "不支持的文件格式「.xlsx」"),
    "no-extension": ("工作方案", lambda p: p.write_text("一、总体要求", "utf-8"), "不支持的文件格式「（无扩展名）」"),
    "encrypted": ("加密方案.pdf", _encrypted_pdf, "PDF 已加密"),
    "scanned": ("扫描件.pdf", _scanned_pdf, "没有可提取的文字（可能是扫描件）"),
    "too-large": ("大文件.pdf", lambda p: p.open("wb").truncate(200 * 1024 * 1024), "过大（200.0 MB），上限为 20.0 MB"),
    "duplicate": ("换个名字.txt", lambda p: shutil.copy(ROOT / "corpus" / "002_putuo-2024-2025.txt", p),
                  "与已收录的「002_putuo-2024-2025.txt」内容完全相同"),
    "parent-path": ("../方案.txt", None, "含有路径字符"),
    "sub-path": ("a/b/方案.txt", None, "含有路径字符"),
    "windows-path": ("..\\方案.txt", None, "含有路径字符"),
    "hidden": (".方案.txt", None, "以“.”开头"),
    "empty": ("空文件.txt", lambda p: p.write_bytes(b""), "是空的"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_uploads_get_a_chinese_reason_and_change_nothing(env, tmp_path, case):
    name, write, message = BAD[case]
    source = tmp_path / "upload"
    if write is not None:
        write(source)
    else:
        source.write_bytes(PLAN.read_bytes())
    before = corpus_state(env)
    with pytest.raises(LibraryError) as error:
        env.stage(name, source, "alice")
    assert message in str(error.value)
    assert corpus_state(env) == before
    assert env.changes() == []
    assert not any((Path(env.settings.data_dir) / "library-staging").glob("*/*"))


def test_a_second_document_under_a_current_name_is_refused_unless_it_replaces(env):
    env.publish(env.stage(PLAN_NAME, PLAN, "alice").token, "alice")
    changed = PLAN.read_text("utf-8").replace("2000万元", "3000万元").encode("utf-8")
    with pytest.raises(LibraryError, match="已收录同名文件（编号 005"):
        env.stage(PLAN_NAME, changed, "alice")
    assert env.stage(PLAN_NAME, changed, "alice", replace="005").replaces == "005"


class BrokenEmbedder:
    """The loaded model failing in the middle of a publish (out of memory, a killed worker…)."""

    def __init__(self, real):
        self.real = real
        self.name, self.passage_prompt, self.dim = real.name, real.passage_prompt, real.dim

    def embed_passages(self, texts, progress=False):
        raise MemoryError("simulated failure while embedding")


def test_a_failed_publish_leaves_the_previous_index_serving(env):
    from assistant.index import index_status, load_index

    before = corpus_state(env)
    serving = env.assistant.index
    real = serving.embedder
    review = env.stage(PLAN_NAME, PLAN, "alice")
    serving.embedder = BrokenEmbedder(real)
    try:
        with pytest.raises(LibraryError, match="发布失败，已恢复原状态（仍使用原索引）"):
            env.publish(review.token, "alice")
    finally:
        serving.embedder = real
    assert env.assistant.index is serving
    assert corpus_state(env) == before  # the file went back out of the corpus, the index on disk is the old one
    assert index_status(env.settings) == "current"
    assert len(load_index(env.settings, embedder=real).units) == len(serving.units)
    assert ask(env, SEED_QUESTION).answered and ask(env).answered is False
    assert env.changes() == []
    env.publish(review.token, "alice")  # the same review publishes once the model works again
    assert ask(env).answered


def test_concurrent_publishes_are_serialised_and_none_is_lost(env):
    reviews = [env.stage(PLAN_NAME, PLAN, "alice"),
               env.stage("雁峰区2027年数据要素市场培育工作方案.txt", other_plan(PLAN.read_text("utf-8")).encode("utf-8"), "bob")]
    assert reviews[1].doc_id == "005"  # both staged before either published: the same next number...
    errors = []

    def publish(review):
        try:
            env.publish(review.token, review.user)
        except LibraryError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=publish, args=(r,)) for r in reviews]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # ...so the second in line is refused with a reason rather than overwriting the first
    assert len(errors) == 1 and "请重新上传" in errors[0]
    again = env.stage("雁峰区2027年数据要素市场培育工作方案.txt", other_plan(PLAN.read_text("utf-8")).encode("utf-8"), "bob")
    env.publish(again.token, "bob")
    docs = {u.doc_id for u in env.assistant.index.units}
    assert {"005", "006"} <= docs
    assert ask(env).answered and ask(env, "雁峰区数据资产登记试点由哪个部门牵头？").answered
    assert len(env.changes()) == 2


def test_a_file_dropped_into_the_corpus_by_hand_is_picked_up_by_a_rescan(env):
    seeds = len(env.assistant.index.units)
    shutil.copy(PLAN, env.corpus / "007_lanxi-2026.txt")
    result = env.rescan("运维")
    assert result["new_files"] == ["007_lanxi-2026.txt"]
    assert ask(env).answered
    meta = json.loads((Path(env.settings.index_dir) / "meta.json").read_text(encoding="utf-8"))
    assert (meta["embedded"], meta["reused"]) == (11, seeds)
    change = env.changes()[0]
    assert (change["action"], change["actor"], change["file"]) == ("scan", "运维", "007_lanxi-2026.txt")


def test_roles_from_the_login_settings():
    from assistant.config import Settings

    settings = Settings()
    settings.auth, settings.editors = "alice:pw1,bob:pw2", "alice"
    assert (settings.role("alice"), settings.role("bob"), settings.role("")) == ("editor", "reader", "reader")
    settings.editors = ""
    assert settings.role("alice") == "reader"  # backwards compatible: without PA_EDITORS nobody edits
    settings.editors = "*"
    assert settings.role("") == "editor"


# --------------------------------------------------------------------------- the HTTP API

@pytest.fixture()
def client(env):
    from fastapi.testclient import TestClient

    from assistant.api import RequestGuard, create_api
    from assistant.store import Store

    settings = env.settings
    settings.auth, settings.editors = "alice:pw1,bob:pw2", "alice"
    settings.max_upload_bytes = 1024 * 1024
    store = Store.from_settings(settings)
    env._store = store
    env.assistant.__dict__["library"] = env
    api = create_api(env.assistant, store)
    app = RequestGuard(api, api_limit=settings.max_body_bytes, page_limit=settings.max_page_body_bytes,
                       upload_limit=settings.max_upload_bytes)
    return TestClient(app)


ALICE, BOB = ("alice", "pw1"), ("bob", "pw2")


def test_api_reader_cannot_upload_or_retire(client, env):
    before = corpus_state(env)
    response = client.post("/api/documents", auth=BOB, files={"file": (PLAN_NAME, PLAN.read_bytes(), "text/plain")})
    assert response.status_code == 403 and "只有编辑人员" in response.json()["detail"]
    assert client.delete("/api/documents/002", auth=BOB).status_code == 403
    assert client.post("/api/documents", files={"file": (PLAN_NAME, PLAN.read_bytes())}).status_code == 401
    assert corpus_state(env) == before


def test_api_editor_reviews_publishes_and_retires(client, env):
    response = client.post("/api/documents", auth=ALICE, data={"dry_run": "true"},
                           files={"file": (PLAN_NAME, PLAN.read_bytes(), "text/plain")})
    assert response.status_code == 200 and response.json()["published"] is False
    assert len(response.json()["review"]["clauses"]) == 8
    assert "005" not in {d["id"] for d in client.get("/api/documents", auth=BOB).json()}

    response = client.post("/api/documents", auth=ALICE, files={"file": (PLAN_NAME, PLAN.read_bytes(), "text/plain")})
    assert response.status_code == 200, response.text
    assert response.json()["published"] is True and response.json()["doc_id"] == "005"
    listed = {d["id"]: d for d in client.get("/api/documents", auth=BOB).json()}
    assert listed["005"]["clauses"] == 8
    answer = client.post("/api/ask", auth=BOB, json={"question": QUESTION}).json()
    assert answer["answered"] and "区数据资源局" in answer["answer"]

    again = client.post("/api/documents", auth=ALICE, files={"file": ("重复.txt", PLAN.read_bytes(), "text/plain")})
    assert again.status_code == 409 and "内容完全相同" in again.json()["detail"]

    assert client.delete("/api/documents/005", auth=ALICE).status_code == 200
    assert client.post("/api/ask", auth=BOB, json={"question": QUESTION}).json()["answered"] is False
    assert client.delete("/api/documents/005", auth=ALICE).status_code == 404
    log = client.get("/api/changes", auth=BOB).json()
    assert [(c["action"], c["actor"]) for c in log] == [("retire", "alice"), ("add", "alice")]


def test_api_refuses_bad_uploads_in_chinese(client, env):
    before = corpus_state(env)
    big = client.post("/api/documents", auth=ALICE, files={"file": ("大文件.txt", b"x" * (2 * 1024 * 1024))})
    assert big.status_code == 413 and "文件过大" in big.json()["detail"]
    wrong = client.post("/api/documents", auth=ALICE, files={"file": ("方案.exe", b"MZ")})
    assert wrong.status_code == 415 and "不支持的文件格式" in wrong.json()["detail"]
    path = client.post("/api/documents", auth=ALICE, files={"file": ("../方案.txt", PLAN.read_bytes())})
    assert path.status_code == 400 and "路径字符" in path.json()["detail"], path.text
    assert corpus_state(env) == before


def test_an_open_conversation_about_a_retired_document_keeps_working(env):
    from assistant.chat import Session

    env.publish(env.stage(PLAN_NAME, PLAN, "alice").token, "alice")
    talk, filtered = Session(), Session(docs=["005"])
    assert "区数据资源局" in env.assistant.ask(QUESTION, talk).answer
    assert env.assistant.ask("有哪些任务？", filtered).answer.startswith("共 8 项任务")
    env.retire("005", "bob")
    for session in (talk, filtered):  # a follow-up leaning on the retired plan is refused, not answered from another
        answer = env.assistant.ask("它的完成时限呢？", session)
        assert not answer.answered and "此前对话涉及的文件已停用" in answer.answer
    assert env.assistant.ask(SEED_QUESTION, talk).answered  # and the conversation goes on


def test_units_are_written_as_unit_to_dict_writes_them(units):
    from assistant.index import unit_record

    assert all(unit_record(u) == u.to_dict() for u in units)


def test_command_line_check_add_retire_and_the_change_log(env, embedder, monkeypatch, capsys):
    from assistant.__main__ import main

    monkeypatch.setenv("PA_DATA", str(env.settings.data_dir))
    monkeypatch.setattr("assistant.embedding.load_embedder", lambda *args, **kwargs: embedder)
    base = ["--corpus", str(env.corpus), "--index", str(env.settings.index_dir)]
    assert main(base + ["add", str(PLAN), "--check"]) == 0
    out = capsys.readouterr().out
    assert "仅检查，未发布" in out and "第2条" in out and "牵头：区数据资源局" in out
    assert not (env.corpus / "005_lanxi-2026.txt").exists()
    assert main(base + ["add", str(PLAN), "--user", "ci"]) == 0
    assert "已发布" in capsys.readouterr().out and (env.corpus / "005_lanxi-2026.txt").exists()
    assert main(base + ["add", str(PLAN), "--user", "ci"]) == 1
    assert "内容完全相同" in capsys.readouterr().out
    assert main(base + ["retire", "005", "--user", "ci"]) == 0
    capsys.readouterr()
    assert main(base + ["changes", "--json"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert [(c["action"], c["actor"], c["file"]) for c in log] == [("retire", "ci", "005_lanxi-2026.txt"),
                                                                  ("add", "ci", "005_lanxi-2026.txt")]


def test_a_running_server_follows_a_publish_made_by_another_process(env, embedder):
    """A second library over the same folders (another worker, or `python -m assistant add`) publishes;
    the first one's assistant loads that index on its next follow tick."""
    from assistant.chat import Assistant
    from assistant.index import load_index

    other = Library(env.settings, assistant=Assistant(env.settings, index=load_index(env.settings, embedder=embedder)))
    assert env.follow() is False  # nothing new yet
    other.publish(other.stage(PLAN_NAME, PLAN, "alice").token, "alice")
    assert ask(env).answered is False
    assert env.follow() is True
    assert ask(env).answered and env.follow() is False

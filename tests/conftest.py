"""Shared fixtures: the real corpus, its units, the real default model and a real index."""
from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never reach the network: any non-loopback connection fails loudly."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")) \
                and self.family in (socket.AF_INET, socket.AF_INET6):
            raise RuntimeError(f"network access attempted in a test: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def documents():
    from assistant.documents import load_corpus

    docs, errors = load_corpus(CORPUS)
    assert not errors
    return docs


@pytest.fixture(scope="session")
def units(documents):
    from assistant.units import build_all

    units, errors = build_all(documents)
    assert not errors
    return units


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    from assistant.config import Settings

    settings = Settings()
    settings.corpus_dir = CORPUS
    settings.index_dir = tmp_path_factory.mktemp("index") / "index"
    return settings


@pytest.fixture(scope="session")
def embedder(settings):
    from assistant.embedding import load_embedder

    return load_embedder(settings.model, settings.cache_dir)


@pytest.fixture(scope="session")
def index(settings, embedder):
    from assistant.index import load_or_build

    return load_or_build(settings, embedder=embedder)


@pytest.fixture(scope="session")
def assistant(settings, index):
    from assistant.chat import Assistant

    return Assistant(settings, index=index)


@pytest.fixture(scope="session")
def invented_assistant(tmp_path_factory, embedder):
    """The seeds plus a plan with an invented region, departments and years 2027–2028 (tests/fixtures/invented)."""
    import shutil

    from assistant.chat import Assistant
    from assistant.config import Settings
    from assistant.index import load_or_build

    corpus = tmp_path_factory.mktemp("invented-corpus")
    for path in list(CORPUS.iterdir()) + list((ROOT / "tests" / "fixtures" / "invented").iterdir()):
        shutil.copy(path, corpus / path.name)
    settings = Settings()
    settings.corpus_dir = corpus
    settings.index_dir = tmp_path_factory.mktemp("invented-index") / "index"
    return Assistant(settings, index=load_or_build(settings, embedder=embedder))


# --------------------------------------------------------------------------- the browser for the page tests

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (installed by `make browser`), one per test module."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: `make browser` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()

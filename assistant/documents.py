"""Documents: read policy files of any supported format into one cleaned plain text.

Every reader produces the same shape of text (one logical paragraph per line, table rows as
tab-separated cells) so that the unit parser never needs to know where a document came from.
Source artefacts (page-break splits, markdown marks, stray spaces, web footers) are repaired
here, in code, so the next document received in the same state also works.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import header

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
MANIFEST_NAME = "manifest.json"


class DocumentError(Exception):
    """A file that cannot be used as a policy document; the message is user-facing Chinese."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"文件「{self.path.name}」无法使用：{reason}")


@dataclass
class Document:
    doc_id: str
    short_name: str
    title: str
    issuer: str
    region: str
    year: int | None
    doc_number: str
    path: Path
    lines: list[str] = field(repr=False, default_factory=list)
    # facts a reader found outside the text flow, e.g. a gov.cn metadata table (发文机关, 成文日期, 发文字号…)
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


# --------------------------------------------------------------------------- readers

def _read_plain(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(path, "文本编码无法识别（既不是 UTF-8 也不是 GB18030）")


def _read_docx(path: Path) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise DocumentError(path, f"不是有效的 Word 文档（{type(exc).__name__}）") from exc
    except Exception as exc:  # zipfile.BadZipFile and lxml errors come in many types
        raise DocumentError(path, f"不是有效的 Word 文档（{type(exc).__name__}）") from exc
    blocks: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            blocks.append("".join(node.text or "" for node in child.iter() if node.tag.endswith("}t")))
        elif tag == "tbl":
            table = docx.table.Table(child, document)
            for row in table.rows:
                blocks.append("\t".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(blocks)


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(path, f"不是有效的 PDF 文件（{type(exc).__name__}）") from exc
    return "\n\n".join(pages)


def _read_html(path: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_read_plain(path), "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "head"]):
        tag.decompose()
    for row in soup.find_all("tr"):
        cells = [cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"])]
        row.replace_with("\n" + "\t".join(cells) + "\n")
    return soup.get_text("\n")


READERS = {
    ".txt": _read_plain,
    ".md": _read_plain,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
}


def read_text(path: Path) -> str:
    """Raw text of a file in any supported format (not yet cleaned)."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(path, f"不支持的文件格式「{path.suffix}」，支持：{'、'.join(SUPPORTED_SUFFIXES)}")
    try:
        return reader(path)
    except DocumentError:
        raise
    except OSError as exc:
        raise DocumentError(path, f"读取失败（{exc.strerror or type(exc).__name__}）") from exc


# --------------------------------------------------------------------------- cleaning

_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef“”‘’《》〈〉、，。；：！？（）"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[^\S\t\n]+|[^\S\t\n]+(?=[{_CJK}])")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s*")
_MD_RULE = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")
_MD_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BOILERPLATE = re.compile(
    r"^(文章附件|相关链接|相关文章)\s*[:：]?\s*$|版权所有|咨询热线|^\S+@\S+\.\w+$|^(打印本页|关闭窗口|返回顶部)$"
)
_SENTENCE_END = tuple("。；：！？）)」”》;:!?")
_HEADING_START = re.compile(r"^([（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、)")
_NUMBERED_START = re.compile(
    r"^(\d+\s*[、.．]|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、)"
)


def _clean_line(line: str) -> str:
    line = line.replace("\ufeff", "").replace("\r", "")
    if _MD_TABLE_SEP.match(line) and "|" in line or _MD_RULE.match(line):
        return ""
    line = _MD_HEADING.sub("", line)
    line = line.replace("**", "").replace("__", "")
    if line.strip().startswith("|") and line.strip().endswith("|"):
        line = "\t".join(cell.strip() for cell in line.strip().strip("|").split("|"))
    cells = [_SPACE_NEAR_CJK.sub("", cell).strip() for cell in line.split("\t")]
    return "\t".join(cells).rstrip("\t") if any(cells) else ""


def _is_prose(line: str) -> bool:
    return len(line) >= 10 and "\t" not in line and any(mark in line for mark in "，,。、；")


def _continues(previous: str, following: str) -> bool:
    """True when `following` is the rest of `previous`, cut by a page or line break."""
    if not previous or not following or "\t" in following:
        return False
    if previous.endswith(_SENTENCE_END) or _NUMBERED_START.match(following):
        return False
    if _HEADING_START.match(previous) and "。" not in previous:
        return False
    if previous.endswith(("、", "，", ",")):
        return True
    return _is_prose(previous)


def clean_lines(raw: str) -> list[str]:
    """Logical paragraphs of a document, one per line, with source artefacts repaired."""
    text = unicodedata.normalize("NFC", raw)
    lines = [_clean_line(line) for line in text.split("\n")]
    merged: list[str] = []
    for line in lines:
        if not line or _BOILERPLATE.search(line):
            continue
        if merged and _continues(merged[-1], line):
            merged[-1] += line
        else:
            merged.append(line)
    return merged


# --------------------------------------------------------------------------- loading

def _read_manifest(folder: Path) -> dict[str, dict]:
    manifest = folder / MANIFEST_NAME
    if not manifest.exists():
        return {}
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DocumentError(manifest, f"清单文件不是有效的 JSON（{exc}）") from exc
    return data if isinstance(data, dict) else {}


def _slug(stem: str) -> str:
    slug = re.sub(r"^\d+[_-]", "", stem).lower()
    return re.sub(r"[^a-z0-9\u4e00-\u9fff]+", "-", slug).strip("-") or stem


def load_document(path: Path, manifest_entry: dict | None = None) -> Document:
    """Read and clean one file; metadata missing from the manifest is read from the text."""
    path = Path(path)
    lines = clean_lines(read_text(path))
    if not lines:
        raise DocumentError(path, "文件为空或没有可读的文字")
    entry = dict(manifest_entry or {})
    described = header.describe(lines, entry.get("title", ""))
    prefix = re.match(r"^(\d+)[_-]", path.stem)
    return Document(
        doc_id=str(entry.get("id") or (prefix.group(1) if prefix else path.stem)),
        short_name=entry.get("short_name") or _slug(path.stem),
        title=described["title"],
        issuer=entry.get("issuer") or "",
        region=entry.get("region") or described["region"],
        year=entry.get("year") or described["year"],
        doc_number=entry.get("doc_number", described["doc_number"]),
        path=path,
        lines=lines,
    )


def corpus_files(folder: Path) -> list[Path]:
    """Files in the corpus folder that are documents (the manifest and READMEs are not)."""
    folder = Path(folder)
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.name != MANIFEST_NAME and not p.name.startswith((".", "README"))
    )


def load_corpus(folder: Path) -> tuple[list[Document], list[DocumentError]]:
    """All readable documents of a folder, plus one error per file that could not be used."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DocumentError(folder, "语料目录不存在")
    errors: list[DocumentError] = []
    try:
        manifest = _read_manifest(folder)
    except DocumentError as exc:
        errors.append(exc)
        manifest = {}
    documents: list[Document] = []
    for path in corpus_files(folder):
        try:
            documents.append(load_document(path, manifest.get(path.name)))
        except DocumentError as exc:
            errors.append(exc)
    return documents, errors

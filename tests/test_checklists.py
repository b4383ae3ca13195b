"""The broker's checklist (issue #3): Markdown, HTML and PDF in English and Vietnamese."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import SHIPMENTS, judge, manifest

from compliance.cli import cli
from compliance.models.registry import Registry
from compliance.models.report import Report
from compliance.models.ruleset import Ruleset

GOLDEN = Path(__file__).parent / "golden"
SAMPLE = SHIPMENTS / "vn-container-mixed.yaml"
# A fixed "produced at" (2026-11-18 11:06:40 UTC) keeps the header, and the late flags, reproducible.
EPOCH = "1795000000"


def cli_run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"SOURCE_DATE_EPOCH": EPOCH, **(env or {})})
    return result.exit_code, result.stdout, result.stderr


# -- golden files -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt,suffix", [("markdown", "md"), ("html", "html")])
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_checklist_matches_golden_file(fmt: str, suffix: str, lang: str) -> None:
    """Byte for byte; regenerate after a deliberate change with UPDATE_GOLDEN=1 and review the diff."""
    code, out, err = cli_run("check", str(SAMPLE), "--format", fmt, "--lang", lang)
    assert code == 1, err  # the sample holds
    path = GOLDEN / f"vn-container-mixed.{lang}.{suffix}"
    if os.environ.get("UPDATE_GOLDEN") and out != path.read_text(encoding="utf-8"):
        # Rewrite, then fail: a rewritten golden file proves nothing until its diff has been read.
        path.write_text(out, encoding="utf-8")
        pytest.fail(f"{path.name} rewritten: review `git diff {path}` and run the tests again")
    assert out == path.read_text(encoding="utf-8")


# -- content ------------------------------------------------------------------------------------


def _report(lang: str = "en") -> Report:
    from compliance.api import check
    from compliance.reading.inputs import load_manifest, load_registry, load_rulesets
    from compliance.render.words import localize

    judged = check(
        load_manifest(SAMPLE).manifest, load_rulesets(None), load_registry([]),
        produced_at=dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC),
    )  # fmt: skip
    return localize(judged, lang)


def test_documents_to_obtain_group_items_and_give_order_by_dates() -> None:
    report = _report()
    by_req = {(d.ruleset, d.requirement): d for d in report.documents_to_obtain}
    statement = by_req[("asean-joint-green-access-2026", "carbon-statement")]
    # One line for the document, listing every item it must cover.
    assert [i.item_id for i in statement.items] == ["A2", "B1"]
    # Arrival 2026-10-02 less the ruleset's 8 weeks.
    assert statement.lead_time_weeks == 8
    assert statement.order_by == "2026-08-07"
    assert statement.late is True  # produced 2026-09-01, after 2026-08-07
    ce = by_req[("asean-joint-green-access-2026", "ce-or-iso")]
    assert ce.order_by == "2026-09-25" and ce.late is False
    # Earliest order-by first: what to chase today is at the top; a document with no lead time (the
    # bill of lading, issued at loading) has no order-by date and comes last.
    days = [d.order_by or "9999-99-99" for d in report.documents_to_obtain]
    assert days == sorted(days)
    # The same requirements as missing_documents, no more, no fewer.
    assert {(m.ruleset, m.requirement, m.item_id) for m in report.missing_documents} == {
        (d.ruleset, d.requirement, i.item_id) for d in report.documents_to_obtain for i in d.items
    }


def test_no_production_time_means_no_late_flag() -> None:
    from compliance.api import check
    from compliance.reading.inputs import load_manifest, load_registry, load_rulesets

    report = check(load_manifest(SAMPLE).manifest, load_rulesets(None), load_registry([]))
    assert report.produced_at is None
    assert all(d.late is None for d in report.documents_to_obtain)


def test_clear_shipment_says_nothing_to_obtain() -> None:
    code, out, _ = cli_run("check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"), "--format", "markdown")
    assert code == 0
    assert "Nothing to obtain" in out and "**CLEAR**" in out


def test_checklist_sections_in_order() -> None:
    _, out, _ = cli_run("check", str(SAMPLE), "--format", "markdown")
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Verdict: **HOLD**", "## Containers", "## Documents to obtain", "## Items", "## Upcoming rules",
        "## Sign-off",
    ]  # fmt: skip
    for needle in ("SHP-2026-0415", "KR → VN", "2 October 2026", "compliance 0.1.0", "18 November 2026 11:06 UTC",
                   "vn-circular-12-2026 version 1", "Prepared by", "Checked by"):  # fmt: skip
        assert needle in out


def test_upcoming_rules_are_listed() -> None:
    _, out, _ = cli_run("check", str(SHIPMENTS / "vn-june-upcoming.yaml"), "--format", "markdown")
    section = out.split("## Upcoming rules", 1)[1].split("## Sign-off", 1)[0]
    assert "vn-circular-12-2026 1" in section and "1 Jul 2026" in section


def test_vietnamese_checklist_has_no_english_headings_or_statuses() -> None:
    _, out, _ = cli_run("check", str(SAMPLE), "--format", "markdown", "--lang", "vi")
    for english in ("Documents to obtain", "Upcoming rules", "Prepared by", "Verdict", "missing", "HOLD",
                    "the rule covers", "used machines", "SAMPLE accreditation"):  # fmt: skip
        assert english not in out, english
    for vietnamese in ("Chứng từ cần bổ sung", "KHÔNG ĐẠT", "còn thiếu", "2 tháng 10, 2026", "Người lập",
                       "Báo cáo dấu chân carbon"):  # fmt: skip
        assert vietnamese in out, vietnamese


def test_vietnamese_json_keeps_codes_and_translates_sentences() -> None:
    import json

    _, out, _ = cli_run("check", str(SAMPLE), "--format", "json", "--lang", "vi")
    data = json.loads(out)
    assert data["verdict"] == "hold"  # codes stay codes
    reasons = [rs["reason"] for it in data["items"] for rs in it["rulesets"] if not rs["applies"]]
    assert "lô hàng không khai báo đấu thầu công" in reasons
    assert data["documents_to_obtain"][0]["order_by"] == "2026-08-07"


# -- escaping -----------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script> **bold** _it_ [link](http://evil.example) | pipe `code` &amp; \\'


def _hostile_manifest(tmp_path: Path) -> Path:
    """Hostile text in every free-text field a report shows (ids included: they are free text too)."""
    import yaml

    data = {
        "shipment": {
            "id": f"SHP {HOSTILE}", "origin": "CN", "destination": "VN", "arrival_date": "2026-07-15",
            "exporter": f"exp {HOSTILE}", "importer": f"imp {HOSTILE}", "vessel": f"ves {HOSTILE}",
            "tender": {"country": "DE", "reference": f"ref {HOSTILE}"},
        },
        "items": [
            {
                "id": f"L1 {HOSTILE}", "machine_type": "machining_center", "manufactured": "2019-03-01",
                "condition": "used", "description": f"desc {HOSTILE}", "manufacturer": f"maker {HOSTILE}",
                "model": f"model {HOSTILE}", "serial_number": f"sn {HOSTILE}",
            }
        ],
        "documents": [
            {"id": f"DOC {HOSTILE}", "type": "ce_declaration", "issued": "2026-01-01"},
            {"id": f"CFP {HOSTILE}", "type": "carbon_footprint_report", "issued": "2026-05-01",
             "standards": ["ISO 14067"], "stages": ["A1"],
             "verifier": {"name": f"verifier {HOSTILE}", "accreditations": [f"ACC {HOSTILE}"]}},
        ],
    }  # fmt: skip
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


FIELDS = ("SHP ", "exp ", "imp ", "ves ", "ref ", "L1 ", "desc ", "maker ", "model ", "sn ", "CFP ")


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_html_shows_hostile_text_as_text(tmp_path: Path, lang: str) -> None:
    code, out, err = cli_run("check", str(_hostile_manifest(tmp_path)), "--format", "html", "--lang", lang)
    assert code in (1, 3), err
    page = _Elements()
    page.feed(out)
    assert "script" not in page.tags and "a" not in page.tags and not page.links
    text = "".join(page.text)
    for field in FIELDS:
        assert field + HOSTILE in text, field  # shown exactly as written, once unescaped


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_markdown_shows_hostile_text_as_text(tmp_path: Path, lang: str) -> None:
    from markdown_it import MarkdownIt

    code, out, err = cli_run(
        "check", str(_hostile_manifest(tmp_path)), "--format", "markdown", "--lang", lang
    )
    assert code in (1, 3), err
    rendered = MarkdownIt("commonmark").enable("table").render(out)
    page = _Elements()
    page.feed(rendered)
    assert not {"script", "a", "code", "em"} & set(page.tags)
    strong = re.findall(r"<strong>(.*?)</strong>", rendered)
    assert not any("bold" in s for s in strong)  # the user's **bold** stays literal
    text = "".join(page.text)  # the parser has already turned entities into characters
    for field in FIELDS:
        assert field + HOSTILE in text, field
    # A | in a value must not split a table row: every row of a table has its header's cell count.
    for table in re.findall(r"<table>.*?</table>", rendered, flags=re.S):
        widths = {
            len(re.findall(r"<t[hd][ >]", row)) for row in re.findall(r"<tr>.*?</tr>", table, flags=re.S)
        }
        assert len(widths) == 1, widths


def test_terminal_shows_rich_markup_literally(rulesets: list[Ruleset], registry: Registry) -> None:
    from compliance.render.terminal import render_terminal
    from compliance.render.words import localize

    report = judge(
        manifest(items=[{"id": "L1", "machine_type": "cnc_lathe", "manufactured": "2025-01-01", "condition": "new",
                         "description": "[bold red]x[/bold red] \x1b[31mred"}]),
        rulesets, registry,
    )  # fmt: skip
    out = render_terminal(localize(report, "en"), color=False)
    assert "[bold red]x[/bold red]" in out
    assert "\x1b" not in out  # an escape sequence in user text is not passed to the terminal


# -- PDF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_pdf_holds_shipment_items_and_missing_documents(tmp_path: Path, lang: str) -> None:
    import json

    from pypdf import PdfReader

    pdf = tmp_path / "checklist.pdf"
    code, _, err = cli_run("check", str(SAMPLE), "--format", "pdf", "--lang", lang, "--output", str(pdf))
    assert code == 1, err
    assert pdf.read_bytes().startswith(b"%PDF-")
    reader = PdfReader(pdf)
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    text = " ".join(pages)
    _, out, _ = cli_run("check", str(SAMPLE), "--format", "json")
    result = json.loads(out)
    assert result["shipment_id"] in text
    for item in result["items"]:
        assert re.search(rf"(?<![\w-]){re.escape(item['item_id'])}(?![\w-])", text), item["item_id"]
    for missing in result["missing_documents"]:
        assert missing["document_type"] in text, missing
    assert len(pages) > 1
    word = "Page" if lang == "en" else "Trang"
    for n, page in enumerate(pages, start=1):
        assert f"{word} {n} / {len(pages)}" in page  # page numbers
        assert result["shipment_id"] in page  # the header repeated on every page
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)  # A4


def test_one_manifest_per_checklist(tmp_path: Path) -> None:
    code, _, err = cli_run("check", str(SAMPLE), str(SAMPLE), "--format", "html")
    assert code == 2 and "one manifest" in err


def test_pdf_needs_output_on_a_terminal(tmp_path: Path) -> None:
    code, out = _on_a_terminal("check", str(SAMPLE), "--format", "pdf")
    assert code == 2 and "%PDF" not in out
    out_file = tmp_path / "c.pdf"
    code, _ = _on_a_terminal("check", str(SAMPLE), "--format", "pdf", "-o", str(out_file))
    assert code == 1 and out_file.read_bytes().startswith(b"%PDF")


# -- browser ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_html_renders_in_headless_chromium(tmp_path: Path, lang: str) -> None:
    """Real pixels: a blank or unstyled page fails. `make test` installs Chromium (make sysdeps)."""
    from browser import screenshot
    from PIL import Image

    page = tmp_path / "checklist.html"
    code, _, _ = cli_run("check", str(SAMPLE), "--format", "html", "--lang", lang, "--output", str(page))
    assert code == 1
    png = tmp_path / "shot.png"
    screenshot(page, png)
    image = Image.open(png).convert("RGB")
    assert image.size == (1200, 1600)
    colours = image.getcolors(maxcolors=1 << 20) or []
    white = sum(n for n, rgb in colours if rgb == (255, 255, 255))
    assert white < 0.97 * image.width * image.height  # not blank
    assert len(colours) > 50  # text is anti-aliased: a page with words has many shades
    # The stylesheet applied: the red HOLD badge (#c62828) is painted.
    red = sum(
        n
        for n, rgb in colours
        if abs(rgb[0] - 0xC6) < 12 and abs(rgb[1] - 0x28) < 12 and abs(rgb[2] - 0x28) < 12
    )
    assert red > 500


# -- CLI details --------------------------------------------------------------------------------


def test_output_file_is_readable_by_others(tmp_path: Path) -> None:
    out = tmp_path / "c.html"
    old = os.umask(0o022)
    try:
        cli_run("check", str(SAMPLE), "--format", "html", "--output", str(out))
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_bad_source_date_epoch_is_usage_error() -> None:
    code, _, err = cli_run("check", str(SAMPLE), env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert code == 2 and "SOURCE_DATE_EPOCH" in err


# -- terminal -----------------------------------------------------------------------------------


def _on_a_terminal(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the CLI with stdout on a pseudo-terminal, as a user at a shell would."""
    import subprocess
    import sys

    master, slave = os.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    environment.update({"TERM": "xterm-256color", "COLUMNS": "120", **(env or {})})
    proc = subprocess.Popen(
        [sys.executable, "-m", "compliance", *args], stdout=slave, stderr=subprocess.DEVNULL, env=environment
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_terminal_gets_a_coloured_table() -> None:
    code, out = _on_a_terminal("check", str(SAMPLE))
    assert code == 1
    assert "\x1b[" in out  # colour
    assert "─" in out  # a drawn table, not the plain lines
    assert "Documents to obtain" in out


@pytest.mark.parametrize("how", ["NO_COLOR", "--no-color"])
def test_no_color_keeps_the_table_without_colour(how: str) -> None:
    args = ["check", str(SAMPLE)] + (["--no-color"] if how == "--no-color" else [])
    code, out = _on_a_terminal(*args, env={"NO_COLOR": "1"} if how == "NO_COLOR" else None)
    assert code == 1
    assert "\x1b[" not in out
    assert "─" in out


def test_pipe_gets_plain_text() -> None:
    code, out, _ = cli_run("check", str(SAMPLE))
    assert code == 1
    assert "\x1b[" not in out and "─" not in out
    assert out.startswith("Shipment SHP-2026-0415: HOLD\n")

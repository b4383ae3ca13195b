"""The pages in a real browser (Playwright driving Debian's Chromium) against a real `compliance serve`
on loopback: sign in, check a manifest and its workbook twin, the container table, Vietnamese, the
PDF read back, history, a decision on a review item applied to the next check, an inventory to its
result, the rulesets; axe-core finds no serious or critical violation on any page.

With PAGES_SCREENSHOTS=DIR, each page is also saved there as a PNG (`make screenshots`)."""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import SHIPMENTS
from realparts import COMPLIANCE, Served, served

playwright = pytest.importorskip("playwright.sync_api")
EMAIL, PASSWORD = "lan@example.com", "correct-horse-battery"
APPROVER = "somchai@example.com"
SHOTS = os.environ.get("PAGES_SCREENSHOTS")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("pages")
    url = f"sqlite:///{folder / 'pages.db'}"
    for email, name in ((EMAIL, "Ms Lan"), (APPROVER, "Mr Somchai P.")):
        subprocess.run([COMPLIANCE, "users", "create", "--org", "Hanoi Customs Brokers", "--email", email, "--name",
                        name, "--role", "approver", "--database", url], check=True, capture_output=True,
                       env={**os.environ, "COMPLIANCE_PASSWORD": PASSWORD})  # fmt: skip
    with served(url, "--watch-every", "0.5", cwd=folder) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        yield b
        b.close()


def signed_in(pg: Any, site: Served, email: str, path: str) -> None:
    """Open ``path``, sign in on the form it leads to, and land on ``path``."""
    pg.goto(site.url + path)
    pg.get_by_label("E-mail address").fill(email)
    pg.get_by_label("Password").fill(PASSWORD)
    pg.get_by_role("button", name="Sign in").click()
    pg.wait_for_url(f"**{path}")


@pytest.fixture
def page(site: Served, browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1024, "height": 900})
    pg = context.new_page()
    signed_in(pg, site, EMAIL, "/checks/new")
    yield pg
    context.close()


def accessible(pg: Any, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(pg)
    serious = [v["id"] for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert serious == [], (name, serious)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(SHOTS) / f"page-{name}.png"))


def upload(pg: Any, site: Served, *files: Path) -> None:
    pg.goto(site.url + "/checks/new")
    pg.get_by_label("Manifest (YAML, JSON or XLSX) and its PACT files").set_input_files(
        [str(f) for f in files]
    )
    pg.get_by_role("button", name="Check", exact=True).click()
    pg.wait_for_url("**/checks/*")


def test_a_wrong_password_is_refused_and_pages_need_sign_in(site: Served, browser: Any) -> None:
    pg = browser.new_page()
    pg.goto(site.url + "/history")
    assert "/login" in pg.url
    accessible(pg, "sign-in")
    pg.get_by_label("E-mail address").fill(EMAIL)
    pg.get_by_label("Password").fill("wrong password!")
    pg.get_by_role("button", name="Sign in").click()
    assert pg.get_by_role("alert").inner_text().startswith("The e-mail address or the password is wrong")
    pg.close()


def test_check_a_manifest_and_its_workbook_twin_see_hold_and_switch_to_vietnamese(
    page: Any, site: Served, tmp_path: Path
) -> None:
    accessible(page, "new-check")
    upload(page, site, SHIPMENTS / "vn-container-mixed.yaml")
    assert "HOLD" in page.locator(".verdict").first.inner_text()
    assert page.get_by_role("cell", name="CSQU3054383").count() >= 1  # the container table
    accessible(page, "check")
    check_url = page.url
    page.get_by_role("link", name="Tiếng Việt").click()
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "KHÔNG ĐẠT" in page.locator(".verdict").first.inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF").click()
    from pypdf import PdfReader

    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(Path(info.value.path()).read_bytes())).pages
    )
    assert "SHP-2026-0415" in text and "KHÔNG ĐẠT" in text
    page.goto(site.url + "/checks/new?lang=en")
    twin = tmp_path / "vn-container-mixed.xlsx"
    subprocess.run([COMPLIANCE, "convert", str(SHIPMENTS / "vn-container-mixed.yaml"), str(twin)], check=True)
    upload(page, site, twin)
    assert "HOLD" in page.locator(".verdict").first.inner_text() and page.url != check_url
    page.goto(site.url + "/history?shipment_id=SHP-2026-0415")
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    accessible(page, "history")
    rows.first.get_by_role("link").click()
    assert "SHP-2026-0415" in page.inner_text("main")


def test_a_decision_recorded_on_the_page_clears_the_next_check_once_another_person_approves_it(
    page: Any, site: Served, browser: Any
) -> None:
    lathe = SHIPMENTS / "th-used-lathe-review.yaml"
    upload(page, site, lathe)
    assert "REVIEW" in page.locator(".verdict").first.inner_text()
    form = page.locator("form.decision").first
    form.get_by_label("Reason").fill("The OEM's letter confirms the retrofit kit is its own AI module")
    form.get_by_label("Reference (ticket, ruling, letter)").fill("TICKET-4711")
    form.get_by_label("Applies until (inclusive)").fill("2026-12-31")
    form.get_by_role("button", name="Record the decision").click()
    notice = page.get_by_role("status").inner_text()
    assert notice.startswith("Decision D-") and "approval" in notice
    decision_id = notice.split()[1]
    # Four eyes: it waits, and its author is offered no approve button.
    upload(page, site, lathe)
    assert "REVIEW" in page.locator(".verdict").first.inner_text()
    page.goto(site.url + "/decisions")
    accessible(page, "decisions")
    assert page.get_by_role("button", name=f"Approve {decision_id}").count() == 0
    assert "awaiting approval" in page.inner_text("main")
    # A second person signs in and approves it.
    context = browser.new_context()
    other = context.new_page()
    signed_in(other, site, APPROVER, "/decisions")
    other.get_by_role("button", name=f"Approve {decision_id}").click()
    assert "approved by Mr Somchai P." in other.inner_text("main")
    context.close()
    upload(page, site, lathe)
    assert "CLEAR" in page.locator(".verdict").first.inner_text()
    assert "Decided: accepted under decision D-" in page.inner_text("main")
    assert "Ms Lan" in page.inner_text("main") and "Mr Somchai P." in page.inner_text("main")


def test_what_changed_shows_a_watched_check_cleared_by_an_approved_decision_with_both_checks(
    page: Any, site: Served, browser: Any, tmp_path: Path
) -> None:
    import datetime as dt
    import time

    arrival = dt.date.today() + dt.timedelta(days=40)
    lathe = tmp_path / "lathe-arriving.yaml"
    lathe.write_text(
        (SHIPMENTS / "th-used-lathe-review.yaml").read_text().replace("2026-09-10", arrival.isoformat())
    )
    upload(page, site, lathe)
    assert "REVIEW" in page.locator(".verdict").first.inner_text()
    before = page.url.rsplit("/", 1)[-1]
    form = page.locator("form.decision").first
    form.get_by_label("Reason").fill("The OEM's letter confirms the retrofit kit is its own AI module")
    form.get_by_label("Reference (ticket, ruling, letter)").fill("TICKET-4712")
    form.get_by_label("Applies until (inclusive)").fill((arrival + dt.timedelta(days=100)).isoformat())
    form.get_by_role("button", name="Record the decision").click()
    decision_id = page.get_by_role("status").inner_text().split()[1]
    context = browser.new_context()
    other = context.new_page()
    signed_in(other, site, APPROVER, "/decisions")
    other.get_by_role("button", name=f"Approve {decision_id}").click()
    context.close()
    # The watch judges the stored check again (every half second here) and says what changed.
    deadline = time.monotonic() + 30
    while True:
        page.goto(site.url + "/changes")
        if page.locator(f"a[href='/checks/{before}']").count():
            break
        assert time.monotonic() < deadline, "no change on the page within 30 s"
        time.sleep(0.5)
    accessible(page, "changes")
    row = page.locator("tr", has=page.locator(f"a[href='/checks/{before}']"))
    assert "decisions changed" in row.inner_text() and decision_id in row.inner_text()
    row.get_by_role("link", name="Clear").click()
    assert "CLEAR" in page.locator(".verdict").first.inner_text()


def test_an_inventory_runs_to_its_result_and_the_rulesets_page(page: Any, site: Served) -> None:
    page.goto(site.url + "/inventories/new")
    accessible(page, "new-inventory")
    page.get_by_label("Stock file (CSV, XLSX or Parquet, one row per machine)").set_input_files(
        str(SHIPMENTS / "inventory" / "stock.csv"))  # fmt: skip
    page.get_by_label("Documents file (YAML, optional)").set_input_files(
        str(SHIPMENTS / "inventory" / "documents.yaml")
    )
    page.get_by_label("Destinations (two-letter codes, comma-separated)").fill("VN, TH")
    page.get_by_label("Dates (YYYY-MM-DD, comma-separated; default: today)").fill("2026-07-15")
    page.get_by_role("button", name="Check the inventory").click()
    page.wait_for_selector(".job-status[data-status=done]", timeout=60_000)
    main = page.inner_text("main")
    assert "7 rows in, 14 rows out" in main
    # What the verdicts cover, per destination: a clear covers the rules named only.
    assert (
        "VN · Judged: asean-joint-green-access-2026 1" in main and "Not judged: tariff classification" in main
    )
    accessible(page, "inventory")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    assert Path(info.value.path()).read_text().startswith("id,destination,verdict")
    page.goto(site.url + "/rulesets")
    assert "Circular 12/2026" in page.inner_text("main")
    accessible(page, "rulesets")


def test_a_form_without_its_csrf_token_is_refused(page: Any, site: Served) -> None:
    response = page.request.post(site.url + "/checks/new", multipart={"as_of": "2026-07-15"})
    assert response.status == 403

"""`compliance serve` as a forwarder's or broker's system calls it: a real uvicorn server on loopback,
on SQLite and on a real PostgreSQL server (the same tests on both), answering what the CLI answers."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from helpers import SHIPMENTS
from realparts import COMPLIANCE, Served, make_tokens, served

EPOCH = "1790000000"  # 2026-09-21: the server and the CLI stamp the same `produced_at`
HOLD = SHIPMENTS / "vn-used-vmc-hold.yaml"
PACT = SHIPMENTS / "vn-pact-footprint.yaml"
A, B = "Acme Forwarding", "Other Broker"


@pytest.fixture(scope="module")
def api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tokens = make_tokens(database_url, A, B)
    with served(
        database_url, cwd=tmp_path_factory.mktemp("serve"), env={"SOURCE_DATE_EPOCH": EPOCH}
    ) as server:
        server.tokens = tokens
        yield server


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMPLIANCE, *args], capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})  # fmt: skip


def post_yaml(server: Served, path: Path, org: str = A, **params: str) -> dict:
    with server.client(org) as c:
        r = c.post("/v1/checks", content=path.read_bytes(), params=params,
                   headers={"Content-Type": "application/yaml"})  # fmt: skip
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_check_answers_the_clis_json_byte_for_byte(api: Served, lang: str) -> None:
    got = post_yaml(api, HOLD, lang=lang)
    expected = cli("check", str(HOLD), "--format", "json", "--lang", lang).stdout
    assert json.dumps(got["report"], indent=2, ensure_ascii=False) + "\n" == expected
    assert got["verdict"] == "hold" and got["shipment_id"] == "SHP-2026-0142"
    assert got["inputs"] == [
        {"name": "manifest.yaml", "sha256": hashlib.sha256(HOLD.read_bytes()).hexdigest()}
    ]
    assert got["rulesets_sha256"] == json.loads(expected)["rulesets_sha256"]
    assert got["requested_by"]["organisation"] == A
    assert got["registry"] and got["containers"] == ["MSCU1234566"]


def test_each_choice_of_rulesets_is_judged_and_hashed_as_the_cli_does(api: Served) -> None:
    # The server keeps each choice's rulesets and hash: asked in turn, each answers its own.
    choices = [
        ({}, []),
        ({"rulesets": "vn-circular-12-2026"}, ["--ruleset", "vn-circular-12-2026"]),
        (
            {"rulesets": "vn-circular-12-2026", "drafts": "true"},
            ["--ruleset", "vn-circular-12-2026", "--drafts"],
        ),
        ({}, []),
    ]
    digests = []
    for params, options in choices:
        got = post_yaml(api, HOLD, **params)
        expected = json.loads(cli("check", str(HOLD), "--format", "json", *options).stdout)
        assert got["report"]["rulesets_sha256"] == got["rulesets_sha256"] == expected["rulesets_sha256"]
        assert got["report"]["rulesets"] == expected["rulesets"]
        digests.append(got["rulesets_sha256"])
    assert len(set(digests[:3])) == 3 and digests[3] == digests[0]


def test_a_json_manifest_and_a_multipart_upload_with_its_pact_file(api: Served) -> None:
    as_json = json.dumps(yaml.safe_load(HOLD.read_text()), default=str)
    with api.client(A) as c:
        r = c.post("/v1/checks", content=as_json, headers={"Content-Type": "application/json"})
        assert r.status_code == 201, r.text
        assert r.json()["verdict"] == "hold" and r.json()["inputs"][0]["name"] == "manifest.json"
        files = [
            ("manifest", (PACT.name, PACT.read_bytes(), "application/yaml")),
            ("pact", ("pact-footprint-v3.json", (SHIPMENTS / "pact-footprint-v3.json").read_bytes(), "application/json")),
        ]  # fmt: skip
        r = c.post("/v1/checks", files=files)
    assert r.status_code == 201, r.text
    expected = json.loads(cli("check", str(PACT), "--format", "json").stdout)
    assert r.json()["report"] == expected
    names = {i["name"] for i in r.json()["inputs"]}
    assert names == {PACT.name, "pact-footprint-v3.json"}


def test_stored_checks_are_read_back_filtered_and_paged(api: Served) -> None:
    first = post_yaml(api, HOLD)
    clear = post_yaml(api, SHIPMENTS / "vn-new-vmc-clear.yaml")
    with api.client(A) as c:
        got = c.get(f"/v1/checks/{first['id']}", params={"lang": "vi"}).json()
        assert got["report"] == json.loads(cli("check", str(HOLD), "--format", "json", "--lang", "vi").stdout)
        holds = c.get("/v1/checks", params={"verdict": "hold"}).json()["items"]
        assert first["id"] in {h["id"] for h in holds} and clear["id"] not in {h["id"] for h in holds}
        by_ship = c.get("/v1/checks", params={"shipment_id": clear["shipment_id"]}).json()["items"]
        assert {h["id"] for h in by_ship} == {clear["id"]}
        by_box = c.get("/v1/checks", params={"container": "MSCU1234566"}).json()["items"]
        assert first["id"] in {h["id"] for h in by_box} and clear["id"] not in {h["id"] for h in by_box}
        page = c.get("/v1/checks", params={"limit": 1}).json()
        assert len(page["items"]) == 1 and page["next_offset"] == 1
        assert page["items"][0]["id"] == clear["id"]  # newest first
        today = first["created_at"][:10]
        assert c.get("/v1/checks", params={"from": today, "to": today}).json()["items"]
        assert c.get("/v1/checks", params={"to": "2020-01-01"}).json()["items"] == []


@pytest.mark.parametrize(("fmt", "start"), [("pdf", b"%PDF"), ("html", b"<!DOCTYPE html>"), ("md", b"#")])
def test_checklists_of_a_stored_check(api: Served, fmt: str, start: bytes) -> None:
    check = post_yaml(api, HOLD)
    with api.client(A) as c:
        r = c.get(f"/v1/checks/{check['id']}/checklist.{fmt}", params={"lang": "vi"})
    assert r.status_code == 200
    assert r.content.lstrip().startswith(start)
    if fmt != "pdf":
        assert "KHÔNG ĐẠT" in r.text


def test_an_organisation_sees_only_its_own_checks(api: Served) -> None:
    check = post_yaml(api, HOLD, org=A)
    with api.client(B) as c:
        for path in (f"/v1/checks/{check['id']}", f"/v1/checks/{check['id']}/checklist.pdf"):
            r = c.get(path)
            assert r.status_code == 404
            assert r.headers["content-type"].startswith("application/problem+json")
        assert c.get("/v1/checks").json()["items"] == []


def test_every_request_needs_a_valid_token(api: Served) -> None:
    with api.client() as c:
        assert c.get("/v1/checks").status_code == 401
        assert c.get("/v1/checks", headers={"Authorization": "Bearer cmp_nope_nope"}).status_code == 401
        forged = api.tokens[A][:-2] + "xx"
        r = c.get("/v1/checks", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json()["title"] == "Unauthorized"


def test_bad_input_is_422_with_the_clis_message(api: Path | Served, tmp_path: Path) -> None:
    bad = tmp_path / "manifest.yaml"
    bad.write_text("shipment:\n  id: X\n  origin: CN\n")
    cli_error = cli("check", "manifest.yaml", cwd=tmp_path)
    assert cli_error.returncode == 2
    assert isinstance(api, Served)
    with api.client(A) as c:
        r = c.post("/v1/checks", content=bad.read_bytes(), headers={"Content-Type": "application/yaml"})
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["detail"] in cli_error.stderr
        assert [e["field"] for e in problem["errors"]] == [
            "shipment.destination",
            "shipment.arrival_date",
            "items",
        ]
        assert all(e["file"] == "manifest.yaml" and e["line"] == 1 for e in problem["errors"])
        assert "Traceback" not in r.text
        r = c.post("/v1/checks", content=b"<xml/>", headers={"Content-Type": "application/xml"})
        assert r.status_code == 415
        r = c.post("/v1/checks", content=HOLD.read_bytes(), params={"rulesets": "no-such-ruleset"},
                   headers={"Content-Type": "application/yaml"})  # fmt: skip
        assert r.status_code == 422 and "unknown ruleset id 'no-such-ruleset'" in r.json()["detail"]


def test_idempotency_key_gives_the_same_check_once(api: Served) -> None:
    headers = {"Content-Type": "application/yaml", "Idempotency-Key": "tms-4711"}
    with api.client(A) as c:
        first = c.post("/v1/checks", content=HOLD.read_bytes(), headers=headers)
        again = c.post("/v1/checks", content=HOLD.read_bytes(), headers=headers)
        other = c.post(
            "/v1/checks", content=(SHIPMENTS / "vn-new-vmc-clear.yaml").read_bytes(), headers=headers
        )
        count = len(
            c.get("/v1/checks", params={"shipment_id": "SHP-2026-0142", "limit": 200}).json()["items"]
        )
        again_count = len(
            c.get("/v1/checks", params={"shipment_id": "SHP-2026-0142", "limit": 200}).json()["items"]
        )
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert count == again_count
    with api.client(B) as c:  # keys are per organisation
        assert c.post("/v1/checks", content=HOLD.read_bytes(), headers=headers).status_code == 201


def test_rulesets_schemas_health_and_metrics(api: Served) -> None:
    with api.client(A) as c:
        listed = c.get("/v1/rulesets").json()["items"]
        assert {r["id"] for r in listed} >= {"vn-circular-12-2026", "vn-decision-18-2019-used-machinery"}
        one = c.get("/v1/rulesets/vn-circular-12-2026").json()
        assert one["instrument"] and one["sources"] and one["versions"][0]["effective_from"] == "2026-07-01"
        assert c.get("/v1/rulesets/nope").status_code == 404
        for what in ("manifest", "result", "registry", "ruleset"):
            assert c.get(f"/v1/schemas/{what}").json() == json.loads(cli("schema", what).stdout)
        assert c.get("/healthz").json() == {"status": "ok"}
        assert c.get("/readyz").json()["status"] == "ready"
        post_yaml(api, HOLD)
        text = c.get("/metrics").text
    assert 'compliance_check_verdicts_total{verdict="hold"}' in text
    assert 'compliance_http_requests_total{method="POST",route="/v1/checks",status="201"}' in text
    assert "compliance_http_request_seconds_bucket" in text


STOCK = SHIPMENTS / "inventory" / "stock.csv"
DOCS = SHIPMENTS / "inventory" / "documents.yaml"


def submit_inventory(
    server: Served, org: str = A, inventory: tuple[str, bytes] | None = None, **params: object
) -> httpx.Response:
    name, data = inventory or (STOCK.name, STOCK.read_bytes())
    files = [("inventory", (name, data, "application/octet-stream")),
             ("documents", (DOCS.name, DOCS.read_bytes(), "application/yaml"))]  # fmt: skip
    with server.client(org) as c:
        return c.post("/v1/inventories", files=files, params=params)


def wait_done(server: Served, job_id: str, org: str = A, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    with server.client(org) as c:
        while time.monotonic() < deadline:
            job = c.get(f"/v1/inventories/{job_id}").json()
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.2)
    raise AssertionError(f"job {job_id} not done in {seconds} s")


def test_an_inventory_job_gives_the_clis_verdicts_in_every_format(api: Served, tmp_path: Path) -> None:
    params = {"destination": ["VN", "TH"], "as_of": ["2026-06-30", "2026-07-01"]}
    r = submit_inventory(api, **params)
    assert r.status_code == 202, r.text
    assert r.headers["Location"] == f"/v1/inventories/{r.json()['id']}"
    job = wait_done(api, r.json()["id"])
    assert job["status"] == "done", job
    out = tmp_path / "cli.csv"
    done = cli("inventory", str(STOCK), "--documents", str(DOCS), "--destination", "VN", "--destination", "TH",
               "--as-of", "2026-06-30", "--as-of", "2026-07-01", "--output", str(out))  # fmt: skip
    assert job["summary"]["exit_code"] == done.returncode == 2  # one malformed row in the sample stock
    assert job["summary"]["rows_in"] == 7 and job["summary"]["rows_out"] == 14
    coverage = {(c["destination"], c["as_of"]): c for c in job["summary"]["coverage"]}
    assert {"ruleset": "vn-circular-12-2026", "version": "1"} in coverage[("VN", "2026-07-01")]["judged"]
    assert not any(j["ruleset"] == "vn-circular-12-2026" for j in coverage[("VN", "2026-06-30")]["judged"])
    assert "the customs dossier" in " ".join(coverage[("VN", "2026-07-01")]["not_judged"]["en"])
    with api.client(A) as c:
        assert c.get(f"/v1/inventories/{job['id']}/result.csv").content == out.read_bytes()
        lines = c.get(f"/v1/inventories/{job['id']}/result.jsonl").text.splitlines()
        xlsx = c.get(f"/v1/inventories/{job['id']}/result.xlsx")
    assert len(lines) == 14 and json.loads(lines[0])["id"] == "INV-001"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 15 and rows[1][0] == "INV-001"  # a header and 14 verdict rows
    assert len(book.worksheets) == 2  # and the summary sheet


def test_an_inventory_job_takes_a_series_of_days(api: Served) -> None:
    job = wait_done(api, submit_inventory(api, destination=["TH"], as_of=["R2/2026-06-30/P1D"]).json()["id"])
    assert job["status"] == "done", job
    assert sorted({c["as_of"] for c in job["summary"]["coverage"]}) == ["2026-06-30", "2026-07-01"]
    bad = submit_inventory(api, destination=["TH"], as_of=["R2/2026-06-30/P"])
    assert bad.status_code == 422 and "period after P is empty" in bad.json()["detail"]
    assert bad.json()["errors"][0]["field"] == "as_of"


def test_a_parquet_inventory_job_gives_the_verdicts_of_its_csv(api: Served, tmp_path: Path) -> None:
    import pyarrow.csv
    import pyarrow.parquet

    table = tmp_path / "stock.parquet"
    pyarrow.parquet.write_table(
        pyarrow.csv.read_csv(STOCK, convert_options=pyarrow.csv.ConvertOptions(strings_can_be_null=False,
                             column_types={"hs_code": pyarrow.string(), "manufactured": pyarrow.string()})),
        table,
    )  # fmt: skip
    params = {"destination": ["VN", "TH"], "as_of": ["2026-07-01"]}
    jobs = [
        wait_done(api, submit_inventory(api, inventory=inventory, **params).json()["id"])
        for inventory in ((STOCK.name, STOCK.read_bytes()), (table.name, table.read_bytes()))
    ]
    assert [j["status"] for j in jobs] == ["done", "done"], jobs
    with api.client(A) as c:
        csv_result, parquet_result = (c.get(f"/v1/inventories/{j['id']}/result.csv").content for j in jobs)
    assert parquet_result == csv_result and csv_result.count(b"\n") == 15


def test_inventory_jobs_are_private_and_checked_on_submission(api: Served) -> None:
    r = submit_inventory(api, destination=["VN"])
    assert r.status_code == 202
    with api.client(B) as c:
        assert c.get(f"/v1/inventories/{r.json()['id']}").status_code == 404
        assert c.get(f"/v1/inventories/{r.json()['id']}/result.csv").status_code == 404
    bad = submit_inventory(api, destination=["Vietnam"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "destination"
    with api.client(A) as c:
        files = [("inventory", ("stock.csv", b"id,colour\n1,red\n", "text/csv"))]
        header = c.post("/v1/inventories", files=files, params={"destination": "VN"})
    assert header.status_code == 422 and "stock.csv" in header.json()["detail"]
    wait_done(api, r.json()["id"])


LATHE = SHIPMENTS / "th-used-lathe-review.yaml"
DECISIONS = SHIPMENTS / "decisions" / "decisions.yaml"


def test_a_decision_recorded_over_the_api_applies_to_the_next_check_and_exports_to_the_cli(
    api: Served, tmp_path: Path
) -> None:
    before = post_yaml(api, LATHE, org=B)
    assert before["verdict"] == "review"
    with api.client(B) as c:
        r = c.post(
            "/v1/decisions", content=DECISIONS.read_bytes(), headers={"Content-Type": "application/yaml"}
        )
        assert r.status_code == 201, r.text
        again = c.post(
            "/v1/decisions", content=DECISIONS.read_bytes(), headers={"Content-Type": "application/yaml"}
        )
        assert again.status_code == 409  # a decision is never changed in place
        assert r.json()["decisions"][0]["state"] == "pending"
    # Pending: it applies once another person of the organisation approves it.
    assert post_yaml(api, LATHE, org=B)["verdict"] == "review"
    approver = make_tokens(api.database_url, B, role="approver", label="Mr Somchai P., compliance lead")[B]
    with api.client(token=approver) as c:
        ok = c.post("/v1/decisions/D-2026-014/approve")
        assert ok.status_code == 200, ok.text
        assert ok.json()["state"] == "approved"
        assert ok.json()["reviewed_by"] == "Mr Somchai P., compliance lead"
        exported = c.get("/v1/decisions", params={"format": "yaml"})
        assert exported.headers["content-type"].startswith("application/yaml")
    after = post_yaml(api, LATHE, org=B)
    assert after["verdict"] == "clear"
    req = after["report"]["items"][0]["rulesets"][0]["requirements"][1]
    assert req["decision"]["id"] == "D-2026-014" and req["status"] == "satisfied"
    ignored = post_yaml(api, LATHE, org=B, ignore_decisions="true")
    assert ignored["verdict"] == "review"
    assert (
        post_yaml(api, LATHE, org=A)["verdict"] == "review"
    )  # another organisation's decisions do not apply
    # The exported file gives the CLI the same verdict.
    path = tmp_path / "exported.yaml"
    path.write_bytes(exported.content)
    cli_report = json.loads(cli("check", str(LATHE), "--format", "json", "--decisions", str(path)).stdout)
    assert cli_report == after["report"]


def test_a_bad_decision_over_the_api_is_422_naming_the_field(api: Served) -> None:
    data = yaml.safe_load(DECISIONS.read_text())
    data["decisions"][0]["requirement"] = "ai-diagnostic"
    data["decisions"][0]["id"] = "D-BAD"
    with api.client(A) as c:
        r = c.post(
            "/v1/decisions",
            content=json.dumps(data, default=str),
            headers={"Content-Type": "application/json"},
        )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "decisions[0].requirement"
    assert r.json()["errors"][0]["file"] == "decisions.json"

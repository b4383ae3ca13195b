"""Judging an inventory by parts gives every cell a one-item `check` per row gives.

Hypothesis draws stocks made to share parts: documents alike in all but their id, machines alike in
all but their manufacture day, bare years, every machine type, condition and procedure, HS codes that
fit the type and codes that do not, destinations with and without rulesets, days from 2019 to 2031
(one or two, or a series of up to five a day, a month, a quarter or a year apart),
with and without draft versions. Each stock is judged both ways by one judge per way (the parts are
remembered across the rows, as in a run) and every row's cells must be equal."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from helpers import ai_attestation, ce, lca_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import documents as document_dicts

from compliance.inventory import Judge
from compliance.inventory.model import Row
from compliance.models.manifest import Document
from compliance.models.vocab import MachineType
from compliance.reading.inputs import load_rulesets

WITH_DRAFTS = load_rulesets(drafts=True)
SOUND = [
    lca_report(id="G-LCA"), ai_attestation(id="G-AI"), ce(id="G-CE"),
    {"id": "G-MC", "type": "manufacturer_certificate", "issued": "2019-03-01", "legalised": True,
     "languages": ["vi", "en"]},
    {"id": "G-INS", "type": "inspection_certificate", "issued": "2024-05-01"},
    lca_report(id="G-LCA-OLD", issued="2019-05-20", valid_until="2027-01-01"),
]  # fmt: skip
DAYS = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2031, 12, 31))


@st.composite
def stocks(draw: st.DrawFn) -> tuple[dict[str, Document], list[Row], list[dt.date]]:
    drawn = draw(document_dicts(["X"]))
    # Documents that pass the rules too (random ones mostly fail): the parts of a satisfied
    # requirement, and of one that a machine's country of manufacture decides, must be kept apart.
    drawn += [dict(d) for d in SOUND]
    docs: dict[str, Document] = {}
    for d in drawn:
        d.pop("covers", None)
        doc = Document.model_validate(d)
        docs[doc.id] = doc
        # The same document under other ids: one machine's own copy of a model's certificate (now
        # and then an id that a CSV cell quotes or a spreadsheet would run, put in the reasons).
        for n in range(draw(st.integers(0, 2))):
            own = [
                f"{doc.id}-SN{n}",
                f"{doc.id}-SN{n}",
                f"={doc.id}{n}",
                f'{doc.id},"{n}"',
                f"{doc.id}\x07{n}",
            ]
            twin = doc.model_copy(update={"id": draw(st.sampled_from(own))})
            docs[twin.id] = twin
    if draw(st.booleans()):
        days = sorted(set(draw(st.lists(DAYS, min_size=1, max_size=2))))
    else:
        # A series of days (as `--as-of R5/2026-12-01/P1M`): days alike in how each document's dates
        # compare with them share the engine's answers, days that are not must not.
        # (often across 2027-01-01, the day one of the sound reports expires)
        near = st.dates(min_value=dt.date(2026, 9, 1), max_value=dt.date(2027, 1, 1))
        start, step = draw(st.one_of(DAYS, near)), draw(st.sampled_from([1, 30, 91, 365]))
        days = [start + dt.timedelta(days=step * k) for k in range(draw(st.integers(2, 5)))]
    rows: list[Row] = []
    for i in range(draw(st.integers(1, 14))):
        # Years around the rules' age limits (5, 10, 15, 20 years) more often than not: machines on
        # either side of a limit, and bare years that cannot settle it, must share no part.
        year = days[0].year - draw(st.sampled_from([0, 1, 4, 5, 6, 9, 10, 11, 14, 15, 16, 20, 21]))
        year = draw(st.sampled_from([year, draw(st.integers(2005, days[0].year))]))
        made: str
        if draw(st.booleans()):
            made = str(year)
        else:
            made = draw(
                st.dates(min_value=dt.date(year, 1, 1), max_value=min(dt.date(year, 12, 31), days[0]))
            )
            made = made.isoformat()
        values: dict[str, str | None] = {
            "id": f"R{i}",
            "machine_type": draw(st.sampled_from([t.value for t in MachineType])),
            "manufactured": made,
            "condition": draw(st.sampled_from(["new", "used", "refurbished", "remanufactured"])),
            "customs_procedure": draw(
                st.sampled_from(["import", "import", "temporary_import", "transit", "export_processing_zone"])
            ),
            "country_of_manufacture": draw(st.sampled_from([None, "JP", "CN", "KR", "VN", "DE", "GB"])),
            "hs_code": draw(st.sampled_from([None, "8457.10", "8458.11", "8459.61", "8462.61", "9031.80"])),
            "manufacturer": draw(st.sampled_from([None, "Example OEM"])),
            "serial_number": f"SN-{i}",
        }
        if docs:
            values["documents"] = ";".join(draw(st.lists(st.sampled_from(sorted(docs)), max_size=5)))
        if rows and draw(st.integers(0, 2)) > 0:
            # A sibling of an earlier machine, different in one thing only: where judging by parts
            # would wrongly share a part, siblings show it.
            values = dict(draw(st.sampled_from(rows)).values)
            changed = draw(st.sampled_from(sorted(values)))
            values[changed] = draw(
                st.sampled_from(
                    {
                        "country_of_manufacture": [None, "JP", "CN"], "condition": ["new", "used"],
                        "manufactured": [made, str(year), str(year - 2)], "hs_code": [None, "8458.11", "9031.80"],
                        "customs_procedure": ["import", "temporary_import"], "machine_type": ["cnc_lathe", "laser_cutter"],
                        "documents": [";".join(draw(st.lists(st.sampled_from(sorted(docs)), max_size=5)))],
                        "manufacturer": [None, "Other OEM"],
                    }.get(changed, [values[changed]])
                )
            )  # fmt: skip
            values["id"] = f"R{i}"
        rows.append(Row(i + 2, values))
    return docs, rows, days


@pytest.mark.parametrize("drafts", [False, True], ids=["in-force", "with-drafts"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stock=stocks(),
    destinations=st.sampled_from([["VN", "TH", "ID"], ["VN", "DE"], ["TH", "MY"], ["ID", "FR"]]),
)
def test_parts_give_the_cells_of_a_check_per_row(stock, destinations, drafts, registry, rulesets) -> None:
    docs, rows, days = stock
    chosen = WITH_DRAFTS if drafts else rulesets
    by_parts = Judge(chosen, registry, docs, destinations, days)
    whole = Judge(chosen, registry, docs, destinations, days, fast=False)
    assert by_parts.parts is not None and whole.parts is None
    for row in rows:
        got, want = by_parts.judge_row(row), whole.judge_row(row)
        assert got == want, row.values


def test_a_machines_own_document_id_is_named_in_its_reasons(registry, rulesets) -> None:
    """Two machines whose carbon reports differ only by id share one judged part, and each row
    still names its own report."""
    base = {
        "type": "carbon_footprint_report", "issued": "2026-05-20", "standards": ["ISO 14067"],
        "stages": ["A1", "A2", "A3"], "verifier": {"name": "Nobody", "accreditations": ["UNKNOWN-1"]},
    }  # fmt: skip
    docs = {i: Document.model_validate({**base, "id": i}) for i in ("OWN-1", "OWN-22")}
    judge = Judge(rulesets, registry, docs, ["VN"], [dt.date(2026, 7, 15)])
    cells = []
    for n, own in enumerate(docs):
        row = Row(n + 2, {"id": f"R{n}", "machine_type": "machining_center", "manufactured": "2026-01-10",
                          "condition": "new", "documents": own})  # fmt: skip
        cells.append(judge.judge_row(row)[0]["reasons"])
    assert "OWN-1:" in cells[0] and "OWN-22" not in cells[0]
    assert "OWN-22:" in cells[1] and "OWN-1:" not in cells[1]
    assert judge.parts is not None and "~" not in "".join(cells)


def test_carbon_reports_alike_but_for_the_verifiers_name_are_judged_once(registry, rulesets) -> None:
    """The verifier's name words only a warning (it differs from the registry's listing), which a
    row's cells do not show: reports alike but for it share their judged parts, and each row's cells
    are still a one-item check's."""
    names = {"LCA-A": "Vina Verify JSC", "LCA-B": "Some Other Name Ltd"}  # as listed, and not
    verifiers = {i: {"name": name, "accreditations": ["VC-1"]} for i, name in names.items()}
    # Short of stage A4: invalid for Vietnam, so that the rows' reasons name their reports.
    docs = {
        i: Document.model_validate(lca_report(id=i, verifier=v, stages=["A1", "A2", "A3"]))
        for i, v in verifiers.items()
    }
    day = [dt.date(2026, 7, 15)]
    machine = {"machine_type": "machining_center", "manufactured": "2026-01-10", "condition": "new"}
    rows = [Row(2 + n, {"id": f"R{n}", **machine, "documents": i}) for n, i in enumerate(names)]
    by_parts = Judge(rulesets, registry, docs, ["VN", "TH"], day)
    whole = Judge(rulesets, registry, docs, ["VN", "TH"], day, fast=False)
    assert by_parts.parts is not None
    first = by_parts.judge_row(rows[0])
    judged = by_parts.parts.judged
    second = by_parts.judge_row(rows[1])
    assert by_parts.parts.judged == judged  # nothing judged afresh for the second report
    assert [first, second] == [whole.judge_row(row) for row in rows]
    assert "LCA-A" in first[0]["reasons"] and "LCA-B" in second[0]["reasons"]


def test_rows_whose_parts_say_the_same_still_name_their_own_documents_in_their_places(
    registry, rulesets
) -> None:
    """Two used machines' carbon reports alike but for their id say the same, and so do their
    inspection certificates; one lists its report first, the other last: each row names its own
    report, not the document in the other's place."""
    base = {
        "type": "carbon_footprint_report", "issued": "2026-05-20", "standards": ["ISO 14067"],
        "stages": ["A1", "A2", "A3"], "verifier": {"name": "Nobody", "accreditations": ["UNKNOWN-1"]},
    }  # fmt: skip
    docs = {i: Document.model_validate({**base, "id": i}) for i in ("OWN-1", "OWN-2")}
    docs |= {i: Document.model_validate({"id": i, "type": "inspection_certificate", "issued": "2026-03-01"})
             for i in ("INS-A", "INS-B")}  # fmt: skip
    day = [dt.date(2026, 7, 15)]
    machine = {"machine_type": "machining_center", "manufactured": "2024-01-10", "condition": "used"}
    rows = [Row(2, {"id": "R1", **machine, "documents": "OWN-1;INS-A"}),
            Row(3, {"id": "R2", **machine, "documents": "INS-B;OWN-2"})]  # fmt: skip
    by_parts, whole = (
        Judge(rulesets, registry, docs, ["VN"], day),
        Judge(rulesets, registry, docs, ["VN"], day, fast=False),
    )
    cells = [by_parts.judge_row(row) for row in rows]
    assert cells == [whole.judge_row(row) for row in rows]
    assert "OWN-1:" in cells[0][0]["reasons"] and "OWN-2:" in cells[1][0]["reasons"]


@pytest.mark.parametrize(
    ("dates", "changes"),
    [
        ({"issued": "2026-05-20", "valid_until": "2027-01-01"}, "clear -> hold"),  # expires between the days
        ({"issued": "2027-01-10"}, "hold -> clear"),  # issued between them: not yet issued on the first
    ],
    ids=["expires-between", "issued-between"],
)
def test_days_of_a_series_share_answers_only_where_a_documents_dates_compare_alike(
    dates, changes, registry, rulesets
) -> None:
    """The engine's answers for a document are shared by the days of a series on which its issue
    date and end of validity compare alike; a day across either gets its own."""
    docs = {
        d["id"]: Document.model_validate(d)
        for d in (lca_report(id="L", **dates), ce(id="C"), ai_attestation(id="A"))
    }
    days = [dt.date(2026, 12, 15), dt.date(2027, 1, 15), dt.date(2027, 2, 15)]
    row = Row(2, {"id": "R", "machine_type": "machining_center", "manufactured": "2026-01-10",
                  "condition": "new", "customs_procedure": "import", "hs_code": "8457.10", "documents": "L;C;A"})  # fmt: skip
    by_parts = Judge(rulesets, registry, docs, ["VN"], days)
    got = by_parts.judge_row(row)
    assert got == Judge(rulesets, registry, docs, ["VN"], days, fast=False).judge_row(row)
    assert got[0]["changes"] == f"{changes} -> {changes.split(' -> ')[1]}"


_HEADER = ("id", "machine_type", "manufactured", "condition", "customs_procedure", "country_of_manufacture",
           "hs_code", "manufacturer", "serial_number", "documents", "warehouse")  # fmt: skip
#: Cells that make a row malformed, by column (an error the columns must leave to `judge_lines`).
_BROKEN = {"id": " ", "manufactured": "2019-13-45", "machine_type": "lathe", "documents": "NOPE",
           "hs_code": "84", "condition": "broken"}  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stock=stocks(),
    destinations=st.sampled_from([["VN", "TH", "ID"], ["VN", "DE"], ["TH", "MY"]]),
    data=st.data(),
)
def test_a_chunk_judged_by_columns_gives_the_cells_of_its_rows_judged_one_by_one(
    stock, destinations, data, registry, rulesets
) -> None:
    """The columns judge a CSV chunk's rows as `judge_lines` judges each, malformed rows, cells past
    the header, short rows and cells with spaces around them included, in input order, with the
    carried column kept."""
    from compliance.inventory.model import OUTPUT_COLUMNS, Layout
    from compliance.inventory.read import Lines

    docs, rows, days = stock
    cells: list[list[str]] = []
    for row in rows:
        line = [row.values.get(c) or "" for c in _HEADER[:-1]] + [
            data.draw(st.sampled_from(["W1", "", "=1+1"]))
        ]
        broken = data.draw(st.sampled_from([*_BROKEN])) if data.draw(st.integers(0, 7)) == 0 else None
        if broken is not None:
            line[_HEADER.index(broken)] = _BROKEN[broken]
        if data.draw(st.integers(0, 5)) == 0:  # a cell written with spaces around it, as people type
            padded = data.draw(st.sampled_from(["machine_type", "manufactured", "condition", "documents"]))
            line[_HEADER.index(padded)] = f" {line[_HEADER.index(padded)]} "
        if data.draw(st.integers(0, 9)) == 0:
            line.append(data.draw(st.sampled_from(["", " ", "extra"])))  # a cell past the header
        elif data.draw(st.integers(0, 9)) == 0:  # a short row: its last cells left out
            line = line[: data.draw(st.integers(len(_HEADER) - 3, len(_HEADER) - 1))]
        cells.append(line)
    chunk = Lines(_HEADER, [r.line for r in rows], cells)
    layout = Layout("csv", (*OUTPUT_COLUMNS, "warehouse"), ("warehouse",), ("warehouse",))
    by_columns = Judge(rulesets, registry, docs, destinations, days).judge_chunk(chunk, layout)
    one_by_one = Judge(rulesets, registry, docs, destinations, days)
    from compliance.inventory.read import rows_of

    by_rows = one_by_one.judge_chunk(rows_of(chunk), layout)  # a list of rows: judged one by one
    assert by_columns.blocks == by_rows.blocks
    assert (by_columns.rows_in, by_columns.rows_out) == (len(rows), len(rows) * len(destinations))
    assert by_columns.verdicts == by_rows.verdicts and by_columns.changed == by_rows.changed


def test_machines_alike_but_for_their_age_keep_their_own_age_when_judged_by_columns(
    registry, rulesets
) -> None:
    """Decision 18's age limit names each machine's calendar age: two used lathes of one series made
    in different years share their other parts but not that one."""
    from compliance.inventory.model import OUTPUT_COLUMNS, Layout
    from compliance.inventory.read import Lines, rows_of

    header = ("id", "machine_type", "manufactured", "condition", "hs_code")
    chunk = Lines(header, [2, 3, 4], [["A", "cnc_lathe", "2015", "used", "8458.11"],
                                      ["B", "cnc_lathe", "2012-03-01", "used", "8458.11"],
                                      ["C", "cnc_lathe", "2015-06-01", "used", "8458.11"]])  # fmt: skip
    layout = Layout("csv", OUTPUT_COLUMNS, (), ())
    days = [dt.date(2026, 7, 15)]
    by_columns = Judge(rulesets, registry, {}, ["VN"], days).judge_chunk(chunk, layout)
    assert (
        by_columns.blocks
        == Judge(rulesets, registry, {}, ["VN"], days).judge_chunk(rows_of(chunk), layout).blocks
    )
    text = [b.decode() for b in by_columns.blocks]  # type: ignore[union-attr]
    assert "11 calendar years old" in text[0] and "14 calendar years old" in text[1]
    assert "11 calendar years old" in text[2]


def test_each_day_of_a_series_gives_the_verdict_a_run_on_that_day_alone_gives(registry, rulesets) -> None:
    """Later days of a series take an earlier day's verdicts only where nothing a verdict reads
    differs: a report that expires, a certificate that starts to be valid, a machine that passes an
    age limit, a new version in force between the days each change the verdict on their day."""
    from compliance.inventory.model import OUTPUT_COLUMNS, Layout
    from compliance.inventory.read import Lines

    docs = {
        d["id"]: Document.model_validate(d)
        for d in (
            lca_report(id="L-END", valid_until="2026-09-15"), lca_report(id="L"), ce(id="C"),
            ai_attestation(id="A"), ai_attestation(id="A-LATER", valid_from="2026-10-01"),
            {"id": "INS", "type": "inspection_certificate", "issued": "2025-06-01"},
            {"id": "INS-LATE", "type": "inspection_certificate", "issued": "2026-09-10"},
            {"id": "MC", "type": "manufacturer_certificate", "issued": "2019-03-01", "legalised": True,
             "languages": ["vi", "en"]},
        )
    }  # fmt: skip
    header = (
        "id",
        "machine_type",
        "manufactured",
        "condition",
        "hs_code",
        "country_of_manufacture",
        "documents",
    )
    cells = [
        [
            "EXPIRES",
            "machining_center",
            "2025-01-10",
            "new",
            "8457.10",
            "JP",
            "L-END;C;A",
        ],  # hold from 2026-09-16
        [
            "STARTS",
            "cnc_lathe",
            "2015-01-10",
            "used",
            "8458.11",
            "JP",
            "L;C;A-LATER;INS;MC",
        ],  # from 2026-10-01
        [
            "AGES",
            "cnc_lathe",
            "2016-09-20",
            "used",
            "8458.11",
            "JP",
            "L;C;A;INS;MC",
        ],  # 11 calendar years in 2027
        [
            "OVER-5",
            "cnc_lathe",
            "2021-09-20",
            "used",
            "8458.11",
            "JP",
            "L;C;INS;MC",
        ],  # over 5 years on 2026-09-20
        ["BARE", "cnc_lathe", "2016", "used", "8458.11", "JP", "L;C;A;INS;MC"],
        ["ISSUED", "cnc_lathe", "2019-05-05", "used", "8458.11", "JP", "L;C;A;INS-LATE"],  # from 2026-09-10
        ["SAME", "machining_center", "2025-01-10", "new", "8457.10", "JP", "L;C;A"],
    ]
    chunk = Lines(header, list(range(2, 2 + len(cells))), cells)
    days = [dt.date(2025, 8, 20), dt.date(2025, 9, 20), dt.date(2026, 9, 1), dt.date(2026, 9, 25),
            dt.date(2026, 10, 2), dt.date(2027, 1, 2), dt.date(2027, 3, 6)]  # fmt: skip
    destinations = ["VN", "TH", "ID"]
    layout = Layout("csv", (*OUTPUT_COLUMNS,), (), ())

    def verdicts(on: list[dt.date]) -> list[list[str]]:
        judged = Judge(rulesets, registry, docs, destinations, on).judge_chunk(chunk, layout)
        text = "".join(b.decode() for b in judged.blocks)  # type: ignore[union-attr]
        lines = list(csv.reader(io.StringIO(text)))
        width = len(OUTPUT_COLUMNS)
        return [line[width : width + len(on)] if len(on) > 1 else [line[2]] for line in lines]

    series = verdicts(days)
    alone = [verdicts([day]) for day in days]
    for r, line in enumerate(series):
        assert line == [alone[k][r][0] for k in range(len(days))], (cells[r // 3][0], destinations[r % 3])
    # Each of the machines but the last changes verdict on some day of the series (else the series
    # would show nothing).
    changed = {cells[r // 3][0] for r, line in enumerate(series) if len(set(line)) > 1}
    assert changed == {"EXPIRES", "STARTS", "AGES", "OVER-5", "BARE", "ISSUED"}

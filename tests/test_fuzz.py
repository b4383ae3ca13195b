"""A byte-level fuzz target over the sample inputs, bounded in count and time.

Each sample manifest (YAML and JSON), the sample registry, the sample stock (as CSV and as a Parquet
table) and its documents file are mutated byte by byte
(flips, insertions of hostile bytes, deletions, duplicated and truncated spans) with a fixed seed, so
a failure reproduces. Every mutant must end in a verdict (exit 0, 1, 3) or bad input (exit 2) with a
message naming the file: never an internal error, never a traceback."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, SHIPMENTS

from compliance.cli import cli

SEED = 20261123
PER_FILE = 250
SECONDS_PER_FILE = 40
HOSTILE = [b"\x00", b"\x1b", b"\xff", b"\t", b"\n", b"&a ", b"*a ", b"<<: ", b"!!python/object ", b"{", b"]", b"'",
           b'"', b"9" * 30, b"-", b":", b"1e400", b"\xe2\x80\xae", b"2026-02-30", b"---\n"]  # fmt: skip

TARGETS = [
    ("manifest", SHIPMENTS / "vn-container-mixed.yaml"),
    ("manifest", SHIPMENTS / "vn-used-vmc-hold.yaml"),
    ("manifest", SHIPMENTS / "pact-footprint-v3.json"),
    ("registry", ROOT / "rulesets" / "registries" / "sample-registry.yaml"),
    ("inventory", SHIPMENTS / "inventory" / "stock.csv"),
    ("parquet", SHIPMENTS / "inventory" / "stock.csv"),  # the stock written as a Parquet table
    ("documents", SHIPMENTS / "inventory" / "documents.yaml"),
]


def as_parquet(source: Path, folder: Path) -> bytes:
    import pyarrow.csv
    import pyarrow.parquet

    path = folder / "stock.parquet"
    pyarrow.parquet.write_table(pyarrow.csv.read_csv(source), path)
    return path.read_bytes()


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not out:
            out += rng.choice(HOSTILE)
            continue
        at = rng.randrange(len(out))
        kind = rng.randrange(5)
        if kind == 0:
            out[at] = rng.randrange(256)
        elif kind == 1:
            out[at:at] = rng.choice(HOSTILE)
        elif kind == 2:
            del out[at : at + rng.randint(1, 40)]
        elif kind == 3:
            end = min(len(out), at + rng.randint(1, 200))
            out[end:end] = out[at:end]
        else:
            del out[at:]
    return bytes(out)


@pytest.mark.parametrize(("kind", "source"), TARGETS, ids=lambda x: getattr(x, "name", x))
def test_mutated_inputs_end_in_a_verdict_or_bad_input(tmp_path: Path, kind: str, source: Path) -> None:
    rng = random.Random(f"{SEED}:parquet" if kind == "parquet" else f"{SEED}:{source.name}")
    original = as_parquet(source, tmp_path) if kind == "parquet" else source.read_bytes()
    suffix = ".parquet" if kind == "parquet" else source.suffix
    started = time.monotonic()
    tried = 0
    for n in range(PER_FILE):
        if time.monotonic() - started > SECONDS_PER_FILE:
            break
        mutant = tmp_path / f"m{n}{suffix}"
        mutant.write_bytes(mutate(original, rng))
        named = mutant  # the file an error must name
        if kind == "manifest":
            if source.suffix == ".json":  # the PACT file, read through a manifest that names it
                named = tmp_path / "fp.json"
                named.write_bytes(mutant.read_bytes())
                mutant = tmp_path / "m.yaml"
                mutant.write_text((SHIPMENTS / "vn-pact-footprint.yaml").read_text(encoding="utf-8")
                                  .replace("pact-footprint-v3.json", "fp.json"), encoding="utf-8")  # fmt: skip
            args = ["check", str(mutant), "--format", "json"]
        elif kind == "registry":
            args = ["check", str(SHIPMENTS / "vn-used-vmc-hold.yaml"), "--registry", str(mutant)]
        elif kind in ("inventory", "parquet"):
            docs = SHIPMENTS / "inventory" / "documents.yaml"
            args = [
                "inventory",
                str(mutant),
                "--documents",
                str(docs),
                "--destination",
                "VN",
                "--workers",
                "1",
            ]
        else:
            args = ["inventory", str(SHIPMENTS / "inventory" / "stock.csv"), "--documents", str(mutant),
                    "--destination", "VN", "--workers", "1"]  # fmt: skip
        result = CliRunner().invoke(cli, args)
        tried += 1
        assert result.exit_code in (0, 1, 2, 3), (n, result.stderr, result.exception)
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr, (n, result.stderr)
        if result.exit_code == 2 and kind in (
            "manifest",
            "registry",
        ):  # inventory: bad rows exit 2, output whole
            assert str(named) in result.stderr, (n, result.stderr)
    assert tried >= 20

"""Strict ASCII (issue 18, attack “clock text”): ids, codes, clocks and digits are ASCII, checked with
``fullmatch``; ``\\d`` and ``$`` would take Arabic-Indic digits and a final newline. A lone surrogate escape or
a CR gives exit 2, never an unexpected error. Each hostile input has an honest control."""

from __future__ import annotations

import hashlib
import json

import pytest

from desktop_app.domain import hlc
from desktop_app.domain.schema import KINDS
from desktop_app.domain.validation import coerce_fields
from desktop_app.errors import ValidationError
from tests.conftest import Cli
from tests.sync.conftest import Office
from tests.sync.crafted import change, crafted

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
RECORD = "11111111-1111-1111-1111-111111111111"


@pytest.fixture
def pair(tmp_path):
    """A secretariat (used through the command line) that has confirmed KZ, whose key signs the crafted files."""
    unodc = Office(tmp_path, "unodc", "secretariat")
    kz = Office(tmp_path, "kz", "delegation", "KZ")
    unodc.receive(*kz.send().paths)
    unodc.desk.close()
    yield Cli(unodc.desk.path), kz
    kz.desk.close()


def _lines(kz: Office, **overrides) -> list:
    """A complete event of KZ, one field of which the test spells as it likes."""
    values = [("owner", "KZ"), ("type", "webinar"), ("title", "T"), ("start_date", "2025-01-10")]
    return [
        {**change(kz, 100 + i, RECORD, field, value), **(overrides if field == "title" else {})}
        for i, (field, value) in enumerate(values)
    ]


def _raw(line: dict, ensure_ascii: bool = True) -> str:
    """A line as text, written by hand: escapes as the attacker chooses."""
    return json.dumps(line, ensure_ascii=ensure_ascii, sort_keys=True, separators=(",", ":"))


STAMP = hlc.encode(hlc.wall_clock_ms(), 0)
HOSTILE = {
    "arabic-indic-clock": lambda kz: _lines(kz, hlc=STAMP.translate(ARABIC_INDIC)),
    "clock-with-newline": lambda kz: _lines(kz, hlc=STAMP + "\n"),
    "fullwidth-clock": lambda kz: _lines(kz, hlc=STAMP.translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
    "record-id-with-newline": lambda kz: _lines(kz, record_id=RECORD + "\n"),
    "device-id-with-newline": lambda kz: _lines(kz, device_id=kz.device_id + "\n"),
    "lone-surrogate": lambda kz: [_raw(line) for line in _lines(kz, value="\ud800")],
    "lone-surrogate-in-a-key": lambda kz: (
        [_raw(line) for line in _lines(kz)] + [_raw(change(kz, 200, RECORD, "city", "x"))[:-1] + ',"\\udfff":1}']
    ),
    "carriage-return": lambda kz: [_raw(line) + "\r" for line in _lines(kz)],
    "arabic-indic-date": lambda kz: _lines(kz)[:3] + [change(kz, 103, RECORD, "start_date", "٢٠٢٥-٠١-١٠")],
}
HONEST = {
    "ascii": lambda kz: _lines(kz),
    "surrogate-pair": lambda kz: _lines(kz, value="Webinar \U0001f4da"),  # spelled with \ud83d\udcda escapes
    "escaped-cr-in-text": lambda kz: _lines(kz) + [change(kz, 200, RECORD, "description", "line 1\r\nline 2")],
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_is_refused_with_exit_2(pair, tmp_path, name):
    cli, kz = pair
    before = cli.dump()
    result = cli("import", crafted(kz, tmp_path / f"{name}.pdsync", HOSTILE[name](kz)))
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1 and "unexpected" not in result.stderr
    assert cli.dump() == before


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_text_is_imported(pair, tmp_path, name):
    cli, kz = pair
    result = cli("import", crafted(kz, tmp_path / f"{name}.pdsync", HONEST[name](kz), spell=_raw))
    assert result.returncode == 0, result.stderr
    assert json.loads(cli("get", RECORD, check=True).stdout)["start_date"] == "2025-01-10"


def test_clock_readings_are_ascii_only():
    assert hlc.decode("1700000000000.0042") == (1700000000000, 42)
    for stamp in ("1700000000000.0042".translate(ARABIC_INDIC), "1700000000000.0042\n", "1700000000000.42"):
        with pytest.raises(ValueError):
            hlc.decode(stamp)


def test_values_with_digits_are_ascii_only():
    attachment, event = KINDS["attachment"], KINDS["event"]
    digest = hashlib.sha256(b"minutes").hexdigest()
    assert coerce_fields(attachment, {"sha256": digest}) == {"sha256": digest}
    assert coerce_fields(event, {"start_date": " 2025-01-10 "}) == {"start_date": "2025-01-10"}
    assert coerce_fields(KINDS["participation"], {"event_id": RECORD}) == {"event_id": RECORD}
    for kind, values in (
        (attachment, {"sha256": digest + "\n"}),
        (event, {"start_date": "٢٠٢٥-٠١-١٠"}),
        (event, {"start_date": "2025-01-1٠"}),
        (KINDS["person"], {"email": "a@b.uz\nc@d.uz"}),
        (KINDS["participation"], {"event_id": "٣"}),
        (event, {"title": "T\ud800"}),
    ):
        with pytest.raises(ValidationError):
            coerce_fields(kind, values)


def test_command_line_numbers_ids_and_fingerprints_are_ascii(pair, tmp_path):
    cli, kz = pair
    for args in (
        ("report", "--year", "٢٠٢٤", "--format", "json", "--out", tmp_path / "r.json"),
        ("conflicts", "--keep", "١"),
        ("export", "--out", tmp_path / "b.pdsync", "--to", "kz\n"),
        ("forget", kz.device_id.translate(ARABIC_INDIC)),
        ("import", kz.send().paths[0], "--trust", kz.desk.fingerprint.translate(ARABIC_INDIC)),
    ):
        result = cli(*args)
        assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, (args, result.stderr)
    # Controls: the same, spelled in ASCII.
    assert cli("report", "--year", "2024", "--format", "json", "--out", tmp_path / "r.json").returncode == 0
    assert cli("import", kz.send().paths[0], "--trust", kz.desk.fingerprint.lower()).returncode == 0

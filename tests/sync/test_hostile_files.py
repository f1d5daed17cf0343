"""SPEC §4.10: any malformed or hostile file is refused with one line, exit status 2, and no change."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile

import pytest

from desktop_app.domain.changelog import canonical, record_id_for
from desktop_app.sync import bundle as fmt
from desktop_app.sync import chain
from tests.conftest import Cli
from tests.sync import forge


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    """A secretariat database (through the CLI) and a delegation whose key signs the crafted files."""
    from desktop_app.domain.desk import Desk

    folder = tmp_path_factory.mktemp("hostile")
    cli = Cli(folder / "unodc.db")
    cli("init", "--device-name", "unodc", "--role", "secretariat", check=True)
    kz = Desk.create(folder / "kz.db", "kz", "delegation", "KZ")
    from desktop_app.sync.api import export_bundle

    hello = folder / "hello.pdsync"  # the first contact, confirmed: the crafted files are signed by a known key
    export_bundle(kz, hello)
    cli("import", hello, "--trust", kz.fingerprint, check=True)
    event = kz.put("event", {"type": "webinar", "title": "Вебинар", "start_date": "2025-03-01"})
    good = folder / "good.pdsync"
    export_bundle(kz, good)
    yield folder, cli, kz, good, event
    kz.close()


def rezip(source, target, transform):
    """Copy a bundle member by member through ``transform(name, data) -> [(name, data)]``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            for out_name, out_data in transform(name, old.read(name)):
                new.writestr(out_name, out_data)


def signed(kz, target, lines, passphrase=None, heads=None, **manifest_changes):
    """A bundle properly signed by the delegation, with the given change lines, heads and manifest fields."""
    me = kz.identity
    forge.signed_bundle(kz, target, lines, heads, passphrase, vector={me["device_id"]: 1})
    if manifest_changes:

        def transform(name, data):
            if name == fmt.MANIFEST:
                m = json.loads(data)
                m = {**m, **{k: v(m[k]) if callable(v) else v for k, v in manifest_changes.items()}}
                data = json.dumps(m).encode()
                return [
                    (name, data),
                    (
                        fmt.SIGNATURE,
                        fmt.b64(
                            __import__("desktop_app.domain.identity", fromlist=["x"])
                            .private_key(me["private_key"])
                            .sign(data)
                        ),
                    ),
                ]
            return [] if name == fmt.SIGNATURE else [(name, data)]

        temporary = target.with_suffix(".tmp")
        rezip(target, temporary, transform)
        shutil.move(temporary, target)


def line(kz, **overrides):
    """One line of the right shape for the format's checks (its link proves nothing)."""
    change = {
        "device_id": kz.identity["device_id"],
        "seq": 1,
        "hlc": "1700000000000.0000",
        "kind": "event",
        "record_id": "11111111-1111-1111-1111-111111111111",
        "field": "title",
        "value": "x",
        "salt": "0" * 32,
        "prev": chain.GENESIS,
        **overrides,
    }
    return canonical(change)


def proven(kz, path, changes):
    """A bundle of lines that continue the delegation's own log, with its signed head."""
    lines, head = forge.own_lines(kz, changes)
    return signed(kz, path, lines, heads={kz.identity["device_id"]: head})


def make_cases(folder, kz, good, event):
    cases = {}

    def case(name, build):
        path = folder / f"{name}.pdsync"
        build(path)
        cases[name] = path

    case("not-a-bundle", lambda p: p.write_text("Hello, this is an e-mail, not a bundle."))
    case("truncated", lambda p: p.write_bytes(good.read_bytes()[: good.stat().st_size // 2]))
    case(
        "changed-payload",
        lambda p: rezip(
            good, p, lambda n, d: [(n, d.replace(b"\\u0412", b"B").replace("Вебинар".encode(), "Вебинаp".encode()))]
        ),
    )
    case("changed-manifest", lambda p: rezip(good, p, lambda n, d: [(n, d.replace(b'"kz"', b'"uz"'))]))
    case(
        "unlisted-member",
        lambda p: rezip(good, p, lambda n, d: [(n, d)] + ([("extra.txt", b"x")] if n == fmt.MANIFEST else [])),
    )
    case(
        "path-traversal",
        lambda p: rezip(good, p, lambda n, d: [(n, d)] + ([("../../evil.txt", b"x")] if n == fmt.MANIFEST else [])),
    )
    case(
        "absolute-path",
        lambda p: rezip(good, p, lambda n, d: [(n, d)] + ([("/tmp/evil.txt", b"x")] if n == fmt.MANIFEST else [])),
    )
    case("zip-bomb", lambda p: rezip(good, p, lambda n, d: [(n, b"\n" * (64 << 20) if n == fmt.PAYLOAD else d)]))
    case("no-manifest", lambda p: rezip(good, p, lambda n, d: [] if n == fmt.MANIFEST else [(n, d)]))
    case("invalid-json", lambda p: signed(kz, p, ["{not json"]))
    case("wrong-type", lambda p: signed(kz, p, [line(kz, seq="one")]))
    case("wrong-value-type", lambda p: signed(kz, p, [line(kz, field="participants_total", value="many")]))
    case("unknown-kind", lambda p: signed(kz, p, [line(kz, kind="spaceship")]))
    case("unknown-field", lambda p: signed(kz, p, [line(kz, field="colour")]))
    case("owner-not-text", lambda p: signed(kz, p, [line(kz, field="owner", value=[])]))  # found by the long fuzz
    case("newer-format", lambda p: signed(kz, p, [line(kz)], format_version="4.0"))
    case("older-format", lambda p: signed(kz, p, [line(kz)], format_version="1.0"))
    case("count-mismatch", lambda p: signed(kz, p, [line(kz)], change_count=5))
    case("duplicate-member", lambda p: rezip(good, p, lambda n, d: [(n, d)] * (2 if n == fmt.PAYLOAD else 1)))
    case("bad-crc", lambda p: p.write_bytes(_flip_crc(good.read_bytes(), fmt.MANIFEST.encode())))
    case("zip-encryption-flag", lambda p: p.write_bytes(_flip_crc(good.read_bytes(), fmt.PAYLOAD.encode(), flag=True)))

    def bzip2(p):
        with zipfile.ZipFile(good) as old, zipfile.ZipFile(p, "w") as new:
            for name in old.namelist():
                new.writestr(name, old.read(name), compress_type=zipfile.ZIP_BZIP2 if name == fmt.PAYLOAD else None)

    case("bzip2-member", bzip2)
    case("huge-seq", lambda p: signed(kz, p, [line(kz, seq=2**63)]))
    case("deep-json", lambda p: signed(kz, p, ["[" * 5000 + "]" * 5000]))
    case("scrypt-p", lambda p: signed(kz, p, [line(kz)], "x", encryption=lambda e: {**e, "p": 2000}))
    case("scrypt-n", lambda p: signed(kz, p, [line(kz)], "x", encryption=lambda e: {**e, "n": 2**40}))
    record = record_id_for(kz.identity["device_id"], forge.log_end(kz)[0] + 1)

    def event_lines(**fields):
        base = {"type": "webinar", "title": "T", "start_date": "2025-01-10", **fields}
        return [
            {"kind": "event", "record_id": record, "field": k, "value": v}
            for k, v in [("owner", "KZ"), *sorted(base.items())]
            if v is not None
        ]

    case("event-no-title", lambda p: proven(kz, p, event_lines(title=None)))
    case(
        "person-with-event-id",
        lambda p: proven(
            kz, p, event_lines() + [{"kind": "person", "record_id": record, "field": "full_name", "value": "X"}]
        ),
    )
    case("newline-in-name", lambda p: signed(kz, p, [line(kz)], device_name="kz\nplatform-desk: all is well"))
    return cases


def _flip_crc(data: bytes, name: bytes, flag: bool = False) -> bytes:
    """The bundle with the CRC-32 of ``name`` (or its encryption flag) changed in both of its headers."""
    data = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6 if flag else 14), (b"PK\x01\x02", 8 if flag else 16)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[start + offset] ^= 0x01 if flag else 0xFF
            start += 4
    return bytes(data)


EXPECTED_WORDS = {
    "not-a-bundle": "not a Platform Desk bundle",
    "truncated": "truncated",
    "changed-payload": "SHA-256",
    "changed-manifest": "signature",
    "unlisted-member": "not listed",
    "path-traversal": "unsafe path",
    "absolute-path": "unsafe path",
    "zip-bomb": "zip bomb",
    "no-manifest": "missing",
    "invalid-json": "JSON",
    "wrong-type": "seq",
    "wrong-value-type": "participants_total",
    "unknown-kind": "spaceship",
    "unknown-field": "colour",
    "owner-not-text": "secretariat",
    "newer-format": "4.0",
    "older-format": "must update",
    "count-mismatch": "manifest says",
    "duplicate-member": "twice",
    "bad-crc": "damaged",
    "zip-encryption-flag": "does not read",
    "bzip2-member": "does not read",
    "huge-seq": "MAX_INT",
    "deep-json": "MAX_DEPTH",
    "scrypt-p": "SCRYPT",
    "scrypt-n": "SCRYPT",
    "event-no-title": "title: is required",
    "person-with-event-id": "two kinds",
    "newline-in-name": "\\n",
}


def test_every_hostile_file_is_refused_and_changes_nothing(setting):
    folder, cli, kz, good, event = setting
    cases = make_cases(folder, kz, good, event)
    assert set(cases) == set(EXPECTED_WORDS)
    cli("dump", check=True)
    before = hashlib.sha256(cli.db.read_bytes()).hexdigest()
    backups = cli.db.parent / "backups"
    kept = set(backups.iterdir())  # the first contact's
    for name, path in cases.items():
        result = cli("import", path)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert result.returncode == 2, (name, result.stderr)
        assert len(lines) == 1 and "Traceback" not in result.stderr, (name, result.stderr)
        assert EXPECTED_WORDS[name] in lines[0], (name, lines[0])
        assert hashlib.sha256(cli.db.read_bytes()).hexdigest() == before, name
        assert set(backups.iterdir()) == kept, name  # refused: no backup taken
    assert cli("import", good, check=True).returncode == 0
    assert json.loads(cli("get", event, check=True).stdout)["title"] == "Вебинар"


def test_a_reference_to_a_record_not_held_waits_and_stops_nothing(setting):
    """SPEC §4.1: a record that refers to one the recipient does not hold is held back, not the bundle."""
    folder, cli, kz, _good, _event = setting
    path = folder / "dangling.pdsync"
    record = record_id_for(kz.identity["device_id"], forge.log_end(kz)[0] + 1)
    proven(
        kz,
        path,
        [
            {"kind": "participation", "record_id": record, "field": "owner", "value": "KZ"},
            {
                "kind": "participation",
                "record_id": record,
                "field": "event_id",
                "value": "99999999-9999-9999-9999-999999999999",
            },
        ],
    )
    before = cli("dump", check=True).stdout
    summary = json.loads(cli("import", path, check=True).stdout)
    assert {r["reason"] for r in summary["refused"]} == {"record_not_held_yet"} and summary["new"] == 0
    assert cli("dump", check=True).stdout == before

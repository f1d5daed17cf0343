"""SPEC §4.10: any malformed or hostile file is refused with one line, exit status 2, and no change."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile

import pytest

from desktop_app.domain.changelog import canonical
from desktop_app.sync import bundle as fmt
from tests.conftest import Cli


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


def signed(kz, target, lines, **manifest_changes):
    """A bundle properly signed by the delegation, with the given change lines and manifest fields."""
    me = kz.identity
    header = {"device_id": me["device_id"], "device_name": me["device_name"], "role": me["role"],
              "country": me["country"], "public_key": fmt.b64(me["public_key"]), "created_at": "2025-01-01T00:00:00+00:00",
              "vector": {me["device_id"]: 1}, "to": None}
    fmt.write_bundle(target, header, lines, me["private_key"])
    if manifest_changes:
        def transform(name, data):
            if name == fmt.MANIFEST:
                m = {**json.loads(data), **manifest_changes}
                data = json.dumps(m).encode()
                return [(name, data), (fmt.SIGNATURE, fmt.b64(
                    __import__("desktop_app.domain.identity", fromlist=["x"]).private_key(me["private_key"]).sign(data)))]
            return [] if name == fmt.SIGNATURE else [(name, data)]
        temporary = target.with_suffix(".tmp")
        rezip(target, temporary, transform)
        shutil.move(temporary, target)


def line(kz, **overrides):
    change = {"device_id": kz.identity["device_id"], "seq": 1, "hlc": "1700000000000.0000", "kind": "event",
              "record_id": "11111111-1111-1111-1111-111111111111", "field": "title", "value": "x", **overrides}
    return canonical(change)


def make_cases(folder, kz, good, event):
    cases = {}

    def case(name, build):
        path = folder / f"{name}.pdsync"
        build(path)
        cases[name] = path

    case("not-a-bundle", lambda p: p.write_text("Hello, this is an e-mail, not a bundle."))
    case("truncated", lambda p: p.write_bytes(good.read_bytes()[: good.stat().st_size // 2]))
    case("changed-payload", lambda p: rezip(good, p, lambda n, d: [(n, d.replace(b"\\u0412", b"B").replace(
        "Вебинар".encode(), "Вебинаp".encode()))]))
    case("changed-manifest", lambda p: rezip(good, p, lambda n, d: [(n, d.replace(b'"kz"', b'"uz"'))]))
    case("unlisted-member", lambda p: rezip(good, p, lambda n, d: [(n, d)] + ([("extra.txt", b"x")] if n == fmt.MANIFEST else [])))
    case("path-traversal", lambda p: rezip(good, p, lambda n, d: [(n, d)] + ([("../../evil.txt", b"x")] if n == fmt.MANIFEST else [])))
    case("absolute-path", lambda p: rezip(good, p, lambda n, d: [(n, d)] + ([("/tmp/evil.txt", b"x")] if n == fmt.MANIFEST else [])))
    case("zip-bomb", lambda p: rezip(good, p, lambda n, d: [(n, b"\n" * (64 << 20) if n == fmt.PAYLOAD else d)]))
    case("no-manifest", lambda p: rezip(good, p, lambda n, d: [] if n == fmt.MANIFEST else [(n, d)]))
    case("invalid-json", lambda p: signed(kz, p, ["{not json"]))
    case("wrong-type", lambda p: signed(kz, p, [line(kz, seq="one")]))
    case("wrong-value-type", lambda p: signed(kz, p, [line(kz, field="participants_total", value="many")]))
    case("unknown-kind", lambda p: signed(kz, p, [line(kz, kind="spaceship")]))
    case("unknown-field", lambda p: signed(kz, p, [line(kz, field="colour")]))
    case("dangling-reference", lambda p: signed(kz, p, [
        line(kz, kind="participation", field="owner", value="KZ"),
        line(kz, kind="participation", seq=2, field="event_id", value="99999999-9999-9999-9999-999999999999")]))
    case("newer-format", lambda p: signed(kz, p, [line(kz)], format_version="3.0"))
    case("older-format", lambda p: signed(kz, p, [line(kz)], format_version="1.0"))
    case("count-mismatch", lambda p: signed(kz, p, [line(kz)], change_count=5))
    return cases


EXPECTED_WORDS = {
    "not-a-bundle": "not a Platform Desk bundle", "truncated": "truncated", "changed-payload": "SHA-256",
    "changed-manifest": "signature", "unlisted-member": "not listed", "path-traversal": "unsafe path",
    "absolute-path": "unsafe path", "zip-bomb": "zip bomb", "no-manifest": "missing", "invalid-json": "JSON",
    "wrong-type": "seq", "wrong-value-type": "participants_total", "unknown-kind": "spaceship",
    "unknown-field": "colour", "dangling-reference": "neither", "newer-format": "3.0",
    "older-format": "sender must update",
    "count-mismatch": "manifest says",
}


def test_every_hostile_file_is_refused_and_changes_nothing(setting):
    folder, cli, kz, good, event = setting
    cases = make_cases(folder, kz, good, event)
    assert set(cases) == set(EXPECTED_WORDS)
    cli("dump", check=True)
    before = hashlib.sha256(cli.db.read_bytes()).hexdigest()
    for name, path in cases.items():
        result = cli("import", path)
        lines = [l for l in result.stderr.splitlines() if l.strip()]
        assert result.returncode == 2, (name, result.stderr)
        assert len(lines) == 1 and "Traceback" not in result.stderr, (name, result.stderr)
        assert EXPECTED_WORDS[name] in lines[0], (name, lines[0])
        assert hashlib.sha256(cli.db.read_bytes()).hexdigest() == before, name
    assert cli("import", good, check=True).returncode == 0
    assert json.loads(cli("get", event, check=True).stdout)["title"] == "Вебинар"

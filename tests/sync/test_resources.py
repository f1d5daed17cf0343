"""SPEC §4.13: no file makes an import use more than a few hundred MiB, more than seconds of key
derivation, or grow the database. Each hostile file is imported by the real command line in its own
process, whose peak memory (``ru_maxrss`` from ``wait4``) is measured; the error names the limit."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import zipfile

import pytest

from desktop_app.domain.changelog import canonical, record_id_for
from desktop_app.domain.desk import Desk
from desktop_app.sync import api, chain
from desktop_app.sync import bundle as fmt
from tests.sync import forge

PEAK_LIMIT_MIB = 300
PEAKS: dict[str, float] = {}


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resources")
    kz = Desk.create(folder / "kz.db", "kz", "delegation", "KZ")
    target = folder / "unodc.db"
    unodc = Desk.create(target, "unodc", "secretariat")
    api.import_files(unodc, api.export_bundle(kz, folder / "hello.pdsync").paths, trust=[kz.fingerprint])
    unodc.close()  # kz is now a confirmed contact: its files are read to the end
    (folder / "pass.txt").write_text("x\n", encoding="utf-8")
    yield folder, kz, target
    kz.close()
    if PEAKS:
        print(
            "\npeak memory of the importing process (MiB):",
            ", ".join(f"{name} {mib:.0f}" for name, mib in sorted(PEAKS.items(), key=lambda i: -i[1])),
        )


def header(kz) -> dict:
    return forge.header(kz, vector={kz.identity["device_id"]: 1})


def line(kz, seq: int = 1) -> str:
    """A line of the right shape (its link proves nothing): what the limits are measured with."""
    return canonical(
        {
            "device_id": kz.identity["device_id"],
            "seq": seq,
            "hlc": "1700000000000.0000",
            "kind": "event",
            "record_id": "11111111-1111-1111-1111-111111111111",
            "field": "title",
            "value": "x",
            "salt": "0" * 32,
            "prev": chain.GENESIS,
        }
    )


def import_measured(folder, target, path, *extra) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run `import` in a child process: (result, its peak memory in MiB, seconds)."""
    started = time.monotonic()
    out, err, high = folder / "stdout.txt", folder / "stderr.txt", folder / "peak.txt"
    high.unlink(missing_ok=True)
    # The program reports its own high-water mark (VmHWM) as it exits: unlike ru_maxrss, it does not
    # count the pages a fork shares with this (large) test process.
    launcher = (
        "import atexit, sys\n"
        "target = sys.argv[1]\n"
        "def peak():\n"
        "    with open('/proc/self/status') as status, open(target, 'w') as out:\n"
        "        out.write(next(l for l in status if l.startswith('VmHWM')).split()[1])\n"
        "if sys.platform == 'linux':\n"
        "    atexit.register(peak)\n"
        "from desktop_app.cli.main import main\n"
        "sys.exit(main(sys.argv[2:]))\n"
    )
    with open(out, "w") as stdout, open(err, "w") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                launcher,
                str(high),
                "--db",
                str(target),
                "import",
                str(path),
                "--passphrase-file",
                str(folder / "pass.txt"),
                *extra,
            ],
            stdout=stdout,
            stderr=stderr,
            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        )
        _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    result = subprocess.CompletedProcess(process.args, process.returncode, out.read_text(), err.read_text())
    peak_kib = int(high.read_text()) if high.exists() else usage.ru_maxrss
    return result, peak_kib / 1024, time.monotonic() - started


def _bomb_zip(folder, kz, name, member, data, method=zipfile.ZIP_DEFLATED):
    """A signed plain bundle whose payload member is ``data`` (hashes right)."""
    path = folder / name
    fmt.write_bundle(path, header(kz), [], kz.identity["private_key"])
    with zipfile.ZipFile(path) as old:
        manifest = __import__("json").loads(old.read(fmt.MANIFEST))
    manifest["members"][member] = manifest["payload_sha256"] = hashlib.sha256(data).hexdigest()
    manifest["change_count"] = data.count(b"\n")
    raw = fmt.canonical_bytes(manifest)
    from desktop_app.domain import identity

    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr(member, data)
        archive.writestr(fmt.MANIFEST, raw)
        archive.writestr(fmt.SIGNATURE, fmt.b64(identity.private_key(kz.identity["private_key"]).sign(raw)))
    return path


def build_cases(folder, kz) -> dict:
    cases = {}
    repeated = (line(kz) + "\n").encode()
    cases["zip-bomb"] = (_bomb_zip(folder, kz, "bomb.pdsync", fmt.PAYLOAD, repeated * 200_000), "zip bomb")
    encrypted = folder / "encrypted-bomb.pdsync"
    fmt.write_bundle(encrypted, header(kz), (line(kz) for _ in range(200_000)), kz.identity["private_key"], "x")
    cases["encrypted-bomb"] = (encrypted, "zip bomb")
    cases["long-line"] = (
        _bomb_zip(folder, kz, "long.pdsync", fmt.PAYLOAD, b"[" + b"1," * (3 << 20) + b"1]\n"),
        "MAX_LINE_BYTES",
    )
    unreferenced = folder / "unreferenced.pdsync"
    blobs = [(hashlib.sha256(c).hexdigest(), c) for c in (os.urandom(3 << 20) for _ in range(3))]
    fmt.write_bundle(unreferenced, header(kz), [line(kz)], kz.identity["private_key"], None, lambda: iter(blobs))
    cases["unreferenced-blobs"] = (unreferenced, "none of its changes refers")
    members = folder / "members.pdsync"
    with zipfile.ZipFile(members, "w") as archive:
        for number in range(fmt.MAX_MEMBERS + 10):
            archive.writestr(f"blobs/{number:064d}", b"")
    cases["too-many-members"] = (members, "MAX_")
    huge = folder / "huge.pdsync"
    with open(huge, "wb") as handle:
        handle.truncate(fmt.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    cases["huge-file"] = (huge, "MAX_FILE_BYTES")
    return cases


def test_every_limit_is_named_and_memory_stays_bounded(setting):
    folder, kz, target = setting
    before = target.read_bytes()
    for name, (path, words) in build_cases(folder, kz).items():
        result, peak, _seconds = import_measured(folder, target, path)
        PEAKS[name] = peak
        assert result.returncode == 2, (name, result.stderr)
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1, (name, result.stderr)
        assert peak < PEAK_LIMIT_MIB, (name, peak)
        assert target.read_bytes() == before, name


def test_scrypt_parameters_are_bounded_before_any_key_is_derived(setting):
    folder, kz, target = setting
    slow = folder / "slow.pdsync"
    fmt.write_bundle(slow, header(kz), [line(kz)], kz.identity["private_key"], "x")
    import json

    from desktop_app.domain import identity

    def with_parameters(n, p):
        with zipfile.ZipFile(slow) as old:
            members = {name: old.read(name) for name in old.namelist()}
        manifest = json.loads(members[fmt.MANIFEST])
        manifest["encryption"].update(n=n, p=p)
        raw = fmt.canonical_bytes(manifest)
        path = folder / f"scrypt-{n}-{p}.pdsync"
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in members.items():
                if name not in (fmt.MANIFEST, fmt.SIGNATURE):
                    archive.writestr(name, data)
            archive.writestr(fmt.MANIFEST, raw)
            archive.writestr(fmt.SIGNATURE, fmt.b64(identity.private_key(kz.identity["private_key"]).sign(raw)))
        return path

    for n, p in ((2**15, 2000), (2**40, 1), (2**20, 1)):
        result, peak, seconds = import_measured(folder, target, with_parameters(n, p))
        assert result.returncode == 2 and "SCRYPT" in result.stderr, result.stderr
        assert seconds < 10 and peak < PEAK_LIMIT_MIB
    # The most expensive parameters allowed: a wrong passphrase for the key they give, within bounds.
    result, peak, seconds = import_measured(folder, target, with_parameters(2**17, 4))
    PEAKS["scrypt-largest-allowed"] = peak
    assert result.returncode == 2 and "passphrase" in result.stderr, result.stderr
    assert peak < PEAK_LIMIT_MIB and seconds < 30


def test_a_big_part_is_checked_streamed_and_kept_outside_the_database(setting, tmp_path):
    folder, kz, target = setting
    whole = tmp_path / "whole.pdsync"
    fmt.write_bundle(whole, header(kz), [line(kz)], kz.identity["private_key"], None, lambda: iter([]))
    # A genuine part 1 of 2 whose bytes are 200 MB: the set announces a bundle that size.
    import json

    from desktop_app.domain import identity

    with zipfile.ZipFile(whole) as archive:
        manifest = json.loads(archive.read(fmt.MANIFEST))
    size = 400_000_000
    chunk = b"\0" * (1 << 20)
    part = tmp_path / "big.part-1-of-2.pdsync"
    digest = hashlib.sha256()
    with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED) as archive:
        with archive.open(zipfile.ZipInfo(fmt.PART, date_time=fmt.ZIP_TIME), "w", force_zip64=True) as out:
            for _ in range(200):
                out.write(chunk)
                digest.update(chunk)
        sender = {
            k: manifest[k]
            for k in (
                "format",
                "format_version",
                "bundle_id",
                "device_id",
                "device_name",
                "role",
                "country",
                "public_key",
                "created_at",
                "to",
            )
        }
        raw = fmt.canonical_bytes(
            {
                **sender,
                "members": {fmt.PART: digest.hexdigest()},
                "part": {
                    "bundle_id": manifest["bundle_id"],
                    "index": 1,
                    "count": 2,
                    "size": size,
                    "bundle_sha256": "0" * 64,
                },
            }
        )
        archive.writestr(fmt.MANIFEST, raw)
        archive.writestr(fmt.SIGNATURE, fmt.b64(identity.private_key(kz.identity["private_key"]).sign(raw)))
    before = target.stat().st_size
    result, peak, _seconds = import_measured(folder, target, part)
    PEAKS["200-MB-part"] = peak
    assert result.returncode == 0 and "waiting for part 2 of 2" in result.stdout, result.stderr
    assert peak < PEAK_LIMIT_MIB
    assert (
        target.stat().st_size == before
        and not os.path.exists(f"{target}-wal")
        or os.path.getsize(f"{target}-wal") < (1 << 20)
    )
    stored = list((folder / "unodc-parts").glob("*/*.bin"))
    assert len(stored) == 1 and stored[0].stat().st_size == 200 << 20
    for leftover in stored:
        leftover.unlink()


@pytest.mark.parametrize("passphrase", [None, "x"])
def test_the_largest_attachment_imports_within_the_memory_bound(setting, tmp_path, passphrase):
    folder, kz, target = setting
    content = os.urandom(fmt.MAX_BLOB_BYTES)
    digest = hashlib.sha256(content).hexdigest()
    me = kz.identity["device_id"]
    first = forge.log_end(kz)[0] + 1
    event, attachment = record_id_for(me, first), record_id_for(me, first + 4)
    fields = [
        ("event", event, "owner", "KZ"),
        ("event", event, "type", "webinar"),
        ("event", event, "title", "Big"),
        ("event", event, "start_date", "2025-01-01"),
        ("attachment", attachment, "owner", "KZ"),
        ("attachment", attachment, "event_id", event),
        ("attachment", attachment, "filename", "scan.pdf"),
        ("attachment", attachment, "sha256", digest),
        ("attachment", attachment, "size", len(content)),
    ]
    lines, head = forge.own_lines(
        kz, [{"kind": kind, "record_id": rid, "field": field, "value": value} for kind, rid, field, value in fields]
    )
    path = tmp_path / "largest.pdsync"
    blobs = [(digest, content)]
    del content
    forge.signed_bundle(
        kz, path, lines, {me: head}, passphrase, lambda: iter(blobs), vector={me: first + len(lines) - 1}
    )
    blobs.clear()
    result, peak, _seconds = import_measured(folder, target, path, "--dry-run")
    PEAKS[f"largest-attachment-{'encrypted' if passphrase else 'plain'}"] = peak
    assert result.returncode == 0, result.stderr
    assert peak < PEAK_LIMIT_MIB, peak

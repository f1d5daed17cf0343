"""Mutation fuzzing of `import` (SPEC §4.10): whatever the file, exit 0 or 2, one line, never a traceback,
and after exit 2 the database file is byte for byte what it was.

Inputs are mutations of real bundles (plain, encrypted, a part of a split one, with an attachment):
bytes flipped, cut or appended; members dropped, duplicated or renamed; manifest values and change-line
values replaced with other types, huge integers, long or deeply nested values — and then, for most of
them, hashes recomputed and the manifest signed again with the sender's key, so that the mutation
reaches the checks behind the signature. Runs in process for speed: every run makes CI_EXAMPLES inputs
(a few seconds); `FUZZ_EXAMPLES=100000` gives the long run.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.cli.main import build_parser, run_command
from desktop_app.domain import identity
from desktop_app.sync import bundle as fmt

PASSPHRASE = "fuzz пароль"
EXAMPLES = os.environ.get("FUZZ_EXAMPLES")
CI_EXAMPLES = 300  # under ten seconds on an idle machine: the bounded run of every test session


@pytest.fixture(scope="module", autouse=True)
def _remembered_keys():
    """Each distinct (passphrase, salt, n, r, p) is derived once: scrypt is slow on purpose, and every
    mutation of the encrypted seed would otherwise pay for it again."""
    original = fmt.derive_key
    fmt.derive_key = functools.lru_cache(maxsize=64)(original)
    yield
    fmt.derive_key = original


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Seed files from a delegation, and an empty secretariat database to import them into."""
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from desktop_app.domain.desk import Desk, put_record
    from desktop_app.storage.models import Blob
    from desktop_app.sync import api

    folder = tmp_path_factory.mktemp("fuzz")
    kz = Desk.create(folder / "kz.db", "kz", "delegation", "KZ")
    event = kz.put(
        "event",
        {
            "type": "bilateral_meeting",
            "title": "Встреча",
            "start_date": "2025-03-01",
            "parties": ["KZ", "UZ"],
            "participants_total": 5,
            "participants_women": 2,
        },
    )
    person = kz.put("person", {"full_name": "Айгерим Сапарова", "gender": "female"})
    kz.put("participation", {"event_id": event, "person_id": person, "role": "speaker"})
    content = b"agenda " * 300
    digest = hashlib.sha256(content).hexdigest()
    with kz.writing() as writer:
        writer.connection.execute(sqlite_insert(Blob).values(sha256=digest, content=content))
        put_record(
            writer, "attachment", {"event_id": event, "filename": "a.txt", "size": len(content), "sha256": digest}
        )
    seeds = {
        "plain": api.export_bundle(kz, folder / "plain.pdsync").paths[0],
        "encrypted": api.export_bundle(kz, folder / "encrypted.pdsync", passphrase=PASSPHRASE).paths[0],
        "part": api.export_bundle(kz, folder / "split.pdsync", max_size=fmt.MIN_PART_BYTES).paths[-1],
    }
    seeds = {name: path.read_bytes() for name, path in seeds.items()}
    target = folder / "unodc.db"
    unodc = Desk.create(target, "unodc", "secretariat")
    api.import_files(unodc, api.export_bundle(kz, folder / "hello.pdsync").paths, trust=[kz.fingerprint])
    unodc.close()  # kz is a confirmed contact, so that mutations reach every check after the signature
    passphrase_file = folder / "passphrase.txt"
    passphrase_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
    args = build_parser().parse_args(
        [
            "--db",
            str(folder / "run.db"),
            "import",
            str(folder / "candidate.pdsync"),
            "--passphrase-file",
            str(passphrase_file),
        ]
    )
    SEEDS.update(
        args=args,
        folder=folder,
        seeds=seeds,
        db=target.read_bytes(),
        key=kz.identity["private_key"],
        passphrase_file=passphrase_file,
    )
    yield SEEDS
    kz.close()


# ----- mutations -------------------------------------------------------------------------------


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, date_time=fmt.ZIP_TIME), data)
    return out.getvalue()


def _resign(members: list[tuple[str, bytes]], key: bytes, manifest: dict | None = None) -> list[tuple[str, bytes]]:
    """Hashes recomputed and the manifest signed again, as a sender with the key could do."""
    contents = dict(members)
    if manifest is None:
        try:
            manifest = json.loads(contents[fmt.MANIFEST])
        except (KeyError, ValueError):  # no manifest left to sign
            return members
    if isinstance(manifest, dict) and isinstance(manifest.get("members"), dict):
        for name in list(manifest["members"]):
            if name in contents:
                manifest["members"][name] = hashlib.sha256(contents[name]).hexdigest()
        payload = manifest.get("payload")
        if isinstance(payload, str) and payload in contents:
            manifest["payload_sha256"] = hashlib.sha256(contents[payload]).hexdigest()
    raw = json.dumps(manifest, ensure_ascii=False).encode()
    signature = fmt.b64(identity.private_key(key).sign(raw))
    out = []
    for name, data in members:
        out.append((name, raw if name == fmt.MANIFEST else signature.encode() if name == fmt.SIGNATURE else data))
    return out


def _odd_values():
    leaf = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.text(max_size=30),
        st.sampled_from(["", "deleted", "event", "9" * 5000, "\n", "2025-02-30", "KZ", "x" * 400]),
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
        max_leaves=6,
    )


def _deep(level: int):
    value = 1
    for _ in range(level):
        value = [value]
    return value


def _mutate_json(draw, value):
    """One value somewhere in a JSON document replaced, removed or added."""
    if not isinstance(value, (dict, list)) or not value or draw(st.integers(0, 4)) == 0:
        return draw(st.one_of(_odd_values(), st.integers(3, 40).map(_deep)))
    if isinstance(value, dict):
        key = draw(st.sampled_from(sorted(value)))
        action = draw(st.sampled_from(["replace", "drop", "add", "recurse"]))
        if action == "drop":
            return {k: v for k, v in value.items() if k != key}
        if action == "add":
            return {**value, draw(st.text(max_size=10)): draw(_odd_values())}
        if action == "replace":
            return {**value, key: draw(_odd_values())}
        return {**value, key: _mutate_json(draw, value[key])}
    index = draw(st.integers(0, len(value) - 1))
    return value[:index] + [_mutate_json(draw, value[index])] + value[index + 1 :]


SEEDS: dict = {}  # filled by the fixture; kept out of the strategy's arguments so that reports stay short


@st.composite
def mutated(draw):
    world = SEEDS
    seed_name = draw(st.sampled_from(sorted(world["seeds"])))
    data = world["seeds"][seed_name]
    kind = draw(st.sampled_from(["bytes", "cut", "members", "manifest", "lines", "sealed"]))
    if kind == "bytes":
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
        return seed_name, kind, bytes(data)
    if kind == "cut":
        cut = draw(st.integers(0, len(data)))
        return seed_name, kind, data[:cut] + draw(st.binary(max_size=64))
    members = _members(data)
    resign = draw(st.booleans()) or kind != "members"
    if kind == "members":
        index = draw(st.integers(0, len(members) - 1))
        action = draw(st.sampled_from(["drop", "duplicate", "rename", "add"]))
        name, content = members[index]
        if action == "drop":
            del members[index]
        elif action == "duplicate":
            members.insert(draw(st.integers(0, len(members))), (name, draw(st.sampled_from([content, b"{}"]))))
        elif action == "rename":
            members[index] = (
                draw(
                    st.sampled_from(
                        [
                            "../x",
                            "/abs",
                            "blobs/" + "0" * 64,
                            "changes.jsonl",
                            "manifest.json",
                            "part.bin",
                            "a\nb",
                            "c:d",
                        ]
                    )
                ),
                content,
            )
        else:
            members.append(
                (
                    draw(st.sampled_from(["extra", "blobs/" + "a" * 64, "registry.json", "registry.json.aes"])),
                    draw(
                        st.sampled_from([b'{"trusted":[],"revoked":[]}', b'{"trusted":[{}],"revoked":[]}', b"[" * 50])
                        | st.binary(max_size=40)
                    ),
                )
            )
    elif kind == "manifest":
        manifest = json.loads(dict(members)[fmt.MANIFEST])
        manifest = _mutate_json(draw, manifest)
        return seed_name, kind, _zip(_resign(members, world["key"], manifest))
    elif kind == "lines" and seed_name == "plain":
        lines = dict(members)[fmt.PAYLOAD].decode().splitlines()
        index = draw(st.integers(0, len(lines) - 1))
        choice = draw(st.sampled_from(["value", "drop", "duplicate", "raw"]))
        if choice == "value":
            lines[index] = json.dumps(_mutate_json(draw, json.loads(lines[index])), ensure_ascii=False)
        elif choice == "drop":
            del lines[index]
        elif choice == "duplicate":
            lines.insert(index, lines[index])
        else:
            lines[index] = draw(st.sampled_from(["", "[" * 3000, "{}", "null", lines[index][:-1], "\ufeff{}"]))
        payload = ("\n".join(lines) + "\n").encode()
        members = [(n, payload if n == fmt.PAYLOAD else d) for n, d in members]
    elif kind == "sealed" and seed_name == "encrypted":
        contents = dict(members)
        manifest = json.loads(contents[fmt.MANIFEST])
        enc = manifest["encryption"]
        key = fmt.derive_key(PASSPHRASE, fmt.base64.b64decode(enc["salt"]), enc["n"], enc["r"], enc["p"])
        body = json.loads(fmt._open_sealed(key, fmt.base64.b64decode(manifest["sealed"])))
        body = _mutate_json(draw, body)
        manifest["sealed"] = fmt.b64(fmt._seal(key, json.dumps(body).encode()))
        return seed_name, kind, _zip(_resign(members, world["key"], manifest))
    return seed_name, kind, _zip(_resign(members, world["key"]) if resign else members)


# ----- the property -----------------------------------------------------------------------------


def import_once(world, data: bytes) -> tuple[int, str, bool]:
    """Import ``data`` into a fresh copy of the database in this process: (exit status, stderr, db unchanged)."""
    folder: Path = world["folder"]
    db = folder / "run.db"
    for leftover in ("run-parts", "backups"):
        shutil.rmtree(folder / leftover, ignore_errors=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(world["db"])
    candidate = folder / "candidate.pdsync"
    candidate.write_bytes(data)
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        status = run_command(world["args"])
    return status, err.getvalue(), db.read_bytes() == world["db"]


def check_outcome(status: int, stderr: str, unchanged: bool) -> None:
    assert status in (0, 2), stderr
    assert "Traceback" not in stderr
    if status == 2:
        assert len(stderr.strip().splitlines()) == 1, stderr
        assert unchanged


def test_every_seed_imports(world):
    for name, data in world["seeds"].items():
        status, stderr, _unchanged = import_once(world, data)
        assert status == 0, (name, stderr)


def test_mutated_bundles_exit_0_or_2_and_leave_the_database_alone(world):
    count = int(EXAMPLES or CI_EXAMPLES)
    profile = settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    outcomes = {0: 0, 2: 0}

    @profile
    @given(st.data())
    def run(data):
        seed, kind, content = data.draw(mutated(), label="mutation")
        status, stderr, unchanged = import_once(world, content)
        check_outcome(status, stderr, unchanged)
        outcomes[status] += 1

    run()
    if EXAMPLES:
        print(f"\nfuzz: {sum(outcomes.values())} inputs, exit 0: {outcomes[0]}, exit 2: {outcomes[2]}")

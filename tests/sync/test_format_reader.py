"""FORMAT.md is enough: a reader and a writer written from it alone, with the standard library and
`cryptography`, never the program's code. The reader opens every kind of bundle the program writes;
the program imports what the writer writes."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import uuid
import zipfile
import zlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PASSPHRASE = "Астана 2024"


# ----- the independent reader ------------------------------------------------------------------


def _strict(data: bytes):
    def pairs(items):
        assert len(dict(items)) == len(items), "duplicate key"
        return dict(items)

    return json.loads(data.decode("utf-8"), object_pairs_hook=pairs)


def _open(archive: zipfile.ZipFile) -> tuple[dict, dict]:
    """§1, §3: members once each, signature over the manifest's bytes, every member's SHA-256."""
    names = archive.namelist()
    assert len(names) == len(set(names))
    raw = archive.read("manifest.json")
    manifest = _strict(raw)
    assert manifest["format"] == "platform-desk-sync" and manifest["format_version"].split(".")[0] == "3"
    key = base64.b64decode(manifest["public_key"], validate=True)
    Ed25519PublicKey.from_public_bytes(key).verify(base64.b64decode(archive.read("manifest.sig"), validate=True), raw)
    contents = {}
    assert set(names) - {"manifest.json", "manifest.sig"} == set(manifest["members"])
    for name, digest in manifest["members"].items():
        contents[name] = archive.read(name)
        assert hashlib.sha256(contents[name]).hexdigest() == digest
    return manifest, contents


def _gcm(key: bytes, data: bytes) -> bytes:
    return AESGCM(key).decrypt(data[:12], data[12:], None)


def read_file(path, passphrase: str | None = None) -> dict:
    """A whole bundle: manifest, body, change lines (parsed) and attachment contents by SHA-256."""
    with zipfile.ZipFile(path) as archive:
        manifest, contents = _open(archive)
    return decode(manifest, contents, passphrase)


def decode(manifest: dict, contents: dict, passphrase: str | None) -> dict:
    assert "part" not in manifest
    assert manifest["payload_sha256"] == manifest["members"][manifest["payload"]]
    encryption = manifest["encryption"]
    if encryption is None:
        body = {k: manifest[k] for k in ("vector", "base", "audience", "change_count", "blobs", "heads")}
        payload = contents["changes.jsonl"]
        blobs = {sha: contents[entry["member"]] for sha, entry in body["blobs"].items()}
    else:
        assert encryption["cipher"] == "AES-256-GCM" and encryption["kdf"] == "scrypt" and encryption["r"] == 8
        key = Scrypt(
            salt=base64.b64decode(encryption["salt"]),
            length=32,
            n=encryption["n"],
            r=encryption["r"],
            p=encryption["p"],
        ).derive(passphrase.encode("utf-8"))
        body = _strict(_gcm(key, base64.b64decode(manifest["sealed"])))
        inflater = zlib.decompressobj()
        payload = inflater.decompress(_gcm(key, contents["changes.jsonl.z.aes"])) + inflater.flush()
        assert inflater.eof and not inflater.unused_data
        blobs = {}
        for sha, entry in body["blobs"].items():
            assert re.fullmatch(r"blobs/\d{6}", entry["member"])
            padded = _gcm(key, contents[entry["member"]])
            assert len(padded) % 4096 == 0 and not any(padded[entry["size"] :])
            blobs[sha] = padded[: entry["size"]]
    assert payload == b"" or payload.endswith(b"\n")
    everything = [_strict(line) for line in payload.split(b"\n")[:-1]]
    assert len(everything) == body["change_count"]
    lines = [line for line in everything if set(line) != STUB]
    for line in lines:
        assert line["kind"] in ("event", "person", "participation", "action", "attachment")
        assert re.fullmatch(r"[0-9]{13}\.[0-9]{4}", line["hlc"], re.ASCII) and line["seq"] >= 1
        assert re.fullmatch(r"[0-9a-f]{32}", line["salt"]) and re.fullmatch(r"[0-9a-f]{64}", line["prev"])
        assert ("context" not in line) or line["field"] == "deleted"
        assert _canonical(line) in payload
    check_logs(manifest, body["heads"], everything)
    referenced = {line["value"] for line in lines if line["kind"] == "attachment" and line["field"] == "sha256"}
    for sha, content in blobs.items():
        assert hashlib.sha256(content).hexdigest() == sha and len(content) == body["blobs"][sha]["size"]
        assert sha in referenced
    return {"manifest": manifest, "body": body, "lines": lines, "blobs": blobs}


STUB = {"device_id", "digest", "prev", "seq"}


def _sha256(value) -> str:
    return hashlib.sha256(_canonical(value)).hexdigest()


def link_of(line: dict) -> tuple[str, str]:
    """§8: (prev, link) of a line or a stub."""
    digest = line["digest"] if set(line) == STUB else _sha256({k: v for k, v in line.items() if k != "prev"})
    return line["prev"], _sha256(
        {"device_id": line["device_id"], "digest": digest, "prev": line["prev"], "seq": line["seq"]}
    )


def check_logs(manifest: dict, heads: dict, lines: list[dict]) -> None:
    """§8: every line of an author links by hashes to the head it signed (the sender's checked with its key)."""
    by_author: dict[str, dict[int, tuple[str, str]]] = {}
    for line in lines:
        by_author.setdefault(line["device_id"], {})[line["seq"]] = link_of(line)
    for device, head in heads.items():
        if device == manifest["device_id"]:
            message = b"platform-desk-head\n" + f"{device}\n{head['seq']}\n{head['hash']}".encode()
            Ed25519PublicKey.from_public_bytes(base64.b64decode(manifest["public_key"])).verify(
                base64.b64decode(head["signature"]), message
            )
        log, seq, expected = by_author.get(device, {}), head["seq"], head["hash"]
        while seq in log:
            prev, link = log[seq]
            assert link == expected, (device, seq)
            seq, expected = seq - 1, prev
        assert seq > 0 or expected == "0" * 64


def read_parts(paths, passphrase: str | None = None) -> dict:
    """§9: check each part, put the set together, read the whole."""
    pieces, expected = {}, None
    for path in paths:
        with zipfile.ZipFile(path) as archive:
            manifest, contents = _open(archive)
        part = manifest["part"]
        assert set(manifest["members"]) == {"part.bin"}
        assert "vector" not in manifest and "change_count" not in manifest
        identity = (manifest["public_key"], part["bundle_id"], part["bundle_sha256"], part["count"], part["size"])
        assert expected in (None, identity)
        expected = identity
        pieces[part["index"]] = contents["part.bin"]
    public_key, bundle_id, digest, count, size = expected
    whole = b"".join(pieces[i] for i in range(1, count + 1))
    assert len(whole) == size and hashlib.sha256(whole).hexdigest() == digest
    with zipfile.ZipFile(io.BytesIO(whole)) as archive:
        manifest, contents = _open(archive)
    assert manifest["public_key"] == public_key and manifest["bundle_id"] == bundle_id
    return decode(manifest, contents, passphrase)


def fingerprint(public_key_b64: str) -> str:
    digest = hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()[:32].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


# ----- the bundles the program writes ---------------------------------------------------------


@pytest.fixture
def kz_with_attachment(offices):
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from desktop_app.domain.desk import put_record
    from desktop_app.storage.models import Blob

    kz = offices["kz"]
    event = kz.desk.put("event", {"type": "webinar", "title": "Вебинар о декларациях", "start_date": "2025-04-01"})
    for n in range(60):
        kz.desk.put("person", {"full_name": f"Участник {n}", "notes": hashlib.sha256(bytes(n)).hexdigest() * 8})
    content = os.urandom(9000)
    digest = hashlib.sha256(content).hexdigest()
    with kz.desk.writing() as writer:
        writer.connection.execute(sqlite_insert(Blob).values(sha256=digest, content=content))
        put_record(
            writer, "attachment", {"event_id": event, "filename": "agenda.pdf", "size": len(content), "sha256": digest}
        )
    kz.desk.delete(kz.desk.put("person", {"full_name": "Удалённый"}))
    return kz, digest, content


@pytest.mark.parametrize("kind", ["plain", "full", "to", "encrypted", "split", "split-encrypted"])
def test_the_independent_reader_reads_every_kind_of_bundle(offices, kz_with_attachment, kind):
    kz, digest, content = kz_with_attachment
    unodc = offices["unodc"]
    unodc.receive(*kz.send().paths)  # they know each other: kz can write --to unodc
    kz.receive(*unodc.send(kz).paths)
    kz.desk.put("event", {"type": "webinar", "title": "Новое", "start_date": "2025-05-01"})
    passphrase = PASSPHRASE if "encrypted" in kind else None
    result = kz.send(
        unodc if kind == "to" else None,
        full=kind != "plain" and kind != "to",
        passphrase=passphrase,
        max_size=9000 if kind.startswith("split") else None,
    )
    if kind.startswith("split"):
        assert len(result.paths) > 1
        read = read_parts(result.paths, passphrase)
    else:
        assert len(result.paths) == 1
        read = read_file(result.paths[0], passphrase)
    manifest, body = read["manifest"], read["body"]
    assert manifest["device_id"] == kz.device_id and fingerprint(manifest["public_key"]).count(" ") == 7
    assert body["change_count"] == result.change_count == len(read["lines"])
    titles = {line["value"] for line in read["lines"] if line["field"] == "title"}
    assert "Новое" in titles
    if kind == "to":
        assert manifest["to"] == unodc.device_id and body["audience"] == "device"
    if kind in ("plain", "to"):
        assert "Вебинар о декларациях" not in titles and body["base"]  # only what the recipient lacks
    else:
        assert "Вебинар о декларациях" in titles and read["blobs"] == {digest: content}
        assert any(line["field"] == "deleted" and line["value"] is True for line in read["lines"])
    if passphrase:
        readable = json.dumps(manifest)
        assert "vector" not in manifest and digest not in readable and "change_count" not in manifest


# ----- the independent writer ------------------------------------------------------------------


def _canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def write_bundle(
    path,
    key: Ed25519PrivateKey,
    device_id: str,
    lines: list[dict],
    blobs: dict[str, bytes],
    passphrase: str | None = None,
) -> None:
    public = base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    prev = "0" * 64
    for line in sorted(lines, key=lambda line: line["seq"]):  # §8: salt, and the link of the line before
        line.update(salt=os.urandom(16).hex(), prev=prev)
        prev = link_of(line)[1]
    top = max(line["seq"] for line in lines)
    message = b"platform-desk-head\n" + f"{device_id}\n{top}\n{prev}".encode()
    heads = {device_id: {"seq": top, "hash": prev, "signature": base64.b64encode(key.sign(message)).decode()}}
    payload = b"".join(_canonical(line) + b"\n" for line in lines)
    sender = {
        "format": "platform-desk-sync",
        "format_version": "3.0",
        "bundle_id": str(uuid.uuid4()),
        "device_id": device_id,
        "device_name": "Independent writer",
        "role": "delegation",
        "country": "KG",
        "public_key": public,
        "created_at": "2025-06-01T10:00:00+00:00",
        "to": None,
    }
    body = {
        "vector": {device_id: top},
        "base": {},
        "audience": "secretariat",
        "change_count": len(lines),
        "blobs": {},
        "heads": heads,
    }
    members = []
    if passphrase is None:
        members.append(("changes.jsonl", payload))
        for sha, content in sorted(blobs.items()):
            members.append((f"blobs/{sha}", content))
            body["blobs"][sha] = {"member": f"blobs/{sha}", "size": len(content)}
        extra = {"encryption": None, **body}
    else:
        salt = os.urandom(16)
        aes = AESGCM(Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(passphrase.encode()))

        def seal(data: bytes) -> bytes:
            nonce = os.urandom(12)
            return nonce + aes.encrypt(nonce, data, None)

        members.append(("changes.jsonl.z.aes", seal(zlib.compress(payload))))
        for number, (sha, content) in enumerate(sorted(blobs.items()), 1):
            name = f"blobs/{number:06d}"
            members.append((name, seal(content + bytes(-len(content) % 4096))))
            body["blobs"][sha] = {"member": name, "size": len(content)}
        extra = {
            "encryption": {
                "cipher": "AES-256-GCM",
                "kdf": "scrypt",
                "n": 2**14,
                "r": 8,
                "p": 1,
                "salt": base64.b64encode(salt).decode(),
            },
            "sealed": base64.b64encode(seal(_canonical(body))).decode(),
        }
    manifest = {
        **sender,
        **extra,
        "payload": members[0][0],
        "payload_sha256": hashlib.sha256(members[0][1]).hexdigest(),
        "members": {name: hashlib.sha256(data).hexdigest() for name, data in members},
    }
    raw = _canonical(manifest)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
        archive.writestr("manifest.json", raw)
        archive.writestr("manifest.sig", base64.b64encode(key.sign(raw)))


@pytest.mark.parametrize("passphrase", [None, PASSPHRASE])
def test_the_program_imports_what_the_independent_writer_writes(offices, tmp_path, passphrase):
    unodc = offices["unodc"]
    device = str(uuid.uuid4())
    # §4: a record's id is derived from its first line, here lines 1 and 4.
    namespace = uuid.UUID("6f1c3a52-7d0e-5b8a-9c41-2e8f5d7b3a90")
    event, attachment = str(uuid.uuid5(namespace, f"{device}:1")), str(uuid.uuid5(namespace, f"{device}:4"))
    content = "Повестка / Kun tartibi".encode() * 50
    digest = hashlib.sha256(content).hexdigest()
    fields = [
        ("event", event, "owner", "KG"),
        ("event", event, "type", "national_training"),
        ("event", event, "title", "Тренинг в Бишкеке"),
        ("attachment", attachment, "owner", "KG"),
        ("event", event, "start_date", "2025-06-02"),
        ("event", event, "end_date", "2025-06-03"),
        ("event", event, "parties", ["KG"]),
        ("attachment", attachment, "event_id", event),
        ("attachment", attachment, "filename", "agenda.txt"),
        ("attachment", attachment, "sha256", digest),
        ("attachment", attachment, "size", len(content)),
    ]
    lines = [
        {
            "device_id": device,
            "seq": seq,
            "hlc": f"17489000000{seq:02d}.0000",
            "kind": kind,
            "record_id": rid,
            "field": field,
            "value": value,
        }
        for seq, (kind, rid, field, value) in enumerate(fields, 1)
    ]
    path = tmp_path / "independent.pdsync"
    key = Ed25519PrivateKey.generate()
    write_bundle(path, key, device, lines, {digest: content}, passphrase)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    summary = unodc.receive(path, passphrase=passphrase, trust=[hashlib.sha256(public).hexdigest()[:32]])
    assert summary["new"] == 2, summary
    assert unodc.desk.get(event)["title"] == "Тренинг в Бишкеке"
    from desktop_app.domain.attachments import attachment_content

    assert attachment_content(unodc.desk, digest) == content

"""The ``.pdsync`` container (FORMAT.md): writing, and reading with every check of SPEC §4.

Reading never trusts the file. Before anything else the ZIP's central directory,
member names, flags, methods and sizes are checked; then the manifest (strict
JSON: bounded size, depth and integers, no duplicate keys) and its Ed25519
signature; only then is any content read, streamed in bounded chunks and checked
against the hashes the signed manifest gives. Every failure is an ``InputError``
naming the file and the problem, and every limit hit names the limit (FORMAT.md,
"Limits"). A bundle is never held whole in memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from desktop_app.domain import identity
from desktop_app.domain.schema import country_codes
from desktop_app.domain.validation import RECORD_ID
from desktop_app.errors import InputError, ValidationError, has_control, one_line
from desktop_app.i18n import _
from desktop_app.sync.lines import HEX64, canonical_bytes, check_change, is_id, is_seq, limit_error, strict_json

FORMAT = "platform-desk-sync"
FORMAT_VERSION = "3.0"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PAYLOAD = "changes.jsonl"
PAYLOAD_ENCRYPTED = "changes.jsonl.z.aes"
PART = "part.bin"
BLOBS = "blobs/"
REGISTRY = "registry.json"  # a secretariat's registry of trusted and revoked installations (FORMAT.md §12)
REGISTRY_ENCRYPTED = "registry.json.aes"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every member's timestamp: nothing about the sender's clock or zone
CHUNK = 1 << 16

# ----- limits (FORMAT.md, "Limits"; an error names the limit it hit) ------------------------------
MAX_FILE_BYTES = 1 << 30  # a bundle or part file, and a bundle assembled from parts
MAX_DIRECTORY_BYTES = 2 << 20  # the ZIP central directory
MAX_MEMBERS = 10_003  # ZIP members
MAX_MANIFEST_BYTES = 1 << 20  # manifest.json, and the sealed manifest inside it
MAX_SIGNATURE_BYTES = 1024
MAX_INFLATED_BYTES = 2 << 30  # the change lines after decompression
MAX_RATIO = 200  # inflated / compressed, once past RATIO_FLOOR
RATIO_FLOOR = 16 << 20
MAX_LINE_BYTES = 1 << 20
MAX_CHANGES = 5_000_000
MAX_BLOBS = 10_000
MAX_BLOB_BYTES = 50_000_000  # as attachments.MAX_ATTACHMENT_BYTES
SCRYPT_N_MIN, SCRYPT_N_MAX, SCRYPT_R, SCRYPT_P_MAX = 2**14, 2**17, 8, 4
MAX_PARTS = 1000
PART_OVERHEAD = 4096  # bytes of a part file that are not the bundle's bytes
MIN_PART_BYTES = 2 * PART_OVERHEAD  # the smallest --max-size
BLOB_PADDING = 4096  # encrypted attachments are padded to a multiple of this

SCRYPT_N = 2**15  # what this program writes
SALT_BYTES, NONCE_BYTES, TAG_BYTES = 16, 12, 16

_VECTOR = "vector"
_SENDER_TYPES = {
    "format": str,
    "format_version": str,
    "bundle_id": str,
    "device_id": str,
    "device_name": str,
    "role": str,
    "country": (str, type(None)),
    "public_key": str,
    "created_at": str,
    "to": (str, type(None)),
    "members": dict,
}
_BUNDLE_TYPES = {"payload": str, "payload_sha256": str, "encryption": (dict, type(None))}
_BODY_TYPES = {"vector": dict, "base": dict, "audience": str, "change_count": int, "blobs": dict, "heads": dict}


def b64(data: bytes) -> str:
    """Binary as base64 text (standard alphabet, padded), as the manifest writes keys, salts and signatures."""
    return base64.b64encode(data).decode("ascii")


# ----- encryption ------------------------------------------------------------------------------


def derive_key(passphrase: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = 1) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _seal(key: bytes, data: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, data, None)


def _open_sealed(key: bytes, data: bytes) -> bytes:
    if len(data) < NONCE_BYTES + TAG_BYTES:
        raise InvalidTag()
    return AESGCM(key).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], None)


# ----- writing -------------------------------------------------------------------------------


def _info(name: str, compress: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def write_bundle(
    path: Path,
    header: dict,
    lines: Iterable[str],
    private_key: bytes,
    passphrase: str | None = None,
    blobs: Callable[[], Iterable[tuple[str, bytes]]] | None = None,
    registry: dict | None = None,
) -> dict:
    """Write change lines (canonical JSON, FORMAT.md §4) to a signed bundle at ``path``; returns the manifest.

    ``header`` holds the sender's fields (device_id, device_name, role, country, public_key, created_at, to)
    and the body's (vector, base, audience, heads). ``blobs``, if given, is called once the lines are written and
    yields (sha256, content) of attachments; ``registry`` (secretariats only) lists the installations
    the sender trusts and those it revoked. The caller gives a temporary path and renames it.
    """
    body_keys = ("vector", "base", "audience", "heads")
    body = {key: header[key] for key in body_keys if key in header}
    body.setdefault("base", {})
    body.setdefault("audience", "everyone")
    body.setdefault("heads", {})
    sender = {key: value for key, value in header.items() if key not in body_keys}
    digest = hashlib.sha256()
    count = 0
    key = salt = None
    if passphrase is not None:
        salt = os.urandom(SALT_BYTES)
        key = derive_key(passphrase, salt)
    members: dict[str, str] = {}
    blob_table: dict[str, dict] = {}
    with zipfile.ZipFile(path, "w") as archive:
        if key is None:
            member = PAYLOAD
            with archive.open(_info(PAYLOAD), "w", force_zip64=True) as out:
                for line in lines:
                    data = (line + "\n").encode("utf-8")
                    digest.update(data)
                    out.write(data)
                    count += 1
        else:
            member = PAYLOAD_ENCRYPTED
            nonce = os.urandom(NONCE_BYTES)
            encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
            compressor = zlib.compressobj(6)
            with archive.open(_info(PAYLOAD_ENCRYPTED, zipfile.ZIP_STORED), "w", force_zip64=True) as out:

                def emit(data: bytes) -> None:
                    digest.update(data)
                    out.write(data)

                emit(nonce)
                for line in lines:
                    emit(encryptor.update(compressor.compress((line + "\n").encode("utf-8"))))
                    count += 1
                emit(encryptor.update(compressor.flush()))
                emit(encryptor.finalize() + encryptor.tag)
        members[member] = digest.hexdigest()
        for number, (sha256, content) in enumerate(blobs() if blobs else (), start=1):
            blob_table[sha256] = {"member": f"{BLOBS}{sha256}", "size": len(content)}
            if key is None:
                name = f"{BLOBS}{sha256}"
                archive.writestr(_info(name), content)
            else:
                name = blob_table[sha256]["member"] = f"{BLOBS}{number:06d}"
                content = _seal(key, content + bytes(-len(content) % BLOB_PADDING))
                archive.writestr(_info(name, zipfile.ZIP_STORED), content)
            members[name] = hashlib.sha256(content).hexdigest()
        if registry is not None:
            data = canonical_bytes(registry)
            name = REGISTRY if key is None else REGISTRY_ENCRYPTED
            data = data if key is None else _seal(key, data)
            archive.writestr(_info(name, zipfile.ZIP_DEFLATED if key is None else zipfile.ZIP_STORED), data)
            members[name] = hashlib.sha256(data).hexdigest()
        body = {**body, "change_count": count, "blobs": blob_table}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "bundle_id": str(uuid.uuid4()),
            **sender,
            "payload": member,
            "payload_sha256": digest.hexdigest(),
            "members": members,
        }
        if key is None:
            manifest.update(encryption=None, **body)
        else:
            manifest["encryption"] = {
                "cipher": "AES-256-GCM",
                "kdf": "scrypt",
                "n": SCRYPT_N,
                "r": SCRYPT_R,
                "p": 1,
                "salt": b64(salt or b""),
            }
            manifest["sealed"] = b64(_seal(key, canonical_bytes(body)))
        _write_signed_manifest(archive, manifest, private_key)
    return {**manifest, **body}


def _write_signed_manifest(archive: zipfile.ZipFile, manifest: dict, private_key: bytes) -> None:
    data = canonical_bytes(manifest)
    archive.writestr(_info(MANIFEST), data)
    archive.writestr(_info(SIGNATURE), b64(identity.private_key(private_key).sign(data)))


def check_max_size(max_size: int | None) -> None:
    """Refuse a ``--max-size`` too small for a part before anything is written."""
    if max_size is not None and max_size < MIN_PART_BYTES:
        raise InputError(_("--max-size: must be at least {minimum} bytes").format(minimum=MIN_PART_BYTES))


def split_bundle(path: Path, max_size: int, private_key: bytes, stem: str) -> list[Path]:
    """Cut a written bundle into ``STEM.part-I-of-N.pdsync.partial`` files of at most ``max_size`` bytes each.

    Returns the parts' temporary paths (the caller renames them); the bundle itself is left in place.
    """
    check_max_size(max_size)
    size = path.stat().st_size
    chunk = max_size - PART_OVERHEAD
    count = -(-size // chunk)
    if count > MAX_PARTS:
        raise limit_error("--max-size", "MAX_PARTS", MAX_PARTS)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    whole = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(CHUNK):
            whole.update(block)
    sender = {key: manifest[key] for key in _SENDER_TYPES if key != "members"}
    parts = []
    with open(path, "rb") as source:
        for index in range(1, count + 1):
            target = path.with_name(f"{stem}.part-{index}-of-{count}.pdsync.partial")
            data = source.read(chunk)
            part_manifest = {
                **sender,
                "members": {PART: hashlib.sha256(data).hexdigest()},
                "part": {
                    "bundle_id": manifest["bundle_id"],
                    "index": index,
                    "count": count,
                    "size": size,
                    "bundle_sha256": whole.hexdigest(),
                },
            }
            parts.append(target)
            with zipfile.ZipFile(target, "w") as archive:
                archive.writestr(_info(PART, zipfile.ZIP_STORED), data)
                _write_signed_manifest(archive, part_manifest, private_key)
    return parts


# ----- reading -------------------------------------------------------------------------------


@contextmanager
def _damaged(name: str):
    """Whatever the ZIP or deflate layer raises on a damaged file becomes one refusal."""
    try:
        yield
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
        ValueError,
        struct.error,
        KeyError,
        IndexError,
        OverflowError,
        OSError,
    ):
        raise InputError(
            _("{name}: not a Platform Desk bundle, or damaged or truncated").format(name=one_line(name))
        ) from None


class Bundle:
    """An opened bundle or part file whose structure, manifest and signature have been checked.

    For a bundle, ``unseal(passphrase)`` reads the body (vector, base, audience, change count, attachments)
    — from the signed manifest, or decrypted from its ``sealed`` field — into ``manifest``;
    ``check(passphrase)`` then reads everything once without storing anything.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.name = one_line(self.path.name)
        self.key: bytes | None = None
        self.body: dict | None = None
        self.referenced: set[str] = set()
        self.checked = False  # ``check`` passed
        self.damaged = False  # a line was refused (a bundle assembled from parts is then dropped from their store)
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            raise InputError(_("{name}: no such file").format(name=self.name)) from None
        except OSError as error:
            raise InputError(
                _("{name}: cannot be read ({reason})").format(name=self.name, reason=error.strerror)
            ) from None
        if size > MAX_FILE_BYTES:
            raise limit_error(self.path.name, "MAX_FILE_BYTES", MAX_FILE_BYTES)
        with _damaged(self.path.name):
            with open(self.path, "rb") as handle:
                end = zipfile._EndRecData(handle)  # type: ignore[attr-defined]  # the central directory's size, before zipfile reads it
            if end is None:
                raise zipfile.BadZipFile()
            if end[zipfile._ECD_SIZE] > MAX_DIRECTORY_BYTES:  # type: ignore[attr-defined]
                raise limit_error(self.path.name, "MAX_DIRECTORY_BYTES", MAX_DIRECTORY_BYTES)
            if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_MEMBERS:  # type: ignore[attr-defined]
                raise limit_error(self.path.name, "MAX_MEMBERS", MAX_MEMBERS)
            self.archive = zipfile.ZipFile(self.path)
        try:
            self._check_members()
            raw = self._read_small(MANIFEST, MAX_MANIFEST_BYTES)
            signature_text = self._read_small(SIGNATURE, MAX_SIGNATURE_BYTES)
            signature = self._unb64(signature_text, "manifest.sig")
            self.manifest = strict_json(raw, f"{self.path.name}: {MANIFEST}")
            self._check_sender_fields()
            self.public_key = self._unb64(self.manifest["public_key"], "public_key")
            try:
                identity.public_key(self.public_key).verify(signature, raw)
            except (InvalidSignature, ValueError):
                raise self._error(_("the signature does not match: the file was changed or forged")) from None
            self._check_layout()
        except BaseException:
            self.archive.close()
            raise

    def close(self) -> None:
        self.archive.close()

    def _error(self, message: str) -> InputError:
        return InputError(f"{self.name}: {message}")

    def _wrong(self, key: str) -> InputError:
        return self._error(_("the manifest's “{key}” is missing or of the wrong type").format(key=key))

    def _unb64(self, text, what: str) -> bytes:
        try:
            return base64.b64decode(text, validate=True)
        except (ValueError, TypeError):
            raise self._error(_("the manifest's {what} is not valid base64").format(what=what)) from None

    @property
    def is_part(self) -> bool:
        return "part" in self.manifest

    # ----- structure ----------------------------------------------------------------------------

    def _check_members(self) -> None:
        seen: set[str] = set()
        for info in self.archive.infolist():
            name = info.filename
            if name in seen:
                raise self._error(_("“{name}” appears twice inside the bundle").format(name=one_line(name)))
            seen.add(name)
            if (
                name.startswith(("/", "\\"))
                or ".." in name.replace("\\", "/").split("/")
                or ":" in name
                or has_control(name)
            ):
                raise self._error(_("unsafe path “{name}” inside the bundle").format(name=one_line(name)))
            if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self._error(
                    _("“{name}” is stored in a way this program does not read").format(name=one_line(name))
                )
            if info.file_size > MAX_INFLATED_BYTES:
                raise limit_error(f"{self.path.name}: {name}", "MAX_INFLATED_BYTES", MAX_INFLATED_BYTES)
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise self._error(
                    _("“{name}” would inflate to {size} bytes: refused as a zip bomb").format(
                        name=one_line(name), size=info.file_size
                    )
                )
        for required in (MANIFEST, SIGNATURE):
            if required not in seen:
                raise self._error(_("“{name}” is missing: not a Platform Desk bundle").format(name=required))

    def _read_small(self, name: str, limit: int) -> bytes:
        with _damaged(self.path.name), self.archive.open(name) as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise limit_error(
                f"{self.path.name}: {name}", "MAX_MANIFEST_BYTES" if name == MANIFEST else "MAX_SIGNATURE_BYTES", limit
            )
        return data

    def _check_types(self, source: dict, types: dict, where: str = "") -> None:
        for key, expected in types.items():
            if key not in source or not isinstance(source[key], expected) or isinstance(source[key], bool):
                raise self._wrong(where + key)

    def _check_sender_fields(self) -> None:
        manifest = self.manifest
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise self._error(_("not a Platform Desk bundle (unknown format)"))
        version = manifest.get("format_version")
        if not isinstance(version, str) or not re.fullmatch(r"[0-9]{1,6}\.[0-9]{1,6}", version, re.ASCII):
            raise self._wrong("format_version")
        major, known = version.split(".")[0], FORMAT_VERSION.split(".")[0]
        if int(major) < int(known):
            raise self._error(
                _(
                    "format version {found} is older than this program reads ({known}); "
                    "the sender must update Platform Desk"
                ).format(found=one_line(version), known=FORMAT_VERSION)
            )
        if int(major) > int(known):
            raise self._error(
                _(
                    "format version {found} is newer than this program reads ({known}); install the newer Platform Desk"
                ).format(found=one_line(version), known=FORMAT_VERSION)
            )
        self._check_types(manifest, _SENDER_TYPES)
        if (
            manifest["role"] not in ("delegation", "secretariat")
            or not RECORD_ID.fullmatch(manifest["device_id"])
            or not manifest["device_name"].strip()
            or len(manifest["device_name"]) > 200
        ):
            raise self._error(_("the manifest names no valid sender"))
        if has_control(manifest["device_name"]):
            raise self._error(
                _("the sender's name “{name}” holds control characters: refused").format(
                    name=one_line(manifest["device_name"])
                )
            )
        if manifest["to"] is not None and not RECORD_ID.fullmatch(manifest["to"]):
            raise self._wrong("to")
        if not RECORD_ID.fullmatch(manifest["bundle_id"]):
            raise self._wrong("bundle_id")
        if manifest["country"] is not None and not re.fullmatch(r"[A-Z]{2}", manifest["country"], re.ASCII):
            raise self._wrong("country")

    def _check_layout(self) -> None:
        manifest = self.manifest
        members = manifest["members"]
        if not all(isinstance(v, str) and HEX64.fullmatch(v) for v in members.values()):
            raise self._wrong("members")
        listed = set(members)
        present = set(self.archive.namelist()) - {MANIFEST, SIGNATURE}
        if present - listed:
            raise self._error(
                _("“{name}” is not listed in the manifest").format(name=one_line(sorted(present - listed)[0]))
            )
        if listed - present:
            raise self._error(
                _("“{name}” is listed in the manifest but missing").format(name=one_line(sorted(listed - present)[0]))
            )
        if "part" in manifest:
            part = manifest["part"]
            if not (
                isinstance(part, dict)
                and isinstance(part.get("index"), int)
                and isinstance(part.get("count"), int)
                and not isinstance(part.get("index"), bool)
                and not isinstance(part.get("count"), bool)
                and 1 <= part["index"] <= part["count"]
                and isinstance(part.get("size"), int)
                and not isinstance(part.get("size"), bool)
                and 0 < part["size"]
                and part.get("bundle_id") == manifest["bundle_id"]
                and isinstance(part.get("bundle_sha256"), str)
                and HEX64.fullmatch(part["bundle_sha256"])
                and listed == {PART}
            ):
                raise self._wrong("part")
            if part["count"] > MAX_PARTS:
                raise limit_error(self.path.name, "MAX_PARTS", MAX_PARTS)
            if part["size"] > MAX_FILE_BYTES:
                raise limit_error(self.path.name, "MAX_FILE_BYTES", MAX_FILE_BYTES)
            if self.archive.getinfo(PART).file_size > part["size"]:
                raise self._wrong("part")
            return
        self._check_types(manifest, _BUNDLE_TYPES)
        payload = PAYLOAD if manifest["encryption"] is None else PAYLOAD_ENCRYPTED
        if manifest["payload"] != payload or payload not in listed or members[payload] != manifest["payload_sha256"]:
            raise self._wrong("payload")
        registry = REGISTRY if manifest["encryption"] is None else REGISTRY_ENCRYPTED
        if len(listed - {registry}) - 1 > MAX_BLOBS:
            raise limit_error(self.path.name, "MAX_BLOBS", MAX_BLOBS)
        if not all(name.startswith(BLOBS) for name in listed - {payload, registry}):
            raise self._wrong("members")
        if manifest["encryption"] is None:
            self._check_body(manifest)
        else:
            encryption = manifest["encryption"]
            if not isinstance(manifest.get("sealed"), str):
                raise self._wrong("sealed")
            n, r, p = encryption.get("n"), encryption.get("r"), encryption.get("p")
            if not (
                encryption.get("cipher") == "AES-256-GCM"
                and encryption.get("kdf") == "scrypt"
                and all(isinstance(v, int) and not isinstance(v, bool) for v in (n, r, p))
                and isinstance(encryption.get("salt"), str)
            ):
                raise self._wrong("encryption")
            if not (
                SCRYPT_N_MIN <= n <= SCRYPT_N_MAX and n & (n - 1) == 0 and r == SCRYPT_R and 1 <= p <= SCRYPT_P_MAX
            ):
                raise limit_error(self.path.name, "SCRYPT_N ≤ 2^17, SCRYPT_R = 8, SCRYPT_P ≤ 4", SCRYPT_N_MAX)
            if len(self._unb64(encryption["salt"], "salt")) != SALT_BYTES:
                raise self._wrong("encryption")

    def _check_body(self, body) -> None:
        """The vector, base, audience, change count and attachment table, in the manifest or sealed inside it."""
        if not isinstance(body, dict):
            raise self._wrong("sealed")
        self._check_types(body, _BODY_TYPES)
        for key in ("vector", "base"):
            if not all(
                isinstance(k, str)
                and RECORD_ID.fullmatch(k)
                and isinstance(v, int)
                and not isinstance(v, bool)
                and v >= 0
                for k, v in body[key].items()
            ):
                raise self._wrong(key)
        if body["audience"] not in ("device", "secretariat", "everyone"):
            raise self._wrong("audience")
        if not all(
            is_id(device)
            and isinstance(head, dict)
            and set(head) == {"seq", "hash", "signature"}
            and is_seq(head["seq"])
            and isinstance(head["hash"], str)
            and HEX64.fullmatch(head["hash"])
            and isinstance(head["signature"], str)
            and len(head["signature"]) <= 100
            for device, head in body["heads"].items()
        ):
            raise self._wrong("heads")
        if not 0 <= body["change_count"] <= MAX_CHANGES:
            raise limit_error(self.path.name, "MAX_CHANGES", MAX_CHANGES)
        names = set(self.manifest["members"]) - {self.manifest["payload"], REGISTRY, REGISTRY_ENCRYPTED}
        table = body["blobs"]
        plain = self.manifest["encryption"] is None
        for sha256, entry in table.items():
            if not (
                HEX64.fullmatch(sha256)
                and isinstance(entry, dict)
                and set(entry) == {"member", "size"}
                and isinstance(entry["size"], int)
                and not isinstance(entry["size"], bool)
                and 0 <= entry["size"] <= MAX_BLOB_BYTES
                and isinstance(entry["member"], str)
                and entry["member"] in names
                and (not plain or entry["member"] == BLOBS + sha256)
            ):
                raise self._wrong("blobs")
        if {entry["member"] for entry in table.values()} != names or len(table) != len(names):
            raise self._wrong("blobs")
        for entry in table.values():
            stored = self.archive.getinfo(entry["member"]).file_size
            expected = (
                entry["size"] if plain else NONCE_BYTES + entry["size"] + (-entry["size"] % BLOB_PADDING) + TAG_BYTES
            )
            if stored != expected:
                raise self._wrong("blobs")

    def unseal(self, passphrase: str | None) -> dict:
        """The body; for an encrypted bundle, derive the key and decrypt the sealed manifest first."""
        if self.body is not None:
            return self.body
        encryption = self.manifest["encryption"]
        if encryption is None:
            self.body = {key: self.manifest[key] for key in _BODY_TYPES}
            return self.body
        if passphrase is None:
            raise self._error(_("this bundle is encrypted: give its passphrase with --passphrase-file"))
        self.key = derive_key(
            passphrase, self._unb64(encryption["salt"], "salt"), encryption["n"], encryption["r"], encryption["p"]
        )
        sealed = self._unb64(self.manifest["sealed"], "sealed")
        if len(sealed) > MAX_MANIFEST_BYTES:
            raise limit_error(self.path.name, "MAX_MANIFEST_BYTES", MAX_MANIFEST_BYTES)
        try:
            inner = _open_sealed(self.key, sealed)
        except InvalidTag:
            raise self._error(_("wrong passphrase, or the encrypted content was changed")) from None
        body = strict_json(inner, f"{self.path.name}: sealed")
        self._check_body(body)
        self.body = {key: body[key] for key in _BODY_TYPES}
        self.manifest = {**self.manifest, **self.body}
        return self.body

    # ----- content --------------------------------------------------------------------------

    def _member_chunks(self, name: str) -> Iterator[bytes]:
        """The member's bytes as stored, checked against the manifest's SHA-256 once fully read."""
        digest = hashlib.sha256()
        with _damaged(self.path.name), self.archive.open(name) as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                yield chunk
        if digest.hexdigest() != self.manifest["members"][name]:
            raise self._error(_("the content does not match its SHA-256: the file was changed or damaged"))

    def copy_part(self, out) -> int:
        """Write the part's bytes to the open file ``out`` once they match their hash; returns their count."""
        total = 0
        for chunk in self._member_chunks(PART):
            total += len(chunk)
            out.write(chunk)
        return total

    def _decrypted_chunks(self, name: str) -> Iterator[bytes]:
        """A member laid out nonce ‖ ciphertext ‖ tag, decrypted as it streams; the tag is checked at the end."""
        size = self.archive.getinfo(name).file_size
        if size < NONCE_BYTES + TAG_BYTES:
            raise InvalidTag()
        left = size - NONCE_BYTES - TAG_BYTES
        held = b""
        decryptor = None
        for chunk in self._member_chunks(name):
            held += chunk
            if decryptor is None:
                if len(held) < NONCE_BYTES:
                    continue
                assert self.key is not None  # unsealed above
                decryptor = Cipher(algorithms.AES(self.key), modes.GCM(held[:NONCE_BYTES])).decryptor()
                held = held[NONCE_BYTES:]
            take = min(len(held), left)
            ciphertext, held = held[:take], held[take:]
            left -= take
            yield decryptor.update(ciphertext)
        if decryptor is None or len(held) != TAG_BYTES:
            raise InvalidTag()
        decryptor.finalize_with_tag(held)

    def _plain_chunks(self, passphrase: str | None) -> Iterator[bytes]:
        """The change lines' bytes: from the ZIP, or decrypted and inflated with every limit applied."""
        self.unseal(passphrase)
        if self.key is None:
            yield from self._member_chunks(PAYLOAD)
            return
        inflater = zlib.decompressobj()
        consumed = produced = 0
        try:
            for data in self._decrypted_chunks(PAYLOAD_ENCRYPTED):
                consumed += len(data)
                while data:
                    out = inflater.decompress(data, CHUNK)
                    data = inflater.unconsumed_tail
                    produced += len(out)
                    if produced > MAX_INFLATED_BYTES:
                        raise limit_error(self.path.name, "MAX_INFLATED_BYTES", MAX_INFLATED_BYTES)
                    if produced > RATIO_FLOOR and produced > MAX_RATIO * consumed:
                        raise self._error(_("the payload inflates too far: refused as a zip bomb"))
                    yield out
            if not inflater.eof or inflater.unused_data:
                raise self._error(_("wrong passphrase, or the encrypted content was changed"))
        except (InvalidTag, zlib.error):
            raise self._error(_("wrong passphrase, or the encrypted content was changed")) from None

    def blobs(self, passphrase: str | None = None) -> Iterator[tuple[str, bytearray]]:
        """Attachment contents carried by the bundle, each checked against its SHA-256 and size.

        Each is streamed into one buffer (no second copy), so that the largest allowed attachment
        stays well within the memory bound."""
        body = self.unseal(passphrase)
        for sha256, entry in sorted(body["blobs"].items()):
            content = bytearray(self.archive.getinfo(entry["member"]).file_size)  # allocated once, never grown
            filled = 0
            try:
                for chunk in (
                    self._member_chunks(entry["member"])
                    if self.key is None
                    else self._decrypted_chunks(entry["member"])
                ):
                    content[filled : filled + len(chunk)] = chunk
                    filled += len(chunk)
            except InvalidTag:
                raise self._error(_("wrong passphrase, or the encrypted content was changed")) from None
            del content[filled:]
            if self.key is not None:
                if any(memoryview(content)[entry["size"] :]):
                    raise self._error(_("the content does not match its SHA-256: the file was changed or damaged"))
                del content[entry["size"] :]
            if len(content) != entry["size"] or hashlib.sha256(content).hexdigest() != sha256:
                raise self._error(_("the content does not match its SHA-256: the file was changed or damaged"))
            yield sha256, content

    def registry(self, passphrase: str | None = None) -> dict:
        """The sender's registry of trusted and revoked installations (empty if it carries none)."""
        self.unseal(passphrase)
        name = next((n for n in (REGISTRY, REGISTRY_ENCRYPTED) if n in self.manifest["members"]), None)
        if name is None:
            return {"trusted": [], "revoked": []}
        if self.archive.getinfo(name).file_size > MAX_MANIFEST_BYTES:
            raise limit_error(f"{self.path.name}: {name}", "MAX_MANIFEST_BYTES", MAX_MANIFEST_BYTES)
        data = b"".join(self._member_chunks(name))
        if self.key is not None:
            try:
                data = _open_sealed(self.key, data)
            except InvalidTag:
                raise self._error(_("wrong passphrase, or the encrypted content was changed")) from None
        registry = strict_json(data, f"{self.path.name}: {name}")
        if not (
            isinstance(registry, dict)
            and isinstance(registry.get("trusted"), list)
            and isinstance(registry.get("revoked"), list)
            and all(
                self._registry_entry(entry, listing)
                for listing in ("trusted", "revoked")
                for entry in registry[listing]
            )
        ):
            raise self._error(_("the registry of installations is damaged"))
        return registry

    def _registry_entry(self, entry, listing: str) -> bool:
        try:
            return (
                isinstance(entry, dict)
                and isinstance(entry["device_id"], str)
                and bool(RECORD_ID.fullmatch(entry["device_id"]))
                and isinstance(entry["device_name"], str)
                and entry["role"] in ("delegation", "secretariat")
                and (entry["country"] is None or entry["country"] in country_codes())
                and isinstance(entry["public_key"], str)
                and len(base64.b64decode(entry["public_key"], validate=True)) == 32
                and (
                    listing == "trusted"
                    or (isinstance(entry["seq"], int) and not isinstance(entry["seq"], bool) and entry["seq"] >= 0)
                )
            )
        except (KeyError, TypeError, ValueError):
            return False

    def check(self, passphrase: str | None = None, lines: bool = True) -> None:
        """Read everything once, storing nothing: the tag, every line, every attachment and what refers to it,
        and the registry if there is one. ``lines=False`` leaves the lines and what refers to the attachments
        to the one pass that stages them (``changes``, then ``check_attachments``): an import reads each line once,
        in the transaction that a bad line rolls back."""
        if lines:
            for _change in self.changes(passphrase):
                pass
        self.registry(passphrase)
        for _blob in self.blobs(passphrase):
            pass
        if lines:
            self.check_attachments(passphrase)
        self.checked = True

    def check_attachments(self, passphrase: str | None = None) -> None:
        """Once every line was read: each attachment's content carried is referred to by one of them."""
        if set(self.unseal(passphrase)["blobs"]) - self.referenced:
            raise self._error(_("it carries the content of an attachment none of its changes refers to"))

    def changes(self, passphrase: str | None = None) -> Iterator[dict]:
        """Each change line, checked and normalised; refuses the bundle at the first bad line."""
        try:
            yield from self._changes(passphrase)
        except InputError:
            self.damaged = True
            raise

    def _changes(self, passphrase: str | None) -> Iterator[dict]:
        pending = b""
        number = 0
        stated = self.unseal(passphrase)["change_count"]
        for chunk in self._plain_chunks(passphrase):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            if len(pending) > MAX_LINE_BYTES:
                raise limit_error(f"{self.path.name}: line {number + len(lines) + 1}", "MAX_LINE_BYTES", MAX_LINE_BYTES)
            for line in lines:
                number += 1
                if len(line) > MAX_LINE_BYTES:
                    raise limit_error(f"{self.path.name}: line {number}", "MAX_LINE_BYTES", MAX_LINE_BYTES)
                if number > stated:
                    raise self._error(
                        _("it holds {found} changes but its manifest says {stated}").format(
                            found=f"{number}+", stated=stated
                        )
                    )
                yield self._change(number, line)
        if pending:
            raise self._error(_("line {number}: not valid JSON").format(number=number + 1))
        if number != stated:
            raise self._error(
                _("it holds {found} changes but its manifest says {stated}").format(found=number, stated=stated)
            )

    def _change(self, number: int, line: bytes) -> dict:
        change = strict_json(line, f"{self.path.name}: line {number}")
        try:
            change = check_change(change)
        except ValidationError as error:
            raise self._error(_("line {number}: {problem}").format(number=number, problem=one_line(error))) from None
        if (
            not change.get("stub")
            and change["kind"] == "attachment"
            and change["field"] == "sha256"
            and change["value"] is not None
        ):
            self.referenced.add(change["value"])
        return change

"""The ``.pdsync`` file format (FORMAT.md): writing, and reading with every check of SPEC §4.

Reading never trusts the file: member names, sizes, the manifest's shape, the
signature, the payload hash, the encryption tag and every change line are
checked, and any failure is an ``InputError`` naming the problem. Payloads are
streamed in both directions; a bundle is never held whole in memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from desktop_app.domain import identity
from desktop_app.domain.errors import InputError, ValidationError
from desktop_app.domain.authority import SECRETARIAT
from desktop_app.domain.schema import DELETED, KINDS, OWNER, country_codes
from desktop_app.domain.validation import coerce_fields
from desktop_app.i18n import _

FORMAT = "platform-desk-sync"
FORMAT_VERSION = "2.0"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PAYLOAD = "changes.jsonl"
PAYLOAD_ENCRYPTED = "changes.jsonl.z.aes"
PART = "part.bin"
REGISTRY = "registry.json"  # a secretariat's registry of trusted and revoked installations
REGISTRY_ENCRYPTED = "registry.json.aes"
BLOBS = "blobs/"  # attachment contents: blobs/<sha256>
MAX_BLOB_BYTES = 64 << 20

MAX_MANIFEST_BYTES = 4 << 20
MAX_PAYLOAD_BYTES = 2 << 30
MAX_RATIO = 200  # a member inflating more than this (and past 16 MiB) is a zip bomb
MAX_LINE_BYTES = 1 << 20
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 1
CHUNK = 1 << 16

_HLC = re.compile(r"^\d{13}\.\d{4}$")
_BLOB_NAME = re.compile(r"^blobs/[0-9a-f]{64}$")
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_CHANGE_KEYS = {"device_id", "seq", "hlc", "kind", "record_id", "field", "value"}
_MANIFEST_TYPES = {
    "format": str, "format_version": str, "bundle_id": str, "device_id": str, "device_name": str,
    "role": str, "country": (str, type(None)), "public_key": str, "created_at": str, "vector": dict,
    "to": (str, type(None)), "change_count": int, "payload": str, "payload_sha256": str, "members": dict,
    "encryption": (dict, type(None)),
}


def _refuse(message: str) -> InputError:
    return InputError(message)


# ----- writing -------------------------------------------------------------------------------

def _derive_key(passphrase: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def write_bundle(path: Path, header: dict, lines: Iterable[str], private_key: bytes,
                 passphrase: str | None = None, blobs=None, registry: dict | None = None) -> dict:
    """Write change lines (canonical JSON, see ``change_line``) to a signed bundle at ``path``; returns the manifest.

    ``header`` holds the sender's fields (device_id, device_name, role, country, vector, to, created_at).
    ``blobs``, if given, is called once the lines are written and yields (sha256, content) of attachments.
    ``registry`` (secretariats only) lists the installations the sender trusts and those it revoked.
    The file appears only when complete (written beside it, then renamed).
    """
    path = Path(path)
    temporary = path.with_name(path.name + ".partial")
    digest = hashlib.sha256()
    count = 0
    encryption = None
    key = None
    members = {}
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        if passphrase is None:
            member = PAYLOAD
            with archive.open(PAYLOAD, "w", force_zip64=True) as out:
                for line in lines:
                    data = (line + "\n").encode("utf-8")
                    digest.update(data)
                    out.write(data)
                    count += 1
        else:
            member = PAYLOAD_ENCRYPTED
            salt, nonce = os.urandom(16), os.urandom(12)
            key = _derive_key(passphrase, salt)
            encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
            compressor = zlib.compressobj(6)
            info = zipfile.ZipInfo(PAYLOAD_ENCRYPTED)
            info.compress_type = zipfile.ZIP_STORED
            with archive.open(info, "w", force_zip64=True) as out:
                def emit(data: bytes) -> None:
                    if data:
                        sealed = encryptor.update(data)
                        digest.update(sealed)
                        out.write(sealed)
                for line in lines:
                    emit(compressor.compress((line + "\n").encode("utf-8")))
                    count += 1
                emit(compressor.flush())
                tail = encryptor.finalize()
                digest.update(tail)
                out.write(tail)
            encryption = {"cipher": "AES-256-GCM", "kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                          "salt": b64(salt), "nonce": b64(nonce), "tag": b64(encryptor.tag),
                          "compression": "zlib"}
        members[member] = digest.hexdigest()
        for sha256, content in (blobs() if blobs else ()):
            if key is not None:
                nonce = os.urandom(12)
                content = nonce + AESGCM(key).encrypt(nonce, content, sha256.encode("ascii"))
            archive.writestr(f"{BLOBS}{sha256}", content)
            members[f"{BLOBS}{sha256}"] = hashlib.sha256(content).hexdigest()
        if registry is not None:
            data = json.dumps(registry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
            name = REGISTRY
            if key is not None:
                nonce, name = os.urandom(12), REGISTRY_ENCRYPTED
                data = nonce + AESGCM(key).encrypt(nonce, data, REGISTRY.encode("ascii"))
            archive.writestr(name, data)
            members[name] = hashlib.sha256(data).hexdigest()
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "bundle_id": str(uuid.uuid4()),
            **header, "change_count": count, "payload": member, "payload_sha256": digest.hexdigest(),
            "members": members, "encryption": encryption,
        }
        _write_signed_manifest(archive, manifest, private_key)
    os.replace(temporary, path)
    return manifest


def change_line(device_id: str, seq: int, hlc: str, kind: str, record_id: str, field: str, value_json: str,
                context_json: str | None) -> str:
    """One change as its canonical JSON line (keys sorted), from a value already in canonical JSON."""
    head = f'{{"context":{context_json},' if context_json is not None else "{"
    return (f'{head}"device_id":{json.dumps(device_id)},"field":{json.dumps(field)},"hlc":{json.dumps(hlc)},'
            f'"kind":{json.dumps(kind)},"record_id":{json.dumps(record_id)},"seq":{seq},"value":{value_json}}}')


def _write_signed_manifest(archive: zipfile.ZipFile, manifest: dict, private_key: bytes) -> None:
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    archive.writestr(MANIFEST, data)
    archive.writestr(SIGNATURE, b64(identity.private_key(private_key).sign(data)))


def b64(data: bytes) -> str:
    """Binary as base64 text, as the manifest writes keys, salts and signatures."""
    return base64.b64encode(data).decode("ascii")


def one_line(text) -> str:
    """Text from a file shown as one line: line breaks and other control characters escaped."""
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
                   for c in str(text))


def _unb64(text, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise _refuse(_("the manifest's {what} is not valid base64").format(what=what)) from None


def split_bundle(path: Path, max_size: int, private_key: bytes) -> list[Path]:
    """Split a written bundle into ``NAME.part-I-of-N.pdsync`` files of at most ``max_size`` bytes each."""
    path = Path(path)
    size = path.stat().st_size
    if size <= max_size:
        return [path]
    overhead = 4096
    if max_size < 2 * overhead:
        raise InputError(_("--max-size: must be at least {minimum} bytes").format(minimum=2 * overhead))
    chunk = max_size - overhead
    count = -(-size // chunk)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    whole = hashlib.sha256(path.read_bytes()).hexdigest()
    stem = path.name[:-len(".pdsync")] if path.name.endswith(".pdsync") else path.name
    parts = []
    with open(path, "rb") as source:
        for index in range(1, count + 1):
            target = path.with_name(f"{stem}.part-{index}-of-{count}.pdsync")
            part_manifest = {**manifest, "members": {}, "part": {
                "bundle_id": manifest["bundle_id"], "index": index, "count": count, "bundle_sha256": whole}}
            with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
                data = source.read(chunk)
                part_manifest["members"] = {PART: hashlib.sha256(data).hexdigest()}
                archive.writestr(PART, data)
                _write_signed_manifest(archive, part_manifest, private_key)
            parts.append(target)
    path.unlink()
    return parts


# ----- reading -------------------------------------------------------------------------------

class Bundle:
    """An opened bundle or part file whose structure, manifest and signature have been checked."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.archive = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise _refuse(_("{name}: no such file").format(name=self.path.name)) from None
        except (zipfile.BadZipFile, OSError, ValueError):
            raise _refuse(_("{name}: not a Platform Desk bundle, or damaged or truncated").format(
                name=self.path.name)) from None
        try:
            self._check_members()
            raw = self._read_small(MANIFEST, MAX_MANIFEST_BYTES)
            signature = _unb64(self._read_small(SIGNATURE, 1024), "signature")
            try:
                self.manifest = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                raise self._error(_("the manifest is not valid JSON")) from None
            self._check_manifest()
            self.public_key = _unb64(self.manifest["public_key"], "public key")
            try:
                identity.public_key(self.public_key).verify(signature, raw)
            except (InvalidSignature, ValueError):
                raise self._error(_("the signature does not match: the file was changed or forged")) from None
        except Exception:
            self.archive.close()
            raise

    def close(self) -> None:
        self.archive.close()

    def _error(self, message: str) -> InputError:
        return _refuse(f"{self.path.name}: {message}")

    @property
    def is_part(self) -> bool:
        return "part" in self.manifest

    def _check_members(self) -> None:
        for info in self.archive.infolist():
            name = info.filename
            if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name:
                raise self._error(_("unsafe path “{name}” inside the bundle").format(name=name))
            if info.file_size > MAX_PAYLOAD_BYTES or (
                    info.file_size > (16 << 20) and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
                raise self._error(_("“{name}” would inflate to {size} bytes: refused as a zip bomb").format(
                    name=name, size=info.file_size))
        names = set(self.archive.namelist())
        for required in (MANIFEST, SIGNATURE):
            if required not in names:
                raise self._error(_("“{name}” is missing: not a Platform Desk bundle").format(name=required))

    def _read_small(self, name: str, limit: int) -> bytes:
        with self.archive.open(name) as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise self._error(_("“{name}” is too large").format(name=name))
        return data

    def _check_manifest(self) -> None:
        manifest = self.manifest
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise self._error(_("not a Platform Desk bundle (unknown format)"))
        version = manifest.get("format_version")
        major = str(version).split(".")[0]
        known = FORMAT_VERSION.split(".")[0]
        if major.isdigit() and known.isdigit() and int(major) < int(known):
            raise self._error(_("format version {found} is older than this program reads ({known}); "
                                "the sender must update Platform Desk").format(found=version, known=FORMAT_VERSION))
        if major != known:
            raise self._error(_("format version {found} is newer than this program reads ({known}); "
                                "install the newer Platform Desk").format(found=version, known=FORMAT_VERSION))
        for key, types in _MANIFEST_TYPES.items():
            if key not in manifest or not isinstance(manifest[key], types) or isinstance(manifest[key], bool):
                raise self._error(_("the manifest's “{key}” is missing or of the wrong type").format(key=key))
        if manifest["role"] not in ("delegation", "secretariat") or not _ID.match(manifest["device_id"]):
            raise self._error(_("the manifest names no valid sender"))
        if not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
                   for k, v in manifest["vector"].items()):
            raise self._error(_("the manifest's “{key}” is missing or of the wrong type").format(key="vector"))
        base, audience = manifest.get("base", {}), manifest.get("audience", "everyone")
        if not (isinstance(base, dict) and all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                                               for k, v in base.items())
                and audience in ("device", "secretariat", "everyone")):
            raise self._error(_("the manifest's “{key}” is missing or of the wrong type").format(key="base"))
        listed = set(manifest["members"])
        present = set(self.archive.namelist()) - {MANIFEST, SIGNATURE}
        if present - listed:
            raise self._error(_("“{name}” is not listed in the manifest").format(name=sorted(present - listed)[0]))
        if listed - present:
            raise self._error(_("“{name}” is listed in the manifest but missing").format(name=sorted(listed - present)[0]))
        if "part" in manifest:
            part = manifest["part"]
            if not (isinstance(part, dict) and isinstance(part.get("index"), int) and isinstance(part.get("count"), int)
                    and 1 <= part["index"] <= part["count"] <= 10_000 and isinstance(part.get("bundle_id"), str)
                    and isinstance(part.get("bundle_sha256"), str) and listed == {PART}):
                raise self._error(_("the manifest's “{key}” is missing or of the wrong type").format(key="part"))
        elif (manifest["payload"] not in (PAYLOAD, PAYLOAD_ENCRYPTED) or manifest["payload"] not in listed
              or not all(_BLOB_NAME.match(n) for n in listed - {manifest["payload"], REGISTRY, REGISTRY_ENCRYPTED})):
            raise self._error(_("the manifest's “{key}” is missing or of the wrong type").format(key="payload"))

    # ----- content --------------------------------------------------------------------------

    def _member_chunks(self, name: str) -> Iterator[bytes]:
        """The member's bytes as stored, checked against the manifest's SHA-256 once fully read."""
        digest = hashlib.sha256()
        total = 0
        try:
            with self.archive.open(name) as handle:
                while chunk := handle.read(CHUNK):
                    total += len(chunk)
                    if total > MAX_PAYLOAD_BYTES:
                        raise self._error(_("“{name}” inflates past {size} bytes: refused as a zip bomb").format(
                            name=name, size=MAX_PAYLOAD_BYTES))
                    digest.update(chunk)
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
            raise self._error(_("the bundle is damaged or truncated")) from None
        if digest.hexdigest() != self.manifest["members"][name]:
            raise self._error(_("the content does not match its SHA-256: the file was changed or damaged"))

    def part_content(self) -> bytes:
        return b"".join(self._member_chunks(PART))

    def _plain_chunks(self, passphrase: str | None) -> Iterator[bytes]:
        encryption = self.manifest["encryption"]
        if encryption is None:
            yield from self._member_chunks(PAYLOAD)
            return
        if passphrase is None:
            raise self._error(_("this bundle is encrypted: give its passphrase with --passphrase-file"))
        try:
            key = _derive_key(passphrase, _unb64(encryption["salt"], "salt"), int(encryption["n"]),
                              int(encryption["r"]), int(encryption["p"]))
            decryptor = Cipher(algorithms.AES(key), modes.GCM(
                _unb64(encryption["nonce"], "nonce"), _unb64(encryption["tag"], "tag"))).decryptor()
        except (KeyError, TypeError, ValueError):
            raise self._error(_("the manifest's “{key}” is missing or of the wrong type").format(key="encryption")) from None
        inflater = zlib.decompressobj()
        produced = 0
        try:
            for chunk in self._member_chunks(PAYLOAD_ENCRYPTED):
                data = inflater.decompress(decryptor.update(chunk), MAX_PAYLOAD_BYTES)
                produced += len(data)
                if produced > MAX_PAYLOAD_BYTES or inflater.unconsumed_tail:
                    raise self._error(_("the payload inflates too far: refused as a zip bomb"))
                yield data
            decryptor.finalize()
            yield inflater.flush()
        except InvalidTag:
            raise self._error(_("wrong passphrase, or the encrypted content was changed")) from None
        except zlib.error:
            raise self._error(_("wrong passphrase, or the encrypted content was changed")) from None

    def blobs(self, passphrase: str | None = None) -> Iterator[tuple[str, bytes]]:
        """Attachment contents carried by the bundle, each checked against its SHA-256."""
        key = None
        for name in sorted(self.manifest["members"]):
            if not name.startswith(BLOBS):
                continue
            sha256 = name[len(BLOBS):]
            if self.archive.getinfo(name).file_size > MAX_BLOB_BYTES + 64:
                raise self._error(_("“{name}” is too large").format(name=name))
            content = b"".join(self._member_chunks(name))
            encryption = self.manifest["encryption"]
            if encryption is not None:
                key = key or _derive_key(passphrase or "", _unb64(encryption["salt"], "salt"), int(encryption["n"]),
                                         int(encryption["r"]), int(encryption["p"]))
                try:
                    content = AESGCM(key).decrypt(content[:12], content[12:], sha256.encode("ascii"))
                except InvalidTag:
                    raise self._error(_("wrong passphrase, or the encrypted content was changed")) from None
            if hashlib.sha256(content).hexdigest() != sha256:
                raise self._error(_("the content does not match its SHA-256: the file was changed or damaged"))
            yield sha256, content

    def registry(self, passphrase: str | None = None) -> dict:
        """The sender's registry of trusted and revoked installations (empty if it carries none)."""
        members = self.manifest["members"]
        name = REGISTRY_ENCRYPTED if REGISTRY_ENCRYPTED in members else REGISTRY if REGISTRY in members else None
        if name is None:
            return {"trusted": [], "revoked": []}
        data = b"".join(self._member_chunks(name))
        if name == REGISTRY_ENCRYPTED:
            encryption = self.manifest["encryption"] or {}
            try:
                key = _derive_key(passphrase or "", _unb64(encryption["salt"], "salt"), int(encryption["n"]),
                                  int(encryption["r"]), int(encryption["p"]))
                data = AESGCM(key).decrypt(data[:12], data[12:], REGISTRY.encode("ascii"))
            except (KeyError, TypeError, ValueError, InvalidTag):
                raise self._error(_("wrong passphrase, or the encrypted content was changed")) from None
        try:
            registry = json.loads(data)
            entries = [(entry, listing) for listing in ("trusted", "revoked") for entry in registry[listing]]
            for entry, listing in entries:
                if not (isinstance(entry, dict) and _ID.match(str(entry["device_id"]))
                        and isinstance(entry["device_name"], str) and entry["role"] in ("delegation", "secretariat")
                        and (entry["country"] is None or entry["country"] in country_codes())
                        and len(_unb64(entry["public_key"], "public key")) == 32
                        and (listing == "trusted" or (isinstance(entry["seq"], int) and entry["seq"] >= 0))):
                    raise ValueError
        except (ValueError, KeyError, TypeError, UnicodeDecodeError, InputError):
            raise self._error(_("the registry of installations is damaged")) from None
        return registry

    def verify(self, passphrase: str | None = None) -> None:
        """Read the whole payload once: hash, and for encrypted bundles the passphrase and tag."""
        for _chunk in self._plain_chunks(passphrase):
            pass

    def changes(self, passphrase: str | None = None) -> Iterator[dict]:
        """Each change line, checked and normalised; refuses the bundle at the first bad line."""
        pending = b""
        number = 0
        for chunk in self._plain_chunks(passphrase):
            pending += chunk
            if len(pending) > MAX_LINE_BYTES and b"\n" not in pending:
                raise self._error(_("line {number}: longer than {limit} bytes").format(
                    number=number + 1, limit=MAX_LINE_BYTES))
            *lines, pending = pending.split(b"\n")
            for line in lines:
                number += 1
                yield self._change(number, line)
        if pending.strip():
            number += 1
            yield self._change(number, pending)
        if number != self.manifest["change_count"]:
            raise self._error(_("it holds {found} changes but its manifest says {stated}").format(
                found=number, stated=self.manifest["change_count"]))

    def _change(self, number: int, line: bytes) -> dict:
        try:
            change = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            raise self._error(_("line {number}: not valid JSON").format(number=number)) from None
        try:
            return check_change(change)
        except ValidationError as error:
            raise self._error(_("line {number}: {problem}").format(number=number, problem=error)) from None


def check_change(change) -> dict:
    """A change line of the right shape and types, its value normalised like a local write."""
    if not isinstance(change, dict) or not _CHANGE_KEYS <= set(change) or set(change) - _CHANGE_KEYS - {"context"}:
        raise ValidationError(None, _("a change needs exactly the keys {keys}").format(keys=", ".join(sorted(_CHANGE_KEYS))))
    kind = KINDS.get(change["kind"]) if isinstance(change["kind"], str) else None
    if kind is None:
        raise ValidationError("kind", _("unknown record kind “{kind}”").format(kind=change["kind"]))
    if not (isinstance(change["device_id"], str) and _ID.match(change["device_id"])
            and isinstance(change["record_id"], str) and _ID.match(change["record_id"])):
        raise ValidationError("record_id", _("ids must be short text"))
    if not isinstance(change["seq"], int) or isinstance(change["seq"], bool) or change["seq"] < 1:
        raise ValidationError("seq", _("must be a whole number, 1 or more"))
    if not isinstance(change["hlc"], str) or not _HLC.match(change["hlc"]):
        raise ValidationError("hlc", _("is not a clock reading"))
    field, value = change["field"], change["value"]
    if field == DELETED:
        if not isinstance(value, bool):
            raise ValidationError(DELETED, _("must be true or false"))
    elif field == OWNER:
        if value != SECRETARIAT and value not in country_codes():
            raise ValidationError(OWNER, _("must be “secretariat” or a country code"))
    else:
        if not isinstance(field, str):
            raise ValidationError("field", _("must be text"))
        change["value"] = coerce_fields(kind, {field: value})[field]
    context = change.get("context")
    if context is not None and not (isinstance(context, dict) and all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in context.items())):
        raise ValidationError("context", _("must map device ids to sequence numbers"))
    return change

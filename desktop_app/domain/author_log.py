"""Author logs (SPEC §3, FORMAT.md §8): the hashes that chain an installation's changes and the head it signs.

Each installation's changes form one append-only log numbered by ``seq``. Every line carries a random
``salt`` and ``prev``, the *link* of its author's line before it: ``link = SHA-256(canonical {"device_id",
"digest", "prev", "seq"})`` where ``digest`` is the SHA-256 of the line's canonical JSON without ``prev``.
A *head* is the author's signature over (device id, seq, link). Writing a line (``changelog``) and
proving one received (``sync.chain``) use these same functions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

from cryptography.exceptions import InvalidSignature

from desktop_app.domain import identity

GENESIS = "0" * 64  # the ``prev`` of an author's first line
HEAD_LABEL = b"platform-desk-head\n"

_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_json_string = json.encoder.encode_basestring  # how ``_canonical`` spells a string (ensure_ascii=False)


def new_salts(count: int) -> list[str]:
    """``count`` salts, each sixteen random bytes as 32 lower-case hex digits, from one read of the system's
    random source (a system call for each line took a twentieth of a 50,000-row attendance import)."""
    block = os.urandom(16 * count).hex()
    return [block[start : start + 32] for start in range(0, len(block), 32)]


def digest(line: dict) -> str:
    """The SHA-256 of a line's canonical JSON without its ``prev``."""
    return hashlib.sha256(_canonical({k: v for k, v in line.items() if k != "prev"}).encode("utf-8")).hexdigest()


def line_digest(
    device_id: str,
    seq: int,
    hlc: str,
    kind: str,
    record_id: str,
    field: str,
    value: str,
    salt: str,
    context: str | None = None,
    replaces: str | None = None,
) -> str:
    """``digest`` of a line for a writer that has ``value``, ``context`` and ``replaces`` as canonical JSON text
    already (``None``: absent): the line's canonical JSON spelled here directly, keys in order."""
    text = (
        ("{" if context is None else f'{{"context":{context},')
        + f'"device_id":{_json_string(device_id)},"field":{_json_string(field)},"hlc":{_json_string(hlc)},'
        f'"kind":{_json_string(kind)},"record_id":{_json_string(record_id)},'
        + ("" if replaces is None else f'"replaces":{replaces},')
        + f'"salt":{_json_string(salt)},"seq":{int(seq)},"value":{value}}}'
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link(device_id: str, seq: int, prev: str, line_digest: str) -> str:
    """The hash that the next line names as its ``prev`` and a head signs: of the canonical JSON of
    ``{"device_id", "digest", "prev", "seq"}``, spelled here directly (keys in order, ``seq`` a whole number)."""
    stub = (
        f'{{"device_id":{_json_string(device_id)},"digest":{_json_string(line_digest)},'
        f'"prev":{_json_string(prev)},"seq":{int(seq)}}}'
    )
    return hashlib.sha256(stub.encode("utf-8")).hexdigest()


def head_message(device_id: str, seq: int, link_hash: str) -> bytes:
    """The bytes an author signs for its head."""
    return HEAD_LABEL + f"{device_id}\n{seq}\n{link_hash}".encode("ascii")


def sign_head(private_key: bytes, device_id: str, seq: int, link_hash: str) -> dict:
    """The head over line ``seq`` (whose link is ``link_hash``) of ``device_id``'s log, as a bundle carries it."""
    signature = identity.private_key(private_key).sign(head_message(device_id, seq, link_hash))
    return {"seq": seq, "hash": link_hash, "signature": base64.b64encode(signature).decode("ascii")}


def head_is_signed(public_key: bytes, device_id: str, head: dict) -> bool:
    """Whether ``head`` carries its author's valid signature."""
    try:
        signature = base64.b64decode(head["signature"], validate=True)
        identity.public_key(public_key).verify(signature, head_message(device_id, head["seq"], head["hash"]))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True

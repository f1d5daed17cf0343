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


def new_salt() -> str:
    """Sixteen random bytes as 32 lower-case hex digits."""
    return os.urandom(16).hex()


def digest(line: dict) -> str:
    """The SHA-256 of a line's canonical JSON without its ``prev``."""
    return hashlib.sha256(_canonical({k: v for k, v in line.items() if k != "prev"}).encode("utf-8")).hexdigest()


def digest_of(encoded: dict[str, str]) -> str:
    """``digest`` of a line given as each field's canonical JSON text (a writer that has them already)."""
    text = "{" + ",".join(f"{_json_string(key)}:{encoded[key]}" for key in sorted(encoded)) + "}"
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

"""The installation's identity (SPEC §3): device id, name, role, country and Ed25519 key.

An installation is tied to the computer it was made on by a marker outside its
database, in the user's data folder (``mark_this_computer``): a database opened
where no marker names this computer for its device id is a copy and becomes a new
installation (see ``Desk.open``). Nothing stored in the database file can make a
copy pass for the original.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from desktop_app.errors import InputError, one_line
from desktop_app.i18n import _

_FINGERPRINT = re.compile(r"[0-9A-F]{32}", re.ASCII)


def machine_id() -> str:
    """A stable, opaque fingerprint of this computer (``PLATFORM_DESK_MACHINE_ID`` overrides it)."""
    override = os.environ.get("PLATFORM_DESK_MACHINE_ID")
    if override:
        return override
    raw = ""
    for candidate in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            raw = Path(candidate).read_text().strip()
            break
        except OSError:
            continue
    if not raw and platform.system() == "Windows":
        try:
            import winreg

            key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography")
            raw = winreg.QueryValueEx(key, "MachineGuid")[0]
        except OSError:
            raw = ""
    if not raw:
        raw = f"{uuid.getnode():012x}-{platform.node()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _marker(device_id: str) -> Path:
    from desktop_app import paths

    return paths.data_dir() / "installations" / device_id


def mark_this_computer(device_id: str) -> None:
    """Record, outside the database, that installation ``device_id`` lives on this computer."""
    marker = _marker(device_id)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(machine_id(), encoding="ascii")


def made_here(device_id: str) -> bool:
    """Whether installation ``device_id`` was made (or adopted) on this computer, by its marker."""
    try:
        return _marker(device_id).read_text(encoding="ascii").strip() == machine_id()
    except (OSError, UnicodeDecodeError):
        return False


def new_device_id() -> str:
    return str(uuid.uuid4())


def new_key_pair() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair as (raw private bytes, raw public bytes)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return private, public


def private_key(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(public: bytes) -> str:
    """A readable fingerprint of a public key (SPEC §3): the first 16 bytes of its SHA-256 as 32
    upper-case hex digits in eight groups of four."""
    digest = hashlib.sha256(public).hexdigest()[:32].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def normalise_fingerprint(text: str) -> str:
    """A fingerprint as typed (any case, with or without spaces) in the form ``fingerprint`` prints;
    refused unless it is 32 ASCII hexadecimal digits."""
    digits = "".join(text.split()).upper()
    if not _FINGERPRINT.fullmatch(digits):
        raise InputError(
            _("“{text}” is not a key fingerprint: 32 hexadecimal digits, 0–9 and A–F").format(text=one_line(text))
        )
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))

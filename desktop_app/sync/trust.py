"""Trust (SPEC §3): who is believed, pinned, vouched for by the root secretariat, or revoked.

``resolve_trust`` decides before anything is written whether every sender of an import may be
believed; ``record_trust`` pins and revokes inside the import's transaction. ``peers``, ``forget`` and
``revoke`` are what the command line and the GUI call.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from desktop_app import logbook
from desktop_app.domain import identity
from desktop_app.domain.authority import SECRETARIAT
from desktop_app.domain.changelog import version_vector
from desktop_app.domain.desk import Desk, now_iso
from desktop_app.errors import InputError, NotFoundError, one_line
from desktop_app.i18n import _
from desktop_app.storage.models import Peer
from desktop_app.sync.bundle import Bundle
from desktop_app.sync.merge import Origin, drop_lines_after


class UntrustedSender(InputError):
    """A bundle from an installation nobody here has vouched for; ``sender`` names it for the first-contact dialog."""

    def __init__(self, message: str, sender: dict):
        super().__init__(message)
        self.sender = sender


def _describe(manifest: dict, public_key: bytes) -> dict:
    return {
        "device_id": manifest["device_id"],
        "device_name": one_line(manifest["device_name"]),
        "role": manifest["role"],
        "country": manifest["country"],
        "fingerprint": identity.fingerprint(public_key),
    }


@dataclass
class Trust:
    """What an import may believe: pinned and newly confirmed installations, and registries to record."""

    pins: dict  # device_id -> {device_name, role, country, public_key, vouched_by}: to pin in this import
    revocations: list  # registry entries of revoked installations
    warnings: list


def resolve_trust(connection, me: dict, bundles: list[Bundle], trust: set[str], passphrase: str | None) -> Trust:
    """Decide, before anything is written, whether every sender may be believed (SPEC §3).

    A sender is believed if it is pinned here with the same key, role and country and not revoked; if a
    person confirmed its fingerprint (``trust``); or if a secretariat believed here vouches for it in the
    registry its bundle carries. Anything else refuses the import, naming the sender.
    """
    result = Trust({}, [], [])
    believed = {
        peer.device_id: {
            "role": peer.role,
            "country": peer.country,
            "public_key": peer.public_key,
            "revoked": bool(peer.revoked_at),
        }  # device -> pinned or confirmed claims
        for peer in connection.execute(select(Peer))
    }
    root = root_secretariat(connection, me)
    waiting = []
    for bundle in bundles:
        manifest, key = bundle.manifest, bundle.public_key
        device = manifest["device_id"]
        if _is_mine(bundle, me):
            continue
        known = believed.get(device)
        if known is None and identity.fingerprint(key) in trust:
            known = believed[device] = {
                "role": manifest["role"],
                "country": manifest["country"],
                "public_key": key,
                "revoked": False,
            }
            result.pins[device] = {
                "device_name": manifest["device_name"],
                "role": manifest["role"],
                "country": manifest["country"],
                "public_key": key,
                "vouched_by": None,
            }
            if root is None and manifest["role"] == SECRETARIAT:
                root = device  # the first secretariat a person here confirms is this installation's root
        if known is None:
            waiting.append(bundle)
            continue
        _check_pinned(bundle, known)
    # Registries of the secretariats believed here introduce further installations.
    for bundle in bundles:
        device = bundle.manifest["device_id"]
        sender = believed.get(device)
        if device == me["device_id"] or sender is None or sender["role"] != SECRETARIAT:
            continue
        registry = bundle.registry(passphrase)
        # Any secretariat believed here vouches for delegations; only the root for (or against) a secretariat.
        registry = {
            listing: [
                entry
                for entry in entries
                if entry["device_id"] != me["device_id"] and (entry["role"] != SECRETARIAT or device == root)
            ]
            for listing, entries in registry.items()
        }
        for entry in registry["trusted"] + registry["revoked"]:
            key = base64.b64decode(entry["public_key"])
            pinned = believed.get(entry["device_id"])
            if pinned is None:
                believed[entry["device_id"]] = {
                    "role": entry["role"],
                    "country": entry["country"],
                    "public_key": key,
                    "revoked": False,
                }
                result.pins[entry["device_id"]] = {
                    "device_name": entry["device_name"],
                    "role": entry["role"],
                    "country": entry["country"],
                    "public_key": key,
                    "vouched_by": device,
                }
            elif (pinned["public_key"], pinned["role"], pinned["country"]) != (key, entry["role"], entry["country"]):
                result.warnings.append(
                    _(
                        "{secretariat} vouches for {device} with another key, role or country than "
                        "the one pinned here: the pinned one is kept"
                    ).format(
                        secretariat=one_line(bundle.manifest["device_name"]), device=one_line(entry["device_name"])
                    )
                )
        for entry in registry["revoked"]:
            believed[entry["device_id"]]["revoked"] = True
            result.revocations.append(entry)
    for bundle in waiting:
        known = believed.get(bundle.manifest["device_id"])
        if known is None:
            sender = _describe(bundle.manifest, bundle.public_key)
            raise UntrustedSender(_untrusted_message(bundle.name, sender), sender)
        _check_pinned(bundle, known)
    for bundle in bundles:
        if believed.get(bundle.manifest["device_id"], {}).get("revoked"):
            raise InputError(_revoked_message(bundle.name, bundle.manifest["device_name"]))
    return result


def _is_mine(bundle: Bundle, me: dict) -> bool:
    """Whether a file comes from this installation; refuses one that claims to but is signed with another key."""
    if bundle.manifest["device_id"] != me["device_id"]:
        return False
    if bundle.public_key != me["public_key"]:
        raise InputError(
            _("{name}: claims to come from this installation but is signed with another key: refused").format(
                name=bundle.name
            )
        )
    return True


def _untrusted_message(name: str, sender: dict) -> str:
    return _(
        "{name}: comes from {device} ({role}, {country}), which nobody here has vouched for; check its "
        'fingerprint {fingerprint} with the sender, then import with --trust "{fingerprint}"'
    ).format(
        name=name,
        device=sender["device_name"],
        role=sender["role"],
        country=sender["country"] or "—",
        fingerprint=sender["fingerprint"],
    )


def _revoked_message(name: str, device_name: str) -> str:
    return _(
        "{name}: comes from {device}, which the secretariat has revoked (a lost or stolen computer): refused"
    ).format(name=name, device=one_line(device_name))


def _check_pinned(bundle: Bundle, pinned: dict) -> None:
    """Refuse a bundle whose key, role or country differs from what is pinned for its device id."""
    manifest = bundle.manifest
    if pinned["public_key"] != bundle.public_key:
        raise InputError(
            _(
                "{name}: signed with a different key than {device} used before "
                "(fingerprint {new}, expected {old}): refused"
            ).format(
                name=bundle.name,
                device=one_line(manifest["device_name"]),
                new=identity.fingerprint(bundle.public_key),
                old=identity.fingerprint(pinned["public_key"]),
            )
        )
    if (pinned["role"], pinned["country"]) != (manifest["role"], manifest["country"]):
        raise InputError(
            _(
                "{name}: {device} is known here as {role} {country} but now claims to be {new_role} "
                "{new_country}: refused"
            ).format(
                name=bundle.name,
                device=one_line(manifest["device_name"]),
                role=pinned["role"],
                country=pinned["country"] or "",
                new_role=manifest["role"],
                new_country=manifest["country"] or "",
            )
        )


def record_trust(connection, trust: Trust) -> list[dict]:
    """Pin the installations confirmed or vouched for in this import, and record revocations."""
    new_devices = []
    for device, pin in trust.pins.items():
        connection.execute(
            insert(Peer).values(
                device_id=device,
                device_name=pin["device_name"],
                role=pin["role"],
                country=pin["country"],
                public_key=pin["public_key"],
                first_seen=now_iso(),
                last_seen=now_iso(),
                vector="{}",
                vouched_by=pin["vouched_by"],
            )
        )
        new_devices.append(
            {
                "device_id": device,
                "device_name": one_line(pin["device_name"]),
                "role": pin["role"],
                "country": pin["country"],
                "fingerprint": identity.fingerprint(pin["public_key"]),
                "vouched_by": pin["vouched_by"],
            }
        )
    for entry in trust.revocations:
        _revoke(connection, entry["device_id"], entry["seq"])
    return new_devices


def root_secretariat(connection, me: dict) -> str | None:
    """This installation's root of trust (SPEC §3): the first secretariat a person here confirmed; a
    secretariat that confirmed none is its own root. Only the root vouches for or revokes a secretariat."""
    first = connection.execute(
        select(Peer.device_id)
        .where(Peer.role == SECRETARIAT, Peer.vouched_by.is_(None), Peer.revoked_at.is_(None))
        .order_by(Peer.first_seen, Peer.device_id)
        .limit(1)
    ).scalar()
    return first or (me["device_id"] if me["role"] == SECRETARIAT else None)


def _revoke(connection, device_id: str, seq: int) -> None:
    """Revoke an installation from its change ``seq`` on (SPEC §3): its later lines are dropped here, also
    those applied already, and the fields they touched derived again; what it vouched for is withdrawn."""
    result = connection.execute(
        update(Peer)
        .where(Peer.device_id == device_id, Peer.revoked_at.is_(None))
        .values(revoked_at=now_iso(), revoked_seq=seq)
    )
    if result.rowcount:
        drop_lines_after(connection, device_id, seq)
        connection.execute(delete(Peer).where(Peer.vouched_by == device_id, Peer.revoked_at.is_(None)))


def origins(connection, me: dict) -> dict[str, Origin]:
    """Every installation whose changes may be held here, with its pinned role and country."""
    origins = {
        p.device_id: Origin(p.role, p.country, p.revoked_seq if p.revoked_at else None)
        for p in connection.execute(select(Peer))
    }
    for device in (me["device_id"], me["copied_from"]):
        if device:
            origins[device] = Origin(me["role"], me["country"])
    return origins


def keys(connection, me: dict) -> dict[str, bytes]:
    """The public key of every installation pinned here, and this one's: what proves their lines."""
    keys = dict(connection.execute(select(Peer.device_id, Peer.public_key)).all())
    keys[me["device_id"]] = me["public_key"]
    return keys


def check_part_sender(connection, part: Bundle, me: dict, confirmed: set[str]) -> None:
    """A part is kept only from an installation believed here (pinned, or confirmed in this import), so that
    a stranger's part can neither take space nor block a genuine set."""
    manifest = part.manifest
    if _is_mine(part, me):
        return
    peer = connection.execute(select(Peer).where(Peer.device_id == manifest["device_id"])).first()
    if peer is None and identity.fingerprint(part.public_key) in confirmed:
        return
    if peer is None:
        sender = _describe(manifest, part.public_key)
        raise UntrustedSender(_untrusted_message(part.name, sender), sender)
    _check_pinned(part, {"role": peer.role, "country": peer.country, "public_key": peer.public_key})
    if peer.revoked_at:
        raise InputError(_revoked_message(part.name, manifest["device_name"]))


def known_devices(desk: Desk) -> list[dict]:
    """Installations known here (pinned), with their key fingerprints and who vouched for them."""
    return [p for p in peers(desk) if not p["self"]]


def peers(desk: Desk) -> list[dict]:
    """This installation first, then every known one (SPEC §3): fingerprint, role, country, who vouched."""
    me = desk.identity
    with desk.engine.connect() as connection:
        rows = connection.execute(select(Peer).order_by(Peer.device_name, Peer.device_id)).all()
    names = {p.device_id: p.device_name for p in rows} | {me["device_id"]: me["device_name"]}
    listed = [
        {
            "device_id": me["device_id"],
            "device_name": one_line(me["device_name"]),
            "role": me["role"],
            "country": me["country"],
            "fingerprint": identity.fingerprint(me["public_key"]),
            "self": True,
            "vouched_by": None,
            "vouched_by_name": None,
            "revoked": False,
            "first_seen": None,
            "last_seen": None,
        }
    ]
    for p in rows:
        listed.append(
            {
                "device_id": p.device_id,
                "device_name": one_line(p.device_name),
                "role": p.role,
                "country": p.country,
                "fingerprint": identity.fingerprint(p.public_key),
                "self": False,
                "vouched_by": p.vouched_by,
                "vouched_by_name": one_line(names.get(p.vouched_by, p.vouched_by)) if p.vouched_by else None,
                "revoked": bool(p.revoked_at),
                "first_seen": p.first_seen,
                "last_seen": p.last_seen,
            }
        )
    return listed


def _peer(connection, device_id: str):
    peer = connection.execute(select(Peer).where(Peer.device_id == device_id)).first()
    if peer is None:
        raise NotFoundError(_("No installation {device} is known here").format(device=device_id))
    return peer


def forget(desk: Desk, device_id: str) -> None:
    """Un-pin an installation (a laptop re-installed): its next bundle is a first contact again."""
    with desk.transaction(write=True) as connection:
        peer = _peer(connection, device_id)
        connection.execute(delete(Peer).where(Peer.device_id == device_id))
    logbook.trust(device_id, peer.device_name, identity.fingerprint(peer.public_key), "forgotten")


def revoke(desk: Desk, device_id: str) -> None:
    """Mark a lost or stolen installation (secretariat only; a secretariat by the root only): the changes it
    made after the last one held here are refused everywhere, and the registry carries that to everyone."""
    me = desk.identity
    if me["role"] != SECRETARIAT:
        raise InputError(_("Only a secretariat can revoke an installation"))
    with desk.transaction(write=True) as connection:
        peer = _peer(connection, device_id)
        if peer.role == SECRETARIAT and root_secretariat(connection, me) != me["device_id"]:
            raise InputError(
                _("Only the root secretariat (the one this installation confirmed first) can revoke a secretariat")
            )
        seq = version_vector(connection).get(device_id, 0)
        _revoke(connection, device_id, seq)
    logbook.trust(device_id, peer.device_name, identity.fingerprint(peer.public_key), f"revoked after its change {seq}")

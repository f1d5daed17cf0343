"""Commands that exchange bundles, settle conflicts and manage trust: export, import, conflicts, peers,
forget, revoke."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_app.cli.arguments import device_id, whole_number
from desktop_app.cli.common import opened, read_passphrase_file
from desktop_app.domain.validation import RULE_LABELS
from desktop_app.errors import InputError
from desktop_app.i18n import _
from desktop_app.sync.bundle import MIN_PART_BYTES, PART_OVERHEAD


def register(subparsers) -> list:
    export = subparsers.add_parser("export", help=_("write a sync bundle (*.pdsync)"))
    export.add_argument("--out", required=True, type=Path, metavar="FILE")
    export.add_argument("--to", type=device_id, metavar="DEVICE_ID", help=_("the installation it is for"))
    export.add_argument("--full", action="store_true", help=_("everything the recipient may receive"))
    export.add_argument("--passphrase-file", type=Path, metavar="F", help=_("encrypt with the passphrase in F"))
    export.add_argument(
        "--max-size",
        type=whole_number,
        metavar="BYTES",
        help=_(
            "split into parts of at most BYTES (at least {minimum}; each part spends {overhead} bytes on its "
            "own manifest and signature)"
        ).format(minimum=MIN_PART_BYTES, overhead=PART_OVERHEAD),
    )
    export.set_defaults(handler=run_export)

    importer = subparsers.add_parser("import", help=_("import sync bundles or their parts"))
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importer.add_argument("--dry-run", action="store_true", help=_("report what would happen; change nothing"))
    importer.add_argument("--passphrase-file", type=Path, metavar="F")
    importer.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="FINGERPRINT",
        help=_("believe a first contact whose key has this fingerprint (confirmed with its sender)"),
    )
    importer.set_defaults(handler=run_import)

    peers = subparsers.add_parser("peers", help=_("this installation, then every known one, with fingerprints"))
    peers.add_argument("--json", action="store_true")
    peers.set_defaults(handler=run_peers)
    forget = subparsers.add_parser("forget", help=_("un-pin an installation (a re-installed laptop)"))
    forget.add_argument("device_id", type=device_id, metavar="DEVICE_ID")
    forget.set_defaults(handler=run_forget)
    revoke = subparsers.add_parser("revoke", help=_("revoke a lost or stolen installation (secretariat)"))
    revoke.add_argument("device_id", type=device_id, metavar="DEVICE_ID")
    revoke.set_defaults(handler=run_revoke)

    conflicts = subparsers.add_parser("conflicts", help=_("list conflicts, keep or restore values"))
    conflicts.add_argument("--json", action="store_true")
    conflicts.add_argument("--all", action="store_true", help=_("include conflicts already settled"))
    action = conflicts.add_mutually_exclusive_group()
    action.add_argument("--keep", type=whole_number, metavar="N", help=_("keep the current value of conflict N"))
    action.add_argument("--restore", type=whole_number, metavar="N", help=_("restore the other value of conflict N"))
    conflicts.set_defaults(handler=run_conflicts)
    return [export, importer, conflicts, peers, forget, revoke]


def _passphrase(path: Path | None) -> str | None:
    """A bundle's passphrase from ``--passphrase-file`` (FORMAT.md §6), read as the database's is."""
    if path is None:
        return None
    try:
        return read_passphrase_file(path, "--passphrase-file").decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            _("{option}: cannot read {path} ({error})").format(
                option="--passphrase-file", path=path, error=error.reason
            )
        ) from None


def run_export(args) -> int:
    from desktop_app.sync import api  # not at import: --help and --version stay quick

    with opened(args) as desk:
        result = api.export_bundle(
            desk,
            args.out,
            to=args.to,
            full=args.full,
            passphrase=_passphrase(args.passphrase_file),
            max_size=args.max_size,
        )
    for path in result.paths:
        print(path)
    return 0


def run_import(args) -> int:
    from desktop_app.sync import api  # not at import: --help and --version stay quick

    with opened(args) as desk:
        summary = api.import_files(
            desk, args.files, dry_run=args.dry_run, passphrase=_passphrase(args.passphrase_file), trust=args.trust
        )
    summary.pop("records", None)  # the GUI's preview lists them; the command line keeps SPEC §5's counts
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


def run_conflicts(args) -> int:
    from desktop_app.sync import api  # not at import: --help and --version stay quick

    with opened(args) as desk:
        if args.keep is not None or args.restore is not None:
            api.resolve_conflict(
                desk, args.keep if args.keep is not None else args.restore, restore=args.restore is not None
            )
            return 0
        conflicts = api.list_conflicts(desk, include_settled=args.all)
    if args.json:
        print(json.dumps(conflicts, ensure_ascii=False, indent=1))
        return 0
    for c in conflicts:
        if c["rule"]:  # a clash: fields of one record that break a rule together
            print(
                _("#{id} {kind} {record}: {rule}: {field} {winner!r} ({wdev}), {other} {loser!r} ({ldev})").format(
                    id=c["id"],
                    kind=c["kind"],
                    record=c["record_id"],
                    rule=_(RULE_LABELS[c["rule"]]),
                    field=c["field"],
                    winner=c["winner_value"],
                    wdev=c["winner_device"][:8],
                    other=c["loser_field"],
                    loser=c["loser_value"],
                    ldev=c["loser_device"][:8],
                )
            )
            continue
        print(
            _("#{id} {kind} {record} {field}: kept {winner!r} ({wdev}), other {loser!r} ({ldev})").format(
                id=c["id"],
                kind=c["kind"],
                record=c["record_id"],
                field=c["field"],
                winner=c["winner_value"],
                wdev=c["winner_device"][:8],
                loser=c["loser_value"],
                ldev=c["loser_device"][:8],
            )
        )
    return 0


def run_peers(args) -> int:
    from desktop_app.sync import api

    with opened(args) as desk:
        listed = api.peers(desk)
    if args.json:
        print(json.dumps(listed, ensure_ascii=False, indent=1))
        return 0
    for peer in listed:
        notes = [_("this installation")] if peer["self"] else []
        if peer["vouched_by_name"]:
            notes.append(_("vouched for by {name}").format(name=peer["vouched_by_name"]))
        elif not peer["self"]:
            notes.append(_("confirmed here"))
        if peer["revoked"]:
            notes.append(_("revoked"))
        print(
            f"{peer['device_id']}  {peer['fingerprint']}  {peer['role']} {peer['country'] or '—'}  "
            f"{peer['device_name']}  ({'; '.join(notes)})"
        )
    return 0


def run_forget(args) -> int:
    from desktop_app.sync import api

    with opened(args) as desk:
        api.forget(desk, args.device_id)
    return 0


def run_revoke(args) -> int:
    from desktop_app.sync import api

    with opened(args) as desk:
        api.revoke(desk, args.device_id)
    return 0

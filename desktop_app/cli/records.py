"""Commands on records: init, put, get, delete, list, dump."""

from __future__ import annotations

import json
import sys

from desktop_app.cli.arguments import whole_number
from desktop_app.cli.common import database_path, new_passphrase, opened, with_password
from desktop_app.domain.schema import INSTALLATION_ROLES, KINDS
from desktop_app.errors import InputError
from desktop_app.i18n import _
from desktop_app.paths import is_server_url


def register(subparsers) -> list:
    init = subparsers.add_parser("init", help=_("create a database and this installation's identity"))
    init.add_argument("--device-name", required=True, metavar="NAME", help=_("a name for this computer"))
    init.add_argument("--role", required=True, choices=tuple(INSTALLATION_ROLES))
    init.add_argument("--country", metavar="CC", help=_("the delegation's country (ISO code)"))
    demo = init.add_mutually_exclusive_group()
    demo.add_argument("--demo", action="store_true", help=_("load the Platform's public record of 2023–2024"))
    demo.add_argument(
        "--demo-scale", type=whole_number, metavar="N", help=_("generate N synthetic events for benchmarks")
    )
    init.add_argument(
        "--encrypt",
        action="store_true",
        help=_("encrypt the database with a passphrase (typed, or from --db-passphrase-file)"),
    )
    init.set_defaults(handler=run_init)

    put = subparsers.add_parser("put", help=_("create or update a record; prints its id"))
    put.add_argument("kind", choices=sorted(KINDS), metavar="KIND")
    put.add_argument(
        "--json",
        required=True,
        dest="json_object",
        metavar="OBJECT",
        help=_('the fields as a JSON object; with "id" it updates that record'),
    )
    put.set_defaults(handler=run_put)

    get = subparsers.add_parser("get", help=_("print a record as JSON"))
    get.add_argument("id")
    get.set_defaults(handler=run_get)

    delete = subparsers.add_parser("delete", help=_("delete a record"))
    delete.add_argument("id")
    delete.set_defaults(handler=run_delete)

    listing = subparsers.add_parser("list", help=_("list the records of a kind"))
    listing.add_argument("kind", choices=sorted(KINDS), metavar="KIND")
    listing.add_argument("--json", action="store_true", help=_("print a JSON array"))
    listing.set_defaults(handler=run_list)

    dump = subparsers.add_parser("dump", help=_("every record as canonical JSON, for comparing installations"))
    dump.set_defaults(handler=run_dump)
    return [init, put, get, delete, listing, dump]


def run_init(args) -> int:
    path = database_path(args)
    if args.db is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if args.demo_scale is not None and args.demo_scale < 0:
        raise InputError(_("--demo-scale: must be 0 or more"))
    from desktop_app.domain.demo import generate_scale, load_public_record
    from desktop_app.domain.desk import Desk

    passphrase = None
    if args.encrypt and is_server_url(path):
        raise InputError(_("--encrypt: a server database is protected by the server, not by a passphrase"))
    if args.encrypt:
        passphrase = new_passphrase(args)
    elif args.db_passphrase_file is not None:
        raise InputError(_("--db-passphrase-file: add --encrypt to create an encrypted database"))
    desk = with_password(
        path,
        lambda password: Desk.create(
            path, args.device_name, args.role, args.country, passphrase=passphrase, password=password
        ),
    )
    try:
        if args.demo:
            load_public_record(desk)
        elif args.demo_scale:
            generate_scale(desk, args.demo_scale)
        ident = desk.identity
        print(_("Created {path}").format(path=path))
        print(
            _("Installation {device_id} ({name}), key fingerprint {fingerprint}").format(
                device_id=ident["device_id"], name=ident["device_name"], fingerprint=desk.fingerprint
            )
        )
    finally:
        desk.close()
    return 0


def _print_json(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=1))


def run_put(args) -> int:
    try:
        values = json.loads(args.json_object)
    except json.JSONDecodeError as error:
        raise InputError(_("--json: not valid JSON ({error})").format(error=error)) from None
    with opened(args) as desk:
        print(desk.put(args.kind, values))
    return 0


def run_get(args) -> int:
    with opened(args) as desk:
        _print_json(desk.get(args.id))
    return 0


def run_delete(args) -> int:
    with opened(args) as desk:
        desk.delete(args.id)
    return 0


LIST_COLUMNS = {
    "event": ("start_date", "type", "title"),
    "person": ("full_name", "country", "organization"),
    "participation": ("event_id", "person_id", "role"),
    "action": ("due_date", "status", "description"),
    "attachment": ("filename", "size", "event_id"),
}


def run_list(args) -> int:
    with opened(args) as desk:
        records = desk.list(args.kind)
    if args.json:
        _print_json(records)
        return 0
    for record in records:
        print("\t".join([record["id"]] + [str(record.get(c) or "") for c in LIST_COLUMNS[args.kind]]))
    return 0


def run_dump(args) -> int:
    with opened(args) as desk:
        out = sys.stdout
        for line in desk.dump():
            out.write(line)
            out.write("\n")
    return 0

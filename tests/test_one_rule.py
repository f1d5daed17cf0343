"""One rule, one place: the passphrase file, the member states, the thematic areas and the roles.

Each rule is written once; these tests show that its callers share it: by behaviour where a user would
notice (a passphrase file saved by Notepad opens a database and a bundle alike), and by reading the
source where a second copy would only show up the day the two disagree.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from desktop_app.cli.common import read_passphrase_file
from desktop_app.country_names import MEMBER_STATE_NAMES, MEMBER_STATES
from desktop_app.domain.schema import INSTALLATION_ROLES, THEMATIC_AREAS, country_codes
from desktop_app.errors import InputError
from tests.conftest import Cli

PACKAGE = Path(__file__).resolve().parent.parent / "desktop_app"
# The lead's sync rewrite brings desktop_app/sync under these checks; migrations are frozen history.
NOT_CHECKED = (PACKAGE / "sync", PACKAGE / "storage" / "migrations")


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if not any(folder in path.parents for folder in NOT_CHECKED):
            yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "content", [b"\xef\xbb\xbfsecret word\r\n", b"secret word\n", b"secret word\r\n\r\n", b"secret word"]
)
def test_a_passphrase_file_is_its_one_line_without_a_byte_order_mark(tmp_path, content):
    file = tmp_path / "passphrase.txt"
    file.write_bytes(content)
    assert read_passphrase_file(file, "--db-passphrase-file") == b"secret word"


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf\r\n"])
def test_an_empty_passphrase_file_is_refused_naming_the_option(tmp_path, content):
    file = tmp_path / "passphrase.txt"
    file.write_bytes(content)
    with pytest.raises(InputError, match="^--passphrase-file: .* is empty$"):
        read_passphrase_file(file, "--passphrase-file")


def test_notepads_passphrase_file_opens_a_database_and_a_bundle_like_a_plain_one(tmp_path):
    """Saved by Notepad (byte-order mark, CR LF) for encrypting; a plain file for opening: both kinds agree."""
    notepad, plain = tmp_path / "notepad.txt", tmp_path / "plain.txt"
    notepad.write_bytes("\ufeffпароль 2025\r\n".encode("utf-8"))
    plain.write_text("пароль 2025", encoding="utf-8")
    kz, unodc = Cli(tmp_path / "kz.db"), Cli(tmp_path / "unodc.db")
    made = kz("init", "--device-name", "kz", "--role", "delegation", "--country", "KZ", check=True).stdout
    fingerprint = made.strip().rsplit("fingerprint ", 1)[1]
    unodc("init", "--device-name", "unodc", "--role", "secretariat", check=True)

    kz("encrypt", "--db-passphrase-file", notepad, check=True)
    assert kz("dump", "--db-passphrase-file", plain).returncode == 0
    kz(
        "put",
        "event",
        "--db-passphrase-file",
        plain,
        "--json",
        json.dumps({"type": "webinar", "title": "Вебинар", "start_date": "2025-01-01"}),
        check=True,
    )
    bundle = tmp_path / "kz.pdsync"
    kz("export", "--db-passphrase-file", plain, "--passphrase-file", notepad, "--out", bundle, check=True)
    unodc("import", bundle, "--passphrase-file", plain, "--trust", fingerprint, check=True)
    assert "Вебинар" in unodc.dump()


def test_the_member_states_are_one_list_that_every_caller_uses():
    assert set(MEMBER_STATES) <= country_codes() and all(
        set(names) == set(MEMBER_STATES) for names in MEMBER_STATE_NAMES.values()
    )
    found = []
    for name, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
                items = node.keys if isinstance(node, ast.Dict) else node.elts
                codes = {item.value for item in items if isinstance(item, ast.Constant)}
                if len(codes & set(MEMBER_STATES)) >= 3 and name != "country_names.py":
                    found.append(f"{name}:{node.lineno}")
                if len(codes & set(THEMATIC_AREAS)) >= 2 and name != "domain/schema.py":
                    found.append(f"{name}:{node.lineno}")
    assert found == [], "a second list of member states or thematic areas"


def test_the_roles_are_named_through_their_constants():
    literals = [
        f"{name}:{node.lineno}"
        for name, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in INSTALLATION_ROLES and name != "domain/schema.py"
    ]
    assert literals == []

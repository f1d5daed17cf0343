"""Every message the program wraps for translation is translated in every catalog.

The other catalog tests compare the catalogs with ``platform_desk.pot``; a message missing from both
(Babel's Python extractor does not look inside f-strings on Python 3.11) would pass them. Here the
messages come from the source itself: Babel's extraction, plus every ``_()``, ``N_()`` and
``ngettext()`` and ``pgettext()`` call with literal arguments that Python's own parser finds, wherever it sits.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from desktop_app import i18n
from desktop_app.tools import catalogs

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def babel_messages() -> set:
    found = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "desktop_app"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def parsed_messages() -> dict:
    """Message → where it is, for every translation call with literal arguments (f-strings included)."""
    found = {}
    for path in sorted((ROOT / "desktop_app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            literals = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id in ("_", "N_") and literals and len(node.args) == 1:
                found.setdefault(literals[0], f"{path.relative_to(ROOT)}:{node.lineno}")
            elif node.func.id == "ngettext" and len(literals) == 2:
                found.setdefault(tuple(literals), f"{path.relative_to(ROOT)}:{node.lineno}")
            elif node.func.id == "pgettext" and len(literals) == 2:
                found.setdefault(literals[1], f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@pytest.fixture(scope="module")
def source_messages() -> dict:
    found = {message: "(Babel)" for message in babel_messages()}
    found.update(parsed_messages())
    return found


def test_the_parser_sees_what_babel_sees(source_messages):
    assert "Certificate of participation" in source_messages and "Key figures" in source_messages
    assert len(source_messages) > 300


@pytest.mark.parametrize("language", i18n.LANGUAGES[1:])
def test_every_message_in_the_source_is_translated(source_messages, language):
    with open(catalogs.TRANSLATIONS / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po", "rb") as handle:
        catalog = read_po(handle, locale=language)
    translated = {}
    for message in catalog:
        if message.id and not message.fuzzy:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            translated[message.id if isinstance(message.id, str) else tuple(message.id)] = all(strings)
    untranslated = [
        f"{where}: {message!r}"
        for message, where in sorted(source_messages.items(), key=str)
        if not translated.get(message)
    ]
    assert not untranslated, f"{len(untranslated)} not translated in {language}:\n" + "\n".join(untranslated[:30])


def test_the_template_holds_every_message_in_the_source(source_messages):
    with open(catalogs.TEMPLATE, "rb") as handle:
        template = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(handle) if m.id}
    missing = sorted((str(m) for m in source_messages if m not in template))
    assert not missing, "run `python -m desktop_app.tools.catalogs extract update`:\n" + "\n".join(missing[:30])

"""Keep the gettext catalogs in step with the code: ``python -m desktop_app.tools.catalogs extract|update|compile``.

``extract`` writes ``translations/platform_desk.pot`` from the source; ``update``
merges it into each language's ``.po`` (new strings arrive empty, for the
translator); ``compile`` builds the ``.mo`` files the program loads.

Catalogs are written one way: no line wrapping (``width=0``), and ``update`` keeps the order of the
messages already in a file, places a new one after its predecessor in the template, and drops those
no longer in the source. So an update changes only the lines of what changed, and merges stay small.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from desktop_app.i18n import DOMAIN, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
TEMPLATE = TRANSLATIONS / f"{DOMAIN}.pot"
KEYWORDS = ["-k", "_", "-k", "N_", "-k", "ngettext:1,2", "-k", "pgettext:1c,2"]
# Babel's default plural rule for Tajik is wrong at n = 0; CLDR counts 0 with 1.
PLURAL_FORMS = {"tg": "nplurals=2; plural=(n > 1);"}


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(target: Path = TEMPLATE) -> Path:
    """Write the template of every translatable string in ``desktop_app/``."""
    _pybabel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        *KEYWORDS,
        "--no-location",
        "--sort-output",
        "--no-wrap",
        "--project",
        "Platform Desk",
        "--copyright-holder",
        "Platform Desk contributors",
        "--msgid-bugs-address",
        "",
        "-o",
        str(target),
        str(ROOT / "desktop_app"),
    )
    return target


def update(translations: Path = TRANSLATIONS, template: Path = TEMPLATE) -> None:
    """Merge the template into every language's catalog, creating missing ones."""
    for language in LANGUAGES[1:]:
        po = translations / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po.exists():
            _pybabel("init", "--no-wrap", "-D", DOMAIN, "-i", str(template), "-d", str(translations), "-l", language)
        else:
            _merge(po, template, language)
        if language in PLURAL_FORMS:
            _fix_plural_header(po, PLURAL_FORMS[language])


def _merge(po: Path, template: Path, language: str) -> None:
    """Bring ``po`` in step with ``template`` without moving or re-wrapping the messages it keeps."""
    with open(po, "rb") as handle:
        catalog = read_po(handle, locale=language)
    with open(template, "rb") as handle:
        wanted = read_po(handle)
    # a message is its text and its context: “New” (a button) and “New” in “records counted” are two
    kept_order = [(message.id, message.context) for message in catalog if message.id]
    catalog.update(wanted, no_fuzzy_matching=True, update_header_comment=False, update_creation_date=False)
    catalog.obsolete.clear()
    order = [key for key in kept_order if catalog.get(*key) is not None]
    previous = None
    for message in wanted:  # a new message goes after the one before it in the template
        key = (message.id, message.context)
        if message.id and key not in order:
            order.insert(order.index(previous) + 1 if previous in order else len(order), key)
        previous = key
    messages = {(message.id, message.context): message for message in catalog if message.id}
    for message_id, context in messages:
        catalog.delete(message_id, context)
    for key in order:
        catalog[key[0]] = messages[key]
    with open(po, "wb") as handle:
        write_po(handle, catalog, width=0, include_previous=False)


def _fix_plural_header(po: Path, rule: str) -> None:
    lines = po.read_text(encoding="utf-8").splitlines(keepends=True)
    po.write_text(
        "".join(f'"Plural-Forms: {rule}\\n"\n' if line.startswith('"Plural-Forms:') else line for line in lines),
        encoding="utf-8",
    )


def compile_all() -> None:
    _pybabel("compile", "-D", DOMAIN, "-d", str(TRANSLATIONS))


def main(argv: list[str]) -> int:
    commands = {"extract": extract, "update": update, "compile": compile_all}
    if len(argv) != 1 or argv[0] not in commands:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    commands[argv[0]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Keep the gettext catalogs in step with the code: ``python -m desktop_app.tools.catalogs extract|update|compile``.

``extract`` writes ``translations/platform_desk.pot`` from the source; ``update``
merges it into each language's ``.po`` (new strings arrive empty, for the
translator); ``compile`` builds the ``.mo`` files the program loads.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

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
    _pybabel("extract", "-F", str(ROOT / "babel.cfg"), *KEYWORDS, "--no-location", "--sort-output",
             "--project", "Platform Desk", "--copyright-holder", "Platform Desk contributors",
             "--msgid-bugs-address", "", "-o", str(target), str(ROOT / "desktop_app"))
    return target


def update() -> None:
    """Merge the template into every language's catalog, creating missing ones."""
    for language in LANGUAGES[1:]:
        po = TRANSLATIONS / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        command = "update" if po.exists() else "init"
        _pybabel(command, "-D", DOMAIN, "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "-l", language,
                 *(["--no-fuzzy-matching", "--ignore-obsolete"] if command == "update" else []))
        if language in PLURAL_FORMS:
            _fix_plural_header(po, PLURAL_FORMS[language])


def _fix_plural_header(po: Path, rule: str) -> None:
    lines = po.read_text(encoding="utf-8").splitlines(keepends=True)
    po.write_text("".join(f'"Plural-Forms: {rule}\\n"\n' if line.startswith('"Plural-Forms:') else line
                          for line in lines), encoding="utf-8")


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

"""SPEC §7: seven complete catalogs, an up-to-date template, no string that bypasses translation,
and each language's own letters."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from desktop_app import i18n
from desktop_app.tools import catalogs

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"\{[a-z_]*(?:![rs])?\}")
TRANSLATED = i18n.LANGUAGES[1:]


def read(path: Path, language: str | None = None):
    with open(path, "rb") as handle:
        return read_po(handle, locale=language)


def template_ids(path: Path) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in read(path) if m.id}


def test_template_is_up_to_date(tmp_path):
    fresh = catalogs.extract(tmp_path / "fresh.pot")
    missing = template_ids(fresh) - template_ids(catalogs.TEMPLATE)
    assert not missing, f"run `python -m desktop_app.tools.catalogs extract update`: {sorted(missing, key=str)[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_is_complete(language):
    catalog = read(catalogs.TRANSLATIONS / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po", language)
    messages = {m.id if isinstance(m.id, str) else tuple(m.id): m for m in catalog if m.id}
    problems = []
    for msgid in template_ids(catalogs.TEMPLATE):
        message = messages.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        sources = msgid if isinstance(msgid, tuple) else (msgid,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if isinstance(msgid, tuple) and len(strings) != catalog.num_plurals:
            problems.append(f"plural forms {len(strings)} != {catalog.num_plurals}: {msgid!r}")
        for string in strings:
            if not string:
                problems.append(f"empty: {msgid!r}")
            elif set(PLACEHOLDER.findall(string)) != set(PLACEHOLDER.findall(sources[-1])):
                problems.append(f"placeholders differ: {msgid!r} -> {string!r}")
    assert not problems, "\n".join(problems[:20])


def test_tajik_counts_zero_as_one():
    catalog = read(catalogs.TRANSLATIONS / "tg" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po", "tg")
    assert catalog.plural_expr.replace(" ", "") in ("(n>1)", "n>1")


def _translations(language):
    catalog = read(catalogs.TRANSLATIONS / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po", language)
    for message in catalog:
        if message.id:
            yield from (message.string if isinstance(message.string, tuple) else (message.string,))


def test_uzbek_uses_modifier_letters():
    wrong = [s for s in _translations("uz") if re.search(r"[OoGg]['‘’`]", s)]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("language", ["ru", "kk", "ky", "tg"])
def test_cyrillic_words_have_no_latin_look_alikes(language):
    mixed = re.compile(r"\b(?=\w*[а-яёәғқңөұүһіҷӣӯҳ])(?=\w*[a-zA-Z])\w+\b", re.IGNORECASE)
    wrong = [w for s in _translations(language) for w in mixed.findall(PLACEHOLDER.sub("", s))]
    assert not wrong, wrong[:10]


UI_SETTERS = {
    "setText",
    "setWindowTitle",
    "setToolTip",
    "setPlaceholderText",
    "setTitle",
    "setStatusTip",
    "setAccessibleName",
    "addItem",
    "addTab",
    "setHeaderLabels",
    "setLabelText",
    "showMessage",
    "QLabel",
    "QPushButton",
    "QCheckBox",
    "QGroupBox",
    "QAction",
    "QRadioButton",
    "information",
    "warning",
    "critical",
    "question",
    "setItemText",
    "setWhatsThis",
}


def test_no_user_visible_literal_bypasses_translation():
    offenders = []
    for path in (ROOT / "desktop_app" / "ui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in UI_SETTERS:
                continue
            for argument in node.args:
                if (
                    isinstance(argument, ast.Constant)
                    and isinstance(argument.value, str)
                    and re.search(r"[A-Za-z]{2}", argument.value)
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {argument.value!r}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize(
    "language, expected", [("ru", "30 октября 2024 г."), ("kk", "2024 ж. 30 қазан"), ("en", "30 October 2024")]
)
def test_dates_follow_the_language(language, expected):
    i18n.set_language(language)
    assert re.sub(r"[\u00a0\u202f]", " ", i18n.format_date("2024-10-30")) == expected  # CLDR's no-break spaces


def test_messages_follow_the_language(desk):
    from desktop_app.errors import ValidationError

    i18n.set_language("ru")
    with pytest.raises(ValidationError) as raised:
        desk.put("event", {"type": "webinar", "start_date": "2025-01-01"})
    assert raised.value.message != "is required" and re.search("[а-я]", raised.value.message)
    assert i18n.ngettext("{n} conflict", "{n} conflicts", 3) != i18n.ngettext("{n} conflict", "{n} conflicts", 5)


@pytest.mark.parametrize(
    "language, names",
    [
        ("kk", ["Olga", "Айгерим", "Әлия", "Бауыржан", "Өмір", "Ярослав"]),
        ("uz", ["Gulnora", "Olimov", "Zafar", "Oʻrinboyev", "Gʻayrat", "Shavkat"]),
        ("tk", ["Ahmet", "Çary", "Sapar", "Şatlyk", "Ýazgül", "Zöhre"]),
        ("ru", ["Анна", "Ёлкин", "Жанна", "Яна"]),
    ],
)
def test_names_sort_by_the_languages_alphabet(language, names):
    assert sorted(reversed(names), key=lambda name: i18n.sort_key(name, language)) == names

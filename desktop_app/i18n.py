"""Messages and formatting in the seven languages of the Platform.

Messages come from gettext catalogs under ``translations/`` (compiled ``.mo``
files, or the ``.po`` sources compiled in memory when running from a checkout
that has not been built); dates, numbers and country names come from Babel's
CLDR data. ``_`` and ``ngettext`` translate at call time, so switching the
language takes effect for everything rendered afterwards; ``N_`` only marks a
string for extraction.
"""

from __future__ import annotations

import gettext as _gettext
import io
import locale
import os
import re
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING

from desktop_app import paths
from desktop_app.country_names import member_state_name

if TYPE_CHECKING:  # Babel is imported when first used: the window paints without it
    from babel import Locale

DOMAIN = "platform_desk"
LANGUAGES = ("en", "ru", "kk", "ky", "uz", "tg", "tk")
DEFAULT_LANGUAGE = "en"

_current = DEFAULT_LANGUAGE
_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_listeners: list = []


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` translated as it reads in ``context``: ``pgettext("female", "took part in")``."""
    return _translation.pgettext(context, message)


def language_names() -> dict[str, str]:
    """Each language by its own name (``Қазақ тілі``), so anyone can find theirs."""
    from babel import Locale

    return {code: (Locale.parse(code).get_display_name(code) or code).capitalize() for code in LANGUAGES}


def current_language() -> str:
    return _current


@lru_cache(maxsize=None)
def _load(language: str) -> _gettext.NullTranslations:
    folder = paths.translations_dir() / language / "LC_MESSAGES"
    mo = folder / f"{DOMAIN}.mo"
    po = folder / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with open(mo, "rb") as handle:
            return _gettext.GNUTranslations(handle)
    if po.exists():
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with open(po, "rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return _gettext.GNUTranslations(buffer)
    return _gettext.NullTranslations()


def set_language(language: str) -> None:
    """Switch every later message, date and number to ``language`` and tell the listeners."""
    global _current, _translation
    if language not in LANGUAGES:
        raise ValueError(language)
    _current = language
    _translation = _load(language) if language != DEFAULT_LANGUAGE else _gettext.NullTranslations()
    for listener in list(_listeners):
        listener(language)


def add_listener(callback) -> None:
    """Call ``callback(language)`` after each switch (the GUI retranslates its windows)."""
    _listeners.append(callback)


def remove_listener(callback) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


def system_language() -> str:
    """The system's language when it is one of the seven, else English."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            code = value.split(":")[0].split(".")[0].split("_")[0].lower()
            return code if code in LANGUAGES else DEFAULT_LANGUAGE
    try:
        code = (locale.getlocale()[0] or "").split("_")[0].lower()
    except ValueError:
        code = ""
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def saved_language() -> str | None:
    """The language last chosen in the GUI, if any."""
    from desktop_app import user_settings

    value = user_settings.load().get("language")
    return value if value in LANGUAGES else None


def save_language(language: str) -> None:
    from desktop_app import user_settings

    user_settings.save(language=language)


def preferred_language(explicit: str | None = None) -> str:
    """``--lang`` first, then the language chosen in the GUI, then the system's."""
    return explicit or saved_language() or system_language()


def babel_locale(language: str | None = None) -> Locale:
    """Babel's locale for ``language`` (default: the current one)."""
    return _parsed_locale(language or _current)


# English is written as the UN writes it: "20 February 2024", British patterns (CLDR's en_GB).
_FORMAT_LOCALES = {"en": "en_GB"}


@lru_cache(maxsize=None)
def _parsed_locale(language: str) -> Locale:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(_FORMAT_LOCALES.get(language, language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


def numeric_date_pattern(language: str | None = None) -> str:
    """The language's short CLDR date pattern with a four-digit year (``dd.MM.y``, ``M/d/y``)."""
    return _numeric_date_pattern(language or _current)


@lru_cache(maxsize=None)
def _numeric_date_pattern(language: str) -> str:
    from babel.dates import get_date_format

    return re.sub("y+", "y", get_date_format("short", locale=babel_locale(language)).pattern)


def qt_date_format(language: str | None = None) -> str:
    """``numeric_date_pattern`` as Qt's date editors write it (``dd.MM.yyyy``)."""
    return numeric_date_pattern(language).replace("y", "yyyy")


def format_date(value: date | str | None, form: str = "long") -> str:
    """A date in the current language's own format (``30 октября 2024 г.``); ``numeric``: ``30.10.2024``.
    ISO dates are for files only (exports, JSON)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if form == "numeric":
        numeric = _numeric_template(_current)
        if numeric is not None:
            return numeric.format(value)  # a table of 20,000 dates: no pattern parsed per cell
        form = numeric_date_pattern()
    from babel.dates import format_date as babel_format_date

    return _lower_months(babel_format_date(value, format=form, locale=babel_locale()))


# Languages whose CLDR month names are capitalised although the language writes them in lower case (Tajik).
_LOWER_CASE_MONTHS = {"tg"}
# Interval patterns where CLDR's follow English order against the language's own long date (Tajik):
# the patterns of the start and of the end date, by the greatest difference (year, month, day).
_INTERVALS = {"tg": {"d": ("d", "–d MMMM y"), "M": ("d MMMM – ", "d MMMM y"), "y": ("d MMMM y – ", "d MMMM y")}}


def _lower_months(text: str, language: str | None = None) -> str:
    return text.lower() if (language or _current) in _LOWER_CASE_MONTHS else text


def format_date_range(start: date | str, end: date | str | None) -> str:
    """Two dates as one interval in the language's CLDR form, months written out, each part said once:
    «20—22 февраля 2024 г.», "20 February – 2 March 2024"; one date when they are the same."""
    start = date.fromisoformat(start) if isinstance(start, str) else start
    end = date.fromisoformat(end) if isinstance(end, str) else (end or start)
    if end == start:
        return format_date(start)
    from babel.dates import format_date as babel_format_date

    locale = babel_locale()
    greatest = "y" if start.year != end.year else "M" if start.month != end.month else "d"
    patterns = _INTERVALS.get(_current, {}).get(greatest) or locale.interval_formats.get("yMMMd", {}).get(greatest)
    if not patterns:
        return f"{format_date(start)} – {format_date(end)}"
    wide = [re.sub(r"(?<![ML])([ML])\1\1(?![ML])", r"\1\1\1\1", pattern) for pattern in patterns]  # MMM → MMMM
    return _lower_months(
        "".join(babel_format_date(day, format=pattern, locale=locale) for day, pattern in zip((start, end), wide))
    )


_NUMERIC_FIELDS = {"d": "{0.day}", "dd": "{0.day:02d}", "M": "{0.month}", "MM": "{0.month:02d}", "y": "{0.year}"}


@lru_cache(maxsize=None)
def _numeric_template(language: str) -> str | None:
    """``numeric_date_pattern`` as a ``str.format`` template, or None if it has more than day, month, year."""
    template, pattern, index = [], numeric_date_pattern(language), 0
    while index < len(pattern):
        char = pattern[index]
        end = index
        while end < len(pattern) and pattern[end] == char:
            end += 1
        run = pattern[index:end]
        if char.isalpha():
            if run not in _NUMERIC_FIELDS:
                return None
            template.append(_NUMERIC_FIELDS[run])
        elif char == "'":
            return None
        else:
            template.append(run.replace("{", "{{").replace("}", "}}"))
        index = end
    return "".join(template)


def format_number(value: int | float | None) -> str:
    if value is None:
        return ""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=babel_locale())


def country_name(code: str | None) -> str:
    """The country's name in the current language: a member state's own name, else CLDR's."""
    if not code:
        return ""
    return member_state_name(code, _current) or babel_locale().territories.get(code, code)


# Each language's alphabet in its own order (Uzbek digraphs are single letters, after z).
ALPHABETS = {
    "en": "abcdefghijklmnopqrstuvwxyz",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "kk": "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя",
    "ky": "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя",
    "tg": "абвгғдеёжзиӣйкқлмнопрстуӯфхҳчҷшъэюя",
    "tk": "abçdeäfghijžklmnňoöprsştuüwyýz",
    "uz": "abdefghijklmnopqrstuvxyz\u0001\u0002\u0003\u0004\u0005",
}
_UZBEK_LETTERS = (("oʻ", "\u0001"), ("gʻ", "\u0002"), ("sh", "\u0003"), ("ch", "\u0004"), ("ng", "\u0005"))


@lru_cache(maxsize=None)
def _letter_ranks(language: str) -> dict[str, int]:
    ranks = {letter: index for index, letter in enumerate(ALPHABETS["en"])}  # Latin first, as CLDR does
    own = ALPHABETS.get(language, ALPHABETS["en"])
    ranks.update({letter: 100 + index for index, letter in enumerate(own)})
    return ranks


def sort_key(text: str | None, language: str | None = None) -> str:
    """A key that orders ``text`` by the language's alphabet (``ә`` after ``а`` in Kazakh, ``oʻ`` after ``z``
    in Uzbek), ignoring case; letters of other scripts follow by code point."""
    if not text:
        return ""
    language = language or _current
    folded = text.casefold()
    if language == "uz":
        for digraph, letter in _UZBEK_LETTERS:
            folded = folded.replace(digraph, letter)
    ranks = _letter_ranks(language)
    return "".join(chr(0x1000 + ranks[c]) if c in ranks else chr(0x2000 + ord(c)) if c.isalpha() else c for c in folded)


def format_local_time(moment: datetime | str | None, form: str = "medium", with_zone: bool = True) -> str:
    """A moment in this computer's time zone, in the current language, with the zone: ``1 мар. 2025 г.,
    14:05:00 (UTC+5)`` (``form``: Babel's; without the zone where a column's title names it). A time without a
    zone (or an ISO text without one) is taken as UTC."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone()
    from babel.dates import format_datetime

    text = format_datetime(local, form, tzinfo=local.tzinfo, locale=babel_locale())
    return f"{text} ({utc_offset(local)})" if with_zone else text


def utc_offset(moment: datetime) -> str:
    """``UTC+5``, ``UTC-3:30``, ``UTC`` for a moment with a zone."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")

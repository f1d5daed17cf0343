"""Dates on screen: each language's CLDR pattern with a four-digit year; ISO stays for files."""

from __future__ import annotations

from datetime import date

import pytest
from babel.dates import format_date as babel_format_date

from desktop_app import i18n


@pytest.mark.parametrize(
    ("language", "shown", "qt"),
    [
        ("en", "01/03/2024", "dd/MM/yyyy"),
        ("ru", "01.03.2024", "dd.MM.yyyy"),
        ("kk", "01.03.2024", "dd.MM.yyyy"),
        ("ky", "01.03.2024", "dd.MM.yyyy"),
        ("uz", "01/03/2024", "dd/MM/yyyy"),
        ("tg", "01/03/2024", "dd/MM/yyyy"),
        ("tk", "01.03.2024", "dd.MM.yyyy"),
    ],
)
def test_numeric_dates_follow_cldr_with_four_digit_years(language, shown, qt):
    i18n.set_language(language)
    assert i18n.format_date("2024-03-01", "numeric") == shown
    assert babel_format_date(date(2024, 3, 1), i18n.numeric_date_pattern(), locale=language) == shown
    assert i18n.qt_date_format() == qt
    assert "2024" in i18n.format_date("2024-03-01", "medium")

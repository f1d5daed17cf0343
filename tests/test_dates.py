"""Dates on screen: each language's CLDR pattern with a four-digit year; ISO stays for files."""

from __future__ import annotations

import time
from datetime import date, datetime, timezone

import pytest
from babel.dates import format_date as babel_format_date

from desktop_app import i18n
from desktop_app.domain import hlc


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


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="the zone is set through TZ")
def test_times_are_shown_in_local_time_with_the_zone(monkeypatch):
    """A change made at 09:05 UTC reads 14:05 (UTC+5) in Tashkent, in every language; UTC stays UTC."""
    from desktop_app.ui.pages.conflicts import clock_time
    from desktop_app.ui.pages.sync import format_time

    monkeypatch.setenv("TZ", "Asia/Tashkent")
    time.tzset()
    try:
        assert format_time("2025-03-01T09:05:00+00:00") == "1 Mar 2025, 14:05:00 (UTC+5)"
        i18n.set_language("ru")
        assert format_time("2025-03-01T09:05:00") == "1 мар. 2025\u202fг., 14:05:00 (UTC+5)"
        wall_ms = int(datetime(2025, 3, 1, 9, 5, tzinfo=timezone.utc).timestamp() * 1000)
        assert "14:05:00 (UTC+5)" in clock_time(hlc.encode(wall_ms, 0))
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
        assert format_time("2025-03-01T09:05:00+00:00").endswith("09:05:00 (UTC)")
    finally:
        i18n.set_language("en")
        monkeypatch.undo()
        time.tzset()

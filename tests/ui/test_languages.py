"""SPEC §7: switched while running, every screen and dialog shows no English source text in another
language, and the screenshots tool renders every screen."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTableView,
    QTabWidget,
    QTreeView,
    QWidget,
)

from desktop_app import i18n
from desktop_app.tools import catalogs
from desktop_app.tools.screenshots import main as screenshots_main
from desktop_app.tools.screenshots import screens
from desktop_app.ui.qt_i18n import switch_language


def must_change(language: str) -> set[str]:
    """English source texts whose translation in ``language`` differs from them."""
    with open(catalogs.TRANSLATIONS / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po", "rb") as handle:
        catalog = read_po(handle, locale=language)
    return {m.id for m in catalog if isinstance(m.id, str) and m.id and m.string and m.string != m.id}


def visible_texts(top: QWidget) -> set[str]:
    """Every text a user can see on ``top``: labels, buttons, titles, placeholders, items, headers, tooltips."""
    texts = {top.windowTitle()}
    for widget in [top, *top.findChildren(QWidget)]:
        if not widget.isVisibleTo(top) and widget is not top:
            continue
        texts.add(widget.toolTip())
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.add(widget.text())
        if isinstance(widget, QGroupBox):
            texts.add(widget.title())
        if isinstance(widget, (QLineEdit, QPlainTextEdit)):
            texts.add(widget.placeholderText())
        if isinstance(widget, QComboBox):
            texts.update(widget.itemText(i) for i in range(widget.count()))
        if isinstance(widget, QTabWidget):
            texts.update(widget.tabText(i) for i in range(widget.count()))
        if isinstance(widget, QListWidget):
            texts.update(widget.item(i).text().strip() for i in range(widget.count()))
        header = (
            widget.horizontalHeader()
            if isinstance(widget, QTableView)
            else (widget.header() if isinstance(widget, QTreeView) else None)
        )
        if header is not None and widget.model() is not None:
            texts.update(str(widget.model().headerData(c, Qt.Orientation.Horizontal)) for c in range(header.count()))
    return {t for t in texts if t}


@pytest.mark.parametrize("language", i18n.LANGUAGES[1:])
def test_no_english_left_on_any_screen(window, language):
    switch_language(language)
    try:
        english = must_change(language)
        left = {}
        for name, widget in screens(window):
            untranslated = visible_texts(widget) & english
            if untranslated:
                left[name] = sorted(untranslated)
        assert not left, left
    finally:
        switch_language("en")


def test_screenshots_tool_renders_every_screen(tmp_path):
    assert screenshots_main([str(tmp_path), "--lang", "kk"]) == 0
    shots = sorted(p.name for p in (tmp_path / "kk").glob("*.png"))
    assert {"events.png", "people.png", "quick-meeting.png", "first-start.png"} <= set(shots)


def test_people_sort_by_the_alphabet_of_the_language_in_use(window):
    for name in ("Ярослав Ким", "Әлия Сейітова", "Айгерим Нурланова"):
        window.desk.put("person", {"full_name": name})
    page = window.page("people")
    switch_language("kk")
    try:
        page.model.sort(0, Qt.SortOrder.AscendingOrder)
        page.apply_filters()
        names = [page.model.row(n)["full_name"] for n in range(page.model.rowCount())]
        cyrillic = [n for n in names if n in ("Ярослав Ким", "Әлия Сейітова", "Айгерим Нурланова")]
        assert cyrillic == ["Айгерим Нурланова", "Әлия Сейітова", "Ярослав Ким"]
    finally:
        switch_language("en")

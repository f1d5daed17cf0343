"""Screen readers: every control that takes the focus on every page and dialog, in every language, has a
name (its own text, an accessible name, or a label whose buddy it is), and every input has a label or a
name."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollBar,
    QTextEdit,
    QWidget,
)

from desktop_app import i18n
from desktop_app.tools.screenshots import screens
from desktop_app.ui.qt_i18n import switch_language

INPUTS = (QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit)


def _unnamed(top: QWidget) -> tuple[list[str], list[str]]:
    """The controls of ``top`` that take the focus without a name, and the inputs without a label or name."""
    buddies = {label.buddy() for label in top.findChildren(QLabel) if label.buddy() is not None}
    unnamed, unlabeled = [], []
    for control in top.findChildren(QWidget):
        if not control.isVisibleTo(top) or not control.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        if isinstance(control, QScrollBar) or isinstance(control.parent(), (QComboBox, QAbstractSpinBox)):
            continue  # parts of a control that carries the name
        text = control.text().replace("&", "").strip() if isinstance(control, QAbstractButton) else ""
        if not (control.accessibleName() or text or control in buddies):
            unnamed.append(f"{type(control).__name__} in {type(control.parent()).__name__}")
        if isinstance(control, INPUTS) and not (control.accessibleName() or control in buddies):
            unlabeled.append(type(control).__name__)
    return unnamed, unlabeled


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_control_on_every_screen_has_a_name(window, language):
    switch_language(language)
    try:
        problems = {}
        for name, top in screens(window):
            if isinstance(top, QMenu):
                continue
            unnamed, unlabeled = _unnamed(top)
            if unnamed or unlabeled:
                problems[name] = unnamed + unlabeled
    finally:
        switch_language("en")
    assert problems == {}


def _access_key(text: str) -> str | None:
    """The Alt-letter of a menu text (“&File” → “f”), None without one."""
    position = text.replace("&&", "").find("&")
    return text.replace("&&", "")[position + 1].casefold() if position >= 0 else None


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_menu_letters_do_not_clash(qtbot, tmp_path, language):
    """Each menu's Alt-letters, and the menu bar's, are different (File → Lock of an encrypted database too)."""
    from desktop_app.domain.desk import Desk
    from desktop_app.ui.lock import Locker
    from desktop_app.ui.main_window import MainWindow

    desk = Desk.create(tmp_path / "e.db", "kg-laptop", "delegation", "KG", passphrase="Делегация KG 2025")
    window = MainWindow(desk)
    window.locker = Locker(window, desk, minutes=0)
    qtbot.addWidget(window)
    window.show()  # a hidden window is re-translated when shown
    i18n.set_language(language)
    try:
        clashes = []
        groups = [window.menuBar().actions()] + [action.menu().actions() for action in window.menuBar().actions()]
        for actions in groups:
            seen: dict[str, str] = {}
            for action in actions:
                key = None if action.isSeparator() else _access_key(action.text())
                if key in seen:
                    clashes.append((seen[key], action.text()))
                if key:
                    seen[key] = action.text()
        assert clashes == []
    finally:
        i18n.set_language("en")
        window.close()
        desk.close()


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_alt_letters_on_every_screen_do_not_clash(window, language):
    """Buttons, check boxes and field labels of each page and dialog get Alt-letters in the words of the
    language, none twice on a screen and none a menu's; every button gets one."""
    from desktop_app.ui.widgets import mnemonics

    switch_language(language)
    try:
        clashes, without = {}, {}
        for name, top in screens(window):
            if isinstance(top, QMenu):
                continue
            screen = window.current_page() if top is window else top
            seen = dict.fromkeys(mnemonics.menu_letters(top), "the menu bar") if top is window else {}
            for control in mnemonics.controls(screen):
                if not control.isVisibleTo(screen):
                    continue
                key = mnemonics.letter(control.text())
                if key in seen:
                    clashes.setdefault(name, []).append((seen[key], control.text()))
                elif key:
                    seen[key] = control.text()
                elif isinstance(control, QPushButton):
                    without.setdefault(name, []).append(control.text())
    finally:
        switch_language("en")
    assert clashes == {} and without == {}

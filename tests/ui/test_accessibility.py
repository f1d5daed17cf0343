"""Screen readers: every control that takes the focus on every page and dialog, in every language, has a
name (its own text, an accessible name, or a label whose buddy it is), and every input has a label or a
name."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QComboBox, QLabel, QLineEdit, QMenu,
                               QPlainTextEdit, QScrollBar, QTextEdit, QWidget)

from desktop_app import i18n
from desktop_app.tools.screenshots import screens, switch_language

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

"""Colours under the normal and a high-contrast palette: text 4.5:1 or more, icons and the focus ring
(drawn in the selection colour) 3:1 or more, measured as WCAG 2.1 does."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from desktop_app.ui.widgets import palette as colours
from desktop_app.ui.widgets.icons import ACCENT, COLOR

R = QPalette.ColorRole
TEXT_PAIRS = [
    (R.Text, R.Base),
    (R.Text, R.AlternateBase),
    (R.WindowText, R.Window),
    (R.ButtonText, R.Button),
    (R.HighlightedText, R.Highlight),
    (R.ToolTipText, R.ToolTipBase),
]


def _palettes():
    return {
        "normal": colours.accessible(QApplication.style().standardPalette()),
        "high contrast": colours.accessible(colours.high_contrast_palette()),
    }


@pytest.mark.parametrize("name", ["normal", "high contrast"])
def test_texts_icons_and_focus_ring_stand_out(qapp, name):
    palette = _palettes()[name]
    failures = []
    for text, background in TEXT_PAIRS:
        ratio = colours.contrast(palette.color(text), palette.color(background))
        if ratio < 4.5:
            failures.append((text.name, background.name, round(ratio, 2)))
    base = palette.color(R.Base)
    if colours.contrast(colours.error_color(palette), base) < 4.5:
        failures.append(("error text", round(colours.contrast(colours.error_color(palette), base), 2)))
    for preferred in (COLOR, ACCENT):
        if colours.contrast(QColor(colours.icon_color(palette, preferred)), base) < 3:
            failures.append(("icon", preferred))
    if colours.contrast(palette.color(R.HighlightedText), palette.color(R.Highlight)) < 3:
        failures.append("icon on the selection")
    if colours.contrast(palette.color(R.Highlight), base) < 3:
        failures.append("focus ring")
    assert failures == []


def test_the_program_uses_the_accessible_selection():
    """Qt's default blue selection with white text measures 3.7:1; the program's reaches 4.5:1."""
    palette = colours.accessible(QApplication.style().standardPalette())
    assert colours.contrast(palette.color(R.HighlightedText), palette.color(R.Highlight)) >= 4.5

"""Colours that follow the palette: a high-contrast palette, WCAG contrast ratios, and the colour of error
text readable on the palette's background (light or dark)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

ERROR_ON_LIGHT = "#b00020"  # 7.1:1 on white
ERROR_ON_DARK = "#ff9e9e"  # 9.6:1 on black


def luminance(color: QColor) -> float:
    """Relative luminance (WCAG 2.1)."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(first: QColor, second: QColor) -> float:
    """The WCAG contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((luminance(QColor(first)), luminance(QColor(second))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def is_dark(palette: QPalette) -> bool:
    return luminance(palette.color(QPalette.ColorRole.Base)) < 0.5


def error_color(palette: QPalette) -> QColor:
    """Red readable as text on the palette's base."""
    return QColor(ERROR_ON_DARK if is_dark(palette) else ERROR_ON_LIGHT)


def high_contrast_palette() -> QPalette:
    """White on black with a yellow selection, as Windows' “High Contrast Black” theme."""
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#000000",
        QPalette.ColorRole.WindowText: "#ffffff",
        QPalette.ColorRole.Base: "#000000",
        QPalette.ColorRole.AlternateBase: "#1a1a1a",
        QPalette.ColorRole.Text: "#ffffff",
        QPalette.ColorRole.Button: "#000000",
        QPalette.ColorRole.ButtonText: "#ffffff",
        QPalette.ColorRole.Highlight: "#ffff00",
        QPalette.ColorRole.HighlightedText: "#000000",
        QPalette.ColorRole.ToolTipBase: "#000000",
        QPalette.ColorRole.ToolTipText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: "#c0c0c0",
        QPalette.ColorRole.Link: "#80c0ff",
        QPalette.ColorRole.BrightText: "#ffffff",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#a0a0a0"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#a0a0a0"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#a0a0a0"))
    return palette


def accessible(palette: QPalette) -> QPalette:
    """``palette`` with a selection dark (or light) enough for its text to reach 4.5:1, as Qt's default blue
    with white text does not (3.7:1)."""
    palette = QPalette(palette)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        highlight = palette.color(group, QPalette.ColorRole.Highlight)
        text = palette.color(group, QPalette.ColorRole.HighlightedText)
        darken = luminance(text) > luminance(highlight)
        while contrast(highlight, text) < 4.5:
            highlight = highlight.darker(110) if darken else highlight.lighter(110)
        palette.setColor(group, QPalette.ColorRole.Highlight, highlight)
    return palette


def icon_color(palette: QPalette, preferred: str) -> str:
    """``preferred`` where it stands out 3:1 from the palette's base, else the palette's text colour."""
    base = palette.color(QPalette.ColorRole.Base)
    return preferred if contrast(QColor(preferred), base) >= 3 else palette.color(QPalette.ColorRole.Text).name()

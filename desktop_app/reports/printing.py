"""Qt rendering shared by the report PDF, the printable sheets and the reports page.

Pages are laid out by ``layout.Pages`` and printed with ``QPdfWriter`` on A4; the DejaVu Sans font
shipped in ``resources/fonts`` is loaded so that Cyrillic and Turkic letters print on any computer.
Bar charts are drawn with ``QPainter`` (QtCharts is not in PySide6-Essentials).
"""

from __future__ import annotations

import os
from functools import lru_cache

from babel.dates import format_skeleton
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetricsF, QGuiApplication, QPainter

from desktop_app import paths
from desktop_app.i18n import babel_locale, format_number
from desktop_app.reports.tables import Chart

FALLBACK_FAMILY = "DejaVu Sans"
PAPER_TEXT = "#222222"
BAR_COLOURS = ("#1f5f99", "#d9822b", "#4d8f3a", "#8e4585", "#b23a3a", "#3a8fb2", "#7a7a2e")
_created_application = None


def application() -> QGuiApplication:
    """The running Qt application, or a new offscreen one for the command line. It is a widgets
    ``QApplication``, so that a window opened later in the same process (or a GUI test) can use it."""
    global _created_application
    existing = QGuiApplication.instance()
    if existing is not None:
        return existing
    from PySide6.QtWidgets import QApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _created_application = QApplication([])
    return _created_application


@lru_cache(maxsize=1)
def font_family() -> str:
    """The family of the shipped font (loaded once), which covers every letter of the seven languages."""
    application()
    families = []
    for path in sorted((paths.resources_dir() / "fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            families += QFontDatabase.applicationFontFamilies(font_id)
    return families[0] if families else FALLBACK_FAMILY


def numeric_date(value) -> str:
    """A date in digits with a four-digit year in every language (CLDR's short form has two in some)."""
    return format_skeleton("yMMdd", value, locale=babel_locale())


def display(value) -> str:
    """A typed table cell as text: dates and numbers in the current language's format."""
    if isinstance(value, int):
        return format_number(value)
    if hasattr(value, "isoformat"):
        return numeric_date(value)
    return "" if value is None else str(value)


def paint_bar_chart(painter: QPainter, rect: QRectF, chart: Chart, point_size: float = 9,
                    text_color: QColor | None = None) -> None:
    """A horizontal bar chart of ``chart`` in ``rect``: its title, one labelled bar per item, the values
    (texts in ``text_color``: on screen the palette's, on paper near-black)."""
    text_color = text_color or QColor(PAPER_TEXT)
    painter.save()
    family = font_family()
    title_font = QFont(family)
    title_font.setPointSizeF(point_size * 1.2)
    title_font.setBold(True)
    font = QFont(family)
    font.setPointSizeF(point_size)
    painter.setFont(title_font)
    title_metrics = QFontMetricsF(title_font, painter.device())
    wrap = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap)
    wrapped = title_metrics.boundingRect(QRectF(0, 0, rect.width(), rect.height()), wrap, chart.title)
    title_height = max(wrapped.height(), title_metrics.height()) + title_metrics.height() * 0.4  # long titles wrap
    painter.setPen(text_color)
    painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), title_height), wrap, chart.title)
    painter.setFont(font)
    metrics = QFontMetricsF(font, painter.device())
    bars = chart.bars or []
    area = QRectF(rect.left(), rect.top() + title_height, rect.width(), rect.height() - title_height)
    if bars:
        label_width = min(area.width() * 0.45, max(metrics.horizontalAdvance(label) for label, _v in bars) + 8)
        value_width = max(metrics.horizontalAdvance(format_number(v)) for _l, v in bars) + 8
        row_height = min(area.height() / len(bars), metrics.height() * 2.2)
        largest = max(v for _l, v in bars) or 1
        bar_space = area.width() - label_width - value_width
        for index, (label, value) in enumerate(bars):
            top = area.top() + index * row_height
            text_rect = QRectF(area.left(), top, label_width - 8, row_height)
            painter.setPen(text_color)
            painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             metrics.elidedText(label, Qt.TextElideMode.ElideRight, text_rect.width()))
            length = bar_space * value / largest
            bar = QRectF(area.left() + label_width, top + row_height * 0.15, length, row_height * 0.7)
            painter.fillRect(bar, QColor(BAR_COLOURS[index % len(BAR_COLOURS)]))
            painter.drawText(QRectF(bar.right() + 4, top, value_width, row_height),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), format_number(value))
    painter.restore()

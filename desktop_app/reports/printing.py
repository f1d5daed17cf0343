"""Qt rendering shared by the report PDF, the printable sheets and the reports page.

Pages are laid out by ``layout.Pages`` and printed with ``QPdfWriter`` on A4; the DejaVu Sans font
shipped in ``resources/fonts`` is loaded so that Cyrillic and Turkic letters print on any computer.
Bar charts are drawn with ``QPainter`` (QtCharts is not in PySide6-Essentials).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from babel.dates import format_skeleton
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetricsF, QGuiApplication, QPainter

from desktop_app import paths
from desktop_app.i18n import babel_locale, format_number
from desktop_app.reports.layout import wrap
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


@dataclass
class ChartLayout:
    """A bar chart's text wrapped to a width: the title's lines and each bar's label lines, never elided."""

    title_font: QFont
    font: QFont
    title_metrics: QFontMetricsF  # on the device painted on
    metrics: QFontMetricsF
    title: list[str]
    labels: list[list[str]]
    label_width: float
    value_width: float

    def row_height(self, index: int) -> float:
        metrics = self.metrics
        return max(metrics.height() * 2.2, metrics.lineSpacing() * len(self.labels[index]) + metrics.height() * 0.8)

    def title_height(self) -> float:
        return self.title_metrics.lineSpacing() * len(self.title) + self.title_metrics.height() * 0.4

    def height(self) -> float:
        return self.title_height() + sum(self.row_height(i) for i in range(len(self.labels)))


def chart_layout(chart: Chart, width: float, device, point_size: float = 9) -> ChartLayout:
    """Wrap ``chart``'s title to ``width`` and its labels to at most 45 % of it, between words (``layout.wrap``)."""
    family = font_family()
    title_font = QFont(family)
    title_font.setPointSizeF(point_size * 1.2)
    title_font.setBold(True)
    font = QFont(family)
    font.setPointSizeF(point_size)
    metrics = QFontMetricsF(font, device)
    bars = chart.bars or []
    widest = max((metrics.horizontalAdvance(label) for label, _v in bars), default=0)
    label_width = min(width * 0.45, widest + 8)
    value_width = max((metrics.horizontalAdvance(format_number(v)) for _l, v in bars), default=0) + 8
    return ChartLayout(
        title_font,
        font,
        QFontMetricsF(title_font, device),
        metrics,
        wrap(chart.title, title_font, width, device),
        [wrap(label, font, label_width - 8, device) for label, _v in bars],
        label_width,
        value_width,
    )


def paint_bar_chart(
    painter: QPainter, rect: QRectF, chart: Chart, point_size: float = 9, text_color: QColor | None = None
) -> None:
    """A horizontal bar chart of ``chart`` in ``rect``: its title, one labelled bar per item, the values (texts in
    ``text_color``: on screen the palette's, on paper near-black); long titles and labels wrap between words."""
    text_color = text_color or QColor(PAPER_TEXT)
    painter.save()
    laid = chart_layout(chart, rect.width(), painter.device(), point_size)
    painter.setPen(text_color)
    painter.setFont(laid.title_font)
    title_metrics = laid.title_metrics
    for number, line in enumerate(laid.title):
        painter.drawText(
            QPointF(rect.left(), rect.top() + title_metrics.ascent() + number * title_metrics.lineSpacing()), line
        )
    painter.setFont(laid.font)
    metrics = laid.metrics
    bars = chart.bars or []
    top = rect.top() + laid.title_height()
    if bars:
        largest = max(v for _l, v in bars) or 1
        bar_space = rect.width() - laid.label_width - laid.value_width
        for index, (_label, value) in enumerate(bars):
            row_height = laid.row_height(index)
            lines = laid.labels[index]
            painter.setPen(text_color)
            first = top + (row_height - metrics.lineSpacing() * len(lines)) / 2
            for number, line in enumerate(lines):
                x = rect.left() + laid.label_width - 8 - metrics.horizontalAdvance(line)
                painter.drawText(QPointF(x, first + metrics.ascent() + number * metrics.lineSpacing()), line)
            bar_height = min(row_height * 0.7, metrics.height() * 1.5)
            length = bar_space * value / largest
            bar = QRectF(rect.left() + laid.label_width, top + (row_height - bar_height) / 2, length, bar_height)
            painter.fillRect(bar, QColor(BAR_COLOURS[index % len(BAR_COLOURS)]))
            painter.drawText(
                QRectF(bar.right() + 4, top, laid.value_width, row_height),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                format_number(value),
            )
            top += row_height
    painter.restore()

"""The navigation's icons, drawn with QPainter in the program's colours (no image files, nothing to license).

Each icon is a few strokes on a 24-unit grid, drawn at the size asked (sharp on any screen density).
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QApplication

from desktop_app.ui.widgets.palette import icon_color

COLOR = "#1f5f8b"  # the blue of the program's icon
ACCENT = "#b00020"


def _calendar(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(3, 5, 18, 16), 2, 2)
    p.drawLine(QPointF(3, 10), QPointF(21, 10))
    for x in (8, 16):
        p.drawLine(QPointF(x, 3), QPointF(x, 7))
    for x, y in ((7, 14), (12, 14), (17, 14), (7, 18), (12, 18)):
        p.drawPoint(QPointF(x, y))


def _training(p: QPainter) -> None:  # a mortarboard
    p.drawPolygon(QPolygonF([QPointF(2, 9), QPointF(12, 4), QPointF(22, 9), QPointF(12, 14)]))
    p.drawArc(QRectF(6, 8, 12, 10), 180 * 16, 180 * 16)
    p.drawLine(QPointF(21, 9), QPointF(21, 16))


def _meeting(p: QPainter) -> None:  # two people facing
    for x in (7, 17):
        p.drawEllipse(QPointF(x, 8), 3, 3)
        p.drawArc(QRectF(x - 5, 13, 10, 10), 0, 180 * 16)


def _conference(p: QPainter) -> None:  # a lectern with a microphone
    p.drawPolygon(QPolygonF([QPointF(6, 12), QPointF(18, 12), QPointF(16, 21), QPointF(8, 21)]))
    p.drawLine(QPointF(4, 12), QPointF(20, 12))
    p.drawLine(QPointF(12, 12), QPointF(14, 5))
    p.drawEllipse(QPointF(14.5, 4), 1.5, 1.5)


def _person(p: QPainter) -> None:
    p.drawEllipse(QPointF(12, 8), 4, 4)
    p.drawArc(QRectF(4, 14, 16, 14), 0, 180 * 16)


def _actions(p: QPainter) -> None:  # a checklist
    for y in (6, 12, 18):
        p.drawLine(QPointF(10, y), QPointF(21, y))
    path = QPainterPath(QPointF(3, 6))
    path.lineTo(5, 8)
    path.lineTo(8, 4)
    p.drawPath(path)
    p.drawRect(QRectF(3, 10, 4, 4))
    p.drawRect(QRectF(3, 16, 4, 4))


def _reports(p: QPainter) -> None:  # a bar chart
    p.drawLine(QPointF(3, 21), QPointF(21, 21))
    for x, top in ((5, 13), (10, 7), (15, 10)):
        p.drawRect(QRectF(x, top, 3.5, 21 - top))


def _sync(p: QPainter) -> None:  # two arrows in a circle
    p.drawArc(QRectF(4, 4, 16, 16), 30 * 16, 150 * 16)
    p.drawArc(QRectF(4, 4, 16, 16), 210 * 16, 150 * 16)
    p.drawPolyline(QPolygonF([QPointF(16, 3), QPointF(19, 7), QPointF(15, 9)]))
    p.drawPolyline(QPolygonF([QPointF(8, 21), QPointF(5, 17), QPointF(9, 15)]))


def _conflicts(p: QPainter) -> None:  # a warning sign
    p.drawPolygon(QPolygonF([QPointF(12, 3), QPointF(22, 20), QPointF(2, 20)]))
    p.drawLine(QPointF(12, 9), QPointF(12, 14))
    p.drawPoint(QPointF(12, 17))


def _settings(p: QPainter) -> None:  # a gear
    p.drawEllipse(QPointF(12, 12), 3, 3)
    p.drawEllipse(QPointF(12, 12), 7, 7)
    for dx, dy in ((0, -1), (0, 1), (-1, 0), (1, 0), (0.7, 0.7), (-0.7, 0.7), (0.7, -0.7), (-0.7, -0.7)):
        p.drawLine(QPointF(12 + 7 * dx, 12 + 7 * dy), QPointF(12 + 10 * dx, 12 + 10 * dy))


DRAWINGS = {
    "events": _calendar,
    "trainings": _training,
    "meetings": _meeting,
    "conferences": _conference,
    "people": _person,
    "actions": _actions,
    "reports": _reports,
    "sync": _sync,
    "conflicts": _conflicts,
    "settings": _settings,
}


def draw(name: str, size: int, color: str = COLOR) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 24, size / 24)
    pen = QPen(QColor(color), 1.8)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    DRAWINGS[name](painter)
    painter.end()
    return pixmap


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """The icon of a navigation entry (``DRAWINGS``' keys) at 16, 24, 32 and 48 pixels."""
    palette = QApplication.palette()
    normal = icon_color(palette, ACCENT if name == "conflicts" else COLOR)
    selected = palette.color(QPalette.ColorRole.HighlightedText).name()  # as readable as the text beside it
    result = QIcon()
    for size in (16, 24, 32, 48):
        result.addPixmap(draw(name, size, normal))
        result.addPixmap(draw(name, size, selected), QIcon.Mode.Selected)
    return result

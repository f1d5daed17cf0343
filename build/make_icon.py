"""Draw Platform Desk's icon with QPainter: ``resources/icons/platform-desk.png`` and a multi-size ``.ico``.

Run ``python build/make_icon.py`` after changing the drawing; both files are committed. The ``.ico`` holds
PNG-compressed images (readable by Windows Vista and later), written here so no imaging library is needed.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
UN_BLUE = QColor("#009edb")
DEEP_BLUE = QColor("#1f4e79")


def draw(size: int) -> QImage:
    """A record sheet with a tick on a blue tile, drawn on a 256-unit grid scaled to ``size`` pixels."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 256, size / 256)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(UN_BLUE)
    painter.drawRoundedRect(QRectF(8, 8, 240, 240), 48, 48)
    painter.setBrush(QColor("white"))
    painter.drawRoundedRect(QRectF(60, 40, 136, 176), 14, 14)
    painter.setBrush(DEEP_BLUE)
    painter.drawRoundedRect(QRectF(60, 40, 136, 36), 14, 14)
    painter.drawRect(QRectF(60, 60, 136, 16))
    painter.setBrush(QColor("#b8c7d6"))
    for top in (98, 126, 154):
        painter.drawRoundedRect(QRectF(80, top, 96 if top != 154 else 48, 12), 6, 6)
    tick = QPainterPath(QPointF(134, 176))
    tick.lineTo(QPointF(154, 196))
    tick.lineTo(QPointF(200, 140))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(
        QPen(QColor("#2e9e48"), 22, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    )
    painter.drawPath(tick)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)


def ico_bytes(images: list[QImage]) -> bytes:
    """An ICO file whose entries are PNG images (ICONDIR, one ICONDIRENTRY each, then the data)."""
    pngs = [png_bytes(image) for image in images]
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries = b""
    for image, png in zip(images, pngs):
        side = image.width() % 256  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
    return header + entries + b"".join(pngs)


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    ICONS.mkdir(parents=True, exist_ok=True)
    draw(256).save(str(ICONS / "platform-desk.png"))
    (ICONS / "platform-desk.ico").write_bytes(ico_bytes([draw(size) for size in ICO_SIZES]))
    print(f"wrote {ICONS / 'platform-desk.png'} and {ICONS / 'platform-desk.ico'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

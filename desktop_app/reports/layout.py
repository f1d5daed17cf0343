"""A small page layout for the printed documents: headings, paragraphs, charts and tables on A4.

Qt's ``QTextDocument`` adds its own 2 cm margin, breaks words anywhere when a column is narrow and
splits table rows across pages. ``Pages`` lays the blocks out itself, as the documents need:

- every page has ``MARGIN_MM`` of white on each side (the page layout has none of its own);
- a table's columns are sized to their content: dates, numbers and short codes never wrap, text wraps
  only between words, and a column is never narrower than its longest word (the type shrinks a little
  when a table cannot otherwise fit, rather than break a word); long tables repeat their header row
  and never split a row across pages;
- a heading stays with what follows it;
- blocks are recorded first and painted once the page count is known, for "page 2 of 5".

The finished PDF is passed through ``finish_pdf``: Qt maps the space glyph back to a tab in the text
layer (text extractors then see tabs), and sets no document language.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextLayout,
    QTextOption,
)

from desktop_app.i18n import N_

MARGIN_MM = 15
RESOLUTION = 300
TEXT_COLOUR = "#222222"
GRID_COLOUR = "#9aa7b5"
HEADER_FILL = "#e8eef5"
ACCENT = "#1f5f99"
# The Platform's official name, at the head of every document it issues.
PLATFORM_NAME = N_("Regional Platform for Fast-Tracking UNCAC Implementation in Central Asia")
MIN_TABLE_POINTS = 6.5  # a table shrinks its type down to this size before it breaks a word


def mm(value: float) -> float:
    """Millimetres in device pixels at the writer's resolution."""
    return value * RESOLUTION / 25.4


def pdf_writer(path: Path, title: str, landscape: bool = False) -> QPdfWriter:
    """An A4 PDF writer without margins of its own (the layout keeps ``MARGIN_MM``), PDF/A-1b as Qt writes it."""
    open(path, "wb").close()  # a folder that cannot be written raises OSError here, with its reason
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("Platform Desk")
    writer.setResolution(RESOLUTION)
    writer.setPdfVersion(QPagedPaintDevice.PdfVersion.PdfVersion_A1b)
    orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    )
    return writer


def finish_pdf(path: Path, language: str) -> None:
    """Make the text layer say what the page shows and name the document's language.

    Qt writes each font's ToUnicode map from the first character that maps to a glyph, and U+0009
    comes before the space: the spaces are extracted as tabs. The maps are rewritten to spaces, and
    the catalog gets ``/Lang``; everything else (fonts, XMP metadata, output intent) is kept as written.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    reader = PdfReader(str(path))
    info = dict(reader.metadata or {})
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header  # the version Qt declared for PDF/A-1b
    seen = set()
    for page in writer.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            stream = font.get("/ToUnicode")
            if stream is None or stream.idnum in seen:
                continue
            seen.add(stream.idnum)
            stream = stream.get_object()
            cmap = stream.get_data()
            if b"<0009>" in cmap:
                stream.set_data(cmap.replace(b"<0009>", b"<0020>"))
    writer._root_object[NameObject("/Lang")] = TextStringObject(language)
    if info:
        writer.add_metadata(info)
    with open(path, "wb") as handle:
        writer.write(handle)


def wrap(text: str, font: QFont, width: float, device, anywhere: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width``, between words only (unless ``anywhere``)."""
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere if anywhere else QTextOption.WrapMode.WordWrap)
    lines = []
    for paragraph in (text or "").split("\n"):
        layout = QTextLayout(paragraph, font, device)
        layout.setTextOption(option)
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            lines.append(paragraph[line.textStart() : line.textStart() + line.textLength()].rstrip())
        layout.endLayout()
        if not paragraph:
            lines.append("")
    return lines


@dataclass
class Column:
    """How a table column lays out: ``align`` left or right; ``nowrap`` for dates, numbers and codes;
    ``width_mm`` fixes the width (a signature column); ``min_lines`` sets a taller row (for signing)."""

    align: str = "left"
    nowrap: bool = False
    width_mm: float | None = None


class Pages:
    """Blocks laid out top to bottom on A4 pages; ``paint`` draws them once they are all placed."""

    def __init__(self, writer: QPdfWriter, family: str, footer: str = "", page_label=None):
        self.writer = writer
        self.family = family
        self.footer = footer
        self.page_label = page_label  # (page, pages) -> "Page 1 of 3", or None for no footer
        size = writer.pageLayout().fullRectPixels(RESOLUTION)
        footer_space = mm(8) if page_label else 0
        self.area = QRectF(
            mm(MARGIN_MM),
            mm(MARGIN_MM),
            size.width() - 2 * mm(MARGIN_MM),
            size.height() - 2 * mm(MARGIN_MM) - footer_space,
        )
        self.pages: list[list] = [[]]
        self.y = self.area.top()

    # ----- primitives ---------------------------------------------------------------------------------------

    def font(self, points: float, bold: bool = False) -> QFont:
        font = QFont(self.family)
        font.setPointSizeF(points)
        font.setBold(bold)
        return font

    def metrics(self, font: QFont) -> QFontMetricsF:
        return QFontMetricsF(font, self.writer)

    def draw(self, operation) -> None:
        """Add ``operation(painter)`` to the current page."""
        self.pages[-1].append(operation)

    def new_page(self) -> None:
        self.pages.append([])
        self.y = self.area.top()

    def room(self) -> float:
        return self.area.bottom() - self.y

    def ensure(self, height: float) -> None:
        """Start a new page unless ``height`` still fits on this one (an empty page always takes it)."""
        if height > self.room() and self.y > self.area.top():
            self.new_page()

    def space(self, millimetres: float) -> None:
        self.y = min(self.y + mm(millimetres), self.area.bottom())

    # ----- blocks ---------------------------------------------------------------------------------------------

    def text_line(
        self,
        text: str,
        font: QFont,
        x: float,
        y: float,
        colour: str = TEXT_COLOUR,
        width: float | None = None,
        align: str = "left",
    ) -> None:
        """One line of text with its top at ``y``, aligned in ``x``…``x + width``."""
        metrics = self.metrics(font)
        if align != "left":
            advance = metrics.horizontalAdvance(text)
            x += (width - advance) if align == "right" else (width - advance) / 2
        baseline = y + metrics.ascent()

        def operation(painter, text=text, font=font, point=QPointF(x, baseline)):
            painter.setFont(font)
            painter.setPen(QColor(colour))
            painter.drawText(point, text)

        self.draw(operation)

    def paragraph(
        self,
        text: str,
        points: float = 10,
        bold: bool = False,
        colour: str = TEXT_COLOUR,
        after_mm: float = 3,
        keep_lines: int = 1,
    ) -> None:
        """Text wrapped to the full width; it continues on the next page when it must, keeping
        ``keep_lines`` lines together at the top."""
        font = self.font(points, bold)
        height = self.metrics(font).lineSpacing()
        lines = wrap(text, font, self.area.width(), self.writer)
        self.ensure(height * min(len(lines), keep_lines))
        for line in lines:
            self.ensure(height)
            self.text_line(line, font, self.area.left(), self.y, colour)
            self.y += height
        self.space(after_mm)

    def heading(self, text: str, points: float = 14, before_mm: float = 2) -> None:
        """A bold heading kept on one page with at least a few lines of what follows."""
        if self.y > self.area.top():
            self.space(before_mm)
        follow = self.metrics(self.font(10)).lineSpacing() * 4
        font = self.font(points, bold=True)
        self.ensure(self.metrics(font).lineSpacing() * len(wrap(text, font, self.area.width(), self.writer)) + follow)
        self.paragraph(text, points, bold=True, colour=ACCENT, after_mm=2)

    def block(self, height: float, paint) -> None:
        """A drawing ``paint(painter, rect)`` of ``height`` across the full width, kept on one page."""
        self.ensure(height)
        rect = QRectF(self.area.left(), self.y, self.area.width(), height)
        self.draw(lambda painter: paint(painter, rect))
        self.y += height

    def image(self, image: QImage, width: float, height: float) -> None:
        self.block(
            height, lambda painter, rect: painter.drawImage(QRectF(rect.left(), rect.top(), width, height), image)
        )

    # ----- tables --------------------------------------------------------------------------------------------

    def table(
        self,
        headers: list[str],
        rows: list[list[str]],
        columns: list[Column],
        points: float = 8,
        full_width: bool = True,
        min_row_mm: float = 0,
    ) -> None:
        """A table with a shaded header row repeated on each page; no row is split across pages."""
        padding = mm(1.2)
        size = points
        while True:
            font, bold = self.font(size), self.font(size, bold=True)
            widths, fits = self._column_widths(headers, rows, columns, font, bold, padding, full_width)
            if fits or size <= MIN_TABLE_POINTS:
                break
            size -= 0.5
        line_height = self.metrics(font).lineSpacing()
        left = self.area.left()

        def cells(values, cell_font):
            return [
                wrap(value, cell_font, max(1.0, width - 2 * padding), self.writer, anywhere=not fits)
                for value, width in zip(values, widths)
            ]

        def row_height(wrapped):
            return max(max(len(lines), 1) for lines in wrapped) * line_height + 2 * padding

        header_cells = cells(headers, bold)
        header_height = row_height(header_cells)

        def put_row(wrapped, height, cell_font, fill=None):
            x = left
            top = self.y
            for lines, width, column in zip(wrapped, widths, columns):
                rect = QRectF(x, top, width, height)
                self.draw(lambda painter, rect=rect: _cell_frame(painter, rect, fill))
                for number, line in enumerate(lines):
                    self.text_line(
                        line,
                        cell_font,
                        x + padding,
                        top + padding + number * line_height,
                        width=width - 2 * padding,
                        align=column.align,
                    )
                x += width
            self.y += height

        self.ensure(header_height + (row_height(cells(rows[0], font)) if rows else 0))
        put_row(header_cells, header_height, bold, HEADER_FILL)
        for values in rows:
            wrapped = cells(values, font)
            height = max(row_height(wrapped), mm(min_row_mm))
            if height > self.room():
                self.new_page()
                put_row(header_cells, header_height, bold, HEADER_FILL)
            put_row(wrapped, height, font)
        self.space(4)

    def _column_widths(self, headers, rows, columns, font, bold, padding, full_width):
        """Widths sized to the content: each column gets at least its longest word (or its whole text
        when it must not wrap), then the rest of the width goes first to the columns nearest to fitting
        on one line, and what remains to the longest texts; False when even the longest words do not fit."""
        body, head = self.metrics(font), self.metrics(bold)
        least, most = [], []
        for index, column in enumerate(columns):
            texts = [(headers[index], head)] + [(row[index], body) for row in rows]
            if column.width_mm:
                least.append(mm(column.width_mm))
                most.append(mm(column.width_mm))
                continue
            whole = max(
                (m.horizontalAdvance(line) for text, m in texts for line in (text or "").split("\n")), default=0
            )
            if column.nowrap:  # the values never wrap; the header may, between its words
                longest_word = max((m.horizontalAdvance(text or "") for text, m in texts[1:]), default=0)
                header_word = max((head.horizontalAdvance(w) for w in headers[index].split()), default=0)
                longest_word = whole = max(longest_word, header_word)
            else:
                longest_word = max(
                    (m.horizontalAdvance(word) for text, m in texts for word in (text or "").split()), default=0
                )
            least.append(longest_word + 2 * padding + 1)
            most.append(max(whole, longest_word) + 2 * padding + 1)
        available = self.area.width()
        if sum(least) > available:
            return [w * available / sum(least) for w in least], False
        if sum(most) <= available:
            if not full_width:
                return most, True
            flexible = [i for i, c in enumerate(columns) if not c.width_mm and not c.nowrap] or list(range(len(most)))
            extra = (available - sum(most)) / sum(most[i] for i in flexible)
            return [w * (1 + extra) if i in flexible else w for i, w in enumerate(most)], True
        # Water-filling: the columns that need least more to fit on one line get it first (a name, a
        # type), the longest texts share what remains.
        spare = available - sum(least)
        widths = list(least)
        waiting = sorted((b - a, i) for i, (a, b) in enumerate(zip(least, most)) if b > a)
        for position, (want, index) in enumerate(waiting):
            give = min(want, spare / (len(waiting) - position))
            widths[index] += give
            spare -= give
        return widths, True

    # ----- output ---------------------------------------------------------------------------------------------

    def paint(self) -> None:
        """Draw every page, with the footer (document title, page number) when there is one."""
        painter = QPainter(self.writer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        total = len(self.pages)
        font = self.font(7.5)
        metrics = self.metrics(font)
        for number, operations in enumerate(self.pages, start=1):
            if number > 1:
                self.writer.newPage()
            for operation in operations:
                operation(painter)
            if self.page_label:
                baseline = self.area.bottom() + mm(8) - metrics.descent()
                painter.setFont(font)
                painter.setPen(QColor("#666666"))
                label = self.page_label(number, total)
                painter.drawText(
                    QPointF(self.area.left(), baseline),
                    metrics.elidedText(self.footer, Qt.TextElideMode.ElideRight, self.area.width() * 0.7),
                )
                painter.drawText(QPointF(self.area.right() - metrics.horizontalAdvance(label), baseline), label)
        painter.end()


def _cell_frame(painter: QPainter, rect: QRectF, fill: str | None) -> None:
    if fill:
        painter.fillRect(rect, QColor(fill))
    pen = QPen(QColor(GRID_COLOUR))
    pen.setWidthF(mm(0.2))
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect)

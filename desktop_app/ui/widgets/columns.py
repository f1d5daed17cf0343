"""Columns that can be read on a small screen: each one as wide as its header and what it shows (up to a
limit), one column (``Column.stretches``) taking the room left and eliding its text in the middle (the
whole text is its tooltip), the texts a column declares whole (``Column.whole_texts``) and the choice
an editable column's drop-down offers never cut, and a menu on the header and on the table (right click, or the Menu key) to
show or hide columns. Columns with ``shown_by_default=False`` start hidden; the choice is kept in the
settings under the table's name."""

from __future__ import annotations

from math import ceil

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QComboBox, QHeaderView, QMenu, QStyle, QStyledItemDelegate, QTableView

from desktop_app import user_settings
from desktop_app.i18n import _
from desktop_app.ui.widgets.table_model import Column

SETTINGS_KEY = "hidden_columns"
MEASURED_ROWS = 40  # the rows read to size a column before the table is on screen (those it shows first)
WIDEST_CONTENT_CHARS = 22  # a column's contents widen it up to about this many characters; longer ones elide


class ElideMiddle(QStyledItemDelegate):
    """Long text keeps its beginning and its end (“Bilateral meeting Kaz…: joint training”)."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


class FittedColumns(QObject):
    """Sizes, stretching and the show/hide menu of ``table``'s ``columns``; ``name`` keys the settings."""

    def __init__(self, table: QTableView, columns: list[Column], name: str):
        super().__init__(table)
        self.table = table
        self.columns = columns
        self.name = name
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        for number, column in enumerate(columns):
            if column.stretches:
                header.setSectionResizeMode(number, QHeaderView.ResizeMode.Stretch)
                table.setItemDelegateForColumn(number, ElideMiddle(table))
        saved = user_settings.load().get(SETTINGS_KEY, {}).get(name)
        hidden = set(saved) if isinstance(saved, list) else {c.key for c in columns if not c.shown_by_default}
        for number, column in enumerate(columns):
            header.setSectionHidden(number, column.key in hidden and not column.stretches)
        for widget in (header, table):
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(lambda point, widget=widget: self._menu(widget, point))

    def hidden_keys(self) -> list[str]:
        header = self.table.horizontalHeader()
        return [column.key for number, column in enumerate(self.columns) if header.isSectionHidden(number)]

    def fit(self) -> None:
        """Size every shown column to its header (never cut) and its contents (up to a limit)."""
        for number, column in enumerate(self.columns):
            if not column.stretches and not self.table.isColumnHidden(number):
                self._fit_column(number)

    def _fit_column(self, number: int) -> None:
        header = self.table.horizontalHeader()
        widest = self.table.fontMetrics().averageCharWidth() * WIDEST_CONTENT_CHARS
        fitted = max(header.sectionSizeHint(number), min(self._content_width(number), widest))
        self.table.setColumnWidth(number, max(fitted, self._whole_width(self.columns[number])))

    def _whole_width(self, column: Column) -> int:
        """The room for what ``column`` shows whole: its declared texts, and its editor's drop-down of choices."""
        widths = []
        if column.whole_texts:
            style, metrics = self.table.style(), QFontMetricsF(self.table.font())  # as the cells lay text out
            text_margins = 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.table) + 1)
            grid = 1 if self.table.showGrid() else 0
            widths += [ceil(metrics.horizontalAdvance(text)) + text_margins + grid for text in column.whole_texts()]
        if column.editable_codes:
            choices = QComboBox()  # as the cell's editor shows them (see ``pages.actions.CodeDelegate``)
            choices.setFont(self.table.font())
            choices.addItems([_(label) for label in column.editable_codes.values()])
            widths.append(choices.sizeHint().width())
        return max(widths, default=0)

    def _content_width(self, number: int) -> int:
        """The widest cell among the rows on screen (or the first ones, before the table is shown)."""
        model = self.table.model()
        first = max(self.table.rowAt(0), 0)
        last = self.table.rowAt(self.table.viewport().height() - 1)
        if last < 0 or not self.table.isVisible():
            last = min(model.rowCount(), first + MEASURED_ROWS) - 1
        rows = range(first, last + 1)
        widest = max((self.table.sizeHintForIndex(model.index(row, number)).width() for row in rows), default=0)
        return widest + (1 if self.table.showGrid() else 0)  # the grid line is drawn inside the column

    def set_shown(self, number: int, shown: bool) -> None:
        """Show or hide column ``number`` and remember the choice."""
        self.table.setColumnHidden(number, not shown)
        if shown:
            self._fit_column(number)
        kept = user_settings.load().get(SETTINGS_KEY)
        user_settings.save(**{SETTINGS_KEY: (kept if isinstance(kept, dict) else {}) | {self.name: self.hidden_keys()}})

    def menu(self) -> QMenu:
        """A tick per column (the stretching one cannot be hidden): ticked ones are shown."""
        menu = QMenu(_("Columns"), self.table)
        for number, column in enumerate(self.columns):
            action = menu.addAction(_(column.header))
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(number))
            action.setEnabled(not column.stretches)
            action.toggled.connect(lambda shown, number=number: self.set_shown(number, shown))
        return menu

    def _menu(self, widget, point: QPoint) -> None:
        menu = self.menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(widget.viewport().mapToGlobal(point))  # both are scroll areas: ``point`` is in their viewport

"""A table model that holds only row ids and fetches rows lazily, a chunk at a time, into a cache.

The idea is Anki's browser model: 20,000 events cost one id query; only the rows
on screen are read and formatted. ``refresh`` re-runs the id query (new sort,
filter or data); ``refresh_later`` does the same with the id query off the GUI thread (F5, an import);
``invalidate`` marks cached rows stale after an edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal

from desktop_app.i18n import _

ID_ROLE = Qt.ItemDataRole.UserRole
FETCH_CHUNK = 100


@dataclass(frozen=True)
class Column:
    """One column: ``key`` names the sort, ``header`` is an ``N_`` string, ``text(row)`` formats a row."""

    key: str
    header: str
    text: Callable[[dict], str]
    color: Callable[[dict], str | None] | None = None
    editable_codes: dict | None = None  # code -> N_ label: the cell is edited with a choice among them
    align_right: bool = False
    stretches: bool = False  # takes the room the other columns leave (see ``widgets.columns``)
    shown_by_default: bool = True
    whole_texts: Callable[[], list[str]] | None = None  # texts never cut, however long (e.g. each month's date)


class LazyTableModel(QAbstractTableModel):
    """Rows are ids from ``load_ids(sort_key, descending)``; their contents come from ``load_rows(ids)``."""

    edited = Signal(str, str, object)  # row id, column key, new value

    def __init__(self, columns: list[Column], load_ids, load_rows, sort_key: str, descending: bool, parent=None):
        super().__init__(parent)
        self.columns = columns
        self._load_ids = load_ids
        self._load_rows = load_rows
        self.sort_key = sort_key
        self.descending = descending
        self.ids: list[str] = []
        self._cache: dict[str, dict] = {}
        self._generation = 0  # of the latest refresh: the ids of an older one still being read are dropped
        self.refresh()

    # ----- Qt model contract -----------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.columns)
        ):
            return _(self.columns[section].header)
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.columns[index.column()].editable_codes:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.ids):
            return None
        column = self.columns[index.column()]
        if role == ID_ROLE:
            return self.ids[index.row()]
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.EditRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.TextAlignmentRole,
        ):
            return None
        row = self.row(index.row())
        if row is None:
            return None
        if role == Qt.ItemDataRole.EditRole:
            return row.get(column.key)
        if role == Qt.ItemDataRole.ForegroundRole:
            from PySide6.QtGui import QColor

            color = column.color(row) if column.color else None
            return QColor(color) if color else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) if column.align_right else None
        return column.text(row)

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        column = self.columns[index.column()]
        if not column.editable_codes or value == self.data(index, Qt.ItemDataRole.EditRole):
            return False
        self.edited.emit(self.ids[index.row()], column.key, value)
        return True

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        if not 0 <= column < len(self.columns):
            return
        key, descending = self.columns[column].key, order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self.sort_key, self.descending) and self.ids:
            return  # already in that order (the view announces its initial sort indicator)
        self.sort_key, self.descending = key, descending
        self.refresh(keep_rows=True)

    # ----- rows ------------------------------------------------------------------------------

    def row(self, number: int) -> dict | None:
        """The row's contents, reading it and its neighbours into the cache if needed."""
        row_id = self.ids[number]
        if row_id not in self._cache:
            start = max(0, number - FETCH_CHUNK // 4)
            wanted = [i for i in self.ids[start : start + FETCH_CHUNK] if i not in self._cache]
            self._cache.update(self._load_rows(wanted))
        return self._cache.get(row_id)

    def refresh(self, keep_rows: bool = False) -> None:
        """Re-read which rows there are (after a filter, sort or change elsewhere); ``keep_rows`` when only
        the choice of rows changed (a search keystroke): the rows already read are still right."""
        self._swap(self._load_ids(self.sort_key, self.descending), keep_rows)

    def refresh_later(self, parent, then: Callable[[], None] | None = None) -> None:
        """``refresh`` with the ids read off the GUI thread through ``ui/operations``: the rows shown stay
        until the new ones arrive, then ``then()`` runs. Tests wait with ``operations.wait_for_all()``."""
        from desktop_app.ui import operations

        self._generation += 1
        generation, key, descending = self._generation, self.sort_key, self.descending

        def arrived(ids: list[str]) -> None:
            if generation == self._generation:
                self._swap(ids, keep_rows=False)
                if then is not None:
                    then()

        operations.run_operation(
            parent,
            "reading the rows of a table",
            lambda _progress: self._load_ids(key, descending),
            arrived,
            quiet=True,
        )

    def _swap(self, ids: list[str], keep_rows: bool) -> None:
        self._generation += 1
        self.beginResetModel()
        self.ids = ids
        if not keep_rows:
            self._cache.clear()
        self.endResetModel()

    def forget_rows(self) -> None:
        """Rows may have changed elsewhere: read them again when shown."""
        self._cache.clear()

    def invalidate(self) -> None:
        """Cached rows are stale (e.g. the language changed, or one row was saved): read again when shown."""
        self._cache.clear()
        if self.ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.ids) - 1, len(self.columns) - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)

    def row_of(self, row_id: str) -> int:
        try:
            return self.ids.index(row_id)
        except ValueError:
            return -1

    def sort_column(self) -> int:
        return next((n for n, c in enumerate(self.columns) if c.key == self.sort_key), 0)

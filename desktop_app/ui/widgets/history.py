"""A record's history (the change log of that record, newest first): when, which installation, who there, which
field and what it became. On a secretariat's server database, the staff member who made each change (SPEC §6)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem

from desktop_app import i18n
from desktop_app.domain.schema import DELETED, OWNER, Kind
from desktop_app.i18n import _
from desktop_app.ui.widgets.common import keyboard_table

WIDEST = {1: 160, 2: 240}  # the widest the field and value columns start, in pixels


class HistoryTable(QTableWidget):
    """The changes of one record, read from ``reader.history``; filled again by ``show_record``."""

    def __init__(self, kind: Kind, parent=None):
        super().__init__(0, 4, parent)
        self.kind = kind
        self._rows: list[dict] = []
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        self.setWordWrap(False)
        keyboard_table(self)
        self.retranslate()

    def retranslate(self) -> None:
        zone = i18n.utc_offset(datetime.now().astimezone())
        self.setHorizontalHeaderLabels([_("When ({zone})").format(zone=zone), _("Field"), _("Value"), _("By")])
        self.setAccessibleName(_("History of this record"))
        self._fill()

    def show_record(self, changes: list[dict]) -> None:
        """Show ``changes`` (``Reader.history``'s rows)."""
        self._rows = changes
        self._fill()

    def _fill(self) -> None:
        self.setRowCount(len(self._rows))
        for row, change in enumerate(self._rows):
            by = change["installation"]
            if change["user"]:
                by = f"{by} ({change['user']})"
            at = i18n.format_local_time(change["at"], "short", with_zone=False)  # the column's title names the zone
            cells = (at, self._field_label(change["field"]), self._value_text(change), by)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.setItem(row, column, item)
        self.resizeColumnsToContents()
        for column, widest in WIDEST.items():  # long texts are cut, whole in their tips, so that all show
            self.setColumnWidth(column, min(self.columnWidth(column), widest))

    def _field_label(self, name: str) -> str:
        base, _at, language = name.partition("@")
        if base == OWNER:
            return _("Owner")
        if base == DELETED:
            return _("Deleted")
        label = next((_(f.label) for f in self.kind.fields if f.name == base), base)
        return f"{label} ({i18n.language_names().get(language, language)})" if language else label

    def _value_text(self, change: dict) -> str:
        """A value as the form shows it: the label of a code, a date in the language's form."""
        value, base = change["value"], change["field"].partition("@")[0]
        if value is None:
            return "—"
        if base == DELETED:
            return _("yes") if value else _("no")
        field = next((f for f in self.kind.fields if f.name == base), None)
        labels = dict(field.codes or {}) if field is not None else {}
        if isinstance(value, list):
            return ", ".join(_(labels[item]) if item in labels else str(item) for item in value)
        if value in labels:
            return _(labels[value])
        if field is not None and field.type == "date":
            return i18n.format_date(value, "numeric")
        return str(value)

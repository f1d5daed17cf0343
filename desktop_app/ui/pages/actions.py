"""The Follow-up actions screen: every action with its due date, overdue ones marked, status changed in place."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QStyledItemDelegate, QVBoxLayout

from desktop_app import i18n
from desktop_app.domain.reading import ActionFilter, overdue
from desktop_app.domain.schema import ACTION_STATUSES
from desktop_app.errors import DeskError
from desktop_app.i18n import N_, _
from desktop_app.ui.pages.base import TablePage
from desktop_app.ui.widgets.columns import FittedColumns
from desktop_app.ui.widgets.common import CodeCombo, CountryCombo, follow_language, show_error
from desktop_app.ui.widgets.table_model import Column, LazyTableModel

OVERDUE_COLOR = "#b00020"


def _due(row: dict) -> str:
    text = i18n.format_date(row["due_date"], "medium")
    return _("{date} (overdue)").format(date=text) if overdue(row) else text


def _overdue_dates() -> list[str]:
    """An overdue date with its mark in each month: the widest text the due date column shows."""
    return [_due({"due_date": f"2000-{month:02}-28", "status": "open"}) for month in range(1, 13)]


ACTION_COLUMNS = [
    Column(
        "due_date",
        N_("Due date"),
        _due,
        color=lambda r: OVERDUE_COLOR if overdue(r) else None,
        whole_texts=_overdue_dates,
    ),
    Column("description", N_("Action"), lambda r: r["description"] or "", stretches=True),
    Column("event_title", N_("Event"), lambda r: r["event_title"] or ""),
    Column("responsible", N_("Responsible"), lambda r: r["responsible"] or ""),
    Column(
        "responsible_country",
        N_("Responsible country"),
        lambda r: i18n.country_name(r["responsible_country"]),
        shown_by_default=False,
    ),
    Column("status", N_("Status"), lambda r: _(ACTION_STATUSES.get(r["status"], "")), editable_codes=ACTION_STATUSES),
]


class CodeDelegate(QStyledItemDelegate):
    """Edits a cell holding a code with a drop-down of its translated labels."""

    def createEditor(self, parent, option, index):
        column = index.model().columns[index.column()]
        combo = CodeCombo(column.editable_codes, parent=parent)
        combo.activated.connect(lambda _i: self.commitData.emit(combo))
        return combo

    def setEditorData(self, editor, index):
        editor.set_value(index.data(Qt.ItemDataRole.EditRole))

    def setModelData(self, editor, model, index):
        model.setData(index, editor.get_value())


class ActionsPage(TablePage):
    """All follow-up actions; double-click an action to open its event."""

    empty_text = N_("No follow-up actions yet. They are added on the event they follow from, in its editor.")

    open_event = Signal(str)
    kinds = ("action", "event")

    def __init__(self, desk, reader, parent=None):
        self.desk = desk
        self.chosen = ActionFilter()
        model = LazyTableModel(
            ACTION_COLUMNS,
            lambda sort, desc: reader.action_ids(self.chosen, sort, desc),
            reader.action_rows,
            "due_date",
            False,
        )
        super().__init__(model, parent)
        self.status_filter = CodeCombo(ACTION_STATUSES, blank=N_("Any status"))
        self.country_filter = CountryCombo(blank=N_("Any responsible country"))
        for combo in (self.status_filter, self.country_filter):
            self.filter_bar.addWidget(combo, 1)
            combo.currentIndexChanged.connect(self.apply_filters)
        self.table.setItemDelegateForColumn(len(ACTION_COLUMNS) - 1, CodeDelegate(self.table))
        self.table.setEditTriggers(
            self.table.EditTrigger.DoubleClicked
            | self.table.EditTrigger.EditKeyPressed
            | self.table.EditTrigger.SelectedClicked
        )
        self.table.doubleClicked.connect(self._double_clicked)
        model.edited.connect(self._status_changed)
        self.columns = FittedColumns(self.table, ACTION_COLUMNS, "actions")
        layout = QVBoxLayout(self)
        self.search_bar.addLayout(self.filter_bar, 1)
        layout.addLayout(self.search_bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        follow_language(self)

    def retranslate(self) -> None:
        super().retranslate()
        self.search.setPlaceholderText(_("Search action, responsible, event… (Ctrl+F)"))
        self.status_filter.setAccessibleName(_("Status"))
        self.country_filter.setAccessibleName(_("Responsible country"))
        self.columns.fit()  # the headers' new words

    def apply_filters(self) -> None:
        self.chosen.text = self.search.text()
        self.chosen.status = self.status_filter.get_value()
        self.chosen.responsible_country = self.country_filter.get_value()
        super().apply_filters()

    def _double_clicked(self, index) -> None:
        if not self.model.columns[index.column()].editable_codes:
            row = self.model.row(index.row())
            self.open_event.emit(row["event_id"])

    def _status_changed(self, action_id: str, key: str, value) -> None:
        try:
            self.desk.put("action", {"id": action_id, key: value})
        except DeskError as error:
            show_error(self, str(error))
        self.model.invalidate()

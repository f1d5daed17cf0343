"""The People screen (search, editor, the events each person attended) and the picker used by events."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QDialog, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from desktop_app import i18n
from desktop_app.domain.schema import EVENT_TYPES, PERSON, ROLES
from desktop_app.i18n import N_, _
from desktop_app.ui.pages.base import SEARCH_DELAY_MS, RecordEditor, RecordPage
from desktop_app.ui.widgets import mnemonics
from desktop_app.ui.widgets.columns import FittedColumns
from desktop_app.ui.widgets.common import follow_language, translated_buttons
from desktop_app.ui.widgets.table_model import Column, LazyTableModel

PERSON_COLUMNS = [
    Column("full_name", N_("Full name"), lambda r: r["full_name"] or "", stretches=True),
    Column("organization", N_("Organization"), lambda r: r["organization"] or ""),
    Column("position", N_("Position"), lambda r: r["position"] or "", shown_by_default=False),
    Column("country", N_("Country"), lambda r: i18n.country_name(r["country"])),
    Column("email", N_("E-mail"), lambda r: r["email"] or "", shown_by_default=False),
]
PICKER_LIMIT = 500


class PersonEditor(RecordEditor):
    """A person's fields and the events they attended."""

    open_event = Signal(str)

    def __init__(self, desk, reader, parent=None):
        super().__init__(desk, reader, PERSON, [f.name for f in PERSON.fields], parent=parent)
        self.attended = QListWidget()
        self.attended.itemActivated.connect(lambda item: self.open_event.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.tabs.addTab(self.attended, "")
        self.load(None)
        follow_language(self)

    def retranslate(self) -> None:
        super().retranslate()
        self.tabs.setTabText(1, _("Events"))
        self.attended.setAccessibleName(_("Events attended"))
        self.load_related()

    def title_of(self, record: dict) -> str:
        return record.get("full_name") or ""

    def load_related(self) -> None:
        self.tabs.setTabEnabled(1, self.record_id is not None)
        self.attended.clear()
        for row in self.reader.events_of_person(self.record_id) if self.record_id else []:
            role = _(ROLES.get(row["role"], "")) if row["role"] else ""
            text = f"{i18n.format_date(row['start_date'], 'numeric')}  {row['title']}  ({_(EVENT_TYPES.get(row['type'], ''))}; {role})"
            if not row["attended"]:
                text += "  " + _("— did not attend")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, row["id"])
            self.attended.addItem(item)


class PeoplePage(RecordPage):
    kinds = ("person", "participation", "event")

    def __init__(self, desk, reader, parent=None):
        self.text = ""
        model = LazyTableModel(
            PERSON_COLUMNS,
            lambda sort, desc: reader.person_ids(self.text, sort, desc),
            reader.person_rows,
            "full_name",
            False,
        )
        super().__init__(model, PersonEditor(desk, reader), parent)
        self.columns = FittedColumns(self.table, PERSON_COLUMNS, "people")
        follow_language(self)

    def apply_filters(self) -> None:
        self.text = self.search.text()
        super().apply_filters()

    def retranslate(self) -> None:
        super().retranslate()
        self.search.setPlaceholderText(_("Search name, organization, position, e-mail… (Ctrl+F)"))
        self.columns.fit()  # the headers' new words


class PersonPicker(QDialog):
    """Choose existing people (search as you type) to add to an event."""

    def __init__(self, reader, parent=None):
        super().__init__(parent)
        self.reader = reader
        self.setWindowTitle(_("Add people"))
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search name, organization…"))
        self.search.setAccessibleName(_("Search"))
        self.results = QListWidget()
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.results.setAccessibleName(_("People"))
        self.results.itemActivated.connect(lambda _item: self.accept())
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._fill)
        self.search.textEdited.connect(lambda _text: self._search_timer.start())
        buttons = translated_buttons(_("Add"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        layout.addWidget(buttons)
        self.resize(520, 480)
        self._fill()
        mnemonics.assign(self)

    def _fill(self) -> None:
        ids = self.reader.person_ids(self.search.text())[:PICKER_LIMIT]
        rows = self.reader.person_rows(ids)
        self.results.clear()
        for person_id in ids:
            row = rows[person_id]
            details = ", ".join(filter(None, [row["organization"], i18n.country_name(row["country"])]))
            item = QListWidgetItem(f"{row['full_name']} — {details}" if details else row["full_name"])
            item.setData(Qt.ItemDataRole.UserRole, person_id)
            self.results.addItem(item)

    def accept(self) -> None:
        """Add the people selected; with none selected (a name typed, then Enter), the first match."""
        if self._search_timer.isActive():  # what was just typed is searched before choosing
            self._search_timer.stop()
            self._fill()
        if not self.results.selectedItems() and self.results.count():
            self.results.setCurrentRow(0)
        super().accept()

    def chosen(self) -> list[str]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self.results.selectedItems()]

"""The Events screen: a fast table with search and filters, and an editor for every field of an event,
its participants, follow-up actions, attachments and the meetings held within it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app import i18n
from desktop_app.domain.attachments import add_attachment, attachment_content
from desktop_app.domain.reading import EventFilter
from desktop_app.domain.schema import ACTION, EVENT, EVENT_STATUSES, EVENT_TYPES, PERSON, ROLES, THEMATIC_AREAS
from desktop_app.errors import DeskError
from desktop_app.i18n import N_, _
from desktop_app.ui.dialogs.record import RecordDialog
from desktop_app.ui.lock import scratch_folder
from desktop_app.ui.operations import run_operation
from desktop_app.ui.pages.base import RecordEditor, RecordPage
from desktop_app.ui.pages.people import PersonPicker
from desktop_app.ui.widgets.columns import FittedColumns
from desktop_app.ui.widgets.common import (
    CodeCombo,
    CommittedCodeCombo,
    CountryCombo,
    confirm,
    follow_language,
    keyboard_table,
    show_error,
    today_iso,
)
from desktop_app.ui.widgets.table_model import Column, LazyTableModel

QUICK_FILTERS = {
    "trainings": frozenset({"regional_training", "national_training", "webinar", "study_visit"}),
    "meetings": frozenset({"bilateral_meeting", "multilateral_meeting", "expert_discussion", "focus_group"}),
    "conferences": frozenset({"conference"}),
}
ACTION_FIELDS = ["description", "responsible", "responsible_country", "due_date", "status", "sharing"]


def _parties(row) -> str:
    return ", ".join(row.get("parties") or [])


EVENT_COLUMNS = [
    Column("start_date", N_("Date"), lambda r: i18n.format_date(r["start_date"], "numeric")),
    Column("title", N_("Title"), lambda r: r["title"] or "", stretches=True),
    Column("type", N_("Type"), lambda r: _(EVENT_TYPES.get(r["type"], r["type"] or ""))),
    Column("city", N_("City"), lambda r: r["city"] or "", shown_by_default=False),
    Column("country", N_("Country"), lambda r: i18n.country_name(r["country"]), shown_by_default=False),
    Column("parties", N_("Parties"), _parties, shown_by_default=False),
    Column(
        "status", N_("Status"), lambda r: _(EVENT_STATUSES.get(r["status"], r["status"] or "")), shown_by_default=False
    ),
    Column(
        "participants_total",
        N_("Participants"),
        lambda r: i18n.format_number(r["participants_total"]),
        align_right=True,
        shown_by_default=False,
    ),
]


def events_model(reader, chosen: EventFilter, parent=None) -> LazyTableModel:
    return LazyTableModel(
        EVENT_COLUMNS,
        lambda sort, desc: reader.event_ids(chosen, sort, desc),
        reader.event_rows,
        "start_date",
        True,
        parent,
    )


class ChildList(QWidget):
    """Rows of related records with buttons below; ``rows`` and ``buttons`` are filled by the owner."""

    def __init__(self, table: QWidget, parent=None):
        super().__init__(parent)
        self.table = table
        self.buttons = QGridLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(table, 1)
        layout.addLayout(self.buttons)

    def add_button(self, slot) -> QPushButton:
        """A button below the rows; two to a line, so that long labels still fit a narrow editor."""
        button = QPushButton()
        button.clicked.connect(slot)
        count = self.buttons.count()
        self.buttons.addWidget(button, count // 2, count % 2)
        return button


def _table(columns: int) -> QTableWidget:
    table = keyboard_table(QTableWidget(0, columns))
    table.verticalHeader().hide()
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(False)
    return table


class EventEditor(RecordEditor):
    """Every field of an event, and the records that hang off it (written at once, each through ``Desk``)."""

    open_event = Signal(str)
    new_meeting_within = Signal(str)

    def __init__(self, desk, reader, parent=None):
        conferences = {
            row["id"]: f"{i18n.format_date(row['start_date'], 'numeric')} {row['title']}"
            for row in reader.events_of_type("conference")
        }
        super().__init__(desk, reader, EVENT, [f.name for f in EVENT.fields], {"parent_id": conferences}, parent)
        self.participants = ChildList(_table(4))
        header = self.participants.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.participants.table.itemChanged.connect(self._attendance_ticked)
        self.add_people_button = self.participants.add_button(self._add_people)
        self.new_person_button = self.participants.add_button(self._new_person)
        self.remove_person_button = self.participants.add_button(self._remove_participant)
        self.import_attendance_button = self.participants.add_button(self._import_attendance)
        self.actions = ChildList(_table(4))
        self.actions.table.cellDoubleClicked.connect(lambda row, _col: self._edit_action())
        self.add_action_button = self.actions.add_button(self._add_action)
        self.edit_action_button = self.actions.add_button(self._edit_action)
        self.remove_action_button = self.actions.add_button(self._remove_action)
        self.files = ChildList(QListWidget())
        self.files.table.itemActivated.connect(lambda _item: self._open_file())
        self.add_file_button = self.files.add_button(self._add_files)
        self.open_file_button = self.files.add_button(self._open_file)
        self.remove_file_button = self.files.add_button(self._remove_file)
        self.nested = ChildList(QListWidget())
        self.nested.table.itemActivated.connect(lambda item: self.open_event.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.new_nested_button = self.nested.add_button(lambda: self.new_meeting_within.emit(self.record_id))
        for page in (self.participants, self.actions, self.files, self.nested):
            self.tabs.addTab(page, "")
        self.load(None)
        follow_language(self)

    def retranslate(self) -> None:
        super().retranslate()
        for index, label in enumerate(
            (_("Participants"), _("Follow-up actions"), _("Attachments"), _("Held within it")), start=1
        ):
            self.tabs.setTabText(index, label)
        self.participants.table.setHorizontalHeaderLabels([_("Full name"), _("Country"), _("Role"), _("Attended")])
        self.actions.table.setHorizontalHeaderLabels([_("Description"), _("Responsible"), _("Due date"), _("Status")])
        self.add_people_button.setText(_("Add people…"))
        self.new_person_button.setText(_("New person…"))
        self.remove_person_button.setText(_("Remove"))
        self.import_attendance_button.setText(_("Import attendance list…"))
        self.add_action_button.setText(_("Add…"))
        self.edit_action_button.setText(_("Edit…"))
        self.remove_action_button.setText(_("Remove"))
        self.add_file_button.setText(_("Add files…"))
        self.open_file_button.setText(_("Open file"))
        self.remove_file_button.setText(_("Remove"))
        self.new_nested_button.setText(_("New meeting within this event…"))
        if self.record_id:
            self.load_related()

    def title_of(self, record: dict) -> str:
        return record.get("title") or ""

    def defaults(self) -> dict:
        return super().defaults() | {"start_date": today_iso(), "type": "national_training"}

    # ----- related records -------------------------------------------------------------------

    def load_related(self) -> None:
        saved = self.record_id is not None
        for index in range(1, self.tabs.count()):
            self.tabs.setTabEnabled(index, saved)
        self._fill_participants()
        self._fill_actions()
        self._fill_files()
        self._fill_nested()

    def _fill_participants(self) -> None:
        table = self.participants.table
        table.blockSignals(True)
        rows = self.reader.participants(self.record_id) if self.record_id else []
        table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            name = QTableWidgetItem(row["full_name"] or "")
            name.setData(Qt.ItemDataRole.UserRole, row["id"])
            table.setItem(number, 0, name)
            table.setItem(number, 1, QTableWidgetItem(i18n.country_name(row["country"])))
            role = CommittedCodeCombo(ROLES)  # written once chosen, not at each arrow key
            role.set_value(row["role"])
            role.setAccessibleName(_("Role"))
            role.committed.connect(
                lambda code, pid=row["id"]: self._put_child("participation", {"id": pid, "role": code})
            )
            table.setCellWidget(number, 2, role)
            attended = QTableWidgetItem()
            attended.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            attended.setCheckState(Qt.CheckState.Checked if row["attended"] else Qt.CheckState.Unchecked)
            attended.setData(Qt.ItemDataRole.UserRole, row["id"])
            table.setItem(number, 3, attended)
        if rows:
            table.resizeColumnToContents(2)  # the Role drop-down shows its longest role whole
        table.blockSignals(False)

    def _attendance_ticked(self, item: QTableWidgetItem) -> None:
        if item.column() == 3:
            self._put_child(
                "participation",
                {"id": item.data(Qt.ItemDataRole.UserRole), "attended": item.checkState() == Qt.CheckState.Checked},
            )

    def _put_child(self, kind: str, values: dict) -> bool:
        try:
            self.desk.put(kind, values)
        except DeskError as error:
            show_error(self, str(error))
            self.load_related()
            return False
        return True

    def _selected(self, table) -> str | None:
        item = table.currentItem()
        if item is None:
            return None
        row_item = table.item(item.row(), 0) if isinstance(table, QTableWidget) else item
        return row_item.data(Qt.ItemDataRole.UserRole)

    def _add_people(self) -> None:
        picker = PersonPicker(self.reader, self)
        if picker.exec():
            for person_id in picker.chosen():
                if not self._put_child("participation", {"event_id": self.record_id, "person_id": person_id}):
                    break
            self._fill_participants()

    def _new_person(self) -> None:
        dialog = RecordDialog(self.desk, PERSON, [f.name for f in PERSON.fields], _("New person"), parent=self)
        if dialog.exec() and dialog.record_id:
            self._put_child("participation", {"event_id": self.record_id, "person_id": dialog.record_id})
            self._fill_participants()

    def _import_attendance(self) -> None:
        from desktop_app.ui.dialogs.attendance_import import AttendanceImportDialog

        dialog = AttendanceImportDialog(self.desk, self.record_id, self)
        dialog.imported.connect(self._fill_participants)
        dialog.exec()

    def _remove_child(self, table, question: str, refill) -> None:
        child_id = self._selected(table)
        if child_id and confirm(self, question, _("Remove")):
            try:
                self.desk.delete(child_id)
            except DeskError as error:
                show_error(self, str(error))
            refill()

    def _remove_participant(self) -> None:
        self._remove_child(self.participants.table, _("Remove this person from the event?"), self._fill_participants)

    def _fill_actions(self) -> None:
        table = self.actions.table
        rows = self.reader.event_actions(self.record_id) if self.record_id else []
        table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            cells = [
                row["description"] or "",
                row["responsible"] or "",
                i18n.format_date(row["due_date"], "medium"),
                _(ACTION.field("status").codes.get(row["status"], "")),
            ]
            for column, text in enumerate(cells):
                table.setItem(number, column, QTableWidgetItem(text))
            table.item(number, 0).setData(Qt.ItemDataRole.UserRole, row["id"])

    def _add_action(self) -> None:
        dialog = RecordDialog(
            self.desk, ACTION, ACTION_FIELDS, _("New follow-up action"), fixed={"event_id": self.record_id}, parent=self
        )
        if dialog.exec():
            self._fill_actions()

    def _edit_action(self) -> None:
        action_id = self._selected(self.actions.table)
        if action_id:
            dialog = RecordDialog(
                self.desk, ACTION, ACTION_FIELDS, _("Follow-up action"), record_id=action_id, parent=self
            )
            if dialog.exec():
                self._fill_actions()

    def _remove_action(self) -> None:
        self._remove_child(self.actions.table, _("Remove this follow-up action?"), self._fill_actions)

    def _fill_files(self) -> None:
        self.files.table.clear()
        for row in self.reader.attachments(self.record_id) if self.record_id else []:
            size = i18n.format_number(round((row["size"] or 0) / 1024, 1))
            item = QListWidgetItem(_("{name} ({size} KB)").format(name=row["filename"], size=size))
            item.setData(Qt.ItemDataRole.UserRole, row["id"])
            item.setData(Qt.ItemDataRole.UserRole + 1, row)
            self.files.table.addItem(item)

    def _add_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(self, _("Add files"))
        self.attach_files([Path(name) for name in names])

    def attach_files(self, paths: list[Path]) -> None:
        """Read, hash and store the files off the GUI thread (up to 50 MB each), one transaction per file."""
        if not paths:
            return
        event_id = self.record_id

        def attach(progress):
            for number, path in enumerate(paths, start=1):
                progress.report(
                    _("File {number} of {count}: {name}").format(number=number, count=len(paths), name=path.name)
                )
                add_attachment(self.desk, event_id, path)

        run_operation(self, _("Adding attachments…"), attach, on_finished=self._fill_files)

    def _open_file(self) -> None:
        item = self.files.table.currentItem()
        if item is None:
            return
        row = item.data(Qt.ItemDataRole.UserRole + 1)
        try:
            content = attachment_content(self.desk, row["sha256"])
        except DeskError as error:
            show_error(self, str(error))
            return
        target = scratch_folder() / Path(row["filename"]).name
        target.write_bytes(content)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))

    def _remove_file(self) -> None:
        self._remove_child(self.files.table, _("Remove this attachment?"), self._fill_files)

    def _fill_nested(self) -> None:
        self.nested.table.clear()
        for row in self.reader.nested_events(self.record_id) if self.record_id else []:
            item = QListWidgetItem(
                f"{i18n.format_date(row['start_date'], 'numeric')}  {row['title']}  "
                f"({_(EVENT_TYPES.get(row['type'], ''))})"
            )
            item.setData(Qt.ItemDataRole.UserRole, row["id"])
            self.nested.table.addItem(item)


class EventsPage(RecordPage):
    """The events table with search, filters and quick filters (trainings, meetings, conferences)."""

    kinds = ("event", "participation", "action", "attachment", "person")

    def __init__(self, desk, reader, parent=None):
        self.reader = reader
        self.chosen = EventFilter()
        editor = EventEditor(desk, reader)
        super().__init__(events_model(reader, self.chosen), editor, parent)
        self.type_filter = CodeCombo(EVENT_TYPES, blank=N_("Any type"))
        self.year_filter = CodeCombo({}, blank=N_("Any year"))
        self.country_filter = CountryCombo(blank=N_("Any country"))
        self.area_filter = CodeCombo(THEMATIC_AREAS, blank=N_("Any thematic area"))
        self.status_filter = CodeCombo(EVENT_STATUSES, blank=N_("Any status"))
        self.filters = {
            "types": self.type_filter,
            "year": self.year_filter,
            "country": self.country_filter,
            "area": self.area_filter,
            "status": self.status_filter,
        }
        self.quick_label = QLabel()
        self.quick_types: frozenset | None = None
        self.filter_bar.addWidget(self.quick_label)
        self.second_filters = QHBoxLayout()  # two rows, so that long labels (Kazakh, Kyrgyz) are never cut
        self.list_layout.insertLayout(2, self.second_filters)  # below the search box and the first row
        for name, combo in self.filters.items():
            combo.setMinimumContentsLength(3)
            row = self.second_filters if name in ("area", "status") else self.filter_bar
            row.addWidget(combo, 1)
            combo.currentIndexChanged.connect(self._filters_changed)
        self._fill_years()
        self.columns = FittedColumns(self.table, EVENT_COLUMNS, "events")
        follow_language(self)

    def retranslate(self) -> None:
        super().retranslate()
        self.search.setPlaceholderText(_("Search title, city, parties, outcomes… (Ctrl+F)"))
        for name in ("area", "status"):  # the second row (the first is set again by ``TablePage``)
            self.filters[name].retranslate()
        for name, label in (
            ("types", _("Type")),
            ("year", _("Year")),
            ("country", _("Country")),
            ("area", _("Thematic area")),
            ("status", _("Status")),
        ):
            self.filters[name].setAccessibleName(label)
            self.filters[name].setToolTip(label)
        self._show_quick_label()
        self.columns.fit()  # the headers' new words

    def _fill_years(self) -> None:
        self.year_filter.codes = {year: str(year) for year in self.reader.event_years()}
        self.year_filter.retranslate()

    def set_quick_filter(self, name: str | None) -> None:
        """Show only trainings, meetings or conferences (``None``: every event)."""
        self.quick_types = QUICK_FILTERS.get(name) if name else None
        self.type_filter.blockSignals(True)
        self.type_filter.set_value(None)
        self.type_filter.blockSignals(False)
        self._show_quick_label()
        self.model.forget_rows()  # chosen in the navigation: shown afresh
        self.apply_filters()

    def _show_quick_label(self) -> None:
        names = {
            QUICK_FILTERS["trainings"]: _("Trainings"),
            QUICK_FILTERS["meetings"]: _("Meetings"),
            QUICK_FILTERS["conferences"]: _("Conferences"),
        }
        self.quick_label.setText(names.get(self.quick_types, ""))
        self.quick_label.setVisible(self.quick_types is not None)

    def _filters_changed(self) -> None:
        if self.type_filter.get_value():
            self.quick_types = None
            self._show_quick_label()
        self.apply_filters()

    def apply_filters(self) -> None:
        chosen_type = self.type_filter.get_value()
        self.chosen.text = self.search.text()
        self.chosen.types = frozenset({chosen_type}) if chosen_type else self.quick_types
        self.chosen.year = self.year_filter.get_value()
        self.chosen.country = self.country_filter.get_value()
        self.chosen.area = self.area_filter.get_value()
        self.chosen.status = self.status_filter.get_value()
        super().apply_filters()

    def _saved(self, record_id: str) -> None:
        self._fill_years()
        super()._saved(record_id)

    def reload(self, changes) -> None:
        if changes.touches("event"):
            self._fill_years()
        super().reload(changes)

"""The Conflicts screen: each concurrent edit that lost, beside the value that won; keep it or restore the other."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app import i18n
from desktop_app.domain import hlc
from desktop_app.domain.schema import DELETED, KINDS
from desktop_app.domain.validation import RULE_LABELS
from desktop_app.errors import DeskError, one_line
from desktop_app.i18n import _
from desktop_app.sync import api
from desktop_app.ui.pages.base import Page
from desktop_app.ui.widgets.common import follow_language, keyboard_table, show_error


def field_label(kind: str, field: str) -> str:
    if field == DELETED:
        return _("Deleted")
    record_kind = KINDS.get(kind)
    return _(record_kind.field(field).label) if record_kind and field in record_kind.names else field


def value_text(kind: str, field: str, value) -> str:
    """A field's value as a person reads it: labels for codes, names for countries, “(empty)” for nothing."""
    if value is None or value == [] or value == "":
        return _("(empty)")
    if field == DELETED or isinstance(value, bool):
        return _("Yes") if value else _("No")
    record_kind = KINDS.get(kind)
    definition = record_kind.names.get(field) if record_kind else None
    if definition is not None and definition.type in ("country", "country_list"):
        return ", ".join(i18n.country_name(code) for code in (value if isinstance(value, list) else [value]))
    if definition is not None and definition.codes:
        return ", ".join(
            _(definition.codes.get(code, code)) for code in (value if isinstance(value, list) else [value])
        )
    if definition is not None and definition.type == "date":
        return i18n.format_date(value)
    return str(value)


def side_text(conflict: dict, side: str) -> str:
    """One side's value; for a clash (fields that break a rule together), with the name of its field."""
    field = conflict["loser_field"] if conflict["rule"] and side == "loser" else conflict["field"]
    text = value_text(conflict["kind"], field, conflict[f"{side}_value"])
    return f"{field_label(conflict['kind'], field)}: {text}" if conflict["rule"] else text


def clock_time(stamp: str) -> str:
    """When a change was made, from its hybrid logical clock stamp."""
    wall_ms, _counter = hlc.decode(stamp)
    return i18n.format_local_time(datetime.fromtimestamp(wall_ms / 1000, tz=timezone.utc))


class ConflictsPage(QWidget, Page):
    """Open conflicts in a table; the selected one side by side below with “keep” and “restore”."""

    resolved = Signal()

    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.conflicts: list[dict] = []
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.table = keyboard_table(QTableWidget(0, 4))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda *_args: self._show_selected())
        self.sides = {}
        compare = QHBoxLayout()
        for side in ("winner", "loser"):
            box = QGroupBox()
            grid = QGridLayout(box)
            value, device, time = QLabel(), QLabel(), QLabel()
            for row, label in enumerate((value, device, time)):
                label.setWordWrap(True)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                grid.addWidget(label, row, 0)
            grid.setRowStretch(3, 1)
            self.sides[side] = (box, value, device, time)
            compare.addWidget(box, 1)
        self.keep_button = QPushButton()
        self.keep_button.clicked.connect(lambda: self.resolve(restore=False))
        self.restore_button = QPushButton()
        self.restore_button.clicked.connect(lambda: self.resolve(restore=True))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(compare)
        layout.addLayout(buttons)
        follow_language(self)

    def retranslate(self) -> None:
        self.intro.setText(
            _(
                "When two installations changed the same field, the later change was kept and the "
                "other value is listed here. Keep the current value, or restore the other one."
            )
        )
        self.table.setHorizontalHeaderLabels([_("Record"), _("Field"), _("Current value"), _("Other value")])
        self.table.setAccessibleName(_("Conflicts"))
        self.sides["winner"][0].setTitle(_("Current value"))
        self.sides["loser"][0].setTitle(_("Other value"))
        self.keep_button.setText(_("Keep the current value"))
        self.restore_button.setText(_("Restore the other value"))
        self.refresh()

    def shown(self) -> None:
        self.refresh()

    def reload(self, changes) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Re-read the open conflicts."""
        self.conflicts = api.list_conflicts(self.desk)
        self.devices = {d["device_id"]: one_line(d["device_name"]) for d in api.known_devices(self.desk)}
        self.devices[self.desk.identity["device_id"]] = _("{name} (this computer)").format(
            name=self.desk.identity["device_name"]
        )
        self.table.setRowCount(len(self.conflicts))
        for row, conflict in enumerate(self.conflicts):
            kind, field = conflict["kind"], conflict["field"]
            cells = (
                self._record_title(conflict),
                _(RULE_LABELS[conflict["rule"]]).capitalize() if conflict["rule"] else field_label(kind, field),
                side_text(conflict, "winner"),
                side_text(conflict, "loser"),
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        if self.conflicts:
            self.table.selectRow(0)
        self._show_selected()

    def _record_title(self, conflict: dict) -> str:
        try:
            record = self.desk.get(conflict["record_id"])
        except DeskError:
            return _("{kind} (deleted)").format(kind=_(KINDS[conflict["kind"]].label))
        title = record.get("title") or record.get("full_name") or record.get("description") or record["id"]
        return f"{_(KINDS[conflict['kind']].label)}: {title}"

    def current(self) -> dict | None:
        row = self.table.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def _show_selected(self) -> None:
        conflict = self.current()
        self.keep_button.setEnabled(conflict is not None)
        self.restore_button.setEnabled(conflict is not None and not conflict["rule"])  # a clash lost no value
        for side in ("winner", "loser"):
            _box, value, device, time = self.sides[side]
            if conflict is None:
                for label in (value, device, time):
                    label.clear()
                continue
            value.setText(side_text(conflict, side))
            name = self.devices.get(conflict[f"{side}_device"], conflict[f"{side}_device"])
            device.setText(_("Changed by: {device}").format(device=name))
            time.setText(_("At: {time}").format(time=clock_time(conflict[f"{side}_hlc"])))

    def resolve(self, restore: bool) -> None:
        conflict = self.current()
        if conflict is None:
            return
        try:
            api.resolve_conflict(self.desk, conflict["id"], restore=restore)
        except DeskError as error:
            show_error(self, str(error))
        self.refresh()
        if self.conflicts:  # by keyboard: back on the list, on the next conflict, to choose it
            self.table.setFocus()
        self.resolved.emit()

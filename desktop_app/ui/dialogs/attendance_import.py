"""A dialog to import an attendance list into one event: choose the file, check the column mapping,
see row by row what will happen, then import everything in one go (or nothing, if a row is wrong)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from desktop_app.errors import DeskError
from desktop_app.i18n import N_, _, ngettext
from desktop_app.importers.attendance import (
    FIELDS,
    Preview,
    detect_mapping,
    field_label,
    import_attendance,
    plan,
    read_table,
)
from desktop_app.ui.operations import run_operation
from desktop_app.ui.widgets.common import follow_language, keyboard_table

STATUS_TEXTS = {
    "new": N_("New person"),
    "matched": N_("Matches a recorded person"),
    "rejoin": N_("Listed again: counted once"),
    "already": N_("Already recorded at this event"),
    "error": N_("Error"),
}
ERROR_COLOUR = QColor("#f8d7da")


class AttendanceImportDialog(QDialog):
    """Import an attendance list into the event ``event_id``; emits ``imported`` after a successful import."""

    imported = Signal()

    def __init__(self, desk, event_id: str, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.event_id = event_id
        self.path: Path | None = None
        self.headers: list[str] = []
        self.planned: Preview | None = None

        self.file_label = QLabel()
        self.choose = QPushButton()
        self.mapping_boxes = {name: QComboBox() for name in FIELDS}
        self.mapping_labels = {name: QLabel() for name in FIELDS}
        self.table = keyboard_table(QTableWidget(0, 4))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.import_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)

        top = QHBoxLayout()
        top.addWidget(self.file_label, 1)
        top.addWidget(self.choose)
        mapping = QFormLayout()
        for name in FIELDS:
            mapping.addRow(self.mapping_labels[name], self.mapping_boxes[name])
            self.mapping_boxes[name].currentIndexChanged.connect(self._replan)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(mapping)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

        self.choose.clicked.connect(self._ask_for_file)
        self.buttons.rejected.connect(self.reject)
        self.import_button.clicked.connect(self.run_import)
        self.resize(760, 560)
        follow_language(self)

    def retranslate(self, _language: str | None = None) -> None:
        self.setWindowTitle(_("Import an attendance list"))
        self.choose.setText(_("Choose file…"))
        self.import_button.setText(_("Import"))
        for name in FIELDS:
            self.mapping_labels[name].setText(field_label(name))
        self.table.setHorizontalHeaderLabels([_("Row"), _("Full name"), _("E-mail"), _("What happens")])
        self._fill_mapping_boxes(self.current_mapping())
        self._show_plan()

    def _ask_for_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Choose an attendance list"), "", _("Spreadsheets (*.xlsx *.csv)")
        )
        if path:
            self.load(Path(path))

    def load(self, path: Path) -> None:
        """Read the file's header, guess the mapping and show the preview."""
        try:
            table = read_table(path)
        except DeskError as error:
            self.summary.setText(str(error))
            return
        self.path, self.source, self.headers = path, table, table.headers
        self.file_label.setText(str(path))
        self._fill_mapping_boxes(detect_mapping(table.headers))
        self._replan()

    def _fill_mapping_boxes(self, mapping: dict[str, int]) -> None:
        for name, box in self.mapping_boxes.items():
            box.blockSignals(True)
            box.clear()
            box.addItem(_("(not in the file)"), None)
            for index, header in enumerate(self.headers):
                box.addItem(header or _("column {number}").format(number=index + 1), index)
            box.setCurrentIndex(max(0, box.findData(mapping.get(name))))
            box.blockSignals(False)

    def current_mapping(self) -> dict[str, int]:
        """The columns chosen, and those found that have no chooser (first and last names, a second script)."""
        found = {name: column for name, column in detect_mapping(self.headers).items() if name not in FIELDS}
        return found | {
            name: box.currentData() for name, box in self.mapping_boxes.items() if box.currentData() is not None
        }

    def _replan(self) -> None:
        self.planned = None
        if self.path is not None:
            try:
                # the file was read once by ``load``: a new mapping only plans again
                with self.desk.engine.connect() as connection:
                    self.planned = plan(connection, self.source, self.current_mapping(), self.event_id)
            except DeskError as error:
                self.summary.setText(str(error))
        self._show_plan()

    def _show_plan(self) -> None:
        rows = self.planned.rows if self.planned else []
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            what = _(STATUS_TEXTS[row.status])
            if row.error:
                what = _("{status}: {message}").format(status=what, message=row.error)
            cells = [str(row.row), row.values.get("full_name", ""), row.values.get("email") or "", what]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if row.status == "error":
                    item.setBackground(ERROR_COLOUR)
                self.table.setItem(index, column, item)
        self.table.resizeColumnsToContents()
        if not self.planned:
            self.import_button.setEnabled(False)
            return
        errors, new, matched = len(self.planned.errors), self.planned.count("new"), self.planned.count("matched")
        if errors:
            self.summary.setText(
                ngettext(
                    "{count} row is wrong: correct the file or the columns; nothing will be imported until then.",
                    "{count} rows are wrong: correct the file or the columns; nothing will be imported until then.",
                    errors,
                ).format(count=errors)
            )
        else:
            self.summary.setText(
                _("{new} and {matched} will be recorded as attending.").format(
                    new=ngettext("{count} new person", "{count} new people", new).format(count=new),
                    matched=ngettext("{count} recorded person", "{count} recorded people", matched).format(
                        count=matched
                    ),
                )
            )
        self.import_button.setEnabled(not errors and new + matched > 0)

    def run_import(self):
        """Import the list off the GUI thread (``imported`` once done); the dialog says how it went and stays
        open on an error or a cancel. Returns the running operation."""
        self.import_button.setEnabled(False)
        path, mapping = self.path, self.current_mapping()
        return run_operation(
            self,
            _("Importing {name}…").format(name=path.name),
            lambda _progress: import_attendance(self.desk, path, self.event_id, mapping),
            self._imported,
            on_cancelled=self._cancelled,
            on_refused=self._refused,
        )

    def _refused(self, error) -> None:
        self.summary.setText(str(error))
        self.import_button.setEnabled(True)

    def _cancelled(self) -> None:
        self.summary.setText(_("Import cancelled: nothing was changed."))
        self.import_button.setEnabled(True)

    def _imported(self, result) -> None:
        self.summary.setText(
            ngettext(
                "Imported: {count} attendance.", "Imported: {count} attendances.", result.participations_added
            ).format(count=result.participations_added)
        )
        self.import_button.setEnabled(False)
        self.imported.emit()

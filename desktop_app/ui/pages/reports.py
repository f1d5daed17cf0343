"""The reports page: the figures of a year or period for the Platform or one country, charts, the
events behind each figure, and export to JSON, CSV, XLSX, PDF and the calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QRectF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.country_names import MEMBER_STATES
from desktop_app.domain.progress import checkpoint
from desktop_app.domain.schema import EVENT_TYPES
from desktop_app.errors import DeskError
from desktop_app.i18n import _, country_name, format_date, format_number, qt_date_format
from desktop_app.os_errors import os_reason
from desktop_app.reports.data import Period, Report, compute, latest_year_with_events
from desktop_app.reports.printing import font_family, paint_bar_chart
from desktop_app.reports.tables import Chart, charts, key_figures
from desktop_app.ui.operations import run_operation
from desktop_app.ui.pages.base import Page
from desktop_app.ui.widgets.common import follow_language, keyboard_table

FIGURE_COLUMNS = 2  # long labels (Russian, Kazakh, Kyrgyz) must still fit 1280 pixels
EXPORT_FILTERS = {
    "json": "JSON (*.json)",
    "csv": "CSV (*.csv)",
    "xlsx": "Excel (*.xlsx)",
    "pdf": "PDF (*.pdf)",
    "ics": "iCalendar (*.ics)",
    "attendance": "PDF (*.pdf)",
    "certificates": "PDF (*.pdf)",
}
EVENT_SHEETS = ("attendance", "certificates")  # printed for the event selected in the list
SIZED_ROWS = 50  # the rows measured to size the columns of the events list


class EventsBehindModel(QAbstractTableModel):
    """The events behind a figure, formatted only when a row comes into sight; the id under ``UserRole``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.events: list[dict] = []
        self.headers: list[str] = []
        self.retranslate()

    def retranslate(self) -> None:
        self.headers = [_("Start date"), _("Type"), _("Title"), _("Country"), _("Participants")]
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.headers) - 1)

    def set_events(self, events: list[dict]) -> None:
        self.beginResetModel()
        self.events = list(events)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.events)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt override
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        event = self.events[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return event["id"]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return format_date(event["start_date"], "medium")
        if column == 1:
            return _(EVENT_TYPES.get(event["type"], ""))
        if column == 2:
            return event["title"]
        if column == 3:
            return country_name(event["country"])
        return format_number(event["participants_total"])


class ChartView(QWidget):
    """A bar chart drawn with QPainter."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.chart = Chart("", [])
        self.setMinimumSize(240, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_chart(self, chart: Chart) -> None:
        self.chart = chart
        self.update()

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        paint_bar_chart(
            painter,
            QRectF(self.rect()).adjusted(6, 4, -6, -4),
            self.chart,
            point_size=self.font().pointSizeF(),
            text_color=self.palette().text().color(),
        )
        painter.end()


class ReportsPage(QWidget, Page):
    """Figures, charts and exports for a chosen year (or dates) and country; ``retranslate()`` re-sets every text."""

    exported = Signal(bool)  # an export finished: whether the file was written

    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.report: Report | None = None
        self.selected: tuple[str, str | None] | None = None  # the figure whose events are listed
        self.running = None  # the export under way
        self.computing = None  # the report being computed
        self._again = False
        font_family()  # load the report font here, on the GUI thread, before any export thread needs it

        self.year_label = QLabel()
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(latest_year_with_events(desk) or date.today().year)
        self.country_label = QLabel()
        self.country = QComboBox()
        # as wide as its longest entry in every language ("All countries" was cut in kk, ky, uz, tg)
        self.country.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.limit_dates = QCheckBox()
        self.start = QDateEdit()
        self.end = QDateEdit()
        for editor in (self.start, self.end):
            editor.setCalendarPopup(True)
            editor.setDisplayFormat(qt_date_format())
            editor.setEnabled(False)
        self._set_dates_to_year()

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.figures_grid = QGridLayout()
        self.figure_buttons: list[QPushButton] = []
        self.chart_views = [ChartView(self) for _chart in range(3)]
        self.events_title = QLabel()
        self.events_model = EventsBehindModel(self)
        self.events_table = keyboard_table(QTableView())
        self.events_table.setModel(self.events_model)
        header = self.events_table.horizontalHeader()
        for column in range(self.events_model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.events_table.verticalHeader().setVisible(False)
        self.events_table.setWordWrap(False)
        self.events_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.events_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.export_buttons = {name: QPushButton() for name in EXPORT_FILTERS}
        self.status = QLabel()
        self.status.setWordWrap(True)

        filters = QHBoxLayout()
        for widget in (
            self.year_label,
            self.year,
            self.country_label,
            self.country,
            self.limit_dates,
            self.start,
            self.end,
        ):
            filters.addWidget(widget)
        filters.addStretch(1)
        chart_row = QHBoxLayout()
        for view in self.chart_views:
            chart_row.addWidget(view)
        events_row = QHBoxLayout()  # the event sheets act on the event selected in the list below
        events_row.addWidget(self.events_title, 1)
        exports = QHBoxLayout()
        for name, button in self.export_buttons.items():
            (events_row if name in EVENT_SHEETS else exports).addWidget(button)
        self.include_people = QCheckBox()  # personal data leaves the computer only when asked for
        exports.addWidget(self.include_people)
        exports.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.summary)
        layout.addLayout(self.figures_grid)
        layout.addLayout(chart_row, 2)
        layout.addLayout(events_row)
        layout.addWidget(self.events_table, 3)
        layout.addLayout(exports)
        layout.addWidget(self.status)

        self.year.valueChanged.connect(self._year_changed)
        self.country.currentIndexChanged.connect(self.refresh)
        self.limit_dates.toggled.connect(self._limit_toggled)
        self.start.dateChanged.connect(self.refresh)
        self.end.dateChanged.connect(self.refresh)
        for name, button in self.export_buttons.items():
            button.clicked.connect(lambda _checked=False, n=name: self._ask_and_export(n))
        self.events_table.selectionModel().selectionChanged.connect(lambda *_args: self._selection_changed())
        follow_language(self)

    def reload(self, changes) -> None:
        """Figures are recomputed when the page is shown next (or now, if it is shown)."""
        self._stale = True
        if self.isVisible():
            self.refresh()

    # ----- texts ---------------------------------------------------------------------------------

    def retranslate(self, _language: str | None = None) -> None:
        """Re-set every text in the current language and recompute the report (its summary is translated)."""
        self.year_label.setText(_("Year:"))
        self.country_label.setText(_("Country:"))
        self.year_label.setBuddy(self.year)
        self.country_label.setBuddy(self.country)
        self.year.setAccessibleName(_("Year:").rstrip(":"))
        self.country.setAccessibleName(_("Country:").rstrip(":"))
        self.start.setAccessibleName(_("Start date"))
        self.end.setAccessibleName(_("End date"))
        self.events_table.setAccessibleName(_("Events"))
        for editor in (self.start, self.end):
            editor.setDisplayFormat(qt_date_format())
        self.limit_dates.setText(_("Only between these dates:"))
        self.events_model.retranslate()
        labels = {
            "json": _("Export JSON…"),
            "csv": _("Export CSV…"),
            "xlsx": _("Export Excel…"),
            "pdf": _("Export PDF…"),
            "ics": _("Export calendar…"),
            "attendance": _("Attendance sheet…"),
            "certificates": _("Certificates…"),
        }
        for name, button in self.export_buttons.items():
            button.setText(labels[name])
        for name in EVENT_SHEETS:
            self.export_buttons[name].setToolTip(_("For the event selected in the list"))
        self.include_people.setText(_("Include participants' names, gender and e-mail (Excel)"))
        self._fill_countries()
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True  # computed when first shown: building the window stays quick

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _fill_countries(self) -> None:
        current = self.country.currentData()
        self.country.blockSignals(True)
        self.country.clear()
        self.country.addItem(_("All countries"), None)
        for code in MEMBER_STATES:
            self.country.addItem(country_name(code), code)
        self.country.setCurrentIndex(max(0, self.country.findData(current)))
        self.country.blockSignals(False)

    # ----- period --------------------------------------------------------------------------------

    def _set_dates_to_year(self) -> None:
        for editor, month, day in ((self.start, 1, 1), (self.end, 12, 31)):
            editor.blockSignals(True)
            editor.setDate(QDate(self.year.value(), month, day))
            editor.blockSignals(False)

    def _year_changed(self) -> None:
        if not self.limit_dates.isChecked():
            self._set_dates_to_year()
        self.refresh()

    def _limit_toggled(self, checked: bool) -> None:
        self.start.setEnabled(checked)
        self.end.setEnabled(checked)
        if not checked:
            self._set_dates_to_year()
        self.refresh()

    def period(self) -> Period:
        start = end = None
        if self.limit_dates.isChecked():
            start, end = self.start.date().toPython(), self.end.date().toPython()
        return Period.of(self.year.value(), self.country.currentData(), start, end)

    # ----- figures -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Recompute the report for the chosen period off the GUI thread, then show it (filters changed in the
        meantime start one more computation once this one is done)."""
        self._stale = False
        if self.computing is not None:
            self._again = True
            return
        period = self.period()
        self.computing = run_operation(
            self,
            _("Computing the report…"),
            lambda _progress: compute(self.desk, period),
            self._show_report,
            on_refused=lambda error: self.status.setText(str(error)),
            on_finished=self._computed,
            read_only=True,
        )

    def _computed(self) -> None:
        self.computing = None
        if self._again:
            self._again = False
            self.refresh()

    def busy(self) -> bool:
        """Whether the report or an export is still being worked on."""
        return self.computing is not None or self.running is not None

    def _show_report(self, report: Report) -> None:
        self.report = report
        self.status.clear()
        figures = self.report.figures
        self.summary.setText(figures["summary"])
        for button in self.figure_buttons:
            self.figures_grid.removeWidget(button)
            button.setParent(None)
            button.deleteLater()
        self.figure_buttons = []
        for index, line in enumerate(key_figures(figures)):
            button = QPushButton(f"{format_number(line.value)}  {line.label}")
            button.setFlat(True)
            button.setCheckable(True)
            button.setProperty("figure", (line.figure, line.code))
            button.setStyleSheet("text-align: left;")
            button.setToolTip(_("Show the events behind this figure"))
            button.clicked.connect(lambda _checked=False, f=line.figure, c=line.code: self.show_events(f, c))
            self.figures_grid.addWidget(button, index // FIGURE_COLUMNS, index % FIGURE_COLUMNS)
            self.figure_buttons.append(button)
        for view, chart in zip(self.chart_views, charts(figures)):
            view.set_chart(chart)
        self.show_events(*(self.selected or ("events_total", None)))

    def show_events(self, figure: str, code: str | None = None) -> None:
        """List the events behind one figure."""
        self.selected = (figure, code)
        for button in self.figure_buttons:
            button.setChecked(button.property("figure") == (figure, code))
        events = self.report.events_behind(figure, code)
        label = next(
            (line.label for line in key_figures(self.report.figures) if (line.figure, line.code) == (figure, code)),
            _("Events"),
        )
        self.events_title.setText(
            _("Events behind “{figure}”: {count}").format(figure=label, count=format_number(len(events)))
        )
        self.events_table.clearSelection()
        self.events_model.set_events(events)  # cells are formatted when shown: 6,000 rows cost no more than 30
        self._size_columns()
        self._selection_changed()

    def _size_columns(self) -> None:
        """Columns as wide as the rows in sight need (the title takes the rest): measuring every row of a
        large report would hold up the window."""
        metrics = self.events_table.fontMetrics()
        shown = range(min(self.events_model.rowCount(), SIZED_ROWS))
        for column in (0, 1, 3, 4):
            texts = [self.events_model.headerData(column, Qt.Orientation.Horizontal)]
            texts += [self.events_model.data(self.events_model.index(row, column)) for row in shown]
            self.events_table.setColumnWidth(column, max(metrics.horizontalAdvance(t or "") for t in texts) + 24)

    def selected_event(self) -> str | None:
        rows = self.events_table.selectionModel().selectedRows()
        return rows[0].data(Qt.ItemDataRole.UserRole) if rows else None

    def _selection_changed(self) -> None:
        """Each export is enabled only with something to write: a report that counts events, a chosen event."""
        counted = self.report is not None and self.report.figures["events_total"] > 0
        for name, button in self.export_buttons.items():
            button.setEnabled(self.selected_event() is not None if name in EVENT_SHEETS else counted)
        if not counted and self.report is not None and self.running is None:
            self.status.setText(_("No events in this period, so nothing to export: choose another year or country."))

    # ----- export --------------------------------------------------------------------------------

    def _ask_and_export(self, name: str) -> None:
        suggested = {
            "ics": "platform-events.ics",
            "attendance": "attendance-sheet.pdf",
            "certificates": "certificates.pdf",
        }.get(name, f"platform-report-{self.year.value()}.{name}")
        path, _filter = QFileDialog.getSaveFileName(
            self, self.export_buttons[name].text().rstrip("…"), suggested, EXPORT_FILTERS[name]
        )
        if path:
            self.export(name, Path(path), in_background=True)

    def export(self, name: str, path: Path, in_background: bool = False) -> bool:
        """Write the shown report, the calendar (``ics``) or a sheet for the selected event (``attendance``,
        ``certificates``) to ``path``; the outcome is shown below the buttons. In the background, the page
        stays responsive and ``exported`` tells when it is done; returns whether it was written (or started)."""
        job = WriteJob(self.desk, self.report, name, path, self.selected_event(), self.include_people.isChecked())
        if not in_background:
            return self._exported(job.write())
        for button in self.export_buttons.values():
            button.setEnabled(False)
        self.status.setText(_("Writing {path}…").format(path=path))
        self.running = run_operation(
            self,
            _("Writing {path}…").format(path=path.name),
            job.write,
            self._exported,
            on_cancelled=lambda: self._exported((False, _("Export cancelled: no file was written."))),
        )
        return True

    def _exported(self, outcome: tuple[bool, str]) -> bool:
        written, message = outcome
        self.running = None
        self.status.setText(message)
        for button in self.export_buttons.values():
            button.setEnabled(True)
        self._selection_changed()
        self.exported.emit(written)
        return written


class WriteJob:
    """Writes one export, touching no widget (so that it may run off the GUI thread). The file appears whole
    or not at all: it is written beside its place and moved there once complete, unless cancelled."""

    def __init__(self, desk, report: Report, name: str, path: Path, event_id: str | None, include_people: bool = False):
        self.desk, self.report, self.name, self.path, self.event_id = desk, report, name, path, event_id
        self.include_people = include_people

    def write(self, _progress=None) -> tuple[bool, str]:
        # The writers pull in openpyxl and icalendar: loaded on first export, not at start-up.
        from desktop_app.reports.calendar import write_calendar
        from desktop_app.reports.export import write_report
        from desktop_app.reports.sheets import write_attendance_sheet, write_certificates

        partial = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        try:
            if self.name == "ics":
                write_calendar(self.desk, partial)
            elif self.name in EVENT_SHEETS:
                writer = write_attendance_sheet if self.name == "attendance" else write_certificates
                writer(self.desk, self.event_id, partial)
            else:
                write_report(self.report, self.name, partial, include_people=self.include_people)
            checkpoint()  # cancelled while writing: the partial file goes, nothing is left behind
            partial.replace(self.path)
        except OSError as error:
            return False, _("Cannot write {path}: {error}").format(path=self.path, error=os_reason(error))
        except DeskError as error:
            return False, str(error)
        finally:
            partial.unlink(missing_ok=True)
        return True, _("Wrote {path}").format(path=self.path)

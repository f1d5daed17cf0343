"""The main window: navigation on the left, one page at a time on the right, the installation in the status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QMainWindow, QSplitter, QStackedWidget

from desktop_app import i18n
from desktop_app.domain.errors import DeskError
from desktop_app.domain.schema import INSTALLATION_ROLES
from desktop_app.i18n import N_, _
from desktop_app.ui.pages.actions import ActionsPage
from desktop_app.sync import api
from desktop_app.ui.widgets.common import follow_language, show_error
from desktop_app.ui.pages.conflicts import ConflictsPage
from desktop_app.ui.pages.events import EventsPage
from desktop_app.ui.pages.people import PeoplePage
from desktop_app.ui.dialogs.quick_meeting import QuickMeetingDialog
from desktop_app.domain.reading import Reader
from desktop_app.ui.pages.reports import ReportsPage
from desktop_app.ui.pages.settings import SettingsPage
from desktop_app.ui.pages.sync import SyncPage, bundle_paths, format_time

# (key, label, page, quick filter of the events page)
NAVIGATION = [
    ("events", N_("Events"), "events", None),
    ("trainings", N_("Trainings"), "events", "trainings"),
    ("meetings", N_("Meetings"), "events", "meetings"),
    ("conferences", N_("Conferences"), "events", "conferences"),
    ("people", N_("People"), "people", None),
    ("actions", N_("Follow-up actions"), "actions", None),
    ("reports", N_("Reports"), "reports", None),
    ("sync", N_("Sync"), "sync", None),
    ("conflicts", N_("Conflicts"), "conflicts", None),
    ("settings", N_("Settings"), "settings", None),
]
INDENTED = {"trainings", "meetings", "conferences"}


class MainWindow(QMainWindow):
    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.reader = Reader(desk)
        self.pages = {
            "events": EventsPage(desk, self.reader),
            "people": PeoplePage(desk, self.reader),
            "actions": ActionsPage(desk, self.reader),
            "reports": ReportsPage(desk),
            "sync": SyncPage(desk),
            "conflicts": ConflictsPage(desk),
            "settings": SettingsPage(desk),
        }
        self.stack = QStackedWidget()
        for page in self.pages.values():
            self.stack.addWidget(page)
        self.navigation = QListWidget()
        for key, _label, _page, _quick in NAVIGATION:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.navigation.addItem(item)
        self._current_row = 0
        self.navigation.setCurrentRow(0)
        self.navigation.currentRowChanged.connect(self._navigate)
        splitter = QSplitter()
        splitter.addWidget(self.navigation)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        self.splitter = splitter
        self.installation_label = QLabel()
        self.statusBar().addWidget(self.installation_label, 1)
        self.exchange_label = QLabel()
        self.statusBar().addPermanentWidget(self.exchange_label)
        events = self.pages["events"]
        people = self.pages["people"]
        events.editor.new_meeting_within.connect(self.quick_meeting)
        events.editor.open_event.connect(self.open_event)
        people.editor.open_event.connect(self.open_event)
        self.pages["actions"].open_event.connect(self.open_event)
        self.pages["settings"].restored.connect(self.reload)
        self.pages["sync"].imported.connect(self.reload)
        self.pages["sync"].exchanged.connect(self.show_exchanges)
        self.pages["conflicts"].resolved.connect(self.reload)
        self.setAcceptDrops(True)
        QShortcut(QKeySequence("Ctrl+M"), self, self.quick_meeting, context=Qt.ShortcutContext.ApplicationShortcut)
        follow_language(self)
        self.resize(1280, 800)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Platform Desk — {name}").format(name=self.desk.identity["device_name"]))
        self._label_navigation()
        self.navigation.setAccessibleName(_("Navigation"))
        width = self.navigation.sizeHintForColumn(0) + 24
        self.navigation.setMinimumWidth(width)
        self.splitter.setSizes([width, max(self.width() - width, width)])
        ident = self.desk.identity
        parts = [ident["device_name"], _(INSTALLATION_ROLES.get(ident["role"], ident["role"]))]
        if ident["country"]:
            parts.append(i18n.country_name(ident["country"]))
        self.installation_label.setText(" · ".join(parts))
        self.show_exchanges()

    def _label_navigation(self) -> None:
        open_conflicts = len(self.pages["conflicts"].conflicts)
        for row, (key, label, _page, _quick) in enumerate(NAVIGATION):
            text = ("    " if key in INDENTED else "") + _(label)
            if key == "conflicts" and open_conflicts:
                text = f"{text} ({i18n.format_number(open_conflicts)})"
            self.navigation.item(row).setText(text)

    def show_exchanges(self) -> None:
        """The times of the last export and import, in the status bar."""
        sent, received = api.last_exchange(self.desk, "export"), api.last_exchange(self.desk, "import")
        never = _("never")
        self.exchange_label.setText(_("Last sent: {sent} · Last received: {received}").format(
            sent=format_time(sent) or never, received=format_time(received) or never))

    def dragEnterEvent(self, event) -> None:
        if bundle_paths(url.toLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """Bundles dropped anywhere on the window are imported (after a preview) on the Sync page."""
        paths = bundle_paths(url.toLocalFile() for url in event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            self.go_to("sync")
            if self.current_page() is self.pages["sync"]:
                self.pages["sync"].start_import(paths)

    def page(self, key: str):
        return self.pages[key]

    def current_page(self):
        return self.stack.currentWidget()

    def _navigate(self, row: int) -> None:
        if row < 0 or row == self._current_row:
            return
        _key, _label, page_key, quick = NAVIGATION[row]
        target = self.pages[page_key]
        current = self.current_page()
        if current is not target and not current.maybe_leave():
            self.navigation.blockSignals(True)
            self.navigation.setCurrentRow(self._current_row)
            self.navigation.blockSignals(False)
            return
        self._current_row = row
        if page_key == "events":
            target.set_quick_filter(quick)
        elif page_key in ("people", "actions"):
            target.apply_filters()
        elif page_key in ("settings", "sync", "conflicts", "reports"):
            target.refresh()
        self.stack.setCurrentWidget(target)

    def go_to(self, key: str) -> None:
        """Show the navigation entry ``key`` (as a click on it would)."""
        row = next(n for n, entry in enumerate(NAVIGATION) if entry[0] == key)
        self.navigation.setCurrentRow(row)

    def open_event(self, event_id: str) -> None:
        self.go_to("events")
        if self.stack.currentWidget() is self.pages["events"]:
            self.pages["events"].open_record(event_id)

    def quick_meeting(self, parent_id: str | None = None) -> None:
        """Record a bilateral meeting now (Ctrl+M from anywhere)."""
        dialog = QuickMeetingDialog(self.desk, self.reader, parent_id or None, self)
        if dialog.exec():
            events = self.pages["events"]
            events.refresh_keeping(events.editor.record_id)
            events.editor.load_related()
            self.statusBar().showMessage(_("Meeting saved: {title}").format(title=dialog.values()["title"]), 8000)

    def reload(self) -> None:
        """Everything may have changed (a restore or an import): re-read every page."""
        self.reader.forget_orders()
        for key in ("events", "people"):
            page = self.pages[key]
            if not page.editor.dirty:  # what is being typed stays; a saved record is shown as it is now
                try:
                    page.editor.load(page.editor.record_id)
                except DeskError:
                    page.editor.load(None)
            page.refresh_keeping(page.editor.record_id)
        self.pages["actions"].apply_filters()
        self.pages["conflicts"].refresh()
        self.pages["sync"].refresh()
        self.retranslate()

    def maybe_leave(self) -> bool:
        return all(page.maybe_leave() for page in self.pages.values())

    def closeEvent(self, event) -> None:
        if self.pages["sync"].busy():
            show_error(self, _("An exchange is still running; close the window when it has finished."))
            event.ignore()
        elif self.maybe_leave():
            self.reader.close()
            event.accept()
        else:
            event.ignore()

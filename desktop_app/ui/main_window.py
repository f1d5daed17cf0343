"""The main window: the menu bar, navigation on the left, one page at a time on the right, the installation
in the status bar.

The window paints before the database is open: navigation and menus wait, greyed, beside a "Loading…"
page until ``attach(desk)`` (start-up opens the database off the GUI thread, so SQLAlchemy is not imported
before the first paint). Pages are built on their first visit (``page``) and share one read model
(``Reader``). After a write made outside a page (an import, a restore, a resolved conflict, a quick meeting) the window asks the change log
what changed and passes it to every page built so far (``reload``); each re-reads only if it shows it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from desktop_app import i18n, paths, user_settings
from desktop_app.domain.schema import INSTALLATION_ROLES
from desktop_app.i18n import N_, _
from desktop_app.ui import operations
from desktop_app.ui.widgets.common import fit_to_screen, focus_first, follow_language, show_error
from desktop_app.ui.widgets.icons import icon

if TYPE_CHECKING:
    from desktop_app.domain.reading import Changes

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
WARM_UP_DELAY_MS = 500
SERVER_POLL_MS = 3000  # how often a window on a server database looks for what other staff wrote
DEFAULT_SIZE = (1280, 800)  # or what the screen has room for, when it is smaller
STANDARD_FALLBACK = {
    QKeySequence.StandardKey.Open: "Ctrl+O",
    QKeySequence.StandardKey.Quit: "Ctrl+Q",
    QKeySequence.StandardKey.New: "Ctrl+N",
    QKeySequence.StandardKey.Find: "Ctrl+F",
    QKeySequence.StandardKey.Refresh: "F5",
    QKeySequence.StandardKey.HelpContents: "F1",
}


def _merged(earlier: Changes | None, later: Changes) -> Changes:
    """Both sets of changes as one."""
    if earlier is None:
        return later
    return type(later)(earlier.kinds | later.kinds, earlier.ids | later.ids, earlier.everything or later.everything)


def _dropped_bundles(event) -> list[Path]:
    from desktop_app.ui.pages.sync import bundle_paths

    return bundle_paths(url.toLocalFile() for url in event.mimeData().urls())


def _everything() -> Changes:
    from desktop_app.domain.reading import EVERYTHING

    return EVERYTHING


def _build_page(window: "MainWindow", key: str):
    """Each page's module is imported when the page is first shown: start-up loads only the first one."""
    desk, reader = window.desk, window.reader
    if key == "events":
        from desktop_app.ui.pages.events import EventsPage

        page = EventsPage(desk, reader)
        page.editor.new_meeting_within.connect(window.quick_meeting)
        page.editor.open_event.connect(window.open_event)
    elif key == "people":
        from desktop_app.ui.pages.people import PeoplePage

        page = PeoplePage(desk, reader)
        page.editor.open_event.connect(window.open_event)
    elif key == "actions":
        from desktop_app.ui.pages.actions import ActionsPage

        page = ActionsPage(desk, reader)
        page.open_event.connect(window.open_event)
    elif key == "reports":
        from desktop_app.ui.pages.reports import ReportsPage

        page = ReportsPage(desk)
    elif key == "sync":
        from desktop_app.ui.pages.sync import SyncPage

        page = SyncPage(desk)
        page.imported.connect(window.written_elsewhere)
        page.exchanged.connect(window.show_exchanges)
    elif key == "conflicts":
        from desktop_app.ui.pages.conflicts import ConflictsPage

        page = ConflictsPage(desk)
        page.resolved.connect(window.written_elsewhere)
    else:
        from desktop_app.ui.pages.settings import SettingsPage

        page = SettingsPage(desk)
        page.restored.connect(lambda: window.written_elsewhere(_everything()))
    return page


class MainWindow(QMainWindow):
    """``open_database(path)``: the user chose another database (File → Open); the application switches.
    ``ready``: the database is attached and the first page shown."""

    open_database = Signal(object)  # a Path, or a server database's URL
    ready = Signal()

    def __init__(self, desk=None, parent=None):
        super().__init__(parent)
        self.desk = None
        self.reader = None
        self._seen_version = 0
        self.pages: dict[str, object] = {}  # the pages built so far
        self._pending: dict[object, Changes] = {}  # changes the hidden pages have not re-read yet
        self.stack = QStackedWidget()
        self.navigation = QListWidget()
        for key, _label, _page, _quick in NAVIGATION:
            item = QListWidgetItem(icon(key), "")
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
        self._make_menus()
        self.loading = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.loading)
        # until a database is attached, the menus and their shortcuts wait (enabled again by attach)
        self._waiting = [action for action in self.findChildren(QAction) if action.isEnabled()]
        self._enable_commands(False)
        follow_language(self)
        self._restore_geometry()
        # After the first paint, build the events' search index so that the first keystroke is quick too.
        self._warm_up_timer = QTimer(self, singleShot=True, interval=WARM_UP_DELAY_MS)
        self._warm_up_timer.timeout.connect(self._warm_up)
        self._server_poll: QTimer | None = None
        if desk is not None:
            self.attach(desk)

    def attach(self, desk) -> None:
        """Show ``desk``: its first page replaces "Loading…", the navigation and menus come alive."""
        from desktop_app.domain.reading import Reader

        self.desk = desk
        self.reader = Reader(desk)
        self._seen_version = self.reader.version()
        self.stack.removeWidget(self.loading)
        self.loading.deleteLater()
        self.stack.setCurrentWidget(self._show_page("events"))
        self._enable_commands(True)
        self.retranslate()
        self._warm_up_timer.start()
        if desk.url is not None:  # other staff write the same server database: their changes show as they come
            self._server_poll = QTimer(self, interval=SERVER_POLL_MS)
            self._server_poll.timeout.connect(self._look_for_others)
            self._server_poll.start()
        self.ready.emit()

    def _enable_commands(self, enabled: bool) -> None:
        self.navigation.setEnabled(enabled)
        self.menuBar().setEnabled(enabled)
        for action in self._waiting:
            action.setEnabled(enabled)

    def _restore_geometry(self) -> None:
        """The size and place the window had when it was last closed, else 1280×800 or what the screen allows."""
        saved = user_settings.load().get("window_geometry")
        if isinstance(saved, str) and self.restoreGeometry(QByteArray.fromBase64(saved.encode("ascii"))):
            return
        fit_to_screen(self, *DEFAULT_SIZE)

    def _look_for_others(self) -> None:
        from sqlalchemy.exc import DBAPIError

        try:
            others_wrote = self.reader.version() != self._seen_version
        except DBAPIError:
            self.statusBar().showMessage(_("The server cannot be reached; trying again"), SERVER_POLL_MS)
            return
        if others_wrote:
            self.written_elsewhere()

    def _warm_up(self) -> None:
        if not self.isVisible():  # closed before the timer fired: its reader is closed, nothing to warm
            return
        operations.run_operation(
            self, "warming the search index", lambda _progress: self.reader.search_index("event"), quiet=True
        )

    # ----- menus -----------------------------------------------------------------------------

    def _action(self, menu: QMenu, slot, keys=None) -> QAction:
        action = QAction(self)
        if isinstance(keys, QKeySequence.StandardKey):
            # the platform's own keys, and ours where the platform has none (Quit on Windows)
            action.setShortcuts(QKeySequence.keyBindings(keys) or [QKeySequence(STANDARD_FALLBACK[keys])])
        elif keys is not None:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _make_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.open_action = self._action(self.file_menu, self.ask_open_database, QKeySequence.StandardKey.Open)
        self.server_action = self._action(self.file_menu, self.ask_open_server)
        self.recent_menu = self.file_menu.addMenu("")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.file_menu.addSeparator()
        self.import_action = self._action(self.file_menu, lambda: self._on_sync_page("_ask_and_import"), "Ctrl+I")
        self.export_action = self._action(self.file_menu, lambda: self._on_sync_page("_ask_and_export"), "Ctrl+E")
        # Actions on the whole window (such as locking it) go after this separator, before Quit.
        self.lock_anchor = self.file_menu.addSeparator()
        self.quit_action = self._action(self.file_menu, self.close, QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        self.edit_menu = bar.addMenu("")
        self.new_action = self._action(
            self.edit_menu, lambda: self._on_current_page("new_record"), QKeySequence.StandardKey.New
        )
        self.find_action = self._action(
            self.edit_menu, lambda: self._on_current_page("focus_search"), QKeySequence.StandardKey.Find
        )
        self.edit_menu.addSeparator()
        self.meeting_action = self._action(self.edit_menu, self.quick_meeting, "Ctrl+M")

        self.view_menu = bar.addMenu("")
        self.go_actions = []
        for number, (key, _label, _page, _quick) in enumerate(NAVIGATION, start=1):
            action = self._action(self.view_menu, lambda key=key: self.go_to(key), f"Ctrl+{number % 10}")
            action.setIcon(icon(key))
            self.go_actions.append(action)
        self.view_menu.addSeparator()
        self.reload_action = self._action(
            self.view_menu, lambda: self.written_elsewhere(_everything()), QKeySequence.StandardKey.Refresh
        )

        self.view_menu.addSeparator()
        self.next_pane_action = self._action(self.view_menu, lambda: self.focus_pane(+1), "F6")
        self.previous_pane_action = self._action(self.view_menu, lambda: self.focus_pane(-1), "Shift+F6")

        self.help_menu = bar.addMenu("")
        self.shortcuts_action = self._action(self.help_menu, self.show_shortcuts, QKeySequence.StandardKey.HelpContents)
        self.log_action = self._action(self.help_menu, self.open_log_folder)
        self.help_menu.addSeparator()
        self.about_action = self._action(self.help_menu, self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _retranslate_menus(self) -> None:
        self.file_menu.setTitle(_("&File"))
        self.open_action.setText(_("&Open database…"))
        self.server_action.setText(_("Open a &server database…"))
        self.recent_menu.setTitle(_("Open &recent"))
        self.import_action.setText(_("&Import sync files…"))
        self.export_action.setText(_("&Export a sync file…"))
        self.quit_action.setText(_("&Quit"))
        self.edit_menu.setTitle(_("&Edit"))
        self.new_action.setText(_("&New record"))
        self.find_action.setText(_("&Find"))
        self.meeting_action.setText(_("Quick &meeting…"))
        self.view_menu.setTitle(_("&View"))
        for action, (_key, label, _page, _quick) in zip(self.go_actions, NAVIGATION):
            action.setText(_(label))
        self.reload_action.setText(_("&Reload"))
        self.next_pane_action.setText(_("Next &pane"))
        self.previous_pane_action.setText(_("Previous pa&ne"))
        self.help_menu.setTitle(_("&Help"))
        self.shortcuts_action.setText(_("&Keyboard shortcuts"))
        self.log_action.setText(_("Open the &log folder"))
        self.about_action.setText(_("&About Platform Desk"))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        here = self.desk.location if self.desk is not None else None
        recent = [path for path in user_settings.recent_databases() if str(path) != here]
        for path in recent:
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(lambda _checked=False, p=path: self.open_database.emit(p))
        if not recent:
            self.recent_menu.addAction(_("No other database opened yet")).setEnabled(False)

    def _on_current_page(self, method: str) -> None:
        slot = getattr(self.current_page(), method, None)
        if slot is not None:
            slot()

    def _on_sync_page(self, method: str) -> None:
        self.go_to("sync")
        if self.current_page() is self.pages.get("sync"):
            getattr(self.pages["sync"], method)()

    def _update_actions(self) -> None:
        page = self.current_page()
        self.new_action.setEnabled(hasattr(page, "new_record"))
        self.find_action.setEnabled(hasattr(page, "focus_search"))

    def ask_open_database(self) -> None:
        folder = self.desk.path.parent if self.desk.url is None else paths.data_dir()
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Open database"), str(folder), _("Platform Desk databases (*.db);;All files (*)")
        )
        if path:
            self.open_database.emit(Path(path))

    def ask_open_server(self) -> None:
        from desktop_app.ui.dialogs.server import ServerDialog

        dialog = ServerDialog(self, self.desk.url or "")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.open_database.emit(dialog.url)

    def show_shortcuts(self) -> None:
        from desktop_app.ui.dialogs.about import ShortcutsDialog

        ShortcutsDialog(self).exec()

    def show_about(self) -> None:
        from desktop_app.ui.dialogs.about import AboutDialog

        AboutDialog(self.desk, self).exec()

    def open_log_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        folder = paths.log_file().parent
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # ----- texts -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self._retranslate_menus()
        self._label_navigation()
        self.navigation.setAccessibleName(_("Navigation"))
        width = self.navigation.sizeHintForColumn(0) + 24
        self.navigation.setMinimumWidth(width)
        self.splitter.setSizes([width, max(self.width() - width, width)])
        if self.desk is None:
            self.setWindowTitle(_("Platform Desk"))
            self.loading.setText(_("Loading…"))
            return
        self.setWindowTitle(_("Platform Desk — {name}").format(name=self.desk.identity["device_name"]))
        ident = self.desk.identity
        parts = [ident["device_name"], _(INSTALLATION_ROLES.get(ident["role"], ident["role"]))]
        if ident["country"]:
            parts.append(i18n.country_name(ident["country"]))
        self.installation_label.setText(" · ".join(parts))
        self.show_exchanges()

    def _label_navigation(self) -> None:
        open_conflicts = 0
        if self.desk is not None:
            from desktop_app.sync import api

            open_conflicts = len(api.list_conflicts(self.desk))
        for row, (key, label, _page, _quick) in enumerate(NAVIGATION):
            text = ("    " if key in INDENTED else "") + _(label)
            if key == "conflicts" and open_conflicts:
                text = f"{text} ({i18n.format_number(open_conflicts)})"
            self.navigation.item(row).setText(text)

    def show_exchanges(self) -> None:
        """The times of the last export and import, in the status bar."""
        from desktop_app.sync import api
        from desktop_app.ui.pages.sync import format_time

        sent, received = api.last_exchange(self.desk, "export"), api.last_exchange(self.desk, "import")
        never = _("never")
        self.exchange_label.setText(
            _("Last sent: {sent} · Last received: {received}").format(
                sent=format_time(sent) or never, received=format_time(received) or never
            )
        )

    # ----- pages -----------------------------------------------------------------------------

    def page(self, key: str):
        """The page ``key`` (``events``, ``people``…), built now if this is its first use."""
        page = self.pages.get(key)
        if page is None:
            page = self.pages[key] = _build_page(self, key)
            # Each page scrolls when the window is smaller than it (1366×768 at 125 %, 200 %): nothing is cut
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no extra Tab stop: the focus goes to what is inside
            scroll.setWidget(page)
            self.stack.addWidget(scroll)
        return page

    def _show_page(self, key: str) -> QWidget:
        """The scroll area holding the page ``key``, to make it the current one."""
        page = self.page(key)
        return next(self.stack.widget(n) for n in range(self.stack.count()) if self.stack.widget(n).widget() is page)

    def current_page(self):
        return self.stack.currentWidget().widget()

    def panes(self) -> list[QWidget]:
        """What F6 goes through: the navigation, then the parts of the current page (its ``panes()``)."""
        page = self.current_page()
        return [self.navigation, *getattr(page, "panes", lambda: [page])()]

    def focus_pane(self, step: int) -> None:
        """F6 / Shift+F6: the focus goes to the next (previous) pane, on its first control."""
        panes = [pane for pane in self.panes() if pane.isVisible()]
        focused = QApplication.focusWidget()
        current = next(
            (
                n
                for n, pane in enumerate(panes)
                if focused is not None and (focused is pane or pane.isAncestorOf(focused))
            ),
            -1,
        )
        target = panes[(current + step) % len(panes)]
        focus_first(target)

    def _navigate(self, row: int) -> None:
        if row < 0 or row == self._current_row:
            return
        _key, _label, page_key, quick = NAVIGATION[row]
        current = self.current_page()
        if current is not self.pages.get(page_key) and not current.may_leave():
            self.navigation.blockSignals(True)
            self.navigation.setCurrentRow(self._current_row)
            self.navigation.blockSignals(False)
            return
        self._current_row = row
        target = self.page(page_key)
        if target in self._pending:
            target.reload(self._pending.pop(target))
        if page_key == "events":
            target.set_quick_filter(quick)
        else:
            target.shown()
        self.stack.setCurrentWidget(self._show_page(page_key))
        self._update_actions()

    def go_to(self, key: str) -> None:
        """Show the navigation entry ``key`` (as a click on it would)."""
        row = next(n for n, entry in enumerate(NAVIGATION) if entry[0] == key)
        self.navigation.setCurrentRow(row)

    def open_event(self, event_id: str) -> None:
        self.go_to("events")
        if self.current_page() is self.pages.get("events"):
            self.pages["events"].open_record(event_id)

    def quick_meeting(self, parent_id: str | None = None) -> None:
        """Record a bilateral meeting now (Ctrl+M from anywhere)."""
        from desktop_app.ui.dialogs.quick_meeting import QuickMeetingDialog

        dialog = QuickMeetingDialog(self.desk, self.reader, parent_id or None, self)
        if dialog.exec():
            self.written_elsewhere()
            self.statusBar().showMessage(_("Meeting saved: {title}").format(title=dialog.values()["title"]), 8000)

    def written_elsewhere(self, changes: Changes | None = None) -> None:
        """Records were written outside the pages (or everything may have changed): every page built so far
        re-reads what concerns it."""
        version = self.reader.version()
        if changes is None:
            changes = self.reader.changes_since(self._seen_version)
        self._seen_version = version
        if changes.everything:
            self.reader.forget_orders()
        current = self.current_page()
        for page in list(self.pages.values()):
            if page is current:
                page.reload(changes)
            else:  # re-read when shown next: a hidden page costs the window nothing now
                self._pending[page] = _merged(self._pending.get(page), changes)
        self.retranslate()

    # ----- drops and closing -----------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if _dropped_bundles(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """Bundles dropped anywhere on the window are imported (after a preview) on the Sync page."""
        dropped = _dropped_bundles(event)
        if dropped:
            event.acceptProposedAction()
            self.go_to("sync")
            if self.current_page() is self.pages.get("sync"):
                self.pages["sync"].start_import(dropped)

    def may_leave(self) -> bool:
        return all(page.may_leave() for page in self.pages.values())

    def closeEvent(self, event) -> None:
        if operations.busy():
            show_error(self, _("An operation is still running; close the window when it has finished."))
            event.ignore()
        elif self.may_leave():
            self._warm_up_timer.stop()
            if self._server_poll is not None:
                self._server_poll.stop()
            operations.stop_reading()  # a report being computed, a cache being warmed: dropped
            if self.reader is not None:
                self.reader.close()
            user_settings.save(window_geometry=bytes(self.saveGeometry().toBase64()).decode("ascii"))
            event.accept()
        else:
            event.ignore()

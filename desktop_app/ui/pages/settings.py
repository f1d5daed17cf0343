"""Settings and About: language, this installation's identity and key fingerprint, backups, version."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app import __version__, i18n
from desktop_app.domain.backups import restore_backup
from desktop_app.domain.schema import INSTALLATION_ROLES
from desktop_app.i18n import N_, _, language_names
from desktop_app.storage.database import list_backups
from desktop_app.ui import qt_i18n
from desktop_app.ui.operations import run_operation
from desktop_app.ui.pages.base import Page
from desktop_app.ui.widgets.common import confirm, follow_language, show_error


class LanguageCombo(QComboBox):
    """The seven languages, each in its own name; choosing one switches the whole program at once."""

    def __init__(self, parent=None):
        super().__init__(parent)
        for code, name in language_names().items():
            self.addItem(name, code)
        self.setCurrentIndex(self.findData(i18n.current_language()))
        self.activated.connect(self._chosen)

    def _chosen(self, _index) -> None:
        language = self.currentData()
        if language != i18n.current_language():
            qt_i18n.switch_language(language)
            i18n.save_language(language)


class SettingsPage(QWidget, Page):
    restored = Signal()

    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.language_box = QGroupBox()
        self.language_label = QLabel()
        self.language = LanguageCombo()
        self.language_label.setBuddy(self.language)
        language_layout = QFormLayout(self.language_box)
        language_layout.addRow(self.language_label, self.language)
        self.identity_box = QGroupBox()
        self.identity = QFormLayout(self.identity_box)
        self.identity.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.backups_box = QGroupBox()
        self.backups_note = QLabel()
        self.backups_note.setWordWrap(True)
        self.backups = QListWidget()
        self.restore_button = QPushButton()
        self.restore_button.clicked.connect(self.restore_selected)
        backups_layout = QVBoxLayout(self.backups_box)
        backups_layout.addWidget(self.backups_note)
        backups_layout.addWidget(self.backups, 1)
        backups_layout.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.version = QLabel()
        self.version.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.language_box)
        layout.addWidget(self.identity_box)
        layout.addWidget(self.backups_box, 1)
        layout.addWidget(self.version)
        follow_language(self)

    def retranslate(self) -> None:
        self.language_box.setTitle(_("Language"))
        self.language_label.setText(_("Language of the program"))
        self.language.setAccessibleName(_("Language of the program"))
        self.identity_box.setTitle(_("This installation"))
        self.backups_box.setTitle(_("Backups"))
        self.backups_note.setText(
            _(
                "A backup is taken before every import and every upgrade. Restoring one replaces the current "
                "records; the current state is backed up first."
            )
        )
        self.backups.setAccessibleName(_("Backups"))
        self.restore_button.setText(_("Restore the selected backup…"))
        self.version.setText(_("Platform Desk {version}").format(version=__version__))
        self.refresh()

    def refresh(self) -> None:
        """Show the identity and the list of backups as they are now."""
        while self.identity.rowCount():
            self.identity.removeRow(0)
        ident = self.desk.identity
        rows = [
            (_("Name of this computer"), ident["device_name"]),
            (_("Role"), _(INSTALLATION_ROLES.get(ident["role"], ident["role"]))),
            (_("Country"), i18n.country_name(ident["country"]) or "—"),
            (_("Installation id"), ident["device_id"]),
            (_("Key fingerprint"), self.desk.fingerprint),
            (_("Database"), self.desk.location),
        ]
        for label, value in rows:
            shown = QLabel(value)
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setAccessibleName(label)
            self.identity.addRow(label, shown)
        self.backups.clear()
        for path in list_backups(self.desk.path):
            item = QListWidgetItem(backup_label(path))
            item.setToolTip(path.name)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.backups.addItem(item)

    def shown(self) -> None:
        self.refresh()

    def reload(self, changes) -> None:
        self.refresh()

    def restore_selected(self) -> None:
        item = self.backups.currentItem()
        if item is None:
            show_error(self, _("Choose a backup in the list first."))
            return
        path = Path(item.data(Qt.ItemDataRole.UserRole))
        if not confirm(
            self,
            _(
                "Replace every record with the backup “{name}”? The current state is backed up "
                "first, so this can be undone."
            ).format(name=item.text()),
            _("Restore"),
        ):
            return
        run_operation(
            self,
            _("Restoring {name}…").format(name=path.name),
            lambda _progress: restore_backup(self.desk, path),
            lambda _safety: self._restored(),
            cancellable=False,
        )

    def _restored(self) -> None:
        self.refresh()
        self.restored.emit()


BACKUP_NAME = re.compile(r"-(?P<stamp>\d{8}-\d{6})-\d{6}-(?P<reason>[^.]+)\.db$")
BACKUP_REASONS = {
    "before-import": N_("before an import"),
    "before-restore": N_("before a restore"),
    "manual": N_("made by hand"),
}


def backup_label(path: Path) -> str:
    """A backup as the user reads it: when it was taken (local time, with the zone) and why."""
    parsed = BACKUP_NAME.search(path.name)
    if parsed is None:
        return path.name
    taken = datetime.strptime(parsed["stamp"], "%Y%m%d-%H%M%S").astimezone()  # the name holds local time
    reason = parsed["reason"]
    if reason in BACKUP_REASONS:
        reason = _(BACKUP_REASONS[reason])
    elif reason.startswith("before-"):  # before-<schema revision>
        reason = _("before an upgrade")
    return f"{i18n.format_local_time(taken)} — {reason}"

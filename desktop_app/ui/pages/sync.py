"""The Sync screen: export a bundle (to whom, full or new changes only, passphrase, size), send it by e-mail,
import bundles (from a file dialog or dropped on the window) after a preview, and the history of exchanges.

Exports and imports are operations (``ui.operations``): off the GUI thread, with progress and Cancel.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl, QUrlQuery, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app import i18n
from desktop_app.domain.schema import INSTALLATION_ROLES, KINDS, SECRETARIAT
from desktop_app.errors import DeskError, one_line
from desktop_app.i18n import N_, _, ngettext, pgettext
from desktop_app.sync import api
from desktop_app.ui.operations import run_operation
from desktop_app.ui.pages.base import Page
from desktop_app.ui.pages.conflicts import field_label, value_text
from desktop_app.ui.widgets import mnemonics
from desktop_app.ui.widgets.columns import FittedColumns
from desktop_app.ui.widgets.common import confirm, follow_language, keyboard_table, show_error, translated_buttons
from desktop_app.ui.widgets.table_model import Column
from desktop_app.ui.widgets.waiting import WaitingBox

BUNDLE_SUFFIX = ".pdsync"


def bundle_paths(paths) -> list[Path]:
    """The sync files among ``paths`` (whole bundles and numbered parts)."""
    return [Path(p) for p in paths if str(p).endswith(BUNDLE_SUFFIX)]


def device_label(device: dict) -> str:
    role = _(INSTALLATION_ROLES.get(device.get("role"), device.get("role") or ""))
    country = i18n.country_name(device.get("country"))
    return ", ".join(filter(None, [one_line(device.get("device_name") or ""), role, country]))


def believed_because(device: dict) -> str:
    """Why this installation's files are believed: confirmed here, vouched for by whom, or revoked."""
    if device["revoked"]:
        return _("revoked")
    if device["vouched_by_name"]:
        return _("vouched for by {name}").format(name=device["vouched_by_name"])
    return _("confirmed here")


# the known installations; the fingerprint takes the room left, cut in the middle if it must (whole in its
# tooltip, and Ctrl+C copies it whole)
DEVICE_COLUMNS = [
    Column("installation", N_("Installation"), device_label),
    Column("fingerprint", N_("Key fingerprint"), lambda device: device["fingerprint"], stretches=True),
    Column("believed_because", N_("Believed because"), believed_because),
    Column("last_seen", N_("Last seen"), lambda device: format_time(device["last_seen"]), shown_by_default=False),
]


class RecipientCombo(QComboBox):
    """The usual recipient, or one of the installations heard from (with its key fingerprint)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)

    def fill(self, devices: list[dict]) -> None:
        current = self.currentData()
        self.clear()
        self.addItem(_("The usual recipient"), "")
        self.setItemData(
            0,
            _("A delegation sends to the secretariat; the secretariat sends to every delegation"),
            Qt.ItemDataRole.ToolTipRole,
        )
        for device in devices:
            self.addItem(f"{device_label(device)} — {device['fingerprint']}", device["device_id"])
        self.setCurrentIndex(max(self.findData(current), 0))


def previewed_import(desk, paths: list[Path], passphrase: str | None, trust: tuple[str, ...]) -> dict:
    """What the import preview shows (worker thread): the dry run's ``ImportSummary`` under ``summary``, and
    under ``senders`` who signed the files (name, role, country, key fingerprint), read from their headers."""
    from desktop_app.domain import identity
    from desktop_app.sync.bundle import Bundle

    summary = api.import_files(desk, paths, dry_run=True, passphrase=passphrase, trust=trust)
    senders: dict[str, dict] = {}
    for path in paths:
        bundle = Bundle(path)
        try:
            header = bundle.manifest
            senders.setdefault(
                header["device_id"],
                {
                    "name": one_line(header["device_name"]),
                    "role": header["role"],
                    "country": header["country"],
                    "fingerprint": identity.fingerprint(bundle.public_key),
                },
            )
        finally:
            bundle.close()
    return {"summary": summary, "senders": list(senders.values()), "records": _compared(desk, summary)}


def _compared(desk, summary: dict) -> list[dict]:
    """The records the dry run lists (``ImportSummary["records"]``), each as ``{kind, name, change, fields}``:
    ``change`` is new, updated or deleted; ``fields`` the (field, value here, value after) that differ, read
    against this database, which the dry run left as it was."""
    compared = []
    for listed in summary.get("records", []):
        kind, after = listed["kind"], listed["record"]
        entry = {"kind": kind, "name": one_line(str(after["name"])), "change": listed["change"], "fields": []}
        if listed["change"] == "updated":
            try:
                before = desk.get(after["id"])
            except DeskError:  # deleted here
                before = {}
            if after["deleted"]:
                entry["change"] = "deleted"
            entry["fields"] = [
                (field.name, before.get(field.name), after.get(field.name))
                for field in KINDS[kind].fields
                if before.get(field.name) != after.get(field.name) and not after["deleted"]
            ]
        compared.append(entry)
    return compared


def change_text(entry: dict) -> str:
    """What happens to one record: “New record”, “Record deleted”, or each field that changes, a line each: “Venue: A → B”."""
    if entry["change"] == "new":
        return _("New record")
    if entry["change"] == "deleted":
        return _("Record deleted")
    if not entry["fields"]:
        return _("No value changes")
    return "\n".join(
        _("{field}: {before} → {after}").format(
            field=field_label(entry["kind"], name),
            before=one_line(value_text(entry["kind"], name, before)),
            after=one_line(value_text(entry["kind"], name, after)),
        )
        for name, before, after in entry["fields"]
    )


def sender_text(sender: dict) -> str:
    """``From Ministry laptop (Delegation, Kazakhstan) · key fingerprint 1A2B …``."""
    role = _(INSTALLATION_ROLES.get(sender["role"], sender["role"]))
    where = f"{role}, {i18n.country_name(sender['country'])}" if sender["country"] else role
    return _("From {name} ({where}) · key fingerprint {fingerprint}").format(
        name=sender["name"], where=where, fingerprint=sender["fingerprint"]
    )


class ImportPreview(QDialog):
    """What an import would do: who sent it, counts per kind, the records it would add or change (and how),
    new senders' fingerprints, warnings; Apply or Cancel. ``preview`` is what ``previewed_import`` returned."""

    def __init__(self, preview: dict, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Import preview"))
        summary = preview["summary"]
        layout = QVBoxLayout(self)
        for sender in preview["senders"]:
            label = QLabel(sender_text(sender))
            label.setWordWrap(True)
            label.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            layout.addWidget(label)
        already = summary["files"] and len(summary["already_imported"]) == len(summary["files"])
        heading = QLabel(summary["message"] if already else _("Nothing is changed until you choose Apply."))
        heading.setWordWrap(True)
        layout.addWidget(heading)
        per_kind = summary.get("per_kind", {})
        table = keyboard_table(QTableWidget(len(per_kind), 5))
        table.setHorizontalHeaderLabels(  # "New" alone is also a button's verb (“Создать” in Russian)
            [_("Records"), pgettext("records counted", "New"), _("Updated"), _("Conflicts"), _("Skipped")]
        )
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (kind, counts) in enumerate(sorted(per_kind.items())):
            label = _(KINDS[kind].label) if kind in KINDS else kind
            cells = [label] + [
                i18n.format_number(counts.get(key, 0)) for key in ("new", "updated", "conflicts", "skipped")
            ]
            for column, text in enumerate(cells):
                table.setItem(row, column, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        table.resizeRowsToContents()
        table.setFixedHeight(  # as tall as its rows: the room below goes to the records
            table.horizontalHeader().sizeHint().height() + table.verticalHeader().length() + 2 * table.frameWidth()
        )
        table.setAccessibleName(_("Changes per kind of record"))
        layout.addWidget(table)
        self.records = self._records_table(preview["records"])
        records_label = QLabel(_("&Records that would be added or changed:"))
        records_label.setBuddy(self.records)
        layout.addWidget(records_label)
        layout.addWidget(self.records, 1)
        unlisted = summary["new"] + summary["updated"] - len(preview["records"])
        notes = []
        if unlisted > 0:
            notes.append(
                ngettext(
                    "{n} more record is not listed; the counts above include it.",
                    "{n} more records are not listed; the counts above include them.",
                    unlisted,
                ).format(n=unlisted)
            )
        for device in summary.get("new_devices", []):
            notes.append(
                _(
                    "First bundle from {device}. Check its key fingerprint with the sender "
                    "(by phone, for example): {fingerprint}"
                ).format(device=one_line(device.get("device_name")), fingerprint=device.get("fingerprint"))
            )
        if summary.get("refused"):
            count = len(summary["refused"])
            notes.append(
                ngettext(
                    "{n} change will not be applied: its author may not make it, or it waits for "
                    "the record or the parties that allow it.",
                    "{n} changes will not be applied: their authors may not make them, or they wait "
                    "for the records or the parties that allow them.",
                    count,
                ).format(n=count)
            )
        notes += summary.get("clock_warnings", [])
        notes += summary.get("warnings", [])
        if summary.get("missing_parts"):
            notes.append(_("Parts still missing: {parts}").format(parts=", ".join(summary["missing_parts"])))
        if summary.get("conflicts"):
            notes.append(
                ngettext(
                    "{n} conflict will be listed under Conflicts for review.",
                    "{n} conflicts will be listed under Conflicts for review.",
                    summary["conflicts"],
                ).format(n=summary["conflicts"])
            )
        for note in notes:
            label = QLabel(note)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)
        buttons = translated_buttons(_("Apply"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, self.sizeHint().height())
        mnemonics.assign(self)

    @staticmethod
    def _records_table(records: list[dict]) -> QTableWidget:
        """One row per record: its kind, its name and what would change (the whole text in the tooltip)."""
        table = keyboard_table(QTableWidget(len(records), 3))
        table.setHorizontalHeaderLabels([_("Kind of record"), _("Title or name"), _("Change")])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for row, entry in enumerate(records):
            cells = [_(KINDS[entry["kind"]].label), entry["name"], change_text(entry)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(row, column, item)
        table.resizeColumnsToContents()
        table.setColumnWidth(1, min(table.columnWidth(1), table.fontMetrics().averageCharWidth() * 32))
        # names wrap, and what changes takes the room left, a line per field: nothing to scroll sideways for
        table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.setAccessibleName(_("Records that would be added or changed"))
        return table


class SyncPage(QWidget, Page):
    """Export and import of sync bundles; ``imported`` after changes arrived, ``exchanged`` after any exchange."""

    imported = Signal()
    exchanged = Signal()

    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self._running = None  # the export or import under way
        self.last_export: list[Path] = []
        # export
        self.export_box = QGroupBox()
        self.recipient = RecipientCombo()
        self.full = QCheckBox()
        self.export_passphrase = QLineEdit()
        self.export_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.max_size = QSpinBox()
        self.max_size.setRange(0, 1000)
        self.export_button = QPushButton()
        self.export_button.clicked.connect(self._ask_and_export)
        self.export_result = QLabel()
        self.export_result.setWordWrap(True)
        self.mail_button = QPushButton()
        self.mail_button.clicked.connect(self.send_by_mail)
        self.mail_button.setEnabled(False)
        self.export_labels = [QLabel() for _n in range(4)]
        export_form = QFormLayout()
        export_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for label, editor in zip(
            self.export_labels, (self.recipient, self.full, self.export_passphrase, self.max_size)
        ):
            label.setBuddy(editor)
            export_form.addRow(label, editor)
        export_buttons = QHBoxLayout()
        export_buttons.addWidget(self.export_button)
        export_buttons.addWidget(self.mail_button)
        export_buttons.addStretch(1)
        export_layout = QVBoxLayout(self.export_box)
        export_layout.addLayout(export_form)
        export_layout.addLayout(export_buttons)
        export_layout.addWidget(self.export_result)
        # import
        self.import_box = QGroupBox()
        self.import_note = QLabel()
        self.import_note.setWordWrap(True)
        self.import_passphrase = QLineEdit()
        self.import_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.import_passphrase_label = QLabel()
        self.import_passphrase_label.setBuddy(self.import_passphrase)
        self.import_button = QPushButton()
        self.import_button.clicked.connect(self._ask_and_import)
        self.import_result = QLabel()
        self.import_result.setWordWrap(True)
        import_form = QFormLayout()
        import_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        import_form.addRow(self.import_passphrase_label, self.import_passphrase)
        import_layout = QVBoxLayout(self.import_box)
        import_layout.addWidget(self.import_note)
        import_layout.addLayout(import_form)
        import_layout.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignLeft)
        import_layout.addWidget(self.import_result)
        # history and devices
        self.history_box = QGroupBox()
        self.history = keyboard_table(QTableWidget(0, 5))
        self.history.verticalHeader().hide()
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.devices_box = QGroupBox()
        self.devices = keyboard_table(QTableWidget(0, 4))
        self.devices.verticalHeader().hide()
        self.devices.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.devices.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.devices.setWordWrap(False)  # one line a row: what does not fit is elided, whole in the tooltip
        self.device_columns = FittedColumns(self.devices, DEVICE_COLUMNS, "installations")
        self.forget_button = QPushButton()
        self.forget_button.clicked.connect(self._forget)
        self.revoke_button = QPushButton()
        self.revoke_button.clicked.connect(self._revoke)
        self.revoke_button.setVisible(desk.identity["role"] == SECRETARIAT)
        device_buttons = QHBoxLayout()
        device_buttons.addWidget(self.forget_button)
        device_buttons.addWidget(self.revoke_button)
        device_buttons.addStretch(1)
        QVBoxLayout(self.history_box).addWidget(self.history)
        devices_layout = QVBoxLayout(self.devices_box)
        devices_layout.addWidget(self.devices)
        devices_layout.addLayout(device_buttons)
        top = QHBoxLayout()
        top.addWidget(self.export_box, 1)
        top.addWidget(self.import_box, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.history_box, 2)
        bottom.addWidget(self.devices_box, 3)  # the fingerprint beside the installation's name and trust
        self.waiting = WaitingBox(desk)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(bottom, 1)
        layout.addWidget(self.waiting)
        follow_language(self)

    def retranslate(self) -> None:
        self.export_box.setTitle(_("Send my changes"))
        for label, text in zip(
            self.export_labels,
            (_("Recipient"), _("Everything"), _("Passphrase (optional)"), _("Split into parts of at most (MB)")),
        ):
            label.setText(text)
            label.buddy().setAccessibleName(text)
        self.full.setText(_("all records, not only what the recipient lacks"))
        self.max_size.setSpecialValueText(_("no limit"))
        self.export_button.setText(_("Export…"))
        self.mail_button.setText(_("Send by e-mail"))
        self.import_box.setTitle(_("Receive changes"))
        self.import_note.setText(
            _(
                "Choose .pdsync files, or drop them anywhere on this window. You will see what "
                "they contain before anything changes."
            )
        )
        self.import_passphrase_label.setText(_("Passphrase (if the sender set one)"))
        self.import_passphrase.setAccessibleName(_("Passphrase (if the sender set one)"))
        self.import_button.setText(_("Import…"))
        self.history_box.setTitle(_("Exchanges"))
        self.history.setAccessibleName(_("Exchanges"))
        self.devices.setAccessibleName(_("Known installations"))
        self.history.setHorizontalHeaderLabels(
            [_("When"), _("Direction"), _("Other installation"), _("Changes"), _("File")]
        )
        self.devices_box.setTitle(_("Known installations"))
        self.devices.setHorizontalHeaderLabels([_(column.header) for column in DEVICE_COLUMNS])
        self.forget_button.setText(_("Forget"))
        self.forget_button.setToolTip(
            _("Un-pin the selected installation: its next file is a first contact again (a re-installed laptop)")
        )
        self.revoke_button.setText(_("Revoke"))
        self.revoke_button.setToolTip(
            _("Mark the selected installation as lost or stolen: every installation then refuses its files")
        )
        self.refresh()

    def shown(self) -> None:
        self.refresh()

    def reload(self, changes) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Re-read the known installations and the history."""
        devices = api.known_devices(self.desk)
        self.recipient.fill(devices)
        names = {d["device_id"]: d["device_name"] for d in devices}
        self.devices.setRowCount(len(devices))
        for row, device in enumerate(devices):
            for number, column in enumerate(DEVICE_COLUMNS):
                item = QTableWidgetItem(column.text(device))
                item.setData(Qt.ItemDataRole.UserRole, device["device_id"])
                if column.stretches:
                    item.setToolTip(item.text())
                self.devices.setItem(row, number, item)
        self.device_columns.fit()
        history = api.exchange_history(self.desk)
        self.history.setRowCount(len(history))
        directions = {"export": _("Sent"), "import": _("Received")}
        for row, item in enumerate(history):
            peer = one_line(item.get("peer_name") or names.get(item.get("peer_device")) or "")
            cells = (
                format_time(item["at"]),
                directions.get(item["direction"], item["direction"]),
                peer,
                i18n.format_number(item["change_count"]),
                item["filename"],
            )
            for column, text in enumerate(cells):
                self.history.setItem(row, column, QTableWidgetItem(text))
        self.history.resizeColumnsToContents()
        self.waiting.refresh()

    # ----- export ----------------------------------------------------------------------------

    def _ask_and_export(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = f"platform-desk-{self.desk.identity['device_name']}-{date.today().isoformat()}{BUNDLE_SUFFIX}"
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save the bundle as"), str(Path(folder) / name), _("Platform Desk bundles (*.pdsync)")
        )
        if path:
            self.export(Path(path if path.endswith(BUNDLE_SUFFIX) else path + BUNDLE_SUFFIX))

    def export(self, out: Path) -> None:
        """Write the bundle on a worker thread with the chosen recipient, scope, passphrase and size."""
        to, full = self.recipient.currentData() or None, self.full.isChecked()
        passphrase = self.export_passphrase.text() or None
        max_size = self.max_size.value() * 1_000_000 or None
        self._run(
            _("Writing {name}…").format(name=out.name),
            lambda _progress: api.export_bundle(
                self.desk, out, to=to, full=full, passphrase=passphrase, max_size=max_size
            ),
            self._exported,
            lambda: self._export_cancelled(out),
        )

    def _exported(self, result) -> None:
        self.last_export = list(result.paths)
        files = ", ".join(path.name for path in result.paths)
        self.export_result.setText(
            ngettext("{n} change written to {files}", "{n} changes written to {files}", result.change_count).format(
                n=result.change_count, files=files
            )
        )
        self.mail_button.setEnabled(True)
        self.refresh()
        self.exchanged.emit()

    def _export_cancelled(self, out: Path) -> None:
        for written in [out, *out.parent.glob(f"{out.stem}.part-*{BUNDLE_SUFFIX}")]:
            written.unlink(missing_ok=True)
        self.export_result.setText(_("Export cancelled: no file was written."))

    def send_by_mail(self) -> None:
        """Open a new e-mail with a subject and a body naming the files, and show the files to attach."""
        if not self.last_export:
            return
        ident = self.desk.identity
        query = QUrlQuery()
        query.addQueryItem("subject", _("Platform Desk changes from {name}").format(name=ident["device_name"]))
        query.addQueryItem(
            "body",
            _(
                "Please import the attached file(s) in Platform Desk (Sync, Import): {files}\n"
                "Key fingerprint of the sender: {fingerprint}"
            ).format(files=", ".join(p.name for p in self.last_export), fingerprint=self.desk.fingerprint),
        )
        url = QUrl("mailto:")
        url.setQuery(query)
        QDesktopServices.openUrl(url)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_export[0].parent)))

    # ----- import ----------------------------------------------------------------------------

    def _ask_and_import(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self, _("Import bundles"), "", _("Platform Desk bundles (*.pdsync)")
        )
        if names:
            self.start_import([Path(name) for name in names])

    def start_import(self, paths: list[Path], trust: tuple[str, ...] = ()) -> None:
        """Preview the import (a dry run on a worker thread), then apply it if the user agrees.

        A file from an installation nobody here has vouched for opens the first-contact dialog; once the
        user has checked its fingerprint, the preview starts again trusting it (``trust``).
        """
        if not paths:
            return
        passphrase = self.import_passphrase.text() or None
        self._run(
            _("Reading {files}…").format(files=", ".join(p.name for p in paths)),
            lambda _progress: previewed_import(self.desk, paths, passphrase, trust),
            lambda preview: self._previewed(paths, passphrase, trust, preview),
            on_refused=lambda error: self._refused(paths, trust, error),
        )

    def _refused(self, paths, trust, error) -> None:
        if isinstance(error, api.UntrustedSender):
            from desktop_app.ui.dialogs.first_contact import FirstContactDialog

            if FirstContactDialog(error.sender, self).exec():
                self.start_import(paths, (*trust, error.sender["fingerprint"]))
                return
            self.import_result.setText(_("Import cancelled: nothing was changed."))
            return
        show_error(self, str(error))

    def _previewed(self, paths, passphrase, trust, preview: dict) -> None:
        if not ImportPreview(preview, self).exec():
            self.import_result.setText(_("Import cancelled: nothing was changed."))
            return
        self._run(
            _("Importing {files}…").format(files=", ".join(p.name for p in paths)),
            lambda _progress: api.import_files(self.desk, paths, passphrase=passphrase, trust=trust),
            self._imported,
        )

    def _selected_device(self) -> str | None:
        item = self.devices.item(self.devices.currentRow(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _forget(self) -> None:
        device = self._selected_device()
        if device and confirm(
            self, _("Forget this installation? Its next file will be a first contact again."), _("Forget")
        ):
            self._change_trust(api.forget, device)

    def _revoke(self) -> None:
        device = self._selected_device()
        if device and confirm(
            self,
            _(
                "Revoke this installation as lost or stolen? Everyone who receives your next "
                "files will refuse its files from then on."
            ),
            _("Revoke"),
        ):
            self._change_trust(api.revoke, device)

    def _change_trust(self, change, device: str) -> None:
        try:
            change(self.desk, device)
        except DeskError as error:
            show_error(self, str(error))
        self.refresh()

    def _imported(self, summary: dict) -> None:
        self.import_result.setText(summary.get("message", ""))
        self.refresh()
        self.imported.emit()
        self.exchanged.emit()

    def _run(self, label: str, work, on_done, on_cancelled=None, on_refused=None) -> None:
        for button in (self.export_button, self.import_button):
            button.setEnabled(False)

        def finished():
            self._running = None
            for button in (self.export_button, self.import_button):
                button.setEnabled(True)

        self._running = run_operation(
            self,
            label,
            work,
            on_done,
            on_finished=finished,
            on_refused=on_refused,
            on_cancelled=on_cancelled
            or (lambda: self.import_result.setText(_("Import cancelled: nothing was changed."))),
        )

    def busy(self) -> bool:
        return self._running is not None


def format_time(stamp: str | None) -> str:
    """An ISO time stamp in local time with its zone, in the current language (empty for none)."""
    return i18n.format_local_time(stamp)

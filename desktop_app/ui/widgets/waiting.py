"""The Sync page's “Waiting changes”: lines received that wait for what allows them (SPEC §3), with Purge."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout

from desktop_app import i18n
from desktop_app.domain.schema import KINDS
from desktop_app.errors import DeskError
from desktop_app.i18n import _, ngettext
from desktop_app.sync import waiting
from desktop_app.ui.pages.conflicts import field_label
from desktop_app.ui.widgets.common import confirm, follow_language, keyboard_table, show_error

SHOWN = 500  # rows in the table; the summary counts them all (a sender may leave 20,000 waiting)


class WaitingBox(QGroupBox):
    """Every waiting line (since, sender, record, field, reason, size); purge all, or the selected sender's."""

    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.rows: list[dict] = []
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = keyboard_table(QTableWidget(0, 6))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda *_args: self._enable())
        self.purge_sender_button = QPushButton()
        self.purge_sender_button.clicked.connect(lambda: self.purge(self.selected_sender()))
        self.purge_all_button = QPushButton()
        self.purge_all_button.clicked.connect(lambda: self.purge(None))
        buttons = QHBoxLayout()
        buttons.addWidget(self.purge_sender_button)
        buttons.addWidget(self.purge_all_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        follow_language(self)

    def retranslate(self) -> None:
        self.setTitle(_("Waiting changes"))
        self.table.setHorizontalHeaderLabels(
            [_("Since"), _("Sender"), _("Record"), _("Field"), _("Waits because"), _("Bytes")]
        )
        self.table.setAccessibleName(_("Waiting changes"))
        self.purge_sender_button.setText(_("Purge this sender's"))
        self.purge_sender_button.setAccessibleName(_("Purge the waiting changes of the selected sender"))
        self.purge_all_button.setText(_("Purge all"))
        self.purge_all_button.setAccessibleName(_("Purge every waiting change"))
        self.refresh()

    def refresh(self) -> None:
        """Re-read the waiting lines."""
        self.rows = waiting.held_changes(self.desk)
        self.summary.setText(
            ngettext(
                "{n} change received waits for what allows it (its record, or its author's key). It is tried again "
                "when that arrives, and dropped after {days} days.",
                "{n} changes received wait for what allows them (their record, or their author's key). They are tried "
                "again when that arrives, and dropped after {days} days.",
                len(self.rows),
            ).format(n=i18n.format_number(len(self.rows)), days=waiting.HELD_DAYS)
        )
        shown = self.rows[:SHOWN]
        self.table.setRowCount(len(shown))
        for row, held in enumerate(shown):
            kind = KINDS.get(held["kind"])
            reason = waiting.REASON_LABELS.get(held["reason"], held["reason"])
            cells = (
                i18n.format_date(held["since"][:10]) if held["since"] else "",
                held["sender_name"] or held["sender"],
                f"{_(kind.label) if kind else held['kind']} {held['record']}",
                field_label(held["kind"], held["field"]),
                _(reason),
                i18n.format_number(held["bytes"]),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, held["sender"])
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.setVisible(bool(self.rows))  # nothing waiting: one line, the history keeps the room
        self._enable()

    def selected_sender(self) -> str | None:
        item = self.table.item(self.table.currentRow(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _enable(self) -> None:
        self.purge_all_button.setEnabled(bool(self.rows))
        self.purge_sender_button.setEnabled(self.selected_sender() is not None)

    def purge(self, sender: str | None) -> None:
        """Remove the waiting lines (of one sender), after asking: they return only with a full bundle."""
        question = (
            _("Remove every waiting change? They come back only if their senders export everything again.")
            if sender is None
            else _(
                "Remove the waiting changes this sender brought? They come back only if it exports everything again."
            )
        )
        if not confirm(self, question, _("Purge")):
            return
        try:
            waiting.purge(self.desk, sender)
        except DeskError as error:
            show_error(self, str(error))
        self.refresh()

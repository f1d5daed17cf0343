"""File → Open a server database…: the URL of a shared secretariat database, and its password when asked.

The password is asked only when the server wants one that PGPASSWORD and ~/.pgpass do not give, and is
never remembered; the recent list keeps the URL without it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QInputDialog, QLabel, QLineEdit, QVBoxLayout

from desktop_app.domain.desk import Desk
from desktop_app.errors import InputError
from desktop_app.i18n import _
from desktop_app.storage import server
from desktop_app.ui.widgets.common import error_label, follow_language, translated_buttons

PLACEHOLDER = "postgresql://user@host:5432/platform"


class ServerDialog(QDialog):
    """Asks for ``postgresql://user@host[:port]/dbname``; ``url`` holds it once accepted."""

    def __init__(self, parent=None, url: str = ""):
        super().__init__(parent)
        self.url: str | None = None
        self.label = QLabel()
        self.field = QLineEdit(url)
        self.field.setPlaceholderText(PLACEHOLDER)
        self.field.setMinimumWidth(420)
        self.label.setBuddy(self.field)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.error = error_label()
        self.buttons = translated_buttons(_("Connect"))
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.label, self.field, self.hint, self.error, self.buttons):
            layout.addWidget(widget)
        follow_language(self)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Open a server database"))
        self.label.setText(_("&Address of the database on the office's PostgreSQL server:"))
        self.field.setAccessibleName(_("Server database address"))
        self.hint.setText(
            _(
                "The password is asked for when the server needs one (unless PGPASSWORD or "
                "~/.pgpass gives it); it is never saved."
            )
        )
        self.buttons.button(self.buttons.StandardButton.Ok).setText(_("Connect"))

    def _check(self) -> None:
        text = self.field.text().strip()
        try:
            server.parse(text)
        except InputError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self.url = text
        self.accept()


def open_server_database(url: str, parent=None, ask: bool = True) -> Desk | None:
    """``Desk.open`` on a server database, asking for the password in a dialog (if ``ask``) when the server
    wants one; ``None`` when the person gave up. A wrong password is asked for again."""
    password = None
    while True:
        try:
            return Desk.open(url, password=password)
        except server.PasswordNeeded:
            if not ask:
                raise
            password, given = QInputDialog.getText(
                parent,
                _("Server password"),
                _("Password for {url}:").format(url=server.display(url)),
                QLineEdit.EchoMode.Password,
            )
            if not given:
                return None

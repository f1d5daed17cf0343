"""First start: language, device name, role, country, the demo record and encryption, then ``Desk.create``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from desktop_app.domain.demo import load_public_record
from desktop_app.domain.desk import Desk
from desktop_app.domain.schema import DELEGATION, INSTALLATION_ROLES
from desktop_app.errors import DeskError, ValidationError
from desktop_app.i18n import _
from desktop_app.ui.pages.settings import LanguageCombo
from desktop_app.ui.widgets.common import (
    CodeCombo,
    CountryCombo,
    error_label,
    follow_language,
    label_buttons,
    show_error,
    translated_buttons,
)


class FirstStartDialog(QDialog):
    """Creates the database at ``path``; ``desk`` is the opened result after ``accept``."""

    def __init__(self, path: Path, parent=None):
        super().__init__(parent)
        self.path = Path(path)
        self.desk: Desk | None = None
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.language = LanguageCombo()
        self.device_name = QLineEdit()
        self.role = CodeCombo(INSTALLATION_ROLES)
        self.role.currentIndexChanged.connect(self._role_changed)
        self.country = CountryCombo(blank=True)
        self.demo = QCheckBox()
        self.encrypt = QCheckBox()
        self.encrypt_note = QLabel()  # the why, wrapped below the box: both boxes line up in the field column
        self.encrypt_note.setWordWrap(True)
        self.passphrases = [QLineEdit(), QLineEdit()]
        for field in self.passphrases:
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setEnabled(False)
        self.encrypt.toggled.connect(lambda on: [field.setEnabled(on) for field in self.passphrases])
        self.labels = {name: QLabel() for name in ("language", "device_name", "role", "country")}
        self.errors = {name: error_label() for name in ("device_name", "role", "country")}
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)  # the check boxes stay in the field column
        for name, editor in (
            ("language", self.language),
            ("device_name", self.device_name),
            ("role", self.role),
            ("country", self.country),
        ):
            self.labels[name].setBuddy(editor)
            form.addRow(self.labels[name], editor)
            if name in self.errors:
                form.addRow("", self.errors[name])
        form.addRow("", self.demo)
        form.addRow("", self.encrypt)
        form.addRow("", self.encrypt_note)
        for field in self.passphrases:
            form.addRow("", field)
        self.buttons = translated_buttons(_("Create"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._role_changed()
        follow_language(self)
        self.resize(620, 420)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Welcome to Platform Desk"))
        self.intro.setText(
            _(
                "Platform Desk keeps the record of the Regional Anti-Corruption Platform on this "
                "computer. Tell it who you are; this cannot be changed later.\n\nThe database will be "
                "created at {path}"
            ).format(path=self.path)
        )
        for name, text in (
            ("language", _("Language")),
            ("device_name", _("Name of this computer")),
            ("role", _("Role")),
            ("country", _("Country of the delegation")),
        ):
            self.labels[name].setText(text)
            self.labels[name].buddy().setAccessibleName(text)
        self.device_name.setPlaceholderText(_("e.g. KZ delegation laptop"))
        self.role.retranslate()
        self.country.retranslate()
        self.demo.setText(_("Load the Platform's public record of 2023–2024 as an example"))
        self.encrypt.setText(_("Encrypt the database with a passphrase"))
        self.encrypt_note.setText(_("Recommended for delegations: a lost laptop then reveals nothing."))
        for field, text in zip(self.passphrases, (_("Passphrase"), _("The same passphrase again"))):
            field.setPlaceholderText(text)
            field.setAccessibleName(text)
        label_buttons(self.buttons, _("Create"))

    def _role_changed(self) -> None:
        self.country.setEnabled(self.role.get_value() == DELEGATION)

    def accept(self) -> None:
        for label in self.errors.values():
            label.hide()
        role = self.role.get_value()
        passphrase = None
        if self.encrypt.isChecked():
            passphrase = self.passphrases[0].text()
            if not passphrase or passphrase != self.passphrases[1].text():
                show_error(self, _("Type the same passphrase twice (it cannot be empty)."))
                return
        try:
            desk = Desk.create(
                self.path,
                self.device_name.text(),
                role,
                self.country.get_value() if role == DELEGATION else None,
                passphrase=passphrase,
            )
        except ValidationError as error:
            label = self.errors.get(error.field)
            if label is None:
                show_error(self, str(error))
            else:
                label.setText(error.message)
                label.show()
            return
        except DeskError as error:
            show_error(self, str(error))
            return
        if self.demo.isChecked():
            load_public_record(desk)
        for field in self.passphrases:
            field.clear()
        self.desk = desk
        super().accept()

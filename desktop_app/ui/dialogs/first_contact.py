"""The first-contact dialog (SPEC §3): who sent a bundle nobody here has vouched for, and its key fingerprint,
large enough to read aloud over the phone, before a person decides to trust it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout

from desktop_app import i18n
from desktop_app.domain.schema import INSTALLATION_ROLES
from desktop_app.i18n import _
from desktop_app.ui.widgets import mnemonics
from desktop_app.ui.widgets.common import translated_buttons


class FirstContactDialog(QDialog):
    """Shows the sender's name, role, country and fingerprint; accepted means "I checked it: trust it"."""

    def __init__(self, sender: dict, parent=None):
        super().__init__(parent)
        self.sender = sender
        self.setWindowTitle(_("First contact"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "Nobody here has vouched for the installation that made this file. Ask its sender, by "
                "phone or in person, to read out the fingerprint shown in their Platform Desk "
                "(Settings, or “peers” on the command line), and compare it with this one."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        form.addRow(_("Installation"), QLabel(sender.get("device_name") or ""))
        form.addRow(_("Role"), QLabel(_(INSTALLATION_ROLES.get(sender.get("role"), sender.get("role") or ""))))
        form.addRow(_("Country"), QLabel(i18n.country_name(sender.get("country")) or "—"))
        layout.addLayout(form)
        fingerprint = QLabel(self.grouped(sender.get("fingerprint") or ""))
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setWeight(QFont.Weight.Bold)
        fingerprint.setFont(font)
        fingerprint.setAccessibleName(_("Key fingerprint"))
        fingerprint.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        fingerprint.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # copied with the keyboard too
        layout.addWidget(fingerprint)
        buttons = translated_buttons(_("The fingerprints match: trust it"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Enter must not trust an unchecked key: the safe answer is the default and has the focus
        self.trust_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.trust_button.setAutoDefault(False)
        self.safe_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.safe_button.setDefault(True)
        mnemonics.assign(self)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.safe_button.setFocus()

    @staticmethod
    def grouped(fingerprint: str) -> str:
        """Eight groups of four on two lines, as one reads them aloud."""
        groups = fingerprint.split()
        return "  ".join(groups[:4]) + "\n" + "  ".join(groups[4:])

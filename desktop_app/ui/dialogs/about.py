"""Help → About (version, this installation, the licences of what ships inside) and Help → Keyboard shortcuts."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app import __version__, i18n, paths
from desktop_app.domain.schema import INSTALLATION_ROLES
from desktop_app.i18n import N_, _
from desktop_app.ui.widgets import mnemonics
from desktop_app.ui.widgets.common import keyboard_table, name_tabs
from desktop_app.ui.widgets.icons import COLOR

# What ships inside the installer: (component, licence, file in resources/licenses/).
COMPONENTS = [
    ("Qt 6 / PySide6 / Shiboken6", "LGPL-3.0", "LGPL-3.0.txt"),
    ("Qt 6 / PySide6 / Shiboken6", "GPL-3.0 (referred to by the LGPL)", "GPL-3.0.txt"),
    ("DejaVu fonts", "Bitstream Vera / Arev (free)", "DejaVu-fonts.txt"),
    ("Python", "PSF License", "Python.txt"),
    ("SQLAlchemy", "MIT", "SQLAlchemy.txt"),
    ("Alembic", "MIT", "Alembic.txt"),
    ("Mako", "MIT", "Mako.txt"),
    ("MarkupSafe", "BSD-3-Clause", "MarkupSafe.txt"),
    ("Babel", "BSD-3-Clause", "Babel.txt"),
    ("Unicode CLDR data (in Babel)", "Unicode License", "Unicode-CLDR.txt"),
    ("platformdirs", "MIT", "platformdirs.txt"),
    ("cryptography", "Apache-2.0 or BSD-3-Clause", "cryptography.txt"),
    ("cffi", "MIT", "cffi.txt"),
    ("pycparser", "BSD-3-Clause", "pycparser.txt"),
    ("openpyxl", "MIT", "openpyxl.txt"),
    ("et_xmlfile", "MIT", "et_xmlfile.txt"),
    ("icalendar", "BSD-2-Clause", "icalendar.txt"),
    ("python-dateutil", "Apache-2.0 / BSD-3-Clause", "python-dateutil.txt"),
    ("tzdata", "Apache-2.0", "tzdata.txt"),
    ("typing_extensions", "PSF License", "typing_extensions.txt"),
]

# (keys, what they do) in the order of the shortcuts list; keys are Qt's portable text.
SHORTCUTS = [
    ("Ctrl+N", N_("New record on the current page")),
    ("Ctrl+S", N_("Save the record being edited")),
    ("Escape", N_("Undo the changes not saved yet")),
    ("Delete", N_("Delete the selected record")),
    ("Ctrl+F", N_("Search on the current page")),
    ("Ctrl+M", N_("Record a bilateral meeting now")),
    ("Ctrl+I", N_("Import sync files")),
    ("Ctrl+E", N_("Export a sync file")),
    ("Ctrl+O", N_("Open another database")),
    ("Ctrl+1 … Ctrl+9", N_("Go to a page of the navigation")),
    ("F6", N_("Go to the next pane (Shift+F6: the previous one)")),
    ("Ctrl+Tab", N_("Go to the next tab (Ctrl+Shift+Tab: the previous one)")),
    ("Ctrl+Shift+S", N_("Sort the table by the column of the current cell")),
    ("Ctrl+L", N_("Lock the window of an encrypted database")),
    ("F5", N_("Read everything again")),
    ("F1", N_("Keyboard shortcuts")),
    ("Ctrl+Q", N_("Quit")),
]


def _keys(text: str) -> str:
    """Keys as the platform writes them (⌘ on macOS)."""
    return " … ".join(QKeySequence(part).toString(QKeySequence.SequenceFormat.NativeText) for part in text.split(" … "))


def _table(headers: list[str], rows: list[tuple[str, ...]]) -> QTableWidget:
    table = keyboard_table(QTableWidget(len(rows), len(headers)))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    for row, cells in enumerate(rows):
        for column, text in enumerate(cells):
            table.setItem(row, column, QTableWidgetItem(text))
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _close_buttons(dialog: QDialog) -> QDialogButtonBox:
    buttons = QDialogButtonBox()
    buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
    buttons.rejected.connect(dialog.reject)
    return buttons


class ShortcutsDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Keyboard shortcuts"))
        table = _table([_("Keys"), _("Action")], [(_keys(keys), _(text)) for keys, text in SHORTCUTS])
        table.setAccessibleName(_("Keyboard shortcuts"))
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(_close_buttons(self))
        self.resize(560, 480)
        mnemonics.assign(self)


class AboutDialog(QDialog):
    """The version, this installation (name, role, id, key fingerprint) and the licences."""

    def __init__(self, desk, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("About Platform Desk"))
        ident = desk.identity
        title = QLabel(f"<h2 style='color:{COLOR}'>Platform Desk {__version__}</h2>")
        about = QLabel(
            _(
                "The offline record of the Regional Anti-Corruption Platform for Central Asia "
                "(Kazakhstan, the Kyrgyz Republic, Tajikistan, Turkmenistan, Uzbekistan; UNODC "
                "secretariat)."
            )
        )
        about.setWordWrap(True)
        role = _(INSTALLATION_ROLES.get(ident["role"], ident["role"]))
        installation = _table(
            [_("This installation"), ""],
            [
                (_("Name of this computer"), ident["device_name"]),
                (_("Role"), ", ".join(filter(None, [role, i18n.country_name(ident["country"])]))),
                (_("Installation id"), ident["device_id"]),
                (_("Key fingerprint"), desk.fingerprint),
                (_("Database"), desk.location),
                (_("Log file"), str(paths.log_file())),
            ],
        )
        installation.horizontalHeader().hide()
        for row in range(installation.rowCount()):
            installation.item(row, 1).setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        self.licenses = _table(
            [_("Component"), _("Licence"), _("Full text")],
            [(name, licence, f"licenses/{file}") for name, licence, file in COMPONENTS],
        )
        self.licenses.setAccessibleName(_("Licences"))
        # Enter on a row presses the dialog's default button, which shows the licence of the current row (the
        # table passes Enter on: showing it on ``activated`` as well would open it twice); so does a double click
        self.licenses.doubleClicked.connect(lambda index: self.open_license(index.row()))
        self.licenses.setCurrentCell(0, 0)
        licence_note = QLabel(
            _(
                "Platform Desk is free software under the MIT licence. It ships the components below under "
                "their own licences; choose one and press Enter (or double-click it) to read its full text. "
                "Qt is used as a shared library under the LGPL, so it can be replaced."
            )
        )
        licence_note.setWordWrap(True)
        read_licence = QPushButton(_("Read the licence"))
        read_licence.clicked.connect(lambda: self.open_license(max(self.licenses.currentRow(), 0)))
        read_licence.setDefault(True)
        open_folder = QPushButton(_("Open the folder of licences"))
        open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.licenses_dir()))))
        licences_tab = QWidget()
        licences_layout = QVBoxLayout(licences_tab)
        licences_layout.addWidget(licence_note)
        licences_layout.addWidget(self.licenses, 1)
        row = QHBoxLayout()
        row.addWidget(read_licence)
        row.addWidget(open_folder)
        row.addStretch(1)
        licences_layout.addLayout(row)
        self.tabs = QTabWidget()
        self.tabs.addTab(installation, _("This installation"))
        self.tabs.addTab(licences_tab, _("Licences"))
        name_tabs(self.tabs)
        installation.setAccessibleName(_("This installation"))
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(about)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(_close_buttons(self))
        self.resize(760, 560)
        mnemonics.assign(self)

    def open_license(self, row: int) -> None:
        """The full text of the licence of ``COMPONENTS[row]``, in a dialog of its own."""
        self.licence_dialog = LicenceDialog(COMPONENTS[row][0], paths.licenses_dir() / COMPONENTS[row][2], self)
        self.licence_dialog.open()


class LicenceDialog(QDialog):
    """A licence's full text, read-only, scrolled and selected by keyboard too."""

    def __init__(self, component: str, path, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Licence: {component}").format(component=component))
        self.text = QPlainTextEdit(path.read_text(encoding="utf-8", errors="replace"))
        self.text.setReadOnly(True)
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.text.setAccessibleName(_("Licence: {component}").format(component=component))
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(_close_buttons(self))
        self.text.setFocus()
        self.resize(720, 560)
        mnemonics.assign(self)

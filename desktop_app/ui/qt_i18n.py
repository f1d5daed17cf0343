"""Qt's own strings (standard buttons, file dialogs, text-field menus) in the chosen language.

Russian and Kazakh use the ``qtbase_*.qm`` catalogs that Qt ships (found
through ``QLibraryInfo``). Qt ships none for Kyrgyz, Uzbek, Tajik and Turkmen,
so ``GettextTranslator`` answers Qt from the project's gettext catalogs, whose
template lists Qt's source texts below. Installed last, it also fills gaps in
the shipped catalogs.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop_app import i18n
from desktop_app.i18n import N_

QT_SOURCE_TEXTS = (
    # Standard buttons (QPlatformTheme)
    N_("OK"),
    N_("&OK"),
    N_("Save"),
    N_("&Save"),
    N_("Save All"),
    N_("Open"),
    N_("&Yes"),
    N_("Yes to &All"),
    N_("&No"),
    N_("N&o to All"),
    N_("Abort"),
    N_("Retry"),
    N_("Ignore"),
    N_("Close"),
    N_("&Close"),
    N_("Cancel"),
    N_("&Cancel"),
    N_("Discard"),
    N_("Don't Save"),
    N_("Help"),
    N_("Apply"),
    N_("Reset"),
    N_("Restore Defaults"),
    # Text fields' context menu (QLineEdit, QTextEdit)
    N_("&Undo"),
    N_("&Redo"),
    N_("Cu&t"),
    N_("&Copy"),
    N_("&Paste"),
    N_("Delete"),
    N_("Select All"),
    # Message boxes
    N_("Show Details..."),
    N_("Hide Details..."),
    # File dialog (QFileDialog, widget-based)
    N_("Look in:"),
    N_("File &name:"),
    N_("Files of type:"),
    N_("Back"),
    N_("Forward"),
    N_("Parent Directory"),
    N_("Create New Folder"),
    N_("List View"),
    N_("Detail View"),
    N_("&Open"),
    N_("&Choose"),
    N_("Name"),
    N_("Size"),
    N_("Type"),
    N_("Date Modified"),
    N_("All Files (*)"),
    N_("New Folder"),
    N_("&Delete"),
    N_("&Rename"),
    N_("Show &hidden files"),
    N_("&New Folder"),
    N_("Directory:"),
    N_("My Computer"),
)

SHIPPED_BY_QT = ("ru", "kk")


class GettextTranslator(QTranslator):
    """Answers Qt's translation requests from the gettext catalog of the current language."""

    def translate(self, context, source_text, disambiguation=None, n=-1):  # noqa: D401 - Qt override
        translated = i18n._(source_text) if source_text else source_text
        return translated if translated != source_text else None  # None: "not mine", Qt asks the next one

    def isEmpty(self) -> bool:
        return i18n.current_language() == i18n.DEFAULT_LANGUAGE


_installed: list[QTranslator] = []


def install(language: str) -> None:
    """Replace the translators of the running application with those for ``language``."""
    app = QCoreApplication.instance()
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    QLocale.setDefault(QLocale(language))  # a language code, as Babel's locale for it has (not read before the paint)
    if language == i18n.DEFAULT_LANGUAGE:
        return
    if language in SHIPPED_BY_QT:
        shipped = QTranslator(app)
        if shipped.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            _installed.append(shipped)
    _installed.append(GettextTranslator(app))
    for translator in _installed:
        app.installTranslator(translator)


def switch_language(language: str) -> None:
    """Switch the running program's language: its own messages and Qt's strings (buttons, dialogs) together."""
    i18n.set_language(language)
    install(language)

"""The ``FIELD@LANG`` texts of a record (SPEC §2), edited beside its fields: a language switch over one form
of the kind's translatable fields per language. Same interface as ``FieldForm`` for the editors that hold it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app import i18n
from desktop_app.domain.schema import TEXT_LANGUAGES, TRANSLATABLE, Kind, variant_name
from desktop_app.errors import ValidationError
from desktop_app.i18n import _
from desktop_app.ui.widgets.forms import FieldForm


class TranslationsForm(QWidget):
    """The kind's text fields in each of the seven languages; ``changed`` fires on any edit."""

    changed = Signal()

    def __init__(self, kind: Kind, parent=None):
        super().__init__(parent)
        self.kind = kind
        self.page: QWidget | None = None  # the tab that holds it (``add_translations_tab``)
        self.tabs: QTabWidget | None = None
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.language_label = QLabel()
        self.language = QComboBox()
        self.language_label.setBuddy(self.language)
        self.stack = QStackedWidget()
        self.forms: dict[str, FieldForm] = {}
        names = i18n.language_names()
        for language in TEXT_LANGUAGES:
            form = FieldForm(kind, [variant_name(name, language) for name in TRANSLATABLE[kind.name]])
            form.changed.connect(self.changed)
            self.forms[language] = form
            self.stack.addWidget(form)
            self.language.addItem(names[language], language)
        self.language.currentIndexChanged.connect(self.stack.setCurrentIndex)
        chooser = QFormLayout()
        chooser.addRow(self.language_label, self.language)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(chooser)
        layout.addWidget(self.stack, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.note.setText(
            _(
                "The text of this record in other languages. A screen or a document in a language "
                "shows this text where it is given, and the text of the Details tab otherwise."
            )
        )
        self.language_label.setText(_("Language"))
        self.language.setAccessibleName(_("Language"))
        for form in self.forms.values():
            form.retranslate()

    def show_language(self, language: str) -> None:
        self.language.setCurrentIndex(TEXT_LANGUAGES.index(language))

    def set_values(self, record: dict) -> None:
        for form in self.forms.values():
            form.set_values(record)

    def values(self) -> dict:
        """Every variant typed (empty ones left out)."""
        return {name: value for form in self.forms.values() for name, value in form.values().items() if value}

    def changed_values(self, record: dict) -> dict:
        return {name: value for form in self.forms.values() for name, value in form.changed_values(record).items()}

    def to_save(self, record: dict, saved: bool) -> dict:
        """The variants to save: those changed from a ``saved`` record, every one typed for a new one."""
        return self.changed_values(record) if saved else self.values()

    def show_error(self, error: ValidationError) -> bool:
        """Show the message beside its variant, bringing its tab and language forward; False if it is not a
        variant."""
        language = (error.field or "").partition("@")[2]
        if language not in self.forms:
            return False
        self.show_language(language)
        if self.tabs is not None and self.page is not None:
            self.tabs.setCurrentWidget(self.page)
        return self.forms[language].show_error(error)


def add_translations_tab(tabs: QTabWidget, kind: Kind, on_change=None) -> TranslationsForm | None:
    """A scrolling "Translations" tab for a kind whose text may be given in several languages, else None."""
    if kind.name not in TRANSLATABLE:
        return None
    form = TranslationsForm(kind)
    if on_change is not None:
        form.changed.connect(on_change)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(form)
    tabs.addTab(scroll, "")
    form.page, form.tabs = scroll, tabs
    return form

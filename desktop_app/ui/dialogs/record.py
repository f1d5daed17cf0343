"""A dialog to create or edit one record (a person, a follow-up action) through ``Desk.put``: its fields, and
its text in other languages on a Translations tab as in the record editors."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QTabWidget, QVBoxLayout

from desktop_app.domain.schema import Kind
from desktop_app.errors import DeskError, ValidationError
from desktop_app.i18n import _
from desktop_app.ui.widgets import mnemonics
from desktop_app.ui.widgets.common import name_tabs, show_error, translated_buttons
from desktop_app.ui.widgets.forms import FieldForm
from desktop_app.ui.widgets.translations import add_translations_tab

MIN_HEIGHT = 520  # room for two long texts on the Translations tab


class RecordDialog(QDialog):
    """Fields ``names`` of ``kind``; ``fixed`` values are added on save (e.g. the event an action belongs to)."""

    def __init__(
        self,
        desk,
        kind: Kind,
        names: list[str],
        title: str,
        record_id: str | None = None,
        fixed: dict | None = None,
        parent=None,
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.desk = desk
        self.kind = kind
        self.record_id = record_id
        self.fixed = fixed or {}
        self.record = desk.get(record_id) if record_id else {}
        self.form = FieldForm(kind, names)
        self.form.set_values(self.record or {f.name: f.default for f in kind.fields})
        self.tabs = QTabWidget()
        self.tabs.addTab(self.form, _("Details"))
        self.translations = add_translations_tab(self.tabs, kind)
        if self.translations is not None:
            self.translations.set_values(self.record)
            self.tabs.setTabText(self.tabs.indexOf(self.translations.page), _("Translations"))
        name_tabs(self.tabs)
        buttons = translated_buttons(_("Save"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(560, max(self.sizeHint().height(), MIN_HEIGHT if self.translations else 0))
        mnemonics.assign(self)

    def accept(self) -> None:
        """Save; on a refusal keep the dialog open with what was typed and the message beside the field."""
        saved = self.record_id is not None
        typed = self.form.changed_values(self.record) if saved else self.form.values()
        if self.translations is not None:
            typed |= self.translations.to_save(self.record, saved)
        try:
            if saved:
                if typed:
                    self.desk.put(self.kind.name, {"id": self.record_id, **typed})
            else:
                self.record_id = self.desk.put(self.kind.name, {**typed, **self.fixed})
        except ValidationError as error:
            if self.form.show_error(error):
                self.tabs.setCurrentWidget(self.form)
            elif not (self.translations is not None and self.translations.show_error(error)):
                show_error(self, str(error))
            return
        except DeskError as error:
            show_error(self, str(error))
            return
        super().accept()

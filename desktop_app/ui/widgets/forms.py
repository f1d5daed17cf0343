"""A form for the fields of one record kind, built from ``domain.schema``: editors, labels, and the
domain's validation message shown beside the field it concerns."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from desktop_app.domain.changelog import canonical
from desktop_app.domain.schema import Kind
from desktop_app.domain.validation import check_record, coerce_fields, record_errors
from desktop_app.errors import ValidationError
from desktop_app.i18n import _, ngettext
from desktop_app.ui.widgets.common import (
    BoolField,
    CheckList,
    CodeCombo,
    CountField,
    CountryCombo,
    DateField,
    LongTextField,
    TextField,
    country_checklist,
    error_label,
)

LONG_TEXT = {"description", "outcomes", "notes"}
LIVE_CHECKED = {"participants_total", "participants_women", "participants_men", "end_date", "start_date"}


def editor_for(field, choices: dict | None = None):
    """The input widget for one schema field; ``choices`` fills a reference (id -> label)."""
    if field.type == "date":
        return DateField(optional=not field.required)
    if field.type == "code":
        return CodeCombo(field.codes, blank=not field.required and field.default is None)
    if field.type == "country":
        return CountryCombo(blank=True)
    if field.type == "country_list":
        return country_checklist()
    if field.type == "code_list":
        return CheckList(field.codes)
    if field.type == "count":
        return CountField()
    if field.type == "bool":
        return BoolField()
    if field.type == "ref":
        combo = CodeCombo(choices or {}, blank=True)
        combo.retranslate = lambda: None  # labels are record titles, not messages
        return combo
    if field.name.partition("@")[0] in LONG_TEXT:  # and its text in other languages
        return LongTextField()
    return TextField()


def _changed_signal(editor):
    for name in ("changed", "textChanged", "currentIndexChanged", "dateChanged", "valueChanged", "toggled"):
        signal = getattr(editor, name, None)
        if signal is not None:
            return signal
    raise TypeError(editor)


class FieldForm(QWidget):
    """Editors for ``names`` of ``kind``; ``changed`` fires on any edit; ``show_error`` puts a message by its field."""

    changed = Signal()

    def __init__(self, kind: Kind, names: list[str], choices: dict | None = None, parent=None):
        super().__init__(parent)
        self.kind = kind
        self.editors = {}
        self.labels: dict[str, QLabel] = {}
        self.errors: dict[str, QLabel] = {}
        self._loading = False
        layout = QFormLayout(self)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.summary = error_label()  # names every field refused by the last check_all
        layout.addRow(self.summary)
        for name in names:
            field = kind.field(name)
            editor = editor_for(field, (choices or {}).get(name))
            label = QLabel()
            label.setBuddy(editor)
            label.setWordWrap(True)
            box = QVBoxLayout()
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(editor)
            box.addWidget(error := error_label())
            layout.addRow(label, box)
            self.editors[name], self.labels[name], self.errors[name] = editor, label, error
            _changed_signal(editor).connect(lambda *_args, n=name: self._edited(n))
        self.retranslate()

    def retranslate(self) -> None:
        for name, label in self.labels.items():
            field = self.kind.field(name)
            text = _(field.label)
            label.setText(f"{text} *" if field.required else text)
            self.editors[name].setAccessibleName(text)
            retranslate = getattr(self.editors[name], "retranslate", None)
            if retranslate:
                retranslate()

    def _edited(self, name: str) -> None:
        if self._loading:
            return
        self.clear_error(name)
        if name in LIVE_CHECKED:
            self.check_live()
        self.changed.emit()

    def values(self) -> dict:
        return {name: editor.get_value() for name, editor in self.editors.items()}

    def set_values(self, record: dict) -> None:
        self._loading = True
        try:
            for name, editor in self.editors.items():
                editor.set_value(record.get(name))
            self.clear_errors()
        finally:
            self._loading = False

    def changed_values(self, record: dict) -> dict:
        """The fields whose value differs from ``record`` (as the domain would store them)."""
        try:
            typed = coerce_fields(self.kind, self.values())
        except ValidationError:
            typed = self.values()
        return {
            name: self.values()[name]
            for name, value in typed.items()
            if canonical(value) != canonical(record.get(name))
        }

    def check_live(self) -> None:
        """Run the domain's rules on what is typed and show a message about dates and counts as they change."""
        try:
            merged = {f.name: f.default for f in self.kind.fields} | coerce_fields(self.kind, self.values())
            check_record(self.kind, merged)
        except ValidationError as error:
            if error.field in LIVE_CHECKED:
                self.show_error(error, focus=False)

    def show_error(self, error: ValidationError, focus: bool = True) -> bool:
        """Show the message next to its field; False when the field is not on this form."""
        label = self.errors.get(error.field)
        if label is None:
            return False
        label.setText(error.message)
        label.show()
        self.editors[error.field].setAccessibleDescription(error.message)  # read out with the field
        if focus:
            self.editors[error.field].setFocus()
        return True

    def check_all(self, changed: set[str] | None = None) -> bool:
        """Show every error of what is typed at once, each by its field, named together above the form, the
        first field focused; whether there was none. ``changed``: as for ``check_record``."""
        errors = [e for e in record_errors(self.kind, self.values(), changed) if e.field in self.errors]
        self.clear_errors()
        for error in errors:
            self.show_error(error, focus=False)
        if errors:
            names = ", ".join(dict.fromkeys(_(self.kind.field(e.field).label) for e in errors))
            self.summary.setText(
                ngettext("Check this field: {fields}", "Check these fields: {fields}", len(errors)).format(fields=names)
            )
            self.summary.show()
            self.editors[errors[0].field].setFocus()
        return not errors

    def clear_error(self, name: str) -> None:
        self.errors[name].hide()
        self.editors[name].setAccessibleDescription("")
        if name in LIVE_CHECKED:
            for other in LIVE_CHECKED & set(self.errors):
                self.errors[other].hide()
                self.editors[other].setAccessibleDescription("")

    def clear_errors(self) -> None:
        self.summary.hide()
        for name in self.errors:
            self.errors[name].hide()
            self.editors[name].setAccessibleDescription("")

    def error_text(self, name: str) -> str:
        return "" if self.errors[name].isHidden() else self.errors[name].text()

"""A dialog to create or edit one record (a person, a follow-up action) through ``Desk.put``."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QVBoxLayout

from desktop_app.domain.schema import Kind
from desktop_app.errors import DeskError, ValidationError
from desktop_app.i18n import _
from desktop_app.ui.widgets import mnemonics
from desktop_app.ui.widgets.common import show_error, translated_buttons
from desktop_app.ui.widgets.forms import FieldForm


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
        buttons = translated_buttons(_("Save"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())
        mnemonics.assign(self)

    def accept(self) -> None:
        """Save; on a refusal keep the dialog open with what was typed and the message beside the field."""
        try:
            if self.record_id:
                changed = self.form.changed_values(self.record)
                if changed:
                    self.desk.put(self.kind.name, {"id": self.record_id, **changed})
            else:
                self.record_id = self.desk.put(self.kind.name, {**self.form.values(), **self.fixed})
        except ValidationError as error:
            if not self.form.show_error(error):
                show_error(self, str(error))
            return
        except DeskError as error:
            show_error(self, str(error))
            return
        super().accept()

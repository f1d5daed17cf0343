"""Quick meeting (Ctrl+M): a bilateral meeting in the margins of a conference, recorded in under a minute."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop_app import i18n
from desktop_app.domain.desk import put_record
from desktop_app.domain.schema import EVENT
from desktop_app.errors import DeskError, ValidationError
from desktop_app.i18n import _
from desktop_app.ui.widgets import mnemonics
from desktop_app.ui.widgets.common import (
    LongTextField,
    error_label,
    fit_to_screen,
    focus_first,
    show_error,
    today_iso,
    translated_buttons,
)
from desktop_app.ui.widgets.forms import FieldForm

FIELDS = ["parent_id", "start_date", "parties", "thematic_areas", "title", "outcomes"]


def current_conference(conferences: list[dict], today: str) -> str | None:
    """The conference under way today, else the latest one that has started, else the first listed."""
    for row in conferences:
        if row["start_date"] <= today <= (row["end_date"] or row["start_date"]):
            return row["id"]
    started = [row for row in conferences if row["start_date"] <= today]
    return (started or conferences or [{"id": None}])[0]["id"]


class QuickMeetingDialog(QDialog):
    """Parties, date, the conference, topics, outcomes and follow-up actions; saved in one transaction."""

    def __init__(self, desk, reader, parent_id: str | None = None, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.record_id: str | None = None
        conferences = reader.events_of_type("conference")
        choices = {row["id"]: f"{i18n.format_date(row['start_date'], 'numeric')} {row['title']}" for row in conferences}
        self.form = FieldForm(EVENT, FIELDS, {"parent_id": choices})
        own = desk.identity.get("country")
        self.form.set_values(
            {
                "start_date": today_iso(),
                "parties": [own] if own else [],
                "parent_id": parent_id or current_conference(conferences, today_iso()),
                "thematic_areas": [],
            }
        )
        self._title_typed = False
        self.form.editors["title"].textEdited.connect(self._title_edited)
        self.form.editors["parties"].changed.connect(self._suggest_title)
        self.actions_label = QLabel()
        self.actions = LongTextField()
        self.actions_error = error_label()
        buttons = translated_buttons(_("Save"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        fields = QWidget()
        fields_layout = QVBoxLayout(fields)
        fields_layout.addWidget(self.form)
        fields_layout.addWidget(self.actions_label)
        fields_layout.addWidget(self.actions)
        fields_layout.addWidget(self.actions_error)
        # the fields scroll, Save and Cancel stay in sight on a small or scaled screen
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(fields)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.actions_label.setBuddy(self.actions)
        self.retranslate()
        self._suggest_title()
        fit_to_screen(self, 640, 720)
        focus_first(self.form.editors["parties"])
        mnemonics.assign(self)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Quick meeting"))
        self.actions_label.setText(_("Follow-up actions, one per line"))
        self.actions.setAccessibleName(_("Follow-up actions, one per line"))

    def _title_edited(self, text: str) -> None:
        self._title_typed = bool(text.strip())

    def _suggest_title(self) -> None:
        if self._title_typed:
            return
        parties = self.form.editors["parties"].get_value()
        names = " – ".join(i18n.country_name(code) for code in parties)
        title = (
            _("Bilateral meeting: {parties}").format(parties=names)
            if len(parties) <= 2
            else _("Multilateral meeting: {parties}").format(parties=names)
        )
        self.form.editors["title"].set_value(title if parties else "")

    def values(self) -> dict:
        values = self.form.values()
        values["type"] = "bilateral_meeting" if len(values["parties"]) <= 2 else "multilateral_meeting"
        values["status"] = "held"
        return values

    def accept(self) -> None:
        """Write the meeting and its actions together; on a refusal keep everything typed."""
        self.form.clear_errors()
        self.actions_error.hide()
        lines = [line.strip() for line in self.actions.get_value().splitlines() if line.strip()]
        try:
            with self.desk.writing() as writer:
                record_id = put_record(writer, "event", self.values())
                for line in lines:
                    put_record(writer, "action", {"event_id": record_id, "description": line})
        except ValidationError as error:
            if error.field == "description":
                self.actions_error.setText(error.message)
                self.actions_error.show()
            elif not self.form.show_error(error):
                show_error(self, str(error))
            return
        except DeskError as error:
            show_error(self, str(error))
            return
        self.record_id = record_id
        super().accept()

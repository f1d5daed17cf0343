"""Pieces every screen uses: live retranslation, translated dialogs, and input widgets for record fields."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import shiboken6
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app import i18n
from desktop_app.country_names import MEMBER_STATES
from desktop_app.errors import one_line
from desktop_app.i18n import _

EMPTY_DATE = QDate(1900, 1, 1)
NO_COUNT = -1


def follow_language(widget) -> None:
    """Call ``widget.retranslate()`` now and after every language switch, for as long as the widget lives."""

    def listener(_language):
        if shiboken6.isValid(widget):
            widget.retranslate()
        else:
            i18n.remove_listener(listener)

    i18n.add_listener(listener)
    widget.destroyed.connect(lambda *_args: i18n.remove_listener(listener))
    widget.retranslate()


def show_error(parent, message: str) -> None:
    """An error as a dialog in the user's language, as one line: names from files cannot fake a message."""
    box = QMessageBox(QMessageBox.Icon.Warning, _("Platform Desk"), one_line(message),
                      QMessageBox.StandardButton.NoButton, parent)
    box.addButton(_("OK"), QMessageBox.ButtonRole.AcceptRole)
    box.exec()


def confirm(parent, message: str, yes: str) -> bool:
    """Ask before something that cannot be undone; ``yes`` names the action."""
    box = QMessageBox(QMessageBox.Icon.Question, _("Platform Desk"), message, QMessageBox.StandardButton.NoButton,
                      parent)
    accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole))
    box.exec()
    return box.clickedButton() is accept


SAVE, DISCARD, STAY = "save", "discard", "stay"


def ask_unsaved(parent) -> str:
    """Save, discard or stay, when unsaved changes would otherwise be lost."""
    box = QMessageBox(QMessageBox.Icon.Question, _("Platform Desk"), _("You have unsaved changes."),
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(_("Save them before leaving?"))
    buttons = {box.addButton(_("Save"), QMessageBox.ButtonRole.AcceptRole): SAVE,
               box.addButton(_("Discard"), QMessageBox.ButtonRole.DestructiveRole): DISCARD}
    stay = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stay)
    box.exec()
    return buttons.get(box.clickedButton(), STAY)


def translated_buttons(accept_text: str) -> QDialogButtonBox:
    """OK/Cancel buttons labelled in the user's language (Qt has no catalog for several of ours)."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    label_buttons(buttons, accept_text)
    return buttons


def label_buttons(buttons: QDialogButtonBox, accept_text: str) -> None:
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(accept_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))


def error_label() -> QLabel:
    """The place next to a field where the domain's message about it appears."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #b00020;")
    label.setAccessibleName(_("Error"))
    label.hide()
    return label


def countries_in_order() -> list[str]:
    """The member states first, then every other country by its name in the current language."""
    return list(_countries_in_order(i18n.current_language()))


@lru_cache(maxsize=None)
def _countries_in_order(language: str) -> tuple[str, ...]:
    from desktop_app.domain.schema import country_codes

    others = sorted(country_codes() - set(MEMBER_STATES), key=lambda code: i18n.country_name(code).casefold())
    return MEMBER_STATES + tuple(others)


class CodeCombo(QComboBox):
    """A choice among codes shown by translated labels (``codes``: code -> N_ label).

    ``blank``: False, True (an empty choice), or an ``N_`` label for the empty choice (“Any type”)."""

    def __init__(self, codes: dict | None = None, blank: bool = False, parent=None):
        super().__init__(parent)
        self.codes = codes or {}
        self.blank = blank
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(8)
        self._fill()

    def _labels(self) -> list[tuple[str, str]]:
        return [(code, _(label)) for code, label in self.codes.items()]

    def _fill(self) -> None:
        current = self.get_value()
        self.blockSignals(True)
        self.clear()
        if self.blank:
            self.addItem(_(self.blank) if isinstance(self.blank, str) else "", None)
        for code, label in self._labels():
            self.addItem(label, code)
        self.set_value(current)
        self.blockSignals(False)
        self.view().setMinimumWidth(self.view().sizeHintForColumn(0) + 32)

    def retranslate(self) -> None:
        self._fill()

    def get_value(self):
        return self.currentData()

    def set_value(self, value) -> None:
        index = self.findData(value)
        if index < 0 and value is not None:  # a value not offered (e.g. an event that is not a conference)
            self.addItem(str(value), value)
            index = self.count() - 1
        self.setCurrentIndex(max(index, 0))


class CountryCombo(CodeCombo):
    """A country by its name in the current language; member states come first."""

    def _labels(self):
        return [(code, i18n.country_name(code)) for code in countries_in_order()]


class CheckList(QWidget):
    """A multi-select of codes: one tick box each, in a layout that grows with long labels. Emits ``changed``."""

    changed = Signal()

    def __init__(self, codes: dict, label_of=None, parent=None):
        super().__init__(parent)
        self.codes = dict(codes)
        self.label_of = label_of or (lambda code: _(self.codes[code]))
        self.boxes: dict[str, QCheckBox] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._add_boxes()

    def _add_boxes(self) -> None:
        for code in self.codes:
            if code not in self.boxes:
                box = QCheckBox(self.label_of(code))
                box.toggled.connect(lambda _checked: self.changed.emit())
                self._layout.addWidget(box)
                self.boxes[code] = box

    def get_value(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.isChecked()]

    def set_value(self, codes) -> None:
        codes = set(codes or [])
        for code in codes:
            self.codes.setdefault(code, code)
        self._add_boxes()
        for code, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(code in codes)
            box.blockSignals(False)

    def retranslate(self) -> None:
        for code, box in self.boxes.items():
            box.setText(self.label_of(code))


def country_checklist() -> CheckList:
    return CheckList({code: code for code in MEMBER_STATES}, label_of=i18n.country_name)


class DateField(QDateEdit):
    """A date with a calendar; the earliest date stands for “none” where a date is optional."""

    def __init__(self, optional: bool, parent=None):
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat(i18n.qt_date_format())
        self.optional = optional
        if optional:
            self.setMinimumDate(EMPTY_DATE)
            self.setSpecialValueText(" ")
        self.set_value(None)

    def retranslate(self) -> None:
        self.setDisplayFormat(i18n.qt_date_format())

    def get_value(self) -> str | None:
        if self.optional and self.date() == EMPTY_DATE:
            return None
        return self.date().toString(Qt.DateFormat.ISODate)

    def set_value(self, value: str | None) -> None:
        if value:
            self.setDate(QDate.fromString(value, Qt.DateFormat.ISODate))
        elif self.optional:
            self.setDate(EMPTY_DATE)
        else:
            self.setDate(QDate.currentDate())


class CountField(QSpinBox):
    """A whole number 0 or more, or blank."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setRange(NO_COUNT, 10_000_000)
        self.setSpecialValueText(" ")
        self.set_value(None)

    def get_value(self) -> int | None:
        return None if self.value() == NO_COUNT else self.value()

    def set_value(self, value) -> None:
        self.setValue(NO_COUNT if value is None else int(value))


class TextField(QLineEdit):
    def get_value(self) -> str:
        return self.text()

    def set_value(self, value) -> None:
        self.setText(value or "")
        self.setCursorPosition(0)  # show the beginning of a long title


class LongTextField(QPlainTextEdit):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTabChangesFocus(True)

    def get_value(self) -> str:
        return self.toPlainText()

    def set_value(self, value) -> None:
        self.setPlainText(value or "")


class BoolField(QCheckBox):
    def get_value(self) -> bool:
        return self.isChecked()

    def set_value(self, value) -> None:
        self.setChecked(bool(value))


def today_iso() -> str:
    return date.today().isoformat()

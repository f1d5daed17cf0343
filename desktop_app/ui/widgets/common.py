"""Pieces every screen uses: live retranslation, translated dialogs, and input widgets for record fields."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import shiboken6
from PySide6.QtCore import QDate, QEvent, QItemSelectionModel, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app import i18n
from desktop_app.country_names import MEMBER_STATES
from desktop_app.errors import one_line
from desktop_app.i18n import _
from desktop_app.ui.widgets.palette import error_color

EMPTY_DATE = QDate(1900, 1, 1)
TITLE_BAR = 40  # pixels the system adds above a window, kept free when sizing it to the screen
NO_COUNT = -1


class _RetranslateWhenShown(QObject):
    """Re-translates its widget when it is shown, if the language changed while it was hidden."""

    def __init__(self, widget):
        super().__init__(widget)
        self.widget = widget
        self.stale = False
        widget.installEventFilter(self)

    def language_changed(self) -> None:
        if not isinstance(self.widget, QWidget):
            self.widget.retranslate()
        elif self.widget.isVisible():
            self.widget.retranslate()
            self._assign_letters()
        else:  # a hidden page or dialog costs the switch nothing now
            self.stale = True

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Show:
            if self.stale:
                self.stale = False
                self.widget.retranslate()
            self._assign_letters()
        return False

    def _assign_letters(self) -> None:
        """Alt-letters for the screen this widget is on, in the words of the current language."""
        from desktop_app.ui.widgets import mnemonics

        screen = mnemonics.screen_of(self.widget, _follows_language)
        if screen is not None:
            mnemonics.assign(screen)


def _follows_language(widget) -> bool:
    return any(isinstance(child, _RetranslateWhenShown) for child in widget.children())


def follow_language(widget) -> None:
    """Call ``widget.retranslate()`` now and after every language switch, for as long as the widget lives;
    a hidden widget (a page not shown, a dialog closed) is re-translated when it is shown again."""
    follower = _RetranslateWhenShown(widget)

    def listener(_language):
        if shiboken6.isValid(widget) and shiboken6.isValid(follower):
            follower.language_changed()
        else:
            i18n.remove_listener(listener)

    i18n.add_listener(listener)
    widget.destroyed.connect(lambda *_args: i18n.remove_listener(listener))
    widget.retranslate()


def show_error(parent, message: str, details: str = "") -> None:
    """An error as a dialog in the user's language, as one line (names from files cannot fake a message),
    with ``details`` (where the log is…) as a second paragraph."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, _("Platform Desk"), one_line(message), QMessageBox.StandardButton.NoButton, parent
    )
    if details:
        box.setInformativeText(one_line(details))
    box.addButton(_("OK"), QMessageBox.ButtonRole.AcceptRole)
    box.exec()


def unexpected_error_texts(error: BaseException, log_file) -> tuple[str, str]:
    """The message and the details of an unexpected error: the translated template is split into its two
    paragraphs before the error's own text goes in, so that the dialog shows no literal “\\n”."""
    message, _sep, details = _("Something went wrong: {error}\n\nDetails were written to {log}").partition("\n\n")
    return message.format(error=error, log=log_file), details.format(error=error, log=log_file)


def confirm(parent, message: str, yes: str) -> bool:
    """Ask before something that cannot be undone; ``yes`` names the action."""
    box = QMessageBox(
        QMessageBox.Icon.Question, _("Platform Desk"), message, QMessageBox.StandardButton.NoButton, parent
    )
    accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole))
    box.exec()
    return box.clickedButton() is accept


SAVE, DISCARD, STAY = "save", "discard", "stay"


def ask_unsaved(parent) -> str:
    """Save, discard or stay, when unsaved changes would otherwise be lost."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        _("Platform Desk"),
        _("You have unsaved changes."),
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setInformativeText(_("Save them before leaving?"))
    buttons = {
        box.addButton(_("Save"), QMessageBox.ButtonRole.AcceptRole): SAVE,
        box.addButton(_("Discard"), QMessageBox.ButtonRole.DestructiveRole): DISCARD,
    }
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


SORT_KEYS = "Ctrl+Shift+S"


def keyboard_table(view: QAbstractItemView) -> QAbstractItemView:
    """A table the keyboard can leave and sort: Tab and Shift+Tab go to the next and previous control (arrows
    move between cells) and, where the table sorts, Ctrl+Shift+S sorts by the column of the current cell
    (again: the other way round)."""
    view.setTabKeyNavigation(False)
    if isinstance(view, QTableView) and view.isSortingEnabled():
        action = QAction(view)
        action.setShortcut(QKeySequence(SORT_KEYS))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(lambda _checked=False: _sort_by_current_column(view))
        view.addAction(action)
    return view


def _sort_by_current_column(view: QTableView) -> None:
    header = view.horizontalHeader()
    current = view.currentIndex()
    column = current.column() if current.isValid() else max(header.sortIndicatorSection(), 0)
    ascending = header.sortIndicatorSection() != column or header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    view.sortByColumn(column, Qt.SortOrder.AscendingOrder if ascending else Qt.SortOrder.DescendingOrder)
    current = view.currentIndex()  # the same row, found again after sorting: the focus stays in the column
    if current.isValid():
        view.selectionModel().setCurrentIndex(
            current.siblingAtColumn(column), QItemSelectionModel.SelectionFlag.NoUpdate
        )


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Give ``window`` the size ``width``×``height``, or less where its screen has less room."""
    screen = window.screen()
    if screen is not None:
        room = screen.availableGeometry()
        width, height = min(width, room.width()), min(height, room.height() - TITLE_BAR)
    window.resize(width, height)


def name_tabs(tabs) -> None:
    """Screen readers announce a tab widget and its bar as “Tabs”; each tab by its own title."""
    tabs.setAccessibleName(_("Tabs"))
    tabs.tabBar().setAccessibleName(_("Tabs"))


def focus_first(widget: QWidget) -> None:
    """Put the focus on ``widget`` or, for a container, on the first control inside it that takes the focus."""
    if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isEnabled():
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        return
    candidate = widget.nextInFocusChain()
    while candidate is not widget:
        if (
            widget.isAncestorOf(candidate)
            and candidate.isVisibleTo(widget.window())
            and candidate.isEnabled()
            and candidate.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            candidate.setFocus(Qt.FocusReason.TabFocusReason)
            return
        candidate = candidate.nextInFocusChain()


def error_label() -> QLabel:
    """The place next to a field where the domain's message about it appears."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {error_color(label.palette()).name()};")  # readable on light and dark
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


class CommittedCodeCombo(CodeCombo):
    """A ``CodeCombo`` that reports a choice once it is made (``committed(code)``): when its list closes on
    another entry, on Enter, or when the focus leaves it changed — not at each arrow key that browses it."""

    committed = Signal(object)

    def __init__(self, codes: dict | None = None, blank: bool = False, parent=None):
        super().__init__(codes, blank, parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._committed_value = self.get_value()

    def set_value(self, value) -> None:
        super().set_value(value)
        self._committed_value = self.get_value()

    def commit(self) -> None:
        """Report the value shown, if it is not the one reported last."""
        if self.get_value() != self._committed_value:
            self._committed_value = self.get_value()
            self.committed.emit(self._committed_value)

    def hidePopup(self) -> None:
        super().hidePopup()
        self.commit()

    def keyPressEvent(self, event) -> None:
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.commit()

    def focusOutEvent(self, event) -> None:
        if not self.view().isVisible():  # the focus went to the open list: not a choice yet
            self.commit()
        super().focusOutEvent(event)


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
    """A date with a calendar; the earliest date stands for “none” where a date is optional.

    An empty optional date offers today's date while it has the focus, so that it can be typed over, stepped
    with the arrows or picked in a calendar that opens on this month; leaving it untouched leaves it empty,
    and Delete or Backspace on the whole date empties it again. Tab and Shift+Tab leave the field (Left and
    Right move between day, month and year)."""

    def __init__(self, optional: bool, parent=None):
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat(i18n.qt_date_format())
        self.optional = optional
        self._offered = False  # today's date shown in an empty field, not chosen yet
        self._moved_on = False  # the last digit completed a part of the date: the cursor is on the next
        if optional:
            self.setMinimumDate(EMPTY_DATE)
            self.setSpecialValueText(" ")
            self.dateChanged.connect(self._chosen)
        self.set_value(None)

    def retranslate(self) -> None:
        self.setDisplayFormat(i18n.qt_date_format())

    def get_value(self) -> str | None:
        if self.optional and (self._offered or self.date() == EMPTY_DATE):
            return None
        return self.date().toString(Qt.DateFormat.ISODate)

    def set_value(self, value: str | None) -> None:
        self._offered = False
        if value:
            self.setDate(QDate.fromString(value, Qt.DateFormat.ISODate))
        elif self.optional:
            self.setDate(EMPTY_DATE)
            if self.hasFocus():
                self._offer_today()
        else:
            self.setDate(QDate.currentDate())

    def _offer_today(self) -> None:
        self._set_quietly(QDate.currentDate())
        self._offered = True

    def _chosen(self, _date) -> None:
        self._offered = False

    def _set_quietly(self, value: QDate) -> None:
        self.blockSignals(True)
        self.setDate(value)
        self.blockSignals(False)

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.optional and self.date() == EMPTY_DATE:
            self._offer_today()
        super().focusInEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.setSelectedSection(self.sectionAt(0))

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._offered and not (self.calendarWidget() and self.calendarWidget().isVisible()):
            self._set_quietly(EMPTY_DATE)
        super().focusOutEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        whole = self.lineEdit().selectedText() == self.lineEdit().text()
        if self.optional and whole and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            if not self._offered:
                self.setDate(EMPTY_DATE)  # a change the form sees
                self._offer_today()
            self.selectAll()
            return
        typed = event.text()
        if typed and not typed.isdigit() and typed.isprintable() and not typed.isspace():
            # a separator (“/”, “.”, “-”) goes on to the next part of the date, ready to be typed over, unless
            # the part just typed was complete and the cursor went on by itself
            if not self._moved_on:
                self.setSelectedSection(self.sectionAt(min(self.currentSectionIndex() + 1, self.sectionCount() - 1)))
            self._moved_on = False
            return
        section = self.currentSectionIndex()
        super().keyPressEvent(event)
        self._moved_on = bool(typed) and typed.isdigit() and self.currentSectionIndex() != section
        if self._moved_on:
            self.setSelectedSection(self.currentSection())

    def focusNextPrevChild(self, next_child: bool) -> bool:  # noqa: N802 - Qt override
        return QWidget.focusNextPrevChild(self, next_child)


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

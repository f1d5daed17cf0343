"""What every page of the main window offers (``Page``), and the shape shared by the Events, People and
Follow-up actions screens.

``Page``: ``shown()`` each time it becomes the current page, ``reload(changes)`` after a write elsewhere
(it re-reads only if ``changes`` concern it), ``may_leave()`` before the window switches away or closes,
``retranslate()`` after a language switch. The main window builds each page on its first visit.
``TablePage``: a search box, optional filters and a lazily filled table.
``RecordPage``: the same with a ``RecordEditor`` beside the table, which never
loses typed text silently (it asks before moving on) and shows the domain's
validation messages beside their fields.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.reading import Changes
from desktop_app.domain.schema import Kind
from desktop_app.errors import DeskError, ValidationError
from desktop_app.i18n import N_, _, ngettext
from desktop_app.ui.widgets.common import DISCARD, SAVE, ask_unsaved, confirm, keyboard_table, name_tabs, show_error
from desktop_app.ui.widgets.forms import FieldForm
from desktop_app.ui.widgets.history import HistoryTable
from desktop_app.ui.widgets.table_model import ID_ROLE, LazyTableModel
from desktop_app.ui.widgets.translations import add_translations_tab

SEARCH_DELAY_MS = 150

# The editor's title for a record not saved yet, one phrase per kind (gender and case differ by language).
NEW_TITLES = {
    "event": N_("New event"),
    "person": N_("New person"),
    "participation": N_("New participation"),
    "action": N_("New follow-up action"),
    "attachment": N_("New attachment"),
}


def add_shortcut(widget: QWidget, keys, slot) -> QAction:
    """A keyboard shortcut active while focus is anywhere inside ``widget``."""
    action = QAction(widget)
    action.setShortcut(QKeySequence(keys))
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(slot)
    widget.addAction(action)
    return action


def tab_keys(widget: QWidget, tabs: QTabWidget) -> None:
    """Ctrl+Tab and Ctrl+Shift+Tab (or Ctrl+Page Down / Up) go to the next and previous tab of ``tabs`` from
    anywhere inside ``widget``, whichever control has the focus."""

    def step(by: int) -> None:
        tabs.setCurrentIndex((tabs.currentIndex() + by) % tabs.count())

    for keys, by in (("Ctrl+Tab", 1), ("Ctrl+PgDown", 1), ("Ctrl+Shift+Tab", -1), ("Ctrl+PgUp", -1)):
        add_shortcut(widget, keys, lambda _checked=False, by=by: step(by))


class Page:
    """The interface of a page, mixed into its QWidget class (see the module's description)."""

    def shown(self) -> None:
        """The page became the current one."""

    def reload(self, changes: Changes) -> None:
        """Records changed elsewhere (an import, a restore, a resolved conflict): re-read what shows them."""

    def may_leave(self) -> bool:
        """Whether the window may switch away (or close) without losing what was typed."""
        return True

    def retranslate(self) -> None:
        """Set every text again in the current language."""


class TablePage(QWidget, Page):
    """Search box and filters above a table whose model is a ``LazyTableModel``.

    ``kinds``: the records whose changes the table shows."""

    kinds: tuple[str, ...] = ()
    # what the line below the table says while there is nothing at all to show
    empty_text = N_(
        "Nothing recorded here yet. Add the first record with Edit → New record (Ctrl+N), or bring in "
        "another office's records with File → Import sync files… (Ctrl+I)."
    )

    def __init__(self, model: LazyTableModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textEdited.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_filters)
        self.search_bar = QHBoxLayout()
        self.search_bar.addWidget(self.search, 1)
        self.filter_bar = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)
        self.table = QTableView()
        self.table.setModel(model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(
            model.sort_column(), Qt.SortOrder.DescendingOrder if model.descending else Qt.SortOrder.AscendingOrder
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        keyboard_table(self.table)
        model.modelReset.connect(self._show_count)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def apply_filters(self) -> None:
        """Re-read which rows match the current search and filters (subclasses set what ``load_ids`` reads);
        rows already read stay, since a filter changes no record."""
        self._search_timer.stop()
        self.model.refresh(keep_rows=True)

    def _filtered(self) -> bool:
        """Whether a search or a filter narrows the rows."""
        filters = (self.filter_bar.itemAt(n).widget() for n in range(self.filter_bar.count()))
        return bool(self.search.text().strip()) or any(getattr(f, "get_value", lambda: None)() for f in filters)

    def _show_count(self) -> None:
        """The number of rows; with none, why, and what to do (an empty database gets guidance)."""
        count = len(self.model.ids)
        if count:
            text = ngettext("{n} row", "{n} rows", count).format(n=count)
        elif self._filtered():
            text = _("No rows match the search or the filters.")
        else:
            text = _(self.empty_text)
        self.count_label.setText(text)

    def retranslate(self) -> None:
        self.search.setPlaceholderText(_("Search…"))
        self.search.setAccessibleName(_("Search"))
        self.table.setAccessibleName(_("Records"))
        for position in range(self.filter_bar.count()):
            retranslate = getattr(self.filter_bar.itemAt(position).widget(), "retranslate", None)
            if retranslate:
                retranslate()
        self.model.invalidate()
        self._show_count()

    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def select_id(self, row_id: str | None) -> None:
        row = self.model.row_of(row_id) if row_id else -1
        if row < 0:
            self.table.clearSelection()
            return
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index)

    def shown(self) -> None:
        self.model.forget_rows()  # records may have been edited on another page meanwhile
        self.apply_filters()

    def reload(self, changes: Changes) -> None:
        if changes.touches(*self.kinds):
            self.model.refresh_later(self)

    def may_leave(self) -> bool:
        return True


class RecordEditor(QWidget):
    """Edit one record of ``kind``: a form of ``names`` in the first tab, Save / Cancel / Delete below.

    Subclasses add their tabs, then call ``load(None)`` and ``follow_language(self)``."""

    saved = Signal(str)
    deleted = Signal(str)

    def __init__(self, desk, reader, kind: Kind, names: list[str], choices: dict | None = None, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.reader = reader
        self.kind = kind
        self.record_id: str | None = None
        self.record: dict = {}
        self.dirty = False
        self.form = FieldForm(kind, names, choices)
        self.form.changed.connect(self._mark_dirty)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no Tab stop of its own: the fields inside have them
        scroll.setWidget(self.form)
        self.tabs = QTabWidget()
        self.tabs.addTab(scroll, "")
        self.translations = None  # the last tabs, added by the first ``load`` once subclasses have added theirs
        self.history: HistoryTable | None = None
        self.save_button = QPushButton()
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.revert)
        self.delete_button = QPushButton()
        self.delete_button.clicked.connect(self.delete)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        tab_keys(self, self.tabs)
        add_shortcut(self, "Ctrl+S", self.save)
        add_shortcut(self, "Escape", self.ask_and_revert)

    def retranslate(self) -> None:
        self.form.retranslate()
        self.tabs.setTabText(0, _("Details"))
        if self.translations is not None:
            self.translations.retranslate()
            self.tabs.setTabText(self.tabs.indexOf(self.translations.page), _("Translations"))
        if self.history is not None:
            self.history.retranslate()
            self.tabs.setTabText(self.tabs.indexOf(self.history), _("History"))
        name_tabs(self.tabs)
        self.save_button.setText(_("Save"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.cancel_button.setText(_("Cancel"))
        self.cancel_button.setToolTip(_("Undo the changes not saved yet (Escape)"))
        self.delete_button.setText(_("Delete…"))
        self._update_heading()

    def _mark_dirty(self) -> None:
        self.dirty = True
        self._update_state()

    def _update_state(self) -> None:
        self.save_button.setEnabled(self.dirty or self.record_id is None)
        self.cancel_button.setEnabled(self.dirty)
        self.delete_button.setEnabled(self.record_id is not None)

    def _update_heading(self) -> None:
        title = self.title_of(self.record) if self.record_id else _(NEW_TITLES[self.kind.name])
        self.heading.setText(f"{title} •" if self.dirty else title)

    def title_of(self, record: dict) -> str:
        raise NotImplementedError

    def defaults(self) -> dict:
        """What a new record starts with."""
        return {f.name: f.default for f in self.kind.fields}

    def load(self, record_id: str | None) -> None:
        """Show a saved record, or a blank new one for ``None``."""
        self.record_id = record_id
        self.record = self.desk.get(record_id) if record_id else {}
        self.form.set_values(self.record if record_id else self.defaults())
        if self.translations is None:
            self.translations = add_translations_tab(self.tabs, self.kind, self._mark_dirty)
        if self.translations is not None:
            self.translations.set_values(self.record)
        if self.history is None:
            self.history = HistoryTable(self.kind)
            self.tabs.addTab(self.history, _("History"))
        self.history.show_record(self.reader.history(record_id) if record_id else [])
        self.dirty = False
        self.load_related()
        self._update_state()
        self._update_heading()

    def load_related(self) -> None:
        """Fill the other tabs for ``record_id`` (participants, actions, ...)."""

    def save(self) -> bool:
        """Write what is typed through the domain; on a refusal keep it and show why beside the field."""
        values = self.form.changed_values(self.record) if self.record_id else self.form.values()
        if self.translations is not None:
            values |= self.translations.to_save(self.record, saved=self.record_id is not None)
        if not self.form.check_all(None if self.record_id is None else set(values)):
            return False
        try:
            if self.record_id is None:
                record_id = self.desk.put(self.kind.name, values)
            else:
                record_id = self.record_id
                if values:
                    self.desk.put(self.kind.name, {"id": record_id, **values})
        except ValidationError as error:
            if not self.form.show_error(error) and not (
                self.translations is not None and self.translations.show_error(error)
            ):
                show_error(self, str(error))
            return False
        except DeskError as error:
            show_error(self, str(error))
            return False
        self.load(record_id)
        self.saved.emit(record_id)
        return True

    def revert(self) -> None:
        """Forget the unsaved changes."""
        self.load(self.record_id)

    def ask_and_revert(self) -> None:
        """Escape: forget the unsaved changes once the user confirms (Escape again keeps them)."""
        if self.dirty and confirm(self, _("Discard the changes not saved yet?"), _("Discard")):
            self.revert()

    def delete(self) -> None:
        if self.record_id is None:
            return
        if not confirm(
            self,
            _("Delete “{title}”? Its participations, actions and attachments go with it.").format(
                title=self.title_of(self.record)
            ),
            _("Delete"),
        ):
            return
        try:
            self.desk.delete(self.record_id)
        except DeskError as error:
            show_error(self, str(error))
            return
        deleted = self.record_id
        self.load(None)
        self.deleted.emit(deleted)

    def may_leave(self) -> bool:
        """True when nothing typed would be lost: saved, discarded, or nothing changed."""
        if not self.dirty:
            return True
        answer = ask_unsaved(self)
        if answer == SAVE:
            return self.save()
        if answer == DISCARD:
            self.revert()
            return True
        return False


class RecordPage(TablePage):
    """A table of records with an editor beside it; switching rows never drops unsaved edits."""

    def __init__(self, model: LazyTableModel, editor: RecordEditor, parent=None):
        super().__init__(model, parent)
        self.editor = editor
        self.new_button = QPushButton()
        self.new_button.clicked.connect(self.new_record)
        self.search_bar.addWidget(self.new_button)
        splitter = QSplitter()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(self.search_bar)
        left_layout.addLayout(self.filter_bar)
        self.list_layout = left_layout  # a page may add a second row of filters below the first
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)
        self.list_pane = left
        splitter.addWidget(left)
        splitter.addWidget(editor)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._reselecting = False
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.activated.connect(lambda _index: self.editor.form.setFocus())
        editor.saved.connect(self._saved)
        editor.deleted.connect(lambda _id: self.refresh_keeping(None))
        add_shortcut(self.table, QKeySequence.StandardKey.Delete, self.editor.delete)
        model.modelAboutToBeReset.connect(self._remember_current)
        model.modelReset.connect(self._restore_current)

    def retranslate(self) -> None:
        super().retranslate()
        self.new_button.setText(_("New"))
        self.new_button.setToolTip(_("New (Ctrl+N)"))

    def _row_changed(self, current, _previous) -> None:
        if self._reselecting or not current.isValid():
            return
        row_id = current.data(ID_ROLE)
        if row_id == self.editor.record_id:
            return
        if self.editor.may_leave():
            self.editor.load(row_id)
        else:
            self._reselect(self.editor.record_id)

    def _reselect(self, row_id) -> None:
        self._reselecting = True
        try:
            self.select_id(row_id)
        finally:
            self._reselecting = False

    def _remember_current(self) -> None:
        self._kept_id = self.editor.record_id

    def _restore_current(self) -> None:
        self._reselect(getattr(self, "_kept_id", None))

    def new_record(self) -> None:
        if self.editor.may_leave():
            self.table.clearSelection()
            self.editor.load(None)
            self.editor.form.setFocus()
            self.editor.focusNextChild()

    def _saved(self, record_id: str) -> None:
        self.refresh_keeping(record_id)

    def refresh_keeping(self, record_id: str | None, later: bool = False) -> None:
        """Re-read the table and select ``record_id`` (a saved or opened record); ``later``: read the rows
        off the GUI thread and select when they arrive (a reload of 20,000 events)."""
        if later:
            self.model.refresh_later(self, lambda: self._reselect(record_id))
            return
        self.model.refresh()
        self._reselect(record_id)

    def open_record(self, record_id: str) -> bool:
        """Show a record in the editor (from another screen); False when the user chose to stay."""
        if not self.editor.may_leave():
            return False
        self.editor.load(record_id)
        self._reselect(record_id)
        return True

    def may_leave(self) -> bool:
        return self.editor.may_leave()

    def panes(self) -> list[QWidget]:
        """The list (search, filters, table) and the editor: F6 goes from one to the other."""
        return [self.list_pane, self.editor]

    def shown(self) -> None:
        self.refresh_keeping(self.editor.record_id)

    def reload(self, changes: Changes) -> None:
        """Re-read the table, and the record shown if it changed (unless it is being edited)."""
        if not changes.touches(*self.kinds):
            return
        editor = self.editor
        if not editor.dirty:  # what is being typed stays; a saved record is shown as it is now
            try:
                editor.load(editor.record_id)
            except DeskError:
                editor.load(None)
        self.refresh_keeping(editor.record_id, later=True)

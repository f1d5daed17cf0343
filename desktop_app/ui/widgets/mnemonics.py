"""Alt-letter keys for buttons, check boxes and field labels, picked for the words of the current language.

Each screen (a page of the main window, a dialog) gets letters that clash neither with each other nor with
the menu bar's: the first letter of a word where it can, else any letter of the text. ``follow_language``
assigns them after every re-translation and whenever the screen is shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QMainWindow, QPushButton, QRadioButton, QTabWidget, QWidget

_ESCAPED = "\0"


def plain(text: str) -> str:
    """``text`` without its Alt-letter marker (an ``&&`` stays: it shows one ``&``)."""
    return text.replace("&&", _ESCAPED).replace("&", "").replace(_ESCAPED, "&&")


def letter(text: str) -> str | None:
    """The Alt-letter of ``text`` (lower case), or None."""
    marked = text.replace("&&", _ESCAPED)
    at = marked.find("&")
    return marked[at + 1].lower() if 0 <= at < len(marked) - 1 else None


def with_letter(text: str, taken: set[str]) -> str:
    """``text`` with the first letter not in ``taken`` marked (a word's first letter preferred); adds it."""
    bare = plain(text)
    starts = [n for n, c in enumerate(bare) if c.isalpha() and (n == 0 or not bare[n - 1].isalnum())]
    others = [n for n, c in enumerate(bare) if c.isalpha() and n not in starts]
    for n in starts + others:
        if bare[n].lower() not in taken:
            taken.add(bare[n].lower())
            return f"{bare[:n]}&{bare[n:]}"
    return bare


def controls(root: QWidget) -> list[QWidget]:
    """What takes an Alt-letter on ``root``: buttons and boxes with text, labels of a field (with a buddy)."""
    widgets = root.findChildren(QWidget)
    buttons = [w for w in widgets if isinstance(w, QPushButton) and not w.isFlat()]  # flat: a figure, a link
    labels = [
        w
        for w in widgets
        if isinstance(w, QLabel) and w.buddy() is not None and w.textFormat() != Qt.TextFormat.RichText
    ]
    boxes = [w for w in widgets if isinstance(w, (QCheckBox, QRadioButton))]
    # what is in sight first (other tabs get theirs when shown); buttons, then field labels, then boxes:
    # when letters run out, the boxes go without
    ordered = [w for w in buttons + labels + boxes if plain(w.text()).strip()]
    return sorted(ordered, key=lambda w: not w.isVisibleTo(root))


def menu_letters(window: QWidget) -> set[str]:
    """The letters the menu bar of ``window`` already answers to."""
    if not isinstance(window, QMainWindow):
        return set()
    return {key for action in window.menuBar().actions() if (key := letter(action.text()))}


def assign(root: QWidget) -> None:
    """Give each control of ``root`` a letter of its own, none the menu bar's; again when one of its tab
    widgets shows another tab (what is in sight gets its letters first)."""
    for tabs in root.findChildren(QTabWidget):
        if not tabs.property("assigns_letters"):
            tabs.setProperty("assigns_letters", True)
            tabs.currentChanged.connect(lambda _index, root=root: assign(root))
    taken = menu_letters(root.window())
    for control in controls(root):
        text = control.text()
        marked = with_letter(text, taken)
        if marked != text:
            control.setText(marked)


def screen_of(widget: QWidget, follows) -> QWidget | None:
    """The outermost widget that ``follows`` the language between ``widget`` and its window (a page, a
    dialog): its letters are assigned together. None for a main window (its menus have their own)."""
    screen, current = None, widget
    while current is not None:
        if follows(current) and not isinstance(current, QMainWindow):
            screen = current
        if current.isWindow():
            break
        current = current.parentWidget()
    return screen

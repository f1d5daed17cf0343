"""Search that ignores case and script: «астана» finds "Astana", "Almaty" finds «Алматы».

``fold`` (``domain.folding``, shared with the attendance importer's matching of names) reduces text to a
Latin skeleton, whatever the script and transliteration. A query matches a text when every folded word
of the query is inside the folded text.

``SearchIndex`` keeps the folded text of every visible record of one list in memory (derived data,
never stored): built on first use, then brought up to date from the change log, so one keystroke is
a substring test per row in a list comprehension, with no SQL and no Python call per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from desktop_app.domain.folding import fold  # the one folding, shared with the matching of names


def fold_many(texts: list[str]) -> list[str]:
    """``fold`` of each text, done on all of them at once (20,000 titles in a few milliseconds)."""
    if not texts:
        return []
    return fold("\x00".join(text.replace("\x00", " ") for text in texts)).split("\x00")


def query_words(text: str) -> list[str]:
    """The folded words of a query; a row matches when it contains each of them."""
    return [word for word in (fold(part) for part in text.split()) if word]


class SearchIndex:
    """The folded text of each row of one list, by id, kept up to date from the change log.

    ``read(ids)`` returns ``{id: text}`` for the rows among, or depending on, the records ``ids`` (``None``: all
    rows). Ids of deleted rows may stay: callers intersect the result with the visible rows they list."""

    REBUILD_ABOVE = 2_000  # more changed records than this: read everything again

    def __init__(self, read: Callable[[Iterable[str] | None], dict[str, str]]):
        self._read = read
        self._texts: dict[str, str] = {}
        self._items: list[tuple[str, str]] | None = None
        self.version: int | None = None

    def update(self, version: int | None, changed: Callable[[int], set[str]]) -> None:
        """Bring the index to ``version`` of the change log; ``changed(since)`` names the records changed."""
        if version == self.version:
            return
        ids = changed(self.version) if self.version is not None else None
        if ids is None or len(ids) > self.REBUILD_ABOVE:
            fresh = self._read(None)
            self._texts = dict(zip(fresh, fold_many(list(fresh.values()))))
        elif ids:
            fresh = self._read(ids)
            for row_id in ids:
                self._texts.pop(row_id, None)
            self._texts.update(zip(fresh, fold_many(list(fresh.values()))))
        self._items = None
        self.version = version

    def search(self, query: str) -> set[str] | None:
        """Ids of the rows that contain every word of ``query``; None when every row does (nothing to narrow)."""
        if self._items is None:
            self._items = list(self._texts.items())
        found = self._items
        for word in query_words(query):
            found = [item for item in found if word in item[1]]
        if len(found) == len(self._items):
            return None
        return {row_id for row_id, _text in found}

    def __len__(self) -> int:
        return len(self._texts)

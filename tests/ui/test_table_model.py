"""The lazy table model on plain rows, without a database (as Vorta tests its archive table model)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.ui.widgets.table_model import ID_ROLE, Column, LazyTableModel

ROWS = {
    f"id{n}": {"id": f"id{n}", "title": f"Title {n:03d}", "count": n, "status": "open" if n % 2 else "done"}
    for n in range(250)
}
COLUMNS = [
    Column("title", "Title", lambda r: r["title"]),
    Column("count", "Count", lambda r: str(r["count"]), align_right=True),
    Column(
        "status",
        "Status",
        lambda r: r["status"],
        color=lambda r: "#b00020" if r["status"] == "open" else None,
        editable_codes={"open": "Open", "done": "Done"},
    ),
]


class Source:
    """Ids sorted by a column, rows fetched by id, counting the fetches."""

    def __init__(self):
        self.fetches = []

    def ids(self, sort, descending):
        return sorted(ROWS, key=lambda i: ROWS[i][sort], reverse=descending)

    def rows(self, ids):
        self.fetches.append(list(ids))
        return {i: ROWS[i] for i in ids}


def make(sort="title", descending=False):
    source = Source()
    return LazyTableModel(COLUMNS, source.ids, source.rows, sort, descending), source


def test_the_model_keeps_the_qt_contract(qtmodeltester):
    model, _source = make()
    qtmodeltester.check(model, force_py=True)


def test_only_the_rows_shown_are_read_a_chunk_at_a_time():
    model, source = make()
    assert model.rowCount() == 250 and source.fetches == []
    assert model.data(model.index(0, 0)) == "Title 000"
    assert len(source.fetches) == 1 and len(source.fetches[0]) == 100
    model.data(model.index(50, 1))
    assert len(source.fetches) == 1  # already in the cache
    assert model.data(model.index(200, 0)) == "Title 200" and len(source.fetches) == 2


def test_roles_give_ids_edit_values_colours_and_alignment():
    model, _source = make()
    index = model.index(1, 2)
    assert model.data(index, ID_ROLE) == "id1"
    assert model.data(index, Qt.ItemDataRole.EditRole) == "open"
    assert model.data(index, Qt.ItemDataRole.ForegroundRole).name() == "#b00020"
    assert model.data(model.index(0, 2), Qt.ItemDataRole.ForegroundRole) is None
    assert model.data(model.index(0, 1), Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )
    assert (
        model.flags(index) & Qt.ItemFlag.ItemIsEditable
        and not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    )
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Count"


def test_sorting_reads_the_ids_again_and_editing_reports_the_change():
    model, _source = make()
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0)) == "Title 249" and model.row_of("id249") == 0
    edits = []
    model.edited.connect(lambda *args: edits.append(args))
    assert not model.setData(model.index(0, 2), "open")  # unchanged: nothing to say
    assert model.setData(model.index(0, 2), "done")
    assert edits == [("id249", "status", "done")]


def test_invalidate_reads_the_rows_again_when_shown():
    model, source = make()
    model.data(model.index(0, 0))
    model.invalidate()
    model.data(model.index(0, 0))
    assert len(source.fetches) == 2

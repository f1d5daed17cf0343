"""``dump`` spelled by SQLite (issue 14) gives exactly the lines of ``canonical(public_record(row))`` over
``visible_query``: twins, deletions, lists, booleans and text that needs escaping included."""

from __future__ import annotations

from sqlalchemy import text

from desktop_app.domain.changelog import canonical, record_table
from desktop_app.domain.desk import KINDS, Desk, public_record, visible_query


def _reference(desk: Desk) -> list[str]:
    lines = []
    with desk.engine.connect() as connection:
        for name in sorted(KINDS):
            query = visible_query(KINDS[name]).order_by(None).order_by(record_table(name).c.id)
            lines += [canonical(public_record(name, dict(row))) for row in connection.execute(query).mappings()]
    return lines


def test_dump_in_sql_equals_the_rows_as_python_spells_them(tmp_path):
    desk = Desk.create(tmp_path / "dump.db", "dump", "delegation", "KZ")
    try:
        event = desk.put(
            "event",
            {
                "type": "webinar",
                "title": 'Тренинг "A"\n\ttab \\ é',
                "start_date": "2025-03-01",
                "parties": ["KZ", "UZ"],
                "thematic_areas": ["prevention"],
            },
        )
        gone = desk.put("event", {"type": "webinar", "title": "Gone", "start_date": "2025-03-02"})
        person = desk.put("person", {"full_name": "Айгерим"})
        other = desk.put("person", {"full_name": "Dilnoza"})
        desk.put("participation", {"event_id": event, "person_id": person, "attended": True})
        desk.put("participation", {"event_id": event, "person_id": other, "attended": False})
        desk.put("participation", {"event_id": gone, "person_id": other})
        desk.delete(gone)
        with desk.engine.begin() as connection:  # twins, as two installations may make them
            for twin in ("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"):
                connection.execute(
                    text(
                        "INSERT INTO participations (id, deleted, owner, event_id, person_id, role) "
                        "VALUES (:id, 0, 'KZ', :event, :person, 'speaker')"
                    ),
                    {"id": twin, "event": event, "person": person},
                )
            connection.execute(
                text("UPDATE events SET thematic_areas = :value WHERE id = :id"), {"value": '["\\u0411"]', "id": event}
            )
        dumped = list(desk.dump())
        assert dumped == _reference(desk)
        assert sum('"kind":"participation"' in line for line in dumped) == 2
        assert any('"thematic_areas":["Б"]' in line for line in dumped)
    finally:
        desk.close()

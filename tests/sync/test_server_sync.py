"""A secretariat on a PostgreSQL server syncs as one on a SQLite file does (SPEC §6): fed the same bundles,
the two hold the same records and conflicts, and what each sends back gives a delegation the same records."""

from __future__ import annotations

import sqlite3

from desktop_app.domain.desk import Desk
from desktop_app.sync import api
from tests.sync.conftest import Office


class ServerOffice(Office):
    """The file secretariat moved onto a server database (``migrate-to``): the same installation."""

    def __init__(self, original: Office, url: str):
        self.folder = original.folder
        self.name = original.name + "-server"
        self.desk = original.desk.copy_to(url)
        self.device_id = self.desk.identity["device_id"]


def _conflicts(office: Office) -> list[tuple]:
    return sorted(
        (c["record_id"], c["field"], c["winner_value"], c["loser_value"]) for c in api.list_conflicts(office.desk)
    )


def test_a_server_secretariat_and_a_file_secretariat_fed_the_same_bundles_agree(offices, pg_url, tmp_path):
    unodc, kz, uz = offices["unodc"], offices["kz"], offices["uz"]
    for office in (kz, uz):  # first contact, before the secretariat moves
        unodc.receive(*office.send().paths)
        office.receive(*unodc.send(office).paths)
    server = ServerOffice(unodc, pg_url)
    try:
        # A bilateral meeting of KZ and UZ, edited by both at once, a participant, an action, a deletion.
        meeting = kz.desk.put(
            "event",
            {"type": "bilateral_meeting", "title": "KZ–UZ", "start_date": "2025-05-01", "parties": ["KZ", "UZ"]},
        )
        person = kz.desk.put("person", {"full_name": "Ержан Сейтказиев", "country": "KZ", "gender": "male"})
        kz.desk.put("participation", {"event_id": meeting, "person_id": person})
        webinar = kz.desk.put("event", {"type": "webinar", "title": "Вебинар", "start_date": "2025-03-01"})
        first = kz.send()
        for office in (unodc, server):
            assert office.receive(*first.paths)["new"] == 4
        uz.receive(*unodc.send(uz).paths)
        kz.desk.put("event", {"id": meeting, "city": "Almaty", "outcomes": "Agreed a work plan"})
        uz.desk.put("event", {"id": meeting, "city": "Tashkent"})  # the same field, unseen by KZ: a conflict
        uz.desk.put("action", {"event_id": meeting, "description": "Exchange contacts", "status": "open"})
        kz.desk.delete(webinar)
        second = [*kz.send().paths, *uz.send().paths]
        summaries = [office.receive(*second) for office in (unodc, server)]
        for summary in summaries:
            del summary["backup"]  # each beside its own database
        assert summaries[0] == summaries[1]
        assert summaries[1]["conflicts"] == 1

        assert server.dump() == unodc.dump()
        assert _conflicts(server) == _conflicts(unodc) != []

        # KZ withdraws the meeting (made local): both mark it local, and pass on only that.
        kz.desk.put("event", {"id": meeting, "sharing": "local", "title": "Internal"})
        third = kz.send()
        for office in (unodc, server):
            assert office.receive(*third.paths)["updated"] == 1
        assert server.dump() == unodc.dump()
        assert server.desk.get(meeting)["sharing"] == "local"

        # What each sends back gives a delegation the same records.
        source, copy = sqlite3.connect(tmp_path / "uz.db"), sqlite3.connect(tmp_path / "uz-twin.db")
        source.backup(copy)  # the same installation, on the same computer: opened as itself
        source.close(), copy.close()
        twin = Desk.open(tmp_path / "uz-twin.db")
        try:
            from_file = unodc.send(uz)
            from_server = server.send(uz)
            assert api.import_files(uz.desk, from_file.paths)["refused"] == []
            assert api.import_files(twin, from_server.paths)["refused"] == []
            assert list(twin.dump()) == uz.dump()
            assert any('"Almaty"' in line or '"Tashkent"' in line for line in uz.dump())
        finally:
            twin.close()
    finally:
        server.desk.close()

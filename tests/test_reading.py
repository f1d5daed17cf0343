"""The read model (``domain.reading``) and search folding, without a QApplication."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from desktop_app import i18n
from desktop_app.domain.reading import ActionFilter, EventFilter, Reader, overdue
from desktop_app.domain.search import SearchIndex, fold
from desktop_app.reports.data import Period, compute
from tests.conftest import Cli

TODAY = date(2024, 6, 1)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Astana", "astana"),
        ("Астана", "astana"),  # Russian / Latin
        ("Алматы", "almati"),
        ("Almaty", "almati"),
        ("Қазақстан", "kazakstan"),
        ("Kazakhstan", "kazahstan"),  # Kazakh қ, and kh → h
        ("Әділет Ғұмар Ңө Үі Һ", "adilet gumar no ui h"),  # Kazakh letters
        ("Кыргызстан", "kirgizstan"),
        ("Kyrgyzstan", "kirgizstan"),  # Kyrgyz ы and y → i
        ("Ҳуҷанд Ӣӯ", "hujand iu"),
        ("Khujand", "hujand"),  # Tajik ҳ ҷ ӣ ӯ
        ("Oʻzbekiston Gʻ", "uzbekiston g"),
        ("Ўзбекистон", "uzbekiston"),  # Uzbek Latin ʻ dropped
        ("Türkmenistan Aşgabat Çäýžň", "turkmenistan ashgabat chaijn"),  # Turkmen Latin letters
        ("Жанна Джамбул Zhanna Dzhambul", "janna jambul janna jambul"),
        ("Цех Щит Юрий Яна Ёлка", "ceh shit iurii iana iolka"),
    ],
)
def test_fold_is_the_stated_transliteration(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Astana", "астана"),
        ("Алматы", "Almaty"),
        ("Бишкек", "bish"),
        ("Dushanbe", "Душ"),
        ("Ташкент", "Tashkent"),
        ("Кыргыз Республикасы", "kyrgyz"),
        ("ASTANA hub", "hub астана"),
    ],
)
def test_a_query_in_one_script_finds_text_in_the_other(text, query):
    index = SearchIndex(lambda ids: {"hit": text, "other": "Geneva"})
    index.update(1, lambda since: set())
    assert index.search(query) == {"hit"}
    assert index.search(query + " zzz") == set()


def test_search_index_follows_the_change_log():
    data = {"a": "Astana", "b": "Алматы"}
    calls = []

    def read(ids):
        calls.append(ids)
        return {i: data[i] for i in (data if ids is None else ids) if i in data}

    index = SearchIndex(read)
    index.update(1, lambda since: set())
    assert index.search("алм") == {"b"} and calls == [None]
    data["b"] = "Bishkek"
    index.update(2, lambda since: {"b"})
    assert index.search("бишкек") == {"b"} and index.search("алм") == set() and calls[-1] == {"b"}


def _event(desk, title, **values):
    return desk.put(
        "event",
        {
            "title": title,
            "type": "conference",
            "start_date": "2024-03-01",
            "status": "held",
            "parties": ["KZ"],
            **values,
        },
    )


def _concurrent_twin(desk, event_id, person_id) -> str:
    """A second participation of the same person at the same event, as a merge from another installation
    leaves it (written as changes, bypassing the local rule that refuses it)."""
    twin = str(uuid.uuid4())
    with desk.writing() as writer:
        for name, value in (
            ("event_id", event_id),
            ("person_id", person_id),
            ("role", "participant"),
            ("attended", True),
            ("deleted", False),
        ):
            writer.set("participation", twin, name, value)
    return twin


@pytest.fixture
def twins(desk):
    event_id = _event(desk, "Regional conference in Астана", city="Астана")
    person_id = desk.put("person", {"full_name": "Айгерим Сейткали", "country": "KZ"})
    desk.put("participation", {"event_id": event_id, "person_id": person_id, "attended": True})
    _concurrent_twin(desk, event_id, person_id)
    desk.put(
        "action", {"event_id": event_id, "description": "Send the report", "due_date": "2024-04-01", "status": "open"}
    )
    blank = desk.put("action", {"event_id": event_id, "description": "No status", "due_date": "2024-04-01"})
    with desk.writing() as writer:  # as an older or foreign installation may leave it
        writer.set("action", blank, "status", None)
    desk.put("action", {"event_id": event_id, "description": "Done", "due_date": "2024-04-01", "status": "done"})
    reader = Reader(desk)
    yield desk, reader, event_id
    reader.close()


def test_screens_command_line_and_reports_count_one_participation(twins):
    desk, reader, event_id = twins
    cli_rows = json.loads(Cli(desk.path)("list", "participation", "--json", check=True).stdout)
    assert len(reader.participants(event_id)) == 1
    assert [p["id"] for p in desk.list("participation")] == [row["id"] for row in reader.participants(event_id)]
    assert [row["id"] for row in cli_rows] == [row["id"] for row in reader.participants(event_id)]
    report = compute(desk, Period.of(2024), today=TODAY)
    assert report.figures["attendances"] == 1
    assert report.figures["actions"]["overdue"] == 1


def test_overdue_has_one_definition():
    assert overdue({"due_date": "2024-01-01", "status": "open"}, TODAY)
    assert overdue({"due_date": "2024-01-01", "status": "in_progress"}, TODAY)
    assert not overdue({"due_date": "2024-01-01", "status": None}, TODAY)
    assert not overdue({"due_date": "2024-01-01", "status": "done"}, TODAY)
    assert not overdue({"due_date": None, "status": "open"}, TODAY)
    assert not overdue({"due_date": "2024-06-01", "status": "open"}, TODAY)


def test_lists_search_across_scripts_and_follow_writes(twins):
    desk, reader, event_id = twins
    assert reader.event_ids(EventFilter(text="astana")) == [event_id]
    assert reader.person_ids("aigerim") and reader.person_ids("Seitkali")
    assert len(reader.action_ids(ActionFilter(text="астана"))) == 3  # the event's title is searched too
    desk.put("event", {"id": event_id, "title": "Conference in Almaty"})
    assert reader.event_ids(EventFilter(text="астана")) == [event_id]  # still in the city
    assert reader.event_ids(EventFilter(text="алматы")) == [event_id]
    assert reader.action_ids(ActionFilter(text="almaty conference send")) != []
    desk.delete(event_id)
    assert reader.event_ids(EventFilter(text="алматы")) == []
    assert reader.action_ids(ActionFilter(text="almaty")) == []


def test_country_names_are_searched_in_the_language_shown(twins):
    desk, reader, event_id = twins
    assert reader.event_ids(EventFilter(text="kazakhstan")) == [event_id]
    i18n.set_language("ru")
    assert reader.event_ids(EventFilter(text="Казахстан")) == [event_id]

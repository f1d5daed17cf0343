"""A small record with hand-computed report figures, written through ``Desk.put`` like anything a user types.

Counted in 2024 (today = 1 November 2024): a held regional training in KZ, a held bilateral meeting
in UZ and a planned training in KG whose dates have passed. Not counted: a cancelled event, a
deleted event, a postponed one, a planned one still to come, and one of 2023.
"""

from __future__ import annotations

from datetime import date

TODAY = date(2024, 11, 1)


def build_small_record(desk) -> dict[str, str]:
    """Write the record; returns ids by name."""
    ids = {}

    def event(name, **values):
        ids[name] = desk.put("event", {"title": name, "status": "held", **values})

    event(
        "Региональный тренинг в Алматы",
        type="regional_training",
        start_date="2024-03-01",
        end_date="2024-03-02",
        country="KZ",
        parties=["KZ", "KG"],
        thematic_areas=["prevention"],
        city="Алматы",
        participants_total=50,
        participants_women=20,
        participants_men=30,
        international_experts=2,
    )
    event(
        "Bilateral UZ-TJ",
        type="bilateral_meeting",
        start_date="2024-05-05",
        country="UZ",
        parties=["TJ", "UZ"],
        participants_total=6,
        participants_women=2,
        participants_men=4,
    )
    event(
        "Past planned training",
        type="regional_training",
        start_date="2024-06-01",
        status="planned",
        country="KG",
        parties=["KG"],
        thematic_areas=["asset_recovery", "prevention"],
        participants_total=40,
        participants_women=25,
        participants_men=15,
        international_experts=1,
    )
    event(
        "Cancelled", type="webinar", start_date="2024-07-01", status="cancelled", participants_total=100, country="KZ"
    )
    event("Deleted", type="webinar", start_date="2024-08-01", participants_total=70, country="KZ")
    event("Postponed", type="conference", start_date="2024-09-01", status="postponed", participants_total=30)
    event("Future planned", type="webinar", start_date="2024-12-10", status="planned", participants_total=20)
    event("Last year", type="regional_training", start_date="2023-12-31", participants_total=80, country="KZ")

    def person(name, **values):
        ids[name] = desk.put("person", {"full_name": name, **values})

    person("Айгерим Сапарова", gender="female", country="KZ", organization="Агентство", email="a.saparova@example.kz")
    person("John Smith", gender="male", country="GB", organization="UNODC")
    person("Removed Person", gender="male")

    def attend(who, where, role="participant", attended=True):
        desk.put("participation", {"person_id": ids[who], "event_id": ids[where], "role": role, "attended": attended})

    attend("Айгерим Сапарова", "Региональный тренинг в Алматы")
    attend("Айгерим Сапарова", "Bilateral UZ-TJ", role="speaker")
    attend("John Smith", "Региональный тренинг в Алматы", role="international_expert")
    attend("John Smith", "Past planned training", attended=False)
    attend("Removed Person", "Региональный тренинг в Алматы")
    attend("Айгерим Сапарова", "Cancelled")

    def action(where, description, **values):
        desk.put("action", {"event_id": ids[where], "description": description, **values})

    action("Региональный тренинг в Алматы", "Circulate the materials", status="open", due_date="2024-09-01")
    action("Региональный тренинг в Алматы", "Publish the report", status="done", due_date="2024-04-01")
    action("Past planned training", "Follow-up webinar", status="in_progress", due_date="2025-01-01")
    action("Cancelled", "Never happens", status="open", due_date="2024-08-01")
    desk.delete(ids["Deleted"])
    desk.delete(ids["Removed Person"])
    return ids

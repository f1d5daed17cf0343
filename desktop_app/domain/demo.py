"""Demo data: the Platform's public record (``resources/demo``) and synthetic data at scale for benchmarks.

Both are written through ``Desk.writing``, so they are validated and logged like anything a user types.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from desktop_app import paths
from desktop_app.country_names import MEMBER_STATES
from desktop_app.domain.desk import FLUSH_EVERY, Desk, put_record
from desktop_app.domain.schema import ACTION_STATUSES, EVENT_TYPES, THEMATIC_AREAS

RECORD_FILE = "platform_record.json"
REFERENCE_FIELDS = ("event_id", "person_id", "parent_id")


def _public_record_items(data: dict):
    """(kind, ref, values) in an order where every reference points back to an earlier ref."""
    for event in data["events"]:
        yield "event", event["ref"], {k: v for k, v in event.items() if k != "ref"}
    for person in data["people"]:
        yield "person", person["ref"], {k: v for k, v in person.items() if k != "ref"}
    for item in data["participations"]:
        yield "participation", None, {"event_id": item["event"], "person_id": item["person"], "role": item["role"]}
    for action in data["actions"]:
        yield "action", None, {"event_id": action["event"], **{k: v for k, v in action.items() if k != "event"}}


def load_public_record(desk: Desk) -> int:
    """Load the Platform's 2023–2024 record and 2025 plans; returns the number of records written."""
    with open(paths.resources_dir() / "demo" / RECORD_FILE, encoding="utf-8") as handle:
        data = json.load(handle)
    ids: dict[str, str] = {}
    count = 0
    with desk.writing() as writer:
        for kind, ref, values in _public_record_items(data):
            values = {k: ids[v] if k in REFERENCE_FIELDS else v for k, v in values.items()}
            new_id = put_record(writer, kind, values)
            if ref:
                ids[ref] = new_id
            count += 1
    return count


def generate_scale(desk: Desk, events: int, seed: int = 2024) -> int:
    """``events`` synthetic events with proportional people (one per two events) and participations
    (five per event) and actions (one per four events); returns the number of records written."""
    rng = random.Random(seed)
    types = list(EVENT_TYPES)
    areas = list(THEMATIC_AREAS)
    first = date(2015, 1, 1)
    people_count = max(1, events // 2)

    def records():
        for n in range(people_count):
            yield (
                "person",
                {
                    "full_name": f"Participant {n + 1:06d}",
                    "country": rng.choice(MEMBER_STATES),
                    "gender": rng.choice(("female", "male")),
                    "organization": "Synthetic data",
                },
            )
        for n in range(events):
            start = first + timedelta(days=rng.randrange(0, 4000))
            kind = rng.choice(types)
            total = rng.randrange(5, 120)
            women = rng.randrange(0, total + 1)
            values = {
                "type": kind,
                "title": f"Synthetic {kind.replace('_', ' ')} {n + 1:06d}",
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=rng.randrange(0, 3))).isoformat(),
                "city": rng.choice(("Astana", "Almaty", "Bishkek", "Dushanbe", "Ashgabat", "Tashkent")),
                "country": rng.choice(MEMBER_STATES),
                "parties": rng.sample(MEMBER_STATES, 2),
                "thematic_areas": rng.sample(areas, rng.randrange(1, 3)),
                "status": rng.choice(("held", "held", "planned", "cancelled")),
                "participants_total": total,
                "participants_women": women,
                "participants_men": total - women,
                "international_experts": rng.randrange(0, 4),
                "description": "Synthetic event generated for benchmarks (--demo-scale).",
            }
            yield "event", values

    count = 0
    with desk.writing() as writer:
        person_ids: list[str] = []
        event_ids: list[str] = []
        for kind, values in records():
            new_id = put_record(writer, kind, values)
            (person_ids if kind == "person" else event_ids).append(new_id)
            count += 1
            if writer.change_count >= FLUSH_EVERY:
                writer.flush()
        for event_id in event_ids:
            for person_id in rng.sample(person_ids, min(5, len(person_ids))):
                put_record(
                    writer, "participation", {"event_id": event_id, "person_id": person_id, "role": "participant"}
                )
                count += 1
            if rng.random() < 0.25:
                put_record(
                    writer,
                    "action",
                    {
                        "event_id": event_id,
                        "description": "Synthetic follow-up action",
                        "status": rng.choice(list(ACTION_STATUSES)),
                        "due_date": (first + timedelta(days=rng.randrange(0, 4200))).isoformat(),
                    },
                )
                count += 1
            if writer.change_count >= FLUSH_EVERY:
                writer.flush()
    return count

"""Attendance lists at scale: importing 50,000 rows (SPEC §5 ``import-attendance``) into one event."""

from __future__ import annotations

import csv
import json
import random
import statistics
import subprocess

from tests.benchmarks.core import Figure, Session, bare_insert, benchmark, copy_database, count_rows, table_rows

ROWS = 50_000
MAX_SECONDS = 30  # issue 19
MAX_MIB = 300
FIRST = ("Айгерим", "Ержан", "Нургуль", "Азамат", "Фарангис", "Шерзод", "Dilnoza", "Gʻayrat", "Merdan", "Ogulgerek")
LAST = (
    "Сапарова",
    "Ахметов",
    "Токтогулова",
    "Исаков",
    "Назарова",
    "Рахимов",
    "Oʻrinboyeva",
    "Toshmatov",
    "Gurbanow",
    "Annaýewa",
)
# What the import writes: the change log, its links, and the rows of the people and their participations.
WRITTEN_TABLES = ("changes", "links", "people", "participations")
COUNTRIES = ("KZ", "Kyrgyz Republic", "Республика Казахстан", "Ўзбекистон", "Тоҷикистон", "Türkmenistan")


def write_list(path, rows: int, seed: int = 19) -> None:
    """A registration list of ``rows`` different people (several of one name, told apart by e-mail)."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["ФИО", "E-mail", "Организация", "Страна", "Пол"])
        for n in range(rows):
            writer.writerow(
                [
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    f"person{n}@example.org",
                    "Anti-Corruption Agency",
                    rng.choice(COUNTRIES),
                    rng.choice(("ж", "м")),
                ]
            )


@benchmark
def attendance_import(session: Session):
    listing = session.folder / "attendance-50000.csv"
    write_list(listing, ROWS)
    empty = session.database("attendance-empty")
    event = subprocess.run(
        session.program(
            "--db",
            empty,
            "put",
            "event",
            "--json",
            json.dumps({"type": "conference", "title": "Annual Conference", "start_date": "2024-10-29"}),
        ),
        capture_output=True,
        text=True,
        env=session.env,
        check=True,
    ).stdout.split()[-1]
    runs = []
    for number in range(session.repeats):
        db = copy_database(empty, session.folder / f"attendance-{number}.db")
        runs.append(session.run_program("--db", db, "import-attendance", event, listing))
    # The floor: the same rows (read back from the import's result, less the event's own) written by plain
    # sqlite3 executemany into a copy of the database before the import, in one transaction.
    before = {table: set(values) for table, (_columns, values) in table_rows(empty, WRITTEN_TABLES).items()}
    rows = {
        table: (columns, [row for row in values if row not in before[table]])
        for table, (columns, values) in table_rows(db, WRITTEN_TABLES).items()
    }
    bare = statistics.median(
        bare_insert(copy_database(empty, session.folder / f"attendance-bare-{number}.db"), rows)
        for number in range(session.repeats)
    )
    name = f"import-attendance of {ROWS:,} rows"
    yield Figure(
        name,
        statistics.median(run.seconds for run in runs),
        "s",
        baseline=bare,
        baseline_name=f"bare executemany of its {count_rows(rows):,} rows",
        max_value=MAX_SECONDS,
    )
    yield Figure(f"{name}: peak memory", max(run.peak_mib for run in runs), "MiB", max_value=MAX_MIB)

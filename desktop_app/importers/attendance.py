"""Import an attendance list (XLSX or CSV: a registration form, a webinar export) into one event.

1. ``read_table`` finds the header row and reads the rows as text.
2. ``detect_mapping`` maps columns to person fields by their headers, in English or Russian
   ("Name", "ФИО", "E-mail", "Organization", "Организация", ...); a caller may correct it.
3. ``preview`` says, row by row, who is new, who matches a person already recorded (by e-mail or by
   name, ignoring case, word order, a missing patronymic and Cyrillic/Latin spelling) and why, who
   appears twice (a rejoin, counted once) and which rows are wrong and why.

CSV files are read in UTF-8 (with or without a byte-order mark), UTF-16 (little- or big-endian, with
a byte-order mark: Excel's "Unicode Text"), or Windows-1251, with any line ends (Excel for Mac writes
CR alone) and ``,``, ``;`` or tab between the cells.
4. ``import_attendance`` writes it all in one transaction through the domain layer: any bad row
   raises ``AttendanceImportError`` listing every bad row, and nothing is written.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from openpyxl import load_workbook

from desktop_app.country_names import MEMBER_STATE_ALIASES, MEMBER_STATE_NAMES
from desktop_app.domain.changelog import ChangeWriter
from desktop_app.domain.desk import create_attendees, put_record, visible_query
from desktop_app.domain.folding import name_key
from desktop_app.domain.progress import checkpoint
from desktop_app.domain.schema import GENDERS, KINDS, ROLES, country_codes, is_variant, variant_name
from desktop_app.domain.validation import check_record, coerce_fields
from desktop_app.errors import InputError, ValidationError
from desktop_app.i18n import LANGUAGES, N_, _, babel_locale, current_language, ngettext
from desktop_app.os_errors import os_reason
from desktop_app.storage.database import larger_page_cache
from desktop_app.storage.models import Participation

PERSON_FIELDS = ("full_name", "email", "organization", "position", "country", "gender", "phone")
FIELDS = PERSON_FIELDS + ("role",)
# Normalised header words (lower case, letters and digits) that name each field.
HEADER_ALIASES = {
    "full_name": (
        "full name",
        "name",
        "participant",
        "attendee",
        "фио",
        "ф и о",
        "имя",
        "участник",
        "фамилия имя отчество",
        "аты жөні",
        "аты жони",
        "аты-жөні",
        "fish",
        "f i sh",
        "ф и ш",
        "familiyasi ismi otasining ismi",
        "аты жөнү",
        "ному насаб",
        "ady familiýasy",
        "ady",
    ),
    "email": ("email", "e mail", "mail", "электронная почта", "эл почта", "почта", "email address"),
    "organization": (
        "organization",
        "organisation",
        "agency",
        "institution",
        "affiliation",
        "company",
        "организация",
        "ведомство",
        "учреждение",
        "место работы",
        "орган",
        "ұйым",
        "уюм",
        "tashkilot",
        "ташкилот",
        "edara",
        "gurama",
    ),
    "position": ("position", "job title", "post", "должность"),
    "country": ("country", "страна", "государство"),
    "gender": ("gender", "sex", "пол", "жынысы", "jinsi", "ҷинс", "jynsy"),
    "phone": ("phone", "telephone", "mobile", "телефон"),
    "role": ("role", "роль"),
    # Zoom and registration forms give a name in two columns.
    "first_name": ("first name", "given name", "forename", "имя"),
    "last_name": ("last name", "surname", "family name", "фамилия"),
}
NAME_PARTS = ("first_name", "last_name")
# Roles as Microsoft Teams and Zoom write them.
ROLE_WORDS = {
    "participant": ("attendee", "participant", "guest", "panelist", "участник", "слушатель"),
    "speaker": ("presenter", "speaker", "докладчик", "выступающий"),
    "organizer": (
        "organizer",
        "organiser",
        "co-organizer",
        "co organizer",
        "host",
        "co-host",
        "co host",
        "организатор",
    ),
}
# A device name Zoom puts before the person's: "iPhone (Азамат Исаков)", "Galaxy S21 (Aigerim)".
DEVICE_PREFIX = re.compile(
    r"^\s*(?:iphone|ipad|android|galaxy|samsung|redmi|xiaomi|huawei|honor|pixel|oppo|vivo|"
    r"macbook|mac|windows|zoom rooms?|zoomroom)\b[^()]*\((?P<name>[^()]+)\)\s*$",
    re.IGNORECASE,
)
# A section heading of a Teams attendance report ("2. Participants"): the table above it ends there.
SECTION_HEADING = re.compile(r"^\d+\.\s+\S")
GENDER_WORDS = {
    "female": ("female", "f", "woman", "w", "женский", "жен", "ж", "женщина", "әйел", "аял", "ayol", "зан", "aýal"),
    "male": ("male", "m", "man", "мужской", "муж", "м", "мужчина", "ер", "эркек", "erkak", "мард", "erkek"),
    "unspecified": ("unspecified", "other", "не указан", "-"),
}
PROGRESS_EVERY = 500  # rows between two progress reports
WRITER_BATCH = 5_000  # new people written by one change writer (see ``_import``)
PAGE_CACHE_MIB = 32  # SQLite's page cache while a list is written: 50,000 people add 400 MiB to the file
HEADER_SEARCH_ROWS = 15  # exports often start with a few lines about the meeting before the header
CSV_ENCODINGS = ("utf-8", "cp1251")  # tried in turn when the file has no byte-order mark
BYTE_ORDER_MARKS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
CSV_DELIMITERS = (";", ",", "\t")
# Why a row matched someone already known (``PlannedRow.match``), as ``--dry-run`` and the dialog say it.
MATCH_REASONS = {
    "email": N_("same e-mail"),
    "name": N_("same name"),
    "spelling": N_("same name in the other script or spelling"),
    "partial_name": N_("same name without a patronymic or middle name"),
}


class AttendanceImportError(InputError):
    """Rows that cannot be imported; ``errors`` holds (row number, message) for each."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        shown = "; ".join(_("row {row}: {message}").format(row=row, message=message) for row, message in errors[:5])
        more = len(errors) - 5
        if more > 0:
            shown += "; " + ngettext("and {count} more row", "and {count} more rows", more).format(count=more)
        super().__init__(_("Nothing was imported. {errors}").format(errors=shown))


@dataclass
class SourceTable:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells)


@dataclass
class PlannedRow:
    """What importing one row does: ``status`` is new, matched, rejoin, already or error."""

    row: int
    values: dict
    status: str
    person_id: str | None = None
    error: str | None = None
    match: str | None = None  # a key of MATCH_REASONS for a matched row
    matched_name: str | None = None  # the recorded person's name as recorded


@dataclass
class Preview:
    mapping: dict[str, int]
    rows: list[PlannedRow] = field(default_factory=list)
    people: dict[str, dict] = field(default_factory=dict)  # the people recorded, by id, as read once
    participations: dict[str, dict] = field(default_factory=dict)  # the event's participations, by person id

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def errors(self) -> list[tuple[int, str]]:
        return [(row.row, row.error) for row in self.rows if row.status == "error"]


# ----- names ----------------------------------------------------------------------------------

latin_key = name_key  # a spelling-independent form of a name: the folding search uses too


def name_tokens(full_name: str) -> frozenset[str]:
    return frozenset(latin_key(full_name).split())


def _normal_header(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", str(text or "").lower()).split())


# ----- reading ----------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def decode_text(data: bytes, path: Path) -> str:
    """The text of a CSV file, by its byte-order mark, else UTF-8, else Windows-1251."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    else:
        if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:  # UTF-16 without a mark: every other byte 0
            try:
                return data.decode("utf-16-le" if data[1] == 0 else "utf-16-be")
            except UnicodeDecodeError:
                pass
        for encoding in CSV_ENCODINGS:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise InputError(_("{path} is neither UTF-8, UTF-16 nor Windows-1251 text").format(path=path))


def csv_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most cells, the same number on most lines."""
    lines = [line for line in text[:8192].splitlines() if line.strip()][:HEADER_SEARCH_ROWS]

    def score(delimiter):
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        return max((counts.count(n) * (n - 1), n) for n in counts) if counts else (0, 0)

    return max(CSV_DELIMITERS, key=score)


def _read_rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except OSError:
            raise
        except zipfile.BadZipFile:
            raise InputError(
                _("{path} is not a readable Excel file: it is damaged or not a workbook").format(path=path)
            ) from None
        except Exception:  # openpyxl raises many kinds for a damaged file, worded in English
            raise InputError(
                _("{path} is not a readable Excel file: its content is damaged").format(path=path)
            ) from None
        try:
            return [[_cell_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    text = decode_text(path.read_bytes(), path)
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text), strict=True)
    line = 1
    try:
        for row in reader:
            if any("\n" in cell or "\r" in cell for cell in row):  # a quote left open runs on over the lines
                raise AttendanceImportError([(line, _("a quotation mark opened in this row is not closed"))])
            rows.append([cell.strip() for cell in row])
            line = reader.line_num + 1
    except csv.Error:
        raise AttendanceImportError([(line, _("a quotation mark opened in this row is not closed"))]) from None
    return rows


def read_table(path: Path) -> SourceTable:
    """The attendance list's header and rows; InputError if the file cannot be read or has no name column."""
    path = Path(path)
    try:
        rows = _read_rows(path)
    except OSError as error:
        raise InputError(_("cannot read {path}: {error}").format(path=path, error=os_reason(error))) from None
    # The header is the row among the first few that names the most known columns, one of them the names
    # (a preamble line such as "Meeting name: …" names fewer).
    candidates = [
        (len(mapping), -index)
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS])
        if names_people(mapping := detect_mapping(row))
    ]
    if not candidates:
        raise InputError(_("{path}: no column of names found (a header such as “Name” or “ФИО”)").format(path=path))
    index = -max(candidates)[1]
    body = []
    for number, cells in enumerate(rows[index + 1 :], start=index + 2):
        if cells and SECTION_HEADING.match(cells[0]) and not any(cells[1:]):
            break  # the next section of a Teams report (its activities list the same people again)
        if any(cells):
            body.append((number, cells))
    return SourceTable(rows[index], body)


def names_people(mapping: dict[str, int]) -> bool:
    """Whether the columns give a name: a full name, or first and last names."""
    return "full_name" in mapping or all(part in mapping for part in NAME_PARTS)


def detect_mapping(headers: list[str]) -> dict[str, int]:
    """Field → column index, from the headers; the earliest word of a header decides
    (“Organization name” is an organization, “Name (original name)” a name)."""
    mapping: dict[str, int] = {}
    for column, header in enumerate(headers):
        words = f" {_normal_header(header)} "
        found = []
        for field_name, aliases in HEADER_ALIASES.items():
            for alias in aliases:
                position = words.find(f" {_normal_header(alias)} ")
                if position >= 0:
                    found.append((position, -len(alias), field_name))
        if found:
            field_name = min(found)[2]
            if field_name == "full_name" and "full_name" in mapping:
                mapping.setdefault(SECOND_NAME, column)  # the name in another script
            mapping.setdefault(field_name, column)
    return mapping


SECOND_NAME = "full_name_other"  # a second column of names, in another script: becomes ``full_name@LANG``
# Words in a header that say which language a second column of names is in.
LANGUAGE_HINTS = {
    "ru": ("рус", "russian", "кирил", "cyrillic"),
    "en": ("lat", "english", "англ", "латин"),
    "kk": ("қаз", "kazakh", "каз"),
    "ky": ("кыргыз", "kyrgyz"),
    "uz": ("uzbek", "oʻzbek", "узбек"),
    "tg": ("тоҷик", "tajik", "тадж"),
    "tk": ("türkmen", "turkmen", "туркм"),
}


def second_name_language(header: str, name: str) -> str:
    """The language of a name from a second column of names: named by its header, else by its script."""
    folded = header.casefold()
    for language, hints in LANGUAGE_HINTS.items():
        if any(hint in folded for hint in hints):
            return language
    return "en" if all(ch.isascii() or not ch.isalpha() for ch in name) else "ru"


# ----- values -------------------------------------------------------------------------------------


def _code_from_words(value: str, words: dict[str, tuple]) -> str | None:
    return _spellings(tuple((code, tuple(spelled)) for code, spelled in words.items())).get(_normal_header(value))


@lru_cache(maxsize=64)
def _spellings(words: tuple) -> dict[str, str]:
    """Each normalised spelling to its code (the first code that lists it)."""
    found: dict[str, str] = {}
    for code, spellings in words:
        for spelled in spellings:
            found.setdefault(_normal_header(spelled), code)
    return found


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Every name of a country this program knows (UN, CLDR in the seven languages, long and short forms),
    folded (``name_key``) to its code; the member states' names win over any other country's."""
    names: dict[str, str] = {}
    for language in LANGUAGES:
        for code, name in babel_locale(language).territories.items():
            if code in country_codes():
                names.setdefault(name_key(name), code)
    for spelled in MEMBER_STATE_NAMES.values():
        for code, name in spelled.items():
            names[name_key(name)] = code
    for code, aliases in MEMBER_STATE_ALIASES.items():
        for alias in aliases:
            names[name_key(alias)] = code
    return names


@lru_cache(maxsize=1024)  # a list names a few countries many times
def _country_code(value: str) -> str:
    code = value.strip().upper()
    if code in country_codes():
        return code
    found = _country_names().get(name_key(value))
    if found is None:
        raise ValidationError("country", _("“{value}” is not a country").format(value=value))
    return found


def _labels(codes: dict) -> dict[str, tuple]:
    return {code: (code, label, _(label)) for code, label in codes.items()}


# The words each coded column is written in (as exported by the tools), then the codes and their labels.
CODED_COLUMNS = {"gender": (GENDER_WORDS, GENDERS), "role": (ROLE_WORDS, ROLES)}


@lru_cache(maxsize=1024)
def _column_code(column: str, value: str, language: str) -> str | None:
    """The code of a gender or role cell (a list repeats a handful of spellings: each is looked up once per
    language, since the labels are compared translated)."""
    words, codes = CODED_COLUMNS[column]
    return _code_from_words(value, words) or _code_from_words(value, _labels(codes))


def row_values(cells: list[str], mapping: dict[str, int], headers: list[str] | None = None) -> dict:
    """The row's person fields and role, as the domain expects them; ValidationError if one is not understood."""
    raw = {name: cells[column] if column < len(cells) else "" for name, column in mapping.items()}
    if not raw.get("full_name") and any(raw.get(part) for part in NAME_PARTS):
        raw["full_name"] = " ".join(raw[part] for part in NAME_PARTS if raw.get(part))
    device = DEVICE_PREFIX.match(raw.get("full_name") or "")
    if device:
        raw["full_name"] = device.group("name").strip()
    values = {name: raw[name] for name in PERSON_FIELDS if raw.get(name)}
    if raw.get(SECOND_NAME) and raw[SECOND_NAME] != raw.get("full_name"):
        language = second_name_language(headers[mapping[SECOND_NAME]] if headers else "", raw[SECOND_NAME])
        values[variant_name("full_name", language)] = raw[SECOND_NAME]
    if raw.get("gender"):
        values["gender"] = _column_code("gender", raw["gender"], current_language())
        if values["gender"] is None:
            raise ValidationError(
                "gender", _("“{value}” is not female, male or unspecified").format(value=raw["gender"])
            )
    if raw.get("country"):
        values["country"] = _country_code(raw["country"])
    if raw.get("email"):
        values["email"] = raw["email"].lower()
    role = "participant"
    if raw.get("role"):
        role = _column_code("role", raw["role"], current_language())
        if role is None:
            raise ValidationError(
                "role",
                _("“{value}” is not one of: {roles}").format(
                    value=raw["role"], roles=", ".join(_(label) for label in ROLES.values())
                ),
            )
    person = coerce_fields(KINDS["person"], values)
    check_record(KINDS["person"], {**{f.name: f.default for f in KINDS["person"].fields}, **person})
    return {**person, "role": role}


# ----- matching -------------------------------------------------------------------------------------


class PeopleIndex:
    """People known so far (recorded or earlier in the file), found by e-mail or by name."""

    def __init__(self, people: list[dict]):
        self.by_email: dict[str, str] = {}
        self.by_name: dict[frozenset, list[str]] = {}
        self.without_email: dict[frozenset, list[str]] = {}  # by name, those with no e-mail recorded
        self.by_shorter: dict[frozenset, set[frozenset]] = {}  # a name less one word → the names it came from
        self.emails: dict[str, str | None] = {}
        self.names: dict[str, str] = {}
        for person in people:
            self.add(person["id"], person["full_name"], person["email"])

    def add(self, person_id: str, full_name: str, email: str | None) -> None:
        if email:
            self.by_email.setdefault(email.lower(), person_id)
        tokens = name_tokens(full_name)
        self.by_name.setdefault(tokens, []).append(person_id)
        if not email:
            self.without_email.setdefault(tokens, []).append(person_id)
        if len(tokens) >= 3:
            for word in tokens:
                self.by_shorter.setdefault(tokens - {word}, set()).add(tokens)
        self.emails[person_id] = email.lower() if email else None
        self.names[person_id] = full_name

    def find(self, full_name: str, email: str | None) -> str | None:
        return self.match(full_name, email)[0]

    def match(self, full_name: str, email: str | None) -> tuple[str | None, str | None]:
        """The person ``full_name`` and ``email`` name, and why (a key of ``MATCH_REASONS``), or (None, None)."""
        if email and email in self.by_email:
            return self.by_email[email], "email"
        tokens = name_tokens(full_name)
        partial = tokens not in self.by_name and len(tokens) >= 2
        if partial:  # one spelling has a patronymic or a middle name more than the other
            longer = self.by_shorter.get(tokens, set())
            shorter = {tokens - {word} for word in tokens} if len(tokens) >= 3 else set()
            candidates = [
                i for known in longer | shorter for i in self.by_name.get(known, ()) if not email or not self.emails[i]
            ]
        else:  # a person with another e-mail is another person (one with this e-mail was found above)
            candidates = (self.without_email if email else self.by_name).get(tokens, [])
        if len(set(candidates)) != 1:
            return None, None
        found = candidates[0]
        if partial:
            return found, "partial_name"
        same = sorted(full_name.casefold().split()) == sorted(self.names[found].casefold().split())
        return found, "name" if same else "spelling"


def field_label(name: str) -> str:
    """The translated label of one of ``FIELDS``."""
    kind = KINDS["participation"] if name == "role" else KINDS["person"]
    return _(kind.field(name).label)


def explain(error: ValidationError) -> str:
    """The error with the field's translated label (“E-mail: …”) instead of its code."""
    if error.field in FIELDS:
        return _("{field}: {message}").format(field=field_label(error.field), message=error.message)
    return str(error)


def _recorded(connection, event_id: str) -> tuple[list[dict], dict[str, dict]]:
    people = [dict(row) for row in connection.execute(visible_query(KINDS["person"])).mappings()]
    participations = {
        row["person_id"]: dict(row)
        for row in connection.execute(
            visible_query(KINDS["participation"]).where(Participation.event_id == event_id)
        ).mappings()
    }
    return people, participations


def plan(connection, table: SourceTable, mapping: dict[str, int], event_id: str) -> Preview:
    """What importing ``table`` into the event would do, row by row, without writing anything."""
    if not names_people(mapping):
        raise InputError(_("Choose the column that holds the names"))
    people, participations = _recorded(connection, event_id)
    index = PeopleIndex(people)
    preview = Preview(mapping, people={person["id"]: person for person in people}, participations=participations)
    seen: dict[str, int] = {}
    for done, (number, cells) in enumerate(table.rows):
        if done % PROGRESS_EVERY == 0:
            checkpoint(_("Reading the list…"), done, len(table.rows))
        try:
            values = row_values(cells, mapping, table.headers)
        except ValidationError as error:
            raw = {
                name: cells[column]
                for name, column in mapping.items()
                if name in ("full_name", "email") and column < len(cells)
            }
            preview.rows.append(PlannedRow(number, raw, "error", error=explain(error)))
            continue
        person_id, match = index.match(values["full_name"], values.get("email"))
        matched_name = index.names.get(person_id) if person_id else None
        # Two people of one name are two people when their e-mails differ; one listed twice is one.
        key = person_id or f"new:{latin_key(values['full_name'])}:{values.get('email') or ''}"
        if key in seen:
            status = "rejoin"
        elif person_id is None:
            status = "new"
            person_id = key
            index.add(key, values["full_name"], values.get("email"))
        elif person_id in participations and participations[person_id]["attended"]:
            status = "already"
        else:
            status = "matched"
        seen.setdefault(key, number)
        preview.rows.append(PlannedRow(number, values, status, person_id, match=match, matched_name=matched_name))
    return preview


def describe(row: PlannedRow) -> dict:
    """One planned row for ``--dry-run``: the row, the name, what happens and why, in the current language."""
    if row.status == "error":
        why = row.error
    elif row.status == "new":
        why = _("nobody recorded has this e-mail or name")
    elif row.status == "rejoin":
        why = _("appears earlier in the file")
    else:
        why = _(MATCH_REASONS[row.match]) if row.match else ""
    entry = {"row": row.row, "name": row.values.get("full_name", ""), "status": row.status}
    if row.status in ("matched", "already", "rejoin") and row.person_id and not row.person_id.startswith("new:"):
        entry.update(person_id=row.person_id, person=row.matched_name)
    if row.match:
        entry["match"] = row.match
    entry["why"] = why
    return entry


def _check_event(desk, event_id: str) -> None:
    if desk.get(event_id)["kind"] != "event":
        raise InputError(_("“{id}” is not an event").format(id=event_id))


def preview(desk, path: Path, event_id: str, mapping: dict[str, int] | None = None) -> Preview:
    """Read the file and plan its import into the event."""
    _check_event(desk, event_id)
    table = read_table(path)
    with desk.engine.connect() as connection:
        return plan(connection, table, mapping or detect_mapping(table.headers), event_id)


@dataclass
class ImportResult:
    people_created: int
    people_matched: int
    participations_added: int
    already_recorded: int
    rejoins: int


def import_attendance(desk, path: Path, event_id: str, mapping: dict[str, int] | None = None) -> ImportResult:
    """Import the list into the event in one transaction; AttendanceImportError (nothing written) on bad rows."""
    _check_event(desk, event_id)
    with _no_cycle_collection():
        return _import(desk, path, event_id, mapping)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while a list is imported: the import makes millions of small dicts and
    no cycles, and each full collection walks every one of them again (a fifth of a 50,000-row import)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(desk, path: Path, event_id: str, mapping: dict[str, int] | None) -> ImportResult:
    """New people go through ``create_attendees`` in batches of ``WRITER_BATCH``, each with a change writer of
    its own on the one transaction: a writer remembers every record it wrote (to validate later writes
    against them), which a flushed batch no longer needs, and 50,000 rows of that memory would double the
    import's peak."""
    table = read_table(path)
    mapping = mapping or detect_mapping(table.headers)
    with desk.transaction(write=True) as connection, larger_page_cache(connection, PAGE_CACHE_MIB):
        planned = plan(connection, table, mapping, event_id)
        if planned.errors:
            raise AttendanceImportError(planned.errors)
        del table  # the planned rows hold what is written
        new_rows = [row for row in planned.rows if row.status == "new"]
        for start in range(0, len(new_rows), WRITER_BATCH):
            checkpoint(_("Recording the attendance…"), start, len(new_rows))
            writer = ChangeWriter(connection)
            batch = new_rows[start : start + WRITER_BATCH]
            create_attendees(writer, event_id, ((_person_fields(row), row.values["role"]) for row in batch))
            writer.flush()
        writer = ChangeWriter(connection)
        errors = []
        for row in planned.rows:
            if row.status != "matched":
                continue
            try:
                _fill_blanks(writer, planned.people[row.person_id], _person_fields(row))
                existing = planned.participations.get(row.person_id)
                if existing:
                    put_record(writer, "participation", {"id": existing["id"], "attended": True})
                else:
                    put_record(
                        writer,
                        "participation",
                        {
                            "event_id": event_id,
                            "person_id": row.person_id,
                            "role": row.values["role"],
                            "attended": True,
                        },
                    )
            except ValidationError as error:
                errors.append((row.row, explain(error)))
        if errors:
            raise AttendanceImportError(errors)
        writer.flush()
    new, matched = planned.count("new"), planned.count("matched")
    return ImportResult(new, matched, new + matched, planned.count("already"), planned.count("rejoin"))


def _person_fields(row: PlannedRow) -> dict:
    return {name: value for name, value in row.values.items() if name != "role"}


def _fill_blanks(writer, current: dict, values: dict) -> None:
    """Add what the list knows and the recorded person ``current`` lacks (an e-mail, an organization); never
    overwrite."""
    missing = {k: v for k, v in values.items() if v and not is_variant(k) and not current[k] and k != "gender"}
    if values.get("gender") not in (None, "unspecified") and current["gender"] in (None, "unspecified"):
        missing["gender"] = values["gender"]
    if missing:
        put_record(writer, "person", {"id": current["id"], **missing})

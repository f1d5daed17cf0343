"""The rules of SPEC §2: each value normalised to its stored form, each record checked as a whole.

Every message is translated at the moment it is raised and names the field at fault.
"""

from __future__ import annotations

import re
from datetime import date

from desktop_app.domain.schema import KINDS, Field, Kind, country_codes
from desktop_app.errors import ValidationError
from desktop_app.i18n import N_, _

# Checked with ``fullmatch``: ``$`` would let a final newline through. Digits are ASCII ``[0-9]``; an e-mail
# address may be written in any script, so its ``\s`` stays Unicode (it refuses more, not less).
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII)
RECORD_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}", re.ASCII)  # ids of records and installations
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
MAX_TEXT = 100_000


def _text(field: Field, value):
    if not isinstance(value, str):
        raise ValidationError(field.name, _("must be text"))
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, as the JSON escape \ud800 gives
            raise ValidationError(field.name, _("holds a character that is not valid text")) from None
    value = value.strip()
    limit = field.max_length or MAX_TEXT
    if len(value) > limit:
        raise ValidationError(field.name, _("must be at most {limit} characters").format(limit=limit))
    return value or None


def _date(field: Field, value):
    if not isinstance(value, str):
        raise ValidationError(field.name, _("must be a date written YYYY-MM-DD"))
    value = value.strip()
    if _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValidationError(field.name, _("must be a date written YYYY-MM-DD"))


def _code(field: Field, value):
    codes = field.codes or {}
    if not isinstance(value, str) or value not in codes:
        raise ValidationError(
            field.name, _("“{value}” is not one of: {codes}").format(value=value, codes=", ".join(codes))
        )
    return value


def _country(field: Field, value):
    if not isinstance(value, str) or value.strip().upper() not in country_codes():
        raise ValidationError(field.name, _("“{value}” is not an ISO 3166-1 country code").format(value=value))
    return value.strip().upper()


def _list(field: Field, value, item):
    if not isinstance(value, list):
        raise ValidationError(field.name, _("must be a list"))
    result = []
    for element in value:
        element = item(field, element)
        if element not in result:
            result.append(element)
    return sorted(result)


def _count(field: Field, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(field.name, _("must be a whole number, 0 or more"))
    return value


def _bool(field: Field, value):
    if not isinstance(value, bool):
        raise ValidationError(field.name, _("must be true or false"))
    return value


def _ref(field: Field, value):
    if not isinstance(value, str) or not RECORD_ID.fullmatch(value.strip()):
        raise ValidationError(field.name, _("must be the id of a record: {kind}").format(kind=_(field.target().label)))
    return value.strip()


def _email(field: Field, value):
    value = _text(field, value)
    if value is not None and not _EMAIL.fullmatch(value):
        raise ValidationError(field.name, _("“{value}” is not an e-mail address").format(value=value))
    return value


def _sha256(field: Field, value):
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise ValidationError(field.name, _("must be 64 lower-case hexadecimal digits"))
    return value


_COERCE = {
    "text": _text,
    "date": _date,
    "code": _code,
    "country": _country,
    "country_list": lambda f, v: _list(f, v, _country),
    "code_list": lambda f, v: _list(f, v, _code),
    "count": _count,
    "bool": _bool,
    "ref": _ref,
    "email": _email,
    "sha256": _sha256,
}


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValidationError(
            None, _("unknown record kind “{kind}”; known kinds: {kinds}").format(kind=name, kinds=", ".join(KINDS))
        ) from None


def coerce_fields(kind: Kind, values: dict) -> dict:
    """Normalise the given fields (``None`` clears one); unknown fields are refused."""
    result = {}
    for name, value in values.items():
        field = kind.names.get(name) or kind.variant(name)
        if field is None:
            raise ValidationError(name, _("no such field in this kind of record: {kind}").format(kind=_(kind.label)))
        result[name] = None if value is None else _COERCE[field.type](field, value)
        if result[name] is None and field.default is not None:
            result[name] = field.default
    return result


# Rules that tie fields of one event together (SPEC §2), by name, with the fields each ties. Records merged
# from concurrent edits may break one: that is a clash, kept as a conflict on the record (SPEC §4.3).
RULES = {
    "end_not_before_start": ("start_date", "end_date"),
    "women_and_men_within_total": ("participants_total", "participants_women", "participants_men"),
    "meeting_has_parties": ("type", "parties"),
}
RULE_LABELS = {
    "end_not_before_start": N_("the end date is before the start date"),
    "women_and_men_within_total": N_("women and men together exceed the total"),
    "meeting_has_parties": N_("a bilateral or multilateral meeting has fewer than two parties"),
}


def _rule_error(rule: str, record: dict) -> ValidationError | None:
    """The error of an event that breaks ``rule``, or None."""
    if rule == "end_not_before_start":
        start, end = record.get("start_date"), record.get("end_date")
        if start and end and end < start:
            return ValidationError("end_date", _("must not be before the start date"))
        return None
    if rule == "meeting_has_parties":
        if record.get("type") in ("bilateral_meeting", "multilateral_meeting") and len(record.get("parties") or []) < 2:
            return ValidationError("parties", _("a bilateral or multilateral meeting needs two or more parties"))
        return None
    total = record.get("participants_total")
    women = record.get("participants_women") or 0
    men = record.get("participants_men") or 0
    if total is not None and women + men > total:
        return ValidationError(
            "participants_total",
            _("women ({women}) and men ({men}) together exceed the total ({total})").format(
                women=women, men=men, total=total
            ),
        )
    return None


def broken_rules(kind: Kind, record: dict) -> list[str]:
    """The rules of ``RULES`` that the record breaks (only events have any)."""
    if kind.name != "event":
        return []
    return [rule for rule in RULES if _rule_error(rule, record) is not None]


def _whole_record_errors(kind: Kind, record: dict, changed: set[str] | None):
    """Each required field left empty, then each cross-field rule broken (see ``check_record``)."""
    for field in kind.fields:
        if field.required and record.get(field.name) in (None, ""):
            yield ValidationError(field.name, _("is required"))
    if kind.name == "event":
        for rule, fields in RULES.items():
            error = _rule_error(rule, record) if changed is None or changed & set(fields) else None
            if error is not None:
                yield error


def check_record(kind: Kind, record: dict, changed: set[str] | None = None) -> None:
    """Rules that concern the record as a whole: required fields and cross-field limits.

    With ``changed`` (the fields an edit sets), a cross-field rule is checked only when the edit touches
    one of its fields: a record that already clashes (SPEC §4.3) stays editable in its other fields."""
    error = next(_whole_record_errors(kind, record, changed), None)
    if error is not None:
        raise error


def record_errors(kind: Kind, values: dict, changed: set[str] | None = None) -> list[ValidationError]:
    """Every reason to refuse ``values`` typed for a record, not only the first (a form shows them all at
    once): each field not of its type, then what ``check_record`` checks, on the fields not refused yet."""
    errors: list[ValidationError] = []
    typed: dict = {}
    for name, value in values.items():
        try:
            typed |= coerce_fields(kind, {name: value})
        except ValidationError as error:
            errors.append(error)
    refused = {error.field for error in errors}
    record = {field.name: field.default for field in kind.fields} | typed
    return errors + [e for e in _whole_record_errors(kind, record, changed) if e.field not in refused]

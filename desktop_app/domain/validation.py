"""The rules of SPEC §2: each value normalised to its stored form, each record checked as a whole.

Every message is translated at the moment it is raised and names the field at fault.
"""

from __future__ import annotations

import re
from datetime import date

from desktop_app.domain.errors import ValidationError
from desktop_app.domain.schema import KINDS, Field, Kind, country_codes
from desktop_app.i18n import _

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_TEXT = 100_000


def _text(field: Field, value):
    if not isinstance(value, str):
        raise ValidationError(field.name, _("must be text"))
    value = value.strip()
    limit = field.max_length or MAX_TEXT
    if len(value) > limit:
        raise ValidationError(field.name, _("must be at most {limit} characters").format(limit=limit))
    return value or None


def _date(field: Field, value):
    if not isinstance(value, str):
        raise ValidationError(field.name, _("must be a date written YYYY-MM-DD"))
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(field.name, _("must be a date written YYYY-MM-DD")) from None
    if len(value.strip()) != 10:
        raise ValidationError(field.name, _("must be a date written YYYY-MM-DD"))
    return parsed.isoformat()


def _code(field: Field, value):
    if not isinstance(value, str) or value not in field.codes:
        raise ValidationError(field.name, _("“{value}” is not one of: {codes}").format(
            value=value, codes=", ".join(field.codes)))
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
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field.name, _("must be the id of a record: {kind}").format(kind=_(KINDS[field.ref].label)))
    return value.strip()


def _email(field: Field, value):
    value = _text(field, value)
    if value is not None and not _EMAIL.match(value):
        raise ValidationError(field.name, _("“{value}” is not an e-mail address").format(value=value))
    return value


def _sha256(field: Field, value):
    if not isinstance(value, str) or not _SHA256.match(value):
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
        raise ValidationError(None, _("unknown record kind “{kind}”; known kinds: {kinds}").format(
            kind=name, kinds=", ".join(KINDS))) from None


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


def check_record(kind: Kind, record: dict) -> None:
    """Rules that concern the record as a whole: required fields and cross-field limits."""
    for field in kind.fields:
        if field.required and record.get(field.name) in (None, ""):
            raise ValidationError(field.name, _("is required"))
    if kind.name == "event":
        start, end = record.get("start_date"), record.get("end_date")
        if start and end and end < start:
            raise ValidationError("end_date", _("must not be before the start date"))
        total = record.get("participants_total")
        women = record.get("participants_women") or 0
        men = record.get("participants_men") or 0
        if total is not None and women + men > total:
            raise ValidationError("participants_total", _(
                "women ({women}) and men ({men}) together exceed the total ({total})").format(
                    women=women, men=men, total=total))
        if record.get("type") in ("bilateral_meeting", "multilateral_meeting") and len(record.get("parties") or []) < 2:
            raise ValidationError("parties", _("a bilateral or multilateral meeting needs two or more parties"))

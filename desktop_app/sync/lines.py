"""One line of a bundle (FORMAT.md §3, §5, §8): strict JSON, and the checks of a change line or a stub.

``strict_json`` parses JSON as the format allows it (UTF-8, no duplicate keys, no NaN, integers in 64
bits, bounded depth, no CR outside text, no lone surrogate); ``check_change`` holds a parsed line to its
keys, types and stored forms and computes its place in its author's log. Every failure names the line and
the problem; every limit hit names the limit (FORMAT.md, "Limits").
"""

from __future__ import annotations

import json
import math
import re

from desktop_app.domain.authority import SECRETARIAT
from desktop_app.domain.hlc import FORM as _HLC
from desktop_app.domain.schema import DELETED, KINDS, OWNER, country_codes
from desktop_app.domain.validation import RECORD_ID, coerce_fields
from desktop_app.errors import InputError, ValidationError, one_line
from desktop_app.i18n import _
from desktop_app.sync import chain

MAX_DEPTH = 8  # nesting of JSON arrays and objects
MAX_INT = 2**63 - 1  # every JSON integer lies in [-2^63, 2^63 - 1]

# Ids, digests and clocks (``_HLC``) are checked with ``fullmatch`` under re.ASCII: ``\d`` would take
# Arabic-Indic digits and ``$`` a final newline.
HEX64 = re.compile(r"[0-9a-f]{64}", re.ASCII)
_HEX32 = re.compile(r"[0-9a-f]{32}", re.ASCII)
_CHANGE_KEYS = {"device_id", "seq", "hlc", "kind", "record_id", "field", "value", "salt", "prev"}
_OPTIONAL_KEYS = {"context", "replaces"}


def limit_error(where: str, limit: str, value: int) -> InputError:
    """The error for a limit of FORMAT.md hit at ``where``, naming the limit and its value."""
    return InputError(
        _("{where}: over the limit {limit} = {value} (FORMAT.md, “Limits”)").format(
            where=one_line(where), limit=limit, value=value
        )
    )


class _Refused(ValueError):
    pass


def _bounded_int(text: str) -> int:
    value = int(text)
    if not -MAX_INT - 1 <= value <= MAX_INT:
        raise _Refused("MAX_INT")
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused("MAX_INT")
    return value


def _no_constant(text: str):
    raise _Refused("constant")


def _unique_keys(pairs: list) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Refused("duplicate")
    return result


def _depth(value, level: int = 1) -> int:
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level - 1


def strict_json(data: bytes, where: str):
    """Parse JSON as FORMAT.md allows it: UTF-8, no duplicate keys, no NaN, integers in 64 bits, depth ≤ MAX_DEPTH."""
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_unique_keys,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_no_constant,
        )
    except _Refused as error:
        if str(error) == "MAX_INT":
            raise limit_error(where, "MAX_INT", MAX_INT) from None
        raise InputError(_("{where}: not valid JSON").format(where=one_line(where))) from None
    except RecursionError:
        raise limit_error(where, "MAX_DEPTH", MAX_DEPTH) from None
    except (ValueError, UnicodeDecodeError):
        raise InputError(_("{where}: not valid JSON").format(where=one_line(where))) from None
    # Each level opens with a bracket, so a line with few brackets (every honest one) needs no walk.
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise limit_error(where, "MAX_DEPTH", MAX_DEPTH)
    if b"\r" in data:  # never written; JSON would take it as white space
        raise InputError(_("{where}: holds a carriage return (CR) outside text: refused").format(where=one_line(where)))
    if b"\\u" in data:  # only an escape can spell a lone surrogate, which is not text
        try:
            canonical_bytes(value)
        except UnicodeEncodeError:
            raise InputError(
                _("{where}: holds a lone surrogate escape (\\uD800–\\uDFFF), which is not text: refused").format(
                    where=one_line(where)
                )
            ) from None
    return value


def canonical_bytes(value) -> bytes:
    """Canonical JSON (FORMAT.md): keys sorted, no spaces, UTF-8 without escapes."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def is_id(value) -> bool:
    return isinstance(value, str) and bool(RECORD_ID.fullmatch(value))


def is_seq(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def check_change(change) -> dict:
    """A change line of the right shape and types, its value already in its stored form (FORMAT.md §5).

    A value in any other form is refused rather than normalised: the author's hashes cover the line as it
    came, and every relay must hand it on byte for byte the same. Returns the line with its place in its
    author's log (``sync.chain``): ``prev``, ``digest`` and ``link``. A stub (a line the recipient may not
    see) comes back as ``{"stub": True, device_id, seq, prev, digest, link}``.
    """
    if isinstance(change, dict) and set(change) == chain.STUB_KEYS:
        if not (
            is_id(change["device_id"])
            and is_seq(change["seq"])
            and isinstance(change["prev"], str)
            and HEX64.fullmatch(change["prev"])
            and isinstance(change["digest"], str)
            and HEX64.fullmatch(change["digest"])
        ):
            raise ValidationError(
                "digest", _("a line that travels as its hash needs an id, a number and two SHA-256 digests")
            )
        return {
            **change,
            "stub": True,
            "link": chain.link(change["device_id"], change["seq"], change["prev"], change["digest"]),
        }
    if not isinstance(change, dict) or not _CHANGE_KEYS <= set(change) or set(change) - _CHANGE_KEYS - _OPTIONAL_KEYS:
        raise ValidationError(
            None, _("a change needs exactly the keys {keys}").format(keys=", ".join(sorted(_CHANGE_KEYS)))
        )
    kind = KINDS.get(change["kind"]) if isinstance(change["kind"], str) else None
    if kind is None:
        raise ValidationError("kind", _("unknown record kind “{kind}”").format(kind=one_line(change["kind"])[:100]))
    if not (is_id(change["device_id"]) and is_id(change["record_id"])):
        raise ValidationError("record_id", _("ids must be short text"))
    if not is_seq(change["seq"]):
        raise ValidationError("seq", _("must be a whole number, 1 or more"))
    if not isinstance(change["hlc"], str) or not _HLC.fullmatch(change["hlc"]):
        raise ValidationError("hlc", _("is not a clock reading"))
    if not (
        isinstance(change["salt"], str)
        and _HEX32.fullmatch(change["salt"])
        and isinstance(change["prev"], str)
        and HEX64.fullmatch(change["prev"])
    ):
        raise ValidationError("salt", _("a change needs a salt of 32 and a previous link of 64 hex digits"))
    try:
        digest = chain.digest(change)
    except UnicodeEncodeError:
        raise ValidationError("value", _("holds a lone surrogate, which is not text")) from None
    link = chain.link(change["device_id"], change["seq"], change["prev"], digest)
    field, value = change["field"], change["value"]
    if field == DELETED:
        if not isinstance(value, bool):
            raise ValidationError(DELETED, _("must be true or false"))
    elif field == OWNER:
        if not isinstance(value, str) or (value != SECRETARIAT and value not in country_codes()):
            raise ValidationError(OWNER, _("must be “secretariat” or a country code"))
    else:
        if not isinstance(field, str):
            raise ValidationError("field", _("must be text"))
        stored = coerce_fields(kind, {field: value})[field]
        if stored is None and field in kind.names and kind.names[field].required:  # no local edit clears one
            raise ValidationError(field, _("is required"))
        if stored != value or type(stored) is not type(value):
            raise ValidationError(field, _("is not in its stored form (FORMAT.md §5)"))
    context = change.get("context")
    if "context" in change and field != DELETED:
        raise ValidationError("context", _("only a deletion carries a context"))
    if "context" in change and not (
        isinstance(context, dict)
        and all(is_id(k) and isinstance(v, int) and not isinstance(v, bool) and v >= 0 for k, v in context.items())
    ):
        raise ValidationError("context", _("must map device ids to sequence numbers"))
    replaces = change.get("replaces")
    if "replaces" in change and not (
        isinstance(replaces, dict) and replaces and all(is_id(k) and is_seq(v) for k, v in replaces.items())
    ):
        raise ValidationError("replaces", _("must map device ids to sequence numbers"))
    change["digest"], change["link"] = digest, link
    return change

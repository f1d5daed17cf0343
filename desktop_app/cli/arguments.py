"""Argument types of the command line that take digits and ids only in ASCII (FORMAT.md, “Strict ASCII”).

``int`` alone would take ``٢٠٢٤`` (Arabic-Indic digits) for 2024, and a device id could carry a newline.
"""

from __future__ import annotations

import argparse
import re

from desktop_app.domain.validation import RECORD_ID
from desktop_app.i18n import _

_DIGITS = re.compile(r"[0-9]{1,18}", re.ASCII)


def whole_number(text: str) -> int:
    """A whole number written with the digits 0–9."""
    if not _DIGITS.fullmatch(text):
        raise argparse.ArgumentTypeError(
            _("“{text}” is not a whole number written with the digits 0–9").format(text=text)
        )
    return int(text)


def device_id(text: str) -> str:
    """An installation's device id: letters, digits and ``_ . : -`` in ASCII."""
    if not RECORD_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(_("“{text}” is not a device id").format(text=text))
    return text

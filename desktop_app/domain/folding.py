"""One folding of text to a Latin skeleton, shared by search (``search.fold``) and the matching of names
(``importers.attendance``): «астана» finds "Astana", and «Уринбоева», «Ўринбоева» and "Oʻrinboyeva" are one name.

Case is folded; the Cyrillic letters of Russian, Kazakh, Kyrgyz, Tajik and Uzbek and the special Latin letters
of Uzbek and Turkmen become plain Latin; then the spellings that transliterations disagree on are made one
(``kh``/``x``/``h``, ``zh``/``dzh``/``j``, ``ts``/``c``, ``y``/``i``, ``q``/``k``, ``w``/``v``, ``ye``/``e``).
Uzbek ``oʻ`` (Cyrillic ``ў``) is the vowel Russian writes ``у``; other apostrophes are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# One letter to its Latin skeleton (after casefold); letters not listed stay as they are.
TRANSLITERATION = {
    # Russian (and every Cyrillic alphabet of the region)
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "io",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "c",
    "ч": "ch",
    "ш": "sh",
    "щ": "sh",
    "ъ": "",
    "ы": "i",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    # Kazakh and Kyrgyz
    "ә": "a",
    "ғ": "g",
    "қ": "k",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
    # Tajik
    "ӣ": "i",
    "ӯ": "u",
    "ҳ": "h",
    "ҷ": "j",
    # Uzbek Cyrillic: ў is Latin oʻ, said as Russian у
    "ў": "u",
    # Turkmen Latin
    "ç": "ch",
    "ä": "a",
    "ž": "j",
    "ň": "n",
    "ö": "o",
    "ş": "sh",
    "ü": "u",
    "ý": "i",
    # Uzbek Latin: gʻ is g; the apostrophes (ʻ ʼ ’ ‘ ' `) are dropped once oʻ is read
    "\u02bb": "",
    "\u02bc": "",
    "\u2019": "",
    "\u2018": "",
    "'": "",
    "`": "",
}
_TABLE = str.maketrans(TRANSLITERATION)
_UZBEK_O = re.compile("o[\u02bb\u02bc\u2019\u2018'`]")
# Latin spellings of one sound, made one (in this order: ``dzh`` before ``zh``; ``ie`` last, once y is i).
SAME_SOUND = (
    ("dzh", "j"),
    ("zh", "j"),
    ("dj", "j"),
    ("kh", "h"),
    ("ts", "c"),
    ("x", "h"),
    ("q", "k"),
    ("w", "v"),
    ("y", "i"),
    ("ie", "e"),
)


def fold(text: str | None) -> str:
    """``text`` as search and name matching compare it (see the module's description)."""
    if not text:
        return ""
    folded = text.casefold()
    if "o" in folded:
        folded = _UZBEK_O.sub("u", folded)
    folded = folded.translate(_TABLE)
    for spelling, same in SAME_SOUND:
        if spelling in folded:
            folded = folded.replace(spelling, same)
    return folded


@lru_cache(maxsize=8192)  # a name is keyed several times while a list is matched
def name_key(text: str) -> str:
    """A spelling-independent form of a name: ``fold``, accents dropped, anything but letters and digits a
    space, and doubled letters single (Aminov and Aminnov, Ахмедова and Akhmedova agree)."""
    folded = fold(text)
    if not folded.isascii():
        folded = "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))
    folded = re.sub(r"[^a-z0-9]+", " ", folded)
    return re.sub(r"(.)\1+", r"\1", folded).strip()

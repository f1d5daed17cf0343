"""The member states' names as they and the United Nations write them, over CLDR's.

CLDR's Russian name for the Kyrgyz Republic is «Киргизия»; the Platform, the UN and the Kyrgyz
Republic itself write «Кыргызстан». The table holds the short name of each member state in each of
the Platform's languages (the form used in running text, tables and calendars), so that every output
— the window, PDF, XLSX, CSV and ICS — agrees, whatever CLDR ships in a later Babel.
"""

from __future__ import annotations

MEMBER_STATES = ("KZ", "KG", "TJ", "TM", "UZ")

MEMBER_STATE_NAMES = {
    "en": {"KZ": "Kazakhstan", "KG": "Kyrgyzstan", "TJ": "Tajikistan", "TM": "Turkmenistan", "UZ": "Uzbekistan"},
    "ru": {"KZ": "Казахстан", "KG": "Кыргызстан", "TJ": "Таджикистан", "TM": "Туркменистан", "UZ": "Узбекистан"},
    "kk": {"KZ": "Қазақстан", "KG": "Қырғызстан", "TJ": "Тәжікстан", "TM": "Түрікменстан", "UZ": "Өзбекстан"},
    "ky": {"KZ": "Казакстан", "KG": "Кыргызстан", "TJ": "Тажикстан", "TM": "Түркмөнстан", "UZ": "Өзбекстан"},
    "uz": {"KZ": "Qozogʻiston", "KG": "Qirgʻiziston", "TJ": "Tojikiston", "TM": "Turkmaniston", "UZ": "Oʻzbekiston"},
    "tg": {"KZ": "Қазоқистон", "KG": "Қирғизистон", "TJ": "Тоҷикистон", "TM": "Туркманистон", "UZ": "Ӯзбекистон"},
    "tk": {"KZ": "Gazagystan", "KG": "Gyrgyzystan", "TJ": "Täjigistan", "TM": "Türkmenistan", "UZ": "Özbegistan"},
}


def member_state_name(code: str, language: str) -> str | None:
    """The member state's own name in ``language``, or None for another country (CLDR's name then)."""
    return MEMBER_STATE_NAMES.get(language, {}).get(code)


# Long and short names of the member states that lists use besides the UN's and CLDR's.
MEMBER_STATE_ALIASES = {
    "KZ": (
        "Republic of Kazakhstan",
        "Республика Казахстан",
        "РК",
        "Қазақстан Республикасы",
        "Qazaqstan",
        "Qazaqstan Respublikasy",
        "Казахстан",
        "Қазақстан",
    ),
    "KG": (
        "Kyrgyz Republic",
        "Kyrgyzstan",
        "Кыргызская Республика",
        "Киргизия",
        "Кыргызстан",
        "КР",
        "Кыргыз Республикасы",
        "Qirgʻiziston",
    ),
    "TJ": ("Republic of Tajikistan", "Республика Таджикистан", "РТ", "Ҷумҳурии Тоҷикистон", "Тоҷикистон", "Tojikiston"),
    "TM": ("Туркмения", "Türkmenistan", "Туркменистан", "Turkmaniston"),
    "UZ": (
        "Republic of Uzbekistan",
        "Республика Узбекистан",
        "РУз",
        "Ўзбекистон",
        "Oʻzbekiston",
        "Ўзбекистон Республикаси",
        "Oʻzbekiston Respublikasi",
        "Узбекистан",
    ),
}

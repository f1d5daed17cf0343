"""Search and the attendance importer fold text with one table (``domain.folding``), so a name found by
search is the name the importer matches."""

from __future__ import annotations

import pytest

from desktop_app.domain import folding, search
from desktop_app.importers import attendance


def test_search_and_the_importer_share_one_folding():
    assert search.fold is folding.fold
    assert attendance.latin_key is folding.name_key
    for module in (search, attendance):
        assert not any(isinstance(value, dict) and "ж" in value for value in vars(module).values()), (
            f"{module.__name__} keeps a transliteration table of its own"
        )


@pytest.mark.parametrize(
    "names",
    [
        ("Уринбоева", "Ўринбоева", "Oʻrinboyeva", "O'rinboyeva", "Urinboeva"),
        ("Ғайрат Тошматов", "Gʻayrat Toshmatov", "Gayrat Toshmatov"),
        ("Ержан Ахметов", "Yerzhan Akhmetov", "Erjan Ahmetov"),
        ("Шерзод Рахимов", "Sherzod Rakhimov", "Sherzod Raximov"),
        ("Нурлан Жумабаев", "Nurlan Zhumabaev", "Nurlan Jumabayev"),
    ],
)
def test_transliteration_variants_of_one_name_agree(names):
    assert len({folding.name_key(name) for name in names}) == 1, {n: folding.name_key(n) for n in names}
    index = search.SearchIndex(lambda ids: {"person": names[0], "other": "Анна Петрова"})
    index.update(1, lambda _version: set())
    assert all(index.search(name.split()[-1]) == {"person"} for name in names)  # search finds it by any spelling


def test_different_names_stay_apart():
    assert folding.name_key("Айгерим Сапарова") != folding.name_key("Айжан Сапарова")
    assert folding.name_key("Ulugbek") != folding.name_key("Olga")

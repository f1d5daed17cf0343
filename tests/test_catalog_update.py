"""``catalogs update`` changes only the lines of what changed: no re-wrapping, no reordering."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from desktop_app.tools import catalogs

LONG = (
    "A new message longer than the seventy-six characters at which gettext tools wrap lines by default, "
    "with {count} in it"
)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_update_keeps_each_kept_line_and_adds_a_new_message_on_one_line_after_its_predecessor(tmp_path):
    translations = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS, translations, ignore=shutil.ignore_patterns("*.mo"))
    template = catalogs.extract(tmp_path / "platform_desk.pot")
    with open(template, "rb") as handle:
        wanted = read_po(handle)
    wanted.add(LONG, auto_comments=(), flags=("python-brace-format",))
    with open(template, "wb") as handle:
        write_po(handle, wanted, width=0, sort_output=True)
    before = {po: _lines(po) for po in translations.glob("*/LC_MESSAGES/*.po")}

    catalogs.update(translations, template)

    with open(template, "rb") as handle:
        ids = [message.id for message in read_po(handle) if message.id]
    predecessor = ids[ids.index(LONG) - 1]
    predecessor_line = f'msgid "{predecessor[0] if isinstance(predecessor, tuple) else predecessor}"'
    for po, old in before.items():
        new = _lines(po)
        changes = {tag for tag, *_ in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()}
        assert changes <= {"equal", "insert", "delete"}, f"{po.parent.parent.name}: a kept line was rewritten"
        old_ids, new_ids = ([line for line in lines if line.startswith("msgid ")] for lines in (old, new))
        assert [i for i in new_ids if i in old_ids] == [i for i in old_ids if i in new_ids], "messages were moved"
        added = new.index(f'msgid "{LONG}"')
        assert new[added + 1] == 'msgstr ""'
        assert new.index(predecessor_line) == max(i for i, line in enumerate(new[:added]) if line.startswith("msgid "))
    after = {po: _lines(po) for po in before}
    catalogs.update(translations, template)
    assert {po: _lines(po) for po in before} == after  # a second update changes nothing


def test_update_keeps_a_message_and_the_same_words_in_a_context_as_two(tmp_path):
    """“New” (a button) and “New” in the context “records counted” are two messages, both kept."""
    translations = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS, translations, ignore=shutil.ignore_patterns("*.mo"))
    template = catalogs.extract(tmp_path / "platform_desk.pot")
    with open(template, "rb") as handle:
        wanted = {(message.id, message.context) for message in read_po(handle) if message.id}
    assert {("New", None), ("New", "records counted")} <= wanted

    catalogs.update(translations, template)

    for po in translations.glob("*/LC_MESSAGES/*.po"):
        with open(po, "rb") as handle:
            kept = {(message.id, message.context) for message in read_po(handle) if message.id}
        assert wanted <= kept, f"{po.parent.parent.name}: {wanted - kept}"

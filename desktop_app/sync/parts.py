"""Parts of split bundles (FORMAT.md, "Parts"), kept in files beside the database, never in it.

A part is stored only after its signature and its bytes are checked, and only once the
import it came with has succeeded. Parts wait in ``<database stem>-parts/<set>/<index>.bin``
where ``<set>`` is derived from the signer's key, the bundle id, the whole bundle's SHA-256
and its size: a stranger's part can never take the place of a genuine one. A set is removed
when its bundle is applied, found already imported, or refused.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.errors import InputError
from desktop_app.i18n import _, ngettext
from desktop_app.sync.bundle import CHUNK, Bundle
from desktop_app.sync.lines import limit_error

MAX_PENDING_BYTES = 2 << 30  # all parts waiting beside one database


@dataclass
class PartSet:
    slot: str
    bundle_id: str
    name: str
    count: int
    size: int
    sha256: str
    public_key: bytes
    staged: dict[int, Path] = field(default_factory=dict)


class PartStore:
    """Parts of one import: checked and staged in a temporary folder, stored beside the database on success."""

    def __init__(self, database: Path):
        self.folder = database.parent / f"{database.stem}-parts"
        self.sets: dict[str, PartSet] = {}
        self.complete: dict[str, Path] = {}

    def __enter__(self) -> "PartStore":
        self.workdir = Path(tempfile.mkdtemp(prefix="platform-desk-"))
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _stored(self, slot: str) -> dict[int, Path]:
        folder = self.folder / slot
        if not folder.is_dir():
            return {}
        return {int(p.stem): p for p in folder.glob("*.bin") if p.stem.isdigit()}

    def add(self, part: Bundle) -> None:
        """Check a part's bytes against its signed manifest and stage them (nothing is stored yet)."""
        info = part.manifest["part"]
        key = hashlib.sha256(
            b"\0".join(
                [
                    part.public_key,
                    info["bundle_id"].encode(),
                    info["bundle_sha256"].encode(),
                    str(info["count"]).encode(),
                    str(info["size"]).encode(),
                ]
            )
        )
        slot = key.hexdigest()[:32]
        group = self.sets.setdefault(
            slot,
            PartSet(
                slot,
                info["bundle_id"],
                part.name.split(".part-")[0],
                info["count"],
                info["size"],
                info["bundle_sha256"],
                part.public_key,
            ),
        )
        if info["index"] in group.staged:
            return
        target = self.workdir / f"{slot}-{info['index']}.bin"
        with open(target, "wb") as out:
            part.copy_part(out)
        group.staged[info["index"]] = target

    def assemble(self) -> tuple[list[tuple[PartSet, Path]], list[str]]:
        """The bundles now complete (assembled in the work folder and checked against their SHA-256), and
        what the others still lack."""
        complete, missing = [], []
        for group in self.sets.values():
            have = {**self._stored(group.slot), **group.staged}
            absent = [str(i) for i in range(1, group.count + 1) if i not in have]
            if absent:
                missing.append(
                    ngettext(
                        "{name}: waiting for part {parts} of {count}",
                        "{name}: waiting for parts {parts} of {count}",
                        len(absent),
                    ).format(name=group.name, parts=", ".join(absent), count=group.count)
                )
                continue
            whole = self.workdir / f"{group.slot}.pdsync"
            digest, total = hashlib.sha256(), 0
            with open(whole, "wb") as out:
                for index in range(1, group.count + 1):
                    with open(have[index], "rb") as source:
                        while block := source.read(CHUNK):
                            total += len(block)
                            if total > group.size:
                                break
                            digest.update(block)
                            out.write(block)
            if total != group.size or digest.hexdigest() != group.sha256:
                self.discard(group)
                raise InputError(
                    _(
                        "{name}: the parts put together do not match their SHA-256: the files were changed or damaged"
                    ).format(name=group.name)
                )
            complete.append((group, whole))
        return complete, missing

    def discard(self, group: PartSet) -> None:
        """Forget a set whose bundle was refused."""
        shutil.rmtree(self.folder / group.slot, ignore_errors=True)
        group.staged.clear()

    def keep(self, imported: set[str]) -> None:
        """After a successful import: store the staged parts of incomplete sets, remove finished ones."""
        for group in self.sets.values():
            stored = self._stored(group.slot)
            if group.bundle_id in imported or len({**stored, **group.staged}) == group.count:
                shutil.rmtree(self.folder / group.slot, ignore_errors=True)
                continue
            new = {i: p for i, p in group.staged.items() if i not in stored}
            if not new:
                continue
            pending = sum(p.stat().st_size for p in self.folder.glob("*/*.bin")) if self.folder.is_dir() else 0
            if pending + sum(p.stat().st_size for p in new.values()) > MAX_PENDING_BYTES:
                raise limit_error(str(self.folder), "MAX_PENDING_BYTES", MAX_PENDING_BYTES)
            (self.folder / group.slot).mkdir(parents=True, exist_ok=True)
            for index, source in new.items():
                target = self.folder / group.slot / f"{index}.bin"
                temporary = target.with_suffix(".partial")
                try:
                    shutil.copyfile(source, temporary)
                    os.replace(temporary, target)
                finally:
                    temporary.unlink(missing_ok=True)


def open_assembled(store: PartStore, group: PartSet, path: Path) -> Bundle:
    """The bundle a complete set makes, signed by the parts' signer; the set is discarded if refused."""
    try:
        bundle = Bundle(path)
        if bundle.is_part or bundle.public_key != group.public_key or bundle.manifest["bundle_id"] != group.bundle_id:
            bundle.close()
            raise InputError(
                _("{name}: the parts put together are not the bundle they announce").format(name=group.name)
            )
    except InputError:
        store.discard(group)
        raise
    bundle.name = group.name
    return bundle

"""Installations for sync tests: real databases exchanging real bundle files through the sync API."""

from __future__ import annotations

import itertools

import pytest

from desktop_app.domain.desk import Desk
from desktop_app.sync import api


class Office:
    """One installation and its outbox folder.

    Unless a test says otherwise, its people have confirmed every other office's fingerprint
    (``import --trust``), as they would by phone before the first exchange.
    """

    _numbers = itertools.count(1)
    everyone: list["Office"] = []

    def __init__(self, folder, name, role, country=None, server_url=None):
        self.folder = folder
        self.name = name
        self.desk = Desk.create(server_url or folder / f"{name}.db", name, role, country)
        self.device_id = self.desk.identity["device_id"]
        Office.everyone.append(self)

    def send(self, to: "Office | None" = None, **options):
        """Export a bundle, made ``--to`` that office when one is given."""
        path = self.folder / f"{self.name}-{next(self._numbers)}.pdsync"
        return api.export_bundle(self.desk, path, to=to.device_id if to is not None else None, **options)

    def receive(self, *paths, trust=None, **options):
        if trust is None:
            trust = [office.desk.fingerprint for office in Office.everyone]
        return api.import_files(self.desk, list(paths), trust=trust, **options)

    def dump(self) -> list[str]:
        return list(self.desk.dump())


@pytest.fixture
def offices(tmp_path):
    """A secretariat and two delegations."""
    made = {
        "unodc": Office(tmp_path, "unodc", "secretariat"),
        "kz": Office(tmp_path, "kz", "delegation", "KZ"),
        "uz": Office(tmp_path, "uz", "delegation", "UZ"),
    }
    yield made
    for office in made.values():
        office.desk.close()


@pytest.fixture
def world(tmp_path):
    """A secretariat, KZ with two laptops, UZ and TJ; each delegation has confirmed only the secretariat."""
    offices = {
        "unodc": Office(tmp_path, "unodc", "secretariat"),
        "kz": Office(tmp_path, "kz", "delegation", "KZ"),
        "kz2": Office(tmp_path, "kz2", "delegation", "KZ"),
        "uz": Office(tmp_path, "uz", "delegation", "UZ"),
        "tj": Office(tmp_path, "tj", "delegation", "TJ"),
    }
    unodc = offices["unodc"]
    for name in ("kz", "kz2", "uz", "tj"):
        unodc.receive(*offices[name].send().paths, trust=[offices[name].desk.fingerprint])
    for name in ("kz", "kz2", "uz", "tj"):
        offices[name].receive(*unodc.send(offices[name]).paths, trust=[unodc.desk.fingerprint])
    yield offices
    for office in offices.values():
        office.desk.close()


@pytest.fixture(autouse=True)
def _new_directory():
    Office.everyone = []
    yield
    Office.everyone = []

"""The window of an encrypted database: the wizard's option, the passphrase asked at start, the lock."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QApplication

from desktop_app.domain.desk import Desk
from desktop_app.errors import InputError
from desktop_app.storage import encryption
from desktop_app.ui import lock
from tests.ui.conftest import answer_next_dialog, press, type_text

PASSPHRASE = "Делегация KZ 2025"


@pytest.fixture
def encrypted_window(qtbot, tmp_path):
    from desktop_app.ui.main_window import MainWindow

    desk = Desk.create(tmp_path / "e.db", "kz-laptop", "delegation", "KZ", passphrase=PASSPHRASE)
    desk.put("event", {"type": "webinar", "title": "Webinar on whistle-blowers", "start_date": "2025-02-01"})
    window = MainWindow(desk)
    window.locker = lock.Locker(window, desk, minutes=10)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    desk.close()


def test_the_wizard_creates_an_encrypted_database(qtbot, tmp_path):
    from desktop_app.ui.dialogs.first_start import FirstStartDialog

    path = tmp_path / "new.db"
    dialog = FirstStartDialog(path)
    qtbot.addWidget(dialog)
    type_text(dialog.device_name, "KG laptop")
    dialog.country.set_value("KG")
    dialog.encrypt.setChecked(True)
    type_text(dialog.passphrases[0], PASSPHRASE)
    answered = answer_next_dialog(qtbot, "OK")
    dialog.accept()  # the second field is still empty
    assert answered and dialog.desk is None and not path.exists()
    type_text(dialog.passphrases[1], PASSPHRASE)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    dialog.desk.close()
    assert encryption.is_encrypted(path)
    Desk.open(path, PASSPHRASE).close()


def test_ctrl_l_locks_clears_the_tables_and_the_passphrase_unlocks(qtbot, encrypted_window):
    window, locker = encrypted_window, encrypted_window.locker
    model = window.page("events").model
    assert model.rowCount() == 1
    press(window.page("events").table, "Ctrl+L")
    assert locker.locked and model.rowCount() == 0 and locker.key.wiped
    with pytest.raises(InputError, match="locked"):  # the wiped key opens nothing
        window.desk.engine.connect().close()
    assert not locker.unlock("wrong")
    assert "Wrong passphrase" in locker.screen.box.status.text()
    box = locker.screen.box
    type_text(box.field, PASSPHRASE)
    box.button.click()
    assert not locker.locked and model.rowCount() == 1
    assert window.desk.list("event")[0]["title"] == "Webinar on whistle-blowers"


def test_idle_time_locks_and_five_wrong_passphrases_slow_the_next(qtbot, encrypted_window):
    window = encrypted_window
    window.locker.idle.setInterval(50)
    window.locker.idle.start()
    qtbot.waitUntil(lambda: window.locker.locked, timeout=2000)
    for _attempt in range(lock.FREE_ATTEMPTS - 1):
        window.locker.unlock("wrong")
        assert window.locker.screen.box.field.isEnabled()
    window.locker.unlock("wrong")
    assert not window.locker.screen.box.field.isEnabled() and "Wait 2 s" in window.locker.screen.box.status.text()
    window.locker.idle.setInterval(600_000)
    assert window.locker.unlock(PASSPHRASE)


def test_an_unencrypted_database_never_locks(window):
    locker = lock.Locker(window, window.desk, minutes=10)
    locker.lock()
    assert not locker.locked and not locker.idle.isActive()


def test_attempts_wait_longer_and_longer():
    attempts = lock.Attempts()
    assert [attempts.failed() for _ in range(9)] == [0, 0, 0, 0, 2, 4, 8, 16, 32]
    assert attempts.failed() == attempts.failed() == lock.MAX_WAIT_S


def test_smoke_start_of_an_encrypted_database_locks_and_unlocks(tmp_path):
    path, secret = tmp_path / "e.db", tmp_path / "secret.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    Desk.create(path, "kz-laptop", "delegation", "KZ", passphrase=PASSPHRASE).close()
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--db", str(path), "--db-passphrase-file", str(secret), "--smoke"],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", PLATFORM_DESK_SMOKE_LOCK="1"),
    )
    assert result.returncode == 0, result.stderr
    assert "locked and unlocked" in result.stdout


def test_the_idle_lock_waits_while_a_modal_dialog_is_open(qtbot, encrypted_window):
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(encrypted_window)
    box.setModal(True)
    box.show()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is box)
    encrypted_window.locker._idle_lock()
    assert not encrypted_window.locker.locked and encrypted_window.locker.idle.isActive()
    box.close()
    encrypted_window.locker._idle_lock()
    assert encrypted_window.locker.locked
    encrypted_window.locker.unlock(PASSPHRASE)

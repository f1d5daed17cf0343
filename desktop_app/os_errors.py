"""An operating-system error in the user's language: C libraries word ``strerror`` in English."""

from __future__ import annotations

import errno

from desktop_app.i18n import N_, _

REASONS = {
    errno.ENOENT: N_("no such file or folder"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("permission denied"),
    errno.EISDIR: N_("it is a folder"),
    errno.ENOTDIR: N_("a part of the path is not a folder"),
    errno.ENOSPC: N_("the disk is full"),
    errno.EROFS: N_("the disk is read-only"),
    errno.EEXIST: N_("the file already exists"),
    errno.EBUSY: N_("the file is in use by another program"),
    errno.ENAMETOOLONG: N_("the name is too long"),
}


def os_reason(error: OSError) -> str:
    """Why ``error`` happened, translated (the system's error number when it is not a common one)."""
    reason = REASONS.get(error.errno)
    if reason:
        return _(reason)
    return _("system error {number}").format(number=error.errno) if error.errno else _("input/output error")

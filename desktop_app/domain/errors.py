"""Errors a user can act on. Their messages are already translated when raised."""


class DeskError(Exception):
    """A failure explained in one line; the command line exits with ``exit_code``."""

    exit_code = 1


class InputError(DeskError):
    """Bad input or a refused file: nothing was changed (exit status 2)."""

    exit_code = 2


class ValidationError(InputError):
    """A record breaks a rule of SPEC §2; ``field`` names the field at fault."""

    def __init__(self, field: str | None, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class NotFoundError(InputError):
    """No record has the given id."""


class BusyError(DeskError):
    """Another program holds the database for writing."""

"""Errors that services raise and every caller (view, admin, command) shows."""


class ServiceError(Exception):
    """A business rule refused the operation; nothing was written.

    `field` names the input at fault when there is one, so a form can show
    the message beside it.
    """

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class ConcurrentUpdateError(ServiceError):
    """Someone else changed the object since it was read (optimistic lock)."""

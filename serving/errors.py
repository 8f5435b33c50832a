"""Errors the service raises for a caller's or an operator's mistake (shown without a traceback)."""

from __future__ import annotations

from ontrack_model.errors import OnTrackError


class UserAdminError(OnTrackError):
    """A user cannot be added, found or revoked as asked (duplicate name, unknown role, ...)."""


class NotReadyError(OnTrackError):
    """No model and ranked list are loaded yet, so family data cannot be served."""


class NotFoundError(OnTrackError):
    """The cohort, family or record asked for does not exist (answered with 404)."""


class BadRequestError(OnTrackError):
    """A request's values break a rule the schema cannot express (answered with 422)."""


class PayloadTooLargeError(OnTrackError):
    """An upload is larger than the configured limit (answered with 413)."""


class UnsupportedMediaTypeError(OnTrackError):
    """An upload was sent with a content type the endpoint does not read (answered with 415)."""

"""Domain errors shared by every package.

The library raises these; the CLI turns them into a message and a non-zero exit, the web layer maps them
to RFC 7807 problem responses. Each message says what was wrong *and* how to fix it.
"""

from __future__ import annotations


class GeoserviceError(Exception):
    """Base class of every error this project raises on purpose."""


class ConfigError(GeoserviceError):
    """A region file or a setting is invalid (unknown key, bad CRS, bad resolution, ...)."""


class InputDataError(GeoserviceError):
    """An input layer is missing, unreadable, empty, in a CRS that cannot be used, or outside the region."""


class LayerNotFound(GeoserviceError):
    """A layer id that the catalog does not declare, or that nothing has published yet."""


class FeatureNotFound(GeoserviceError):
    """A feature id that does not exist in the current version of a layer."""


class SchemaError(GeoserviceError):
    """Data that does not match the schema the catalog declares for its layer."""


class InvalidRequest(GeoserviceError):
    """A request parameter (bbox, crs, limit, filter, tile coordinates, ...) is malformed."""


class StoreError(GeoserviceError):
    """The store cannot be read or written (unwritable directory, unreachable database, ...)."""


class StoreUnavailable(StoreError):
    """The store's database is temporarily unreachable; the request may be retried."""


class StepFailed(GeoserviceError):
    """A pipeline step failed; the message names the step and the cause."""

    def __init__(self, step: str, cause: BaseException | str):
        self.step = step
        self.cause = cause
        super().__init__(f"step '{step}' failed: {cause}")

"""Settings read from the environment (prefix ``GEOSERVICE_``) — only the CLI and the app build them."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration.

    ``GEOSERVICE_DATA_DIR``: where the embedded store, generated inputs and maps live.
    ``GEOSERVICE_DATABASE_URL``: a PostgreSQL URL (``postgresql://user@host:5432/db``) selects the PostGIS
    store; unset means the embedded GeoPackage store.
    """

    model_config = SettingsConfigDict(env_prefix="GEOSERVICE_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Folder of the embedded store, inputs and maps.")
    database_url: str | None = Field(default=None, description="PostgreSQL URL; selects the PostGIS store.")
    region: str = Field(default="minett-demo", description="Default region (bundled name or TOML path).")
    api_token: SecretStr | None = Field(default=None, description="Bearer token required to execute processes.")
    read_token: SecretStr | None = Field(default=None, description="Bearer token required to read, if set.")
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed by CORS.")
    default_limit: int = Field(default=100, ge=1, le=10000, description="Items per page when none is asked.")
    max_limit: int = Field(default=10000, ge=1, le=1000000, description="Largest page a client may ask for.")
    decimals_degrees: int = Field(default=7, ge=0, le=15, description="Decimals of GeoJSON coordinates in "
                                  "degrees (7: about 1 cm).")
    decimals_metres: int = Field(default=2, ge=0, le=9, description="Decimals of GeoJSON coordinates in metres "
                                 "(2: 1 cm).")
    tile_cache_size: int = Field(default=2048, ge=0, le=1000000, description="Tiles kept in the in-process cache.")
    dask_scheduler: str | None = Field(default=None, description="Address of a distributed Dask scheduler.")
    workers: int = Field(default=1, ge=1, le=256, description="Local Dask workers (1 = in-process).")
    job_lease_s: float = Field(default=60.0, ge=1.0, le=86400.0, description="Lease of a claimed job [s]; a "
                               "job whose worker stops renewing it is requeued after this long.")
    job_max_attempts: int = Field(default=3, ge=1, le=100, description="Claims of one job before a lost "
                                  "worker fails it instead of requeueing it.")
    keep_versions: int = Field(default=5, ge=1, le=100000, description="Versions of each layer `geoservice "
                               "prune` keeps (the newest ones).")
    db_statement_timeout_s: float = Field(default=30.0, ge=0.0, le=86400.0, description="Longest SQL statement "
                                          "of a read [s] (0 = no limit); a request exceeding it gets 503.")
    db_lock_timeout_s: float = Field(default=5.0, ge=0.0, le=86400.0, description="Longest wait of a read for a "
                                     "database lock [s] (0 = no limit); a request exceeding it gets 503.")
    max_body_bytes: int = Field(default=1_000_000, ge=1024, le=10**9, description="Largest request body "
                                "accepted [bytes]; larger ones get 413.")
    public_base_url: str | None = Field(default=None, description="Absolute URL the service is reached at "
                                        "(e.g. https://geo.example.org/api); links use it instead of the "
                                        "request's Host header.")

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            raise ValueError("GEOSERVICE_DATABASE_URL must be a postgresql:// URL")
        return value or None

    @field_validator("public_base_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
            raise ValueError("GEOSERVICE_PUBLIC_BASE_URL must be an absolute http(s) URL without query, "
                             "e.g. https://geo.example.org/api")
        return value.rstrip("/")

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def maps_dir(self) -> Path:
        return self.data_dir / "maps"

    @property
    def inputs_dir(self) -> Path:
        return self.data_dir / "inputs"

    def job_scratch_dir(self, job_id: str) -> Path:
        """The scratch folder of one run (its temporary files), removed when the run ends or, for a killed
        worker's run, when its job is requeued."""
        return self.data_dir / "tmp" / job_id

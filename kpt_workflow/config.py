"""One settings object for the CLI, the API and the tests (environment variables, `.env`)."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the data lives; every entry point builds one and passes it down."""

    model_config = SettingsConfigDict(env_prefix="KPT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./kpt.db"
    data_dir: Path = Path("./kpt-data")
    sqlite_busy_timeout_ms: int = 30_000
    max_upload_bytes: int = 25 * 1024 * 1024
    session_secret: str | None = None  # default: a key generated once under data_dir
    secure_cookies: bool = False  # set true behind HTTPS

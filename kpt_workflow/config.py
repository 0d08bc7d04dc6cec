"""One settings object for the CLI, the API and the tests (environment variables, `.env`)."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the data lives; every entry point builds one and passes it down."""

    model_config = SettingsConfigDict(env_prefix="KPT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./kpt.db"
    data_dir: Path = Path("./kpt-data")
    sqlite_busy_timeout_ms: int = 30_000
    # Bodies past these are refused (413) before they are read, spooled or authenticated.
    max_document_bytes: int = 20 * 1024 * 1024  # one uploaded document; its multipart body may add its form fields
    max_json_bytes: int = 1024 * 1024  # a JSON, urlencoded or any other non-multipart body
    session_secret: str | None = None  # default: a key generated once under data_dir
    secure_cookies: bool = False  # served over HTTPS: the session cookie is Secure, responses carry HSTS
    trust_proxy_headers: bool = False  # the proxy in front is ours: its X-Forwarded-Proto: https counts as HTTPS

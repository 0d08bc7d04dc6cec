"""One settings object for the CLI, the API and the tests (environment variables, `.env`)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the data lives; every entry point builds one and passes it down."""

    model_config = SettingsConfigDict(env_prefix="KPT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./kpt.db"
    data_dir: Path = Path("./kpt-data")
    # A folder of workflow definitions (YAML) read besides the package's (kpt_workflow/states/): a
    # workflow is declared there without editing the package.
    definitions_dir: Path | None = None
    sqlite_busy_timeout_ms: int = 30_000
    # Bodies past these are refused (413) before they are read, spooled or authenticated.
    max_document_bytes: int = 20 * 1024 * 1024  # one uploaded document; its multipart body may add its form fields
    max_json_bytes: int = 1024 * 1024  # a JSON, urlencoded or any other non-multipart body
    session_secret: str | None = None  # default: a key generated once under data_dir
    secure_cookies: bool = False  # served over HTTPS: the session cookie is Secure, responses carry HSTS
    trust_proxy_headers: bool = False  # the proxy in front is ours: its X-Forwarded-Proto: https counts as HTTPS
    # Login sessions end after this long without a request, and this long after the login whatever happens.
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # Failed logins counted per user name and per client address over a moving window; past either
    # limit, logins are refused with 429 until the window lets one go (in memory, per process).
    login_failures_per_user: int = 5
    login_failures_per_address: int = 20
    login_failure_window_minutes: int = 15
    # How long a login waits for one of the password hashing slots (argon2, 64 MiB each) before a 503.
    login_hash_wait_seconds: float = 10.0
    # /api/v1/audit/verify: whole-chain verifications per minute per process, incremental per minute per user.
    audit_full_verifications_per_minute: int = 1
    audit_verifications_per_minute: int = 6
    # Alerts of a legal term fall due this many working days (Colombian calendar) before it.
    alert_working_days: int = Field(default=5, ge=0, le=60)
    # Requests per minute per client address to the pages anyone may read without login (/publico,
    # /datos-abiertos); past it, 429 with Retry-After (in memory, per process).
    public_requests_per_minute: int = Field(default=120, ge=1)
    # How long browsers and shared caches may keep the public pages and open data (Cache-Control).
    public_max_age_seconds: int = Field(default=300, ge=0)

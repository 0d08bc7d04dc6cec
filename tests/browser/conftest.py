"""Pages in real Chromium (Debian's, driven by Playwright): a live uvicorn server per test on the
test database, users of each role with passwords, screenshots saved as artefacts."""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from api.app import create_app
from live import served
from kpt_workflow.services.accounts import create_user
from kpt_workflow.base.config import Settings
from kpt_workflow.storage.unit_of_work import UnitOfWork

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "screenshots"
PASSWORD = "clave-de-prueba-123"
USERS = {"ana": ("planeacion", "05001"), "concejo": ("corporacion", "05001"), "antioquia": ("departamento", "05"),
         "dnp": ("dnp", None), "admin": ("admin", None)}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The pages in a browser run over SQLite only: their HTML is the same over either database,
    and the PostgreSQL paths behind them are the API's and the services' tests (run on both); in
    Chromium they would double the slowest part of the suite for nothing a page shows. No browser
    here: skip on a user's machine, fail in CI (where .ci/run installs it)."""
    pages = [item for item in items if "tests/browser" in str(item.fspath)]
    on_postgres = [item for item in pages if "[postgresql" in item.nodeid]
    if on_postgres:
        config.hook.pytest_deselected(items=on_postgres)
        items[:] = [item for item in items if item not in on_postgres]
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI sin {CHROMIUM}: .ci/run debe instalar el paquete chromium de Debian")
    for item in pages:
        item.add_marker(pytest.mark.skip(reason=f"sin {CHROMIUM}"))


@pytest.fixture
def live_server(engine: Engine, tmp_path: Path) -> Iterator[str]:
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data")
    with served(create_app(settings)) as url:
        yield url


@pytest.fixture
def users(engine: Engine) -> dict[str, str]:
    with UnitOfWork(engine, write=True) as uow:
        for username, (role, entity) in USERS.items():
            create_user(uow.session, username=username, role=role, entity_code=entity, password=PASSWORD)
        uow.commit()
    return {username: PASSWORD for username in USERS}


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


@pytest.fixture
def signed_in(browser, live_server, users) -> Callable[[str], object]:  # type: ignore[no-untyped-def]
    """A fresh page signed in as `username` (narrow=True: a phone's width)."""
    contexts = []

    def open_as(username: str, narrow: bool = False):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": 390, "height": 844} if narrow else {"width": 1280, "height": 900},
                                      accept_downloads=True, locale="es-CO")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", users[username])
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """axe-core on the page: no serious or critical violation (MinTIC Resolución 1519 de 2020, WCAG 2.1)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in bad]

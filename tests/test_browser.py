"""End to end in a real headless Chromium: the radar page served by uvicorn over the sample.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make test`` installs them). Without them
these tests fail, loudly, unless RADAR_SKIP_BROWSER=1 says to skip them on purpose. Screenshots
of every page at laptop and phone width go to RADAR_SCREENSHOTS (a directory) when it is set.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import DAY, HOSTILE
from paperradar.web import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
LAPTOP = (1366, 900)
PHONE = (390, 844)

if os.environ.get("RADAR_SKIP_BROWSER") == "1":
    pytest.skip("RADAR_SKIP_BROWSER=1: browser tests skipped on purpose", allow_module_level=True)
if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
    raise RuntimeError(
        "the browser tests need Chromium and ChromeDriver: `apt-get install chromium "
        "chromium-driver` (make test does it), or set RADAR_SKIP_BROWSER=1 to skip them"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(reader_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("web")
    shutil.copy(reader_db / "radar.db", home / "radar.db")  # ranked already, as after `radar run`
    port = free_port()
    config = uvicorn.Config(create_app(home), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="radar-chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    driver.set_window_size(*LAPTOP)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def shots() -> Iterator[Path]:
    wanted = os.environ.get("RADAR_SCREENSHOTS")
    folder = Path(wanted) if wanted else Path(tempfile.mkdtemp(prefix="radar-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    if not wanted:
        shutil.rmtree(folder, ignore_errors=True)


def wait(driver: WebDriver, seconds: float = 10) -> WebDriverWait:  # type: ignore[type-arg]
    return WebDriverWait(driver, seconds)


def card_ids(driver: WebDriver) -> list[str]:
    # One script call reads them all at once: the cards may be swapped out between calls.
    ids: list[str] = driver.execute_script(
        "return [...document.querySelectorAll('.card')].map((c) => c.dataset.id)"
    )
    return ids


def no_console_errors(driver: WebDriver) -> None:
    """No script errors and no Content-Security-Policy violations on the page."""
    bad = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not bad, bad


def test_today_filter_by_author(server: str, browser: WebDriver) -> None:
    browser.get(f"{server}/?day={DAY}")
    assert len(card_ids(browser)) == 20
    first = browser.find_elements(By.CSS_SELECTOR, ".card")[1]  # [0] may be the hostile one
    author = first.find_element(By.CSS_SELECTOR, ".author").text
    box = browser.find_element(By.NAME, "author")
    box.send_keys(author)
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".chip-filter")))
    assert f"Author: {author}" in browser.find_element(By.CSS_SELECTOR, ".chips").text
    for card in browser.find_elements(By.CSS_SELECTOR, ".card"):
        names = [a.text for a in card.find_elements(By.CSS_SELECTOR, ".author")]
        assert author in names
    no_console_errors(browser)


def test_another_batch_shows_new_papers(server: str, browser: WebDriver) -> None:
    browser.get(f"{server}/?day={DAY}")
    first = card_ids(browser)
    browser.find_element(By.ID, "another").click()
    wait(browser).until(lambda d: card_ids(d) and card_ids(d)[0] not in first)
    second = card_ids(browser)
    assert len(second) == 20 and not set(first) & set(second)
    assert browser.current_url == f"{server}/?day={DAY}"  # swapped in place, no navigation
    browser.find_element(By.ID, "another").click()
    wait(browser).until(lambda d: card_ids(d) and card_ids(d)[0] not in second)
    third = card_ids(browser)
    assert not (set(first) | set(second)) & set(third)
    no_console_errors(browser)


def test_like_applies_without_reload_and_reranks(server: str, browser: WebDriver) -> None:
    browser.get(f"{server}/?day={DAY}")
    ids = card_ids(browser)
    target = ids[15]
    card = browser.find_element(By.CSS_SELECTOR, f'.card[data-id="{target}"]')
    browser.execute_script("window.__sameDocument = true")  # survives only if nothing reloads
    like = card.find_element(By.CSS_SELECTOR, "button.fb-like")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", like)
    like.click()
    wait(browser).until(lambda d: like.get_attribute("aria-pressed") == "true")
    assert browser.execute_script("return window.__sameDocument") is True
    toast = browser.find_element(By.ID, "toast")
    assert toast.is_displayed() and "Liked" in toast.text
    browser.get(f"{server}/?day={DAY}")
    after = card_ids(browser)
    assert target in after and after.index(target) < 15  # the like lifted it
    moved = browser.find_element(By.CSS_SELECTOR, f'.card[data-id="{target}"]')
    assert "you liked it" in moved.find_element(By.CSS_SELECTOR, ".why").text
    assert (
        moved.find_element(By.CSS_SELECTOR, "button.fb-like").get_attribute("aria-pressed")
        == "true"
    )
    no_console_errors(browser)


def test_hostile_title_is_text_and_runs_nothing(server: str, browser: WebDriver) -> None:
    for path in (f"/?day={DAY}&q=R%26D", "/paper/2603.99999", "/search?q=R%26D+matters"):
        browser.get(server + path)
        titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".title, h1")]
        assert HOSTILE in titles, path
        assert not browser.find_elements(By.CSS_SELECTOR, 'main img[src="x"], main script')
        with pytest.raises(NoAlertPresentException):
            _ = browser.switch_to.alert.text
    no_console_errors(browser)


PAGES = {
    "today": f"/?day={DAY}",
    "today-filtered": f"/?day={DAY}&source=hf",
    "briefing": f"/briefing?day={DAY}",
    "paper": "/paper/2603.23516",
    "search": "/search?q=speculative+decoding",
    "profile": "/profile",
    "api": "/api",
}


@pytest.mark.parametrize(("width", "height"), [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_every_page_renders_at_laptop_and_phone_width(
    server: str, browser: WebDriver, shots: Path, width: int, height: int
) -> None:
    browser.set_window_size(width, height)
    try:
        for name, path in PAGES.items():
            browser.get(server + path)
            assert browser.find_element(By.CSS_SELECTOR, "main").text.strip(), name
            # Nothing may stick out sideways on a phone: no horizontal scrolling.
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 1, (name, overflow)
            full = browser.execute_script("return document.documentElement.scrollHeight")
            browser.set_window_size(width, min(int(full), 4000))
            browser.save_screenshot(
                str(shots / f"{name}-{'phone' if width < 500 else 'laptop'}.png")
            )
            browser.set_window_size(width, height)
        no_console_errors(browser)
    finally:
        browser.set_window_size(*LAPTOP)

"""End-to-end: headless Chromium (Debian's) drives the web page on a real uvicorn server.

Skipped only when Chromium is absent outside CI; in CI (env CI set) a missing browser fails.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time

import pytest
import uvicorn

from serving.access_log import read_access_log
from serving.demo import demo_service

CHROMIUM = os.environ.get("ONTRACK_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.browser


def _require_chromium() -> None:
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI"):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; the browser test must run in CI")
    pytest.skip(f"Chromium is not installed at {CHROMIUM}")


class ServerThread:
    """uvicorn on 127.0.0.1 with a free port chosen by the OS, in a background thread."""

    def __init__(self, app) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def site(tmp_path):
    _require_chromium()
    svc = demo_service(tmp_path, n_families=80)
    with ServerThread(svc.app) as url:
        yield svc, url


def test_practitioner_signs_in_opens_a_family_and_records_a_decision(site) -> None:
    from playwright.sync_api import expect, sync_playwright

    svc, url = site
    year = max(svc.bundle.families)
    frame = svc.bundle.families[year]
    top = frame[frame["borough"] == "LBHF"].sort_values("rank").iloc[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{url}/")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            page.keyboard.press("Tab")  # keyboard users reach the skip link first
            expect(page.locator(".skip-link")).to_be_focused()
            page.get_by_label("Access token").fill(svc.tokens["pract-lbhf"])
            page.get_by_role("button", name="Sign in").click()

            expect(page.get_by_role("heading", level=1)).to_contain_text("in LBHF")
            expect(page.get_by_text("offer of voluntary help, not an accusation")).to_be_visible()
            rows = page.locator("table.families tbody tr")
            assert rows.count() == min(50, int((frame["borough"] == "LBHF").sum()))
            first_row = page.locator(f"#family-{top['family_id']}")
            expect(first_row).to_contain_text("Not yet recorded")

            first_row.get_by_role("link").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(f"Family {top['family_id']}")
            expect(page.get_by_role("heading", name="Each child")).to_be_visible()
            page.get_by_label("What was decided, and why").select_option("accepted:family_agreed")
            page.get_by_role("button", name="Save decision").click()

            expect(page.get_by_role("status")).to_contain_text(f"Your decision for family {top['family_id']}")
            expect(page.locator(f"#family-{top['family_id']}")).to_contain_text(
                "The family agreed to take part"
            )
            cookies = {c["name"]: c for c in page.context.cookies()}
            session = cookies["ontrack_session"]
            assert session["httpOnly"] and session["sameSite"] == "Strict"

            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        finally:
            browser.close()
    endpoints = [e["endpoint"] for e in read_access_log(svc.app.state.services.db)]
    assert endpoints.count("POST /families/{family_id}/decision (page)") == 1
    assert any(re.match(r"GET /families/\{family_id\} \(page\)", e) for e in endpoints)

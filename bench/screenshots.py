"""The README's screenshots, written on purpose rather than by every test run.

    python -m bench.screenshots [--out docs/screenshots]

Starts `streamlit run app.py` on loopback over a fresh SQLite store seeded as a demo: the
whole fleet deployed three days ago, three incidents running (CPU spike, memory leak, disk
filling) and a few AI questions asked. Then headless Chromium opens every page, unlocks the
admin pages with a one-off key, and writes deployment, fleet, fleet-detail, timeline, incidents, ai,
admin and (once the incidents' alerts fire) alerts .png into the output folder.
"""

from __future__ import annotations

import argparse
import re
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect, sync_playwright

from openmanager_core.ai import Agent
from openmanager_core.fleet import Fleet, utcnow
from openmanager_core.models import IncidentType, Severity
from openmanager_core.settings import Settings
from tests.services import CHROMIUM_ARGS, REPO_ROOT, chromium_executable, start_app

OUT = REPO_ROOT / "docs" / "screenshots"
VIEWPORT: ViewportSize = {"width": 1400, "height": 1000}
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
WAIT_MS = 30_000
ALERTS_WAIT_MS = 120_000  # a rule's `for` (30 s) and a few evaluations
INCIDENTS = [(IncidentType.CPU_SPIKE, "web-prod-01", Severity.HIGH, 30),
             (IncidentType.MEMORY_LEAK, "db-master-01", Severity.HIGH, 180),
             (IncidentType.DISK_FULL, "backup-storage-01", Severity.MEDIUM, 120)]
QUESTIONS = ("현재 서버 상태 요약해줘", "db-master-01 메모리 상태 분석해줘", "CPU 사용률이 높은 서버 알려줘",
             "Is any disk filling up?", "web-prod-01 is slow, why?")


def seed(data_dir: Path) -> None:
    """A deployed fleet with running incidents and a few answered questions."""
    now = utcnow()
    settings = Settings(database_url=f"sqlite:///{data_dir / 'openmanager.db'}")
    Fleet(settings, clock=lambda: now - timedelta(days=3)).deploy_next(settings.fleet_size - 1)
    fleet = Fleet(settings)
    for type_, hostname, severity, minutes in INCIDENTS:
        fleet.inject(type_, hostname, severity, now - timedelta(minutes=minutes))
    agent = Agent(fleet, use_cache=False)
    for question in QUESTIONS:
        agent.ask(question)
    fleet.store.engine.dispose()


def settle(page: Page, counts: bool = True) -> None:
    """The script has finished and (on an open page) the sidebar's live counts are drawn."""
    expect(page.get_by_role("main").locator("h1")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(READY)).to_be_attached(timeout=WAIT_MS)
    if counts:
        counts_value = page.get_by_test_id("stSidebar").get_by_test_id("stMetricValue")
        expect(counts_value).to_be_visible(timeout=WAIT_MS)


def shoot(page: Page, out: Path, name: str) -> None:
    settle(page)
    page.screenshot(path=out / f"{name}.png")
    print(f"wrote {out / f'{name}.png'}")


def capture(base_url: str, admin_key: str, out: Path) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            page.goto(f"{base_url}/deployment")
            expect(page.locator(".st-key-deployment_progress")).to_contain_text("20 / 20", timeout=WAIT_MS)
            shoot(page, out, "deployment")

            page.goto(base_url)
            expect(page.get_by_test_id("stDataFrame")).to_be_visible(timeout=WAIT_MS)
            shoot(page, out, "fleet")

            page.goto(f"{base_url}/?server=db-master-01")
            expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=WAIT_MS)
            shoot(page, out, "fleet-detail")

            page.goto(f"{base_url}/timeline?timeline_period=3h")
            expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=WAIT_MS)
            shoot(page, out, "timeline")

            page.goto(f"{base_url}/ai")
            settle(page)
            page.get_by_role("button", name="현재 서버 상태 요약해줘").click()
            expect(page.locator(".stMarkdownBadge")).to_have_count(1, timeout=WAIT_MS)
            shoot(page, out, "ai")

            # The admin pages ask for the key once per session; move between them in-session.
            page.goto(f"{base_url}/incidents")
            settle(page, counts=False)  # a locked page stops before the sidebar's counts
            page.get_by_label("관리자 API 키").fill(admin_key)
            page.get_by_role("button", name="확인").click()
            target = page.get_by_test_id("stSelectbox").filter(has_text="대상 서버")
            expect(target).to_be_visible(timeout=WAIT_MS)
            shoot(page, out, "incidents")

            page.get_by_test_id("stSidebarNav").get_by_text("관리자").click()
            expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=WAIT_MS)
            shoot(page, out, "admin")

            # Last: by now the incidents' alerts have been held for their `for` and fire.
            page.goto(f"{base_url}/alerts")
            expect(page.get_by_test_id("stSidebar")).to_contain_text(re.compile(r"발생 중인 알림 [1-9]"),
                                                                     timeout=ALERTS_WAIT_MS)
            shoot(page, out, "alerts")
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the .png files")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    admin_key = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="openmanager-screenshots-") as tmp:
        data_dir = Path(tmp)
        seed(data_dir)
        server = start_app(data_dir, {
            "OPENMANAGER_API_KEYS": admin_key, "OPENMANAGER_READ_API_KEYS": "",
            "OPENMANAGER_SECRETS_FILES": "/nonexistent/secrets.toml",
            "OPENMANAGER_LLM_BASE_URL": "", "OPENMANAGER_ALERT_INTERVAL_SECONDS": "2",
            "PYTHONPATH": str(REPO_ROOT)})
        try:
            capture(server.url, admin_key, args.out)
        finally:
            server.stop()


if __name__ == "__main__":
    main()

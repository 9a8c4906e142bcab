"""First render time of each dashboard page in headless Chromium, against the 1.5 s target.

Starts `streamlit run app.py` on loopback over a fresh SQLite store with the whole fleet
deployed and a few AI questions asked (so the admin page has charts), then loads every page
several times and times navigation start to the page's script having finished with its title
shown: as a new visitor (new browser context, empty cache) and as a returning one (cached
static files, but a new session). Prints medians, beside the floor: a one-line Streamlit page
(`st.title`) measured the same way in the same run.

    python -m bench.page_render [--runs 5] [--servers 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, ViewportSize, sync_playwright

from openmanager_core.ai import Agent
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings
from tests.services import CHROMIUM_ARGS, chromium_executable, start_app

TARGET_SECONDS = 1.5
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
SEED_QUESTIONS = ("현재 서버 상태 요약해줘", "CPU 사용률이 높은 서버 알려줘", "why is db-master-01 slow?",
                  "디스크 용량 부족한 곳 있어?", "Which servers changed the most in the last hour?")
FLOOR = "floor (st.title)"
PAGES: dict[str, str] = {
    "fleet": "/", "fleet detail": "/?server=db-master-01", "deployment": "/deployment",
    "incidents": "/incidents", "ai": "/ai", "admin": "/admin",
}


@dataclass(frozen=True)
class Timing:
    page: str
    new_visitor: list[float]
    returning: list[float]


def render(context: BrowserContext, url: str) -> float:
    """Seconds from navigation to the first complete render of `url` in a new tab."""
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url)
        page.get_by_role("main").locator("h1").wait_for(state="visible", timeout=30_000)
        page.locator(READY).wait_for(state="attached", timeout=30_000)
        return time.perf_counter() - start
    finally:
        page.close()


def new_visitor(browser: Browser, url: str) -> float:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        return render(context, url)
    finally:
        context.close()


def measure_server(browser: Browser, base_url: str, pages: dict[str, str], runs: int) -> list[Timing]:
    returning = browser.new_context(viewport=VIEWPORT)
    try:
        for path in pages.values():  # warm-up: the server's imports, the browser's cache
            render(returning, base_url + path)
        return [Timing(name, [new_visitor(browser, base_url + path) for _ in range(runs)],
                       [render(returning, base_url + path) for _ in range(runs)])
                for name, path in pages.items()]
    finally:
        returning.close()


def measure(runs: int, servers: int) -> list[Timing]:
    """The floor first, then every page of the dashboard."""
    with tempfile.TemporaryDirectory(prefix="openmanager-bench-") as tmp:
        data_dir = Path(tmp)
        floor_script = data_dir / "floor.py"
        floor_script.write_text("import streamlit as st\n\nst.title('floor')\n")
        fleet = Fleet(Settings(database_url=f"sqlite:///{data_dir / 'openmanager.db'}",
                               fleet_size=servers))
        fleet.deploy_next(servers - 1)
        agent = Agent(fleet, use_cache=False)
        for question in SEED_QUESTIONS:  # so the admin page has figures and charts to draw
            agent.ask(question)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
            try:
                timings: list[Timing] = []
                for target, env, pages in (
                        (str(floor_script), {}, {FLOOR: "/"}),
                        (None, {"OPENMANAGER_FLEET_SIZE": str(servers)}, PAGES)):
                    server = start_app(data_dir, env, target=target)
                    try:
                        timings += measure_server(browser, server.url, pages, runs)
                    finally:
                        server.stop()
                return timings
            finally:
                browser.close()


def report(timings: list[Timing], runs: int, servers: int) -> str:
    floor = statistics.median(next(t for t in timings if t.page == FLOOR).new_visitor)
    lines = [f"First render with {servers} servers, median of {runs} loads (target {TARGET_SECONDS} s)",
             f"{'page':<16}{'new visitor':>13}{'returning':>11}{'over floor':>12}   result"]
    for timing in timings:
        cold, warm = statistics.median(timing.new_visitor), statistics.median(timing.returning)
        verdict = "" if timing.page == FLOOR else "pass" if cold <= TARGET_SECONDS else "MISS"
        lines.append(f"{timing.page:<16}{cold:>12.2f}s{warm:>10.2f}s{cold - floor:>+11.2f}s   {verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--servers", type=int, default=20)
    args = parser.parse_args()
    print(report(measure(args.runs, args.servers), args.runs, args.servers))


if __name__ == "__main__":
    main()

"""First render and page-switch time of each dashboard page in headless Chromium (issue 9:
first load <= 1.2 s, page switch <= 500 ms).

Starts `streamlit run app.py` on loopback over a fresh SQLite store with the whole fleet
deployed and a few AI questions asked (so the admin page has charts), then loads every page
several times and times navigation start to the page's script having finished with its title
shown: as a new visitor (new browser context, empty cache) and as a returning one (cached
static files, but a new session). A page switch is a click on the page's link in the sidebar of
a session that already shows another page, timed until the new page's title is shown and its
script has finished. Prints medians, beside the floor: two one-line Streamlit pages (`st.title`)
behind `st.navigation`, measured the same way in the same run.

    python -m bench.page_render [--runs 5] [--servers 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

from openmanager_core.ai import Agent
from openmanager_core.fleet import Fleet
from openmanager_core.i18n import t
from openmanager_core.settings import Settings
from tests.services import CHROMIUM_ARGS, chromium_executable, start_app

TARGET_SECONDS = 1.2
SWITCH_TARGET_SECONDS = 0.5
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
SEED_QUESTIONS = ("현재 서버 상태 요약해줘", "CPU 사용률이 높은 서버 알려줘", "why is db-master-01 slow?",
                  "디스크 용량 부족한 곳 있어?", "Which servers changed the most in the last hour?")
FLOOR = "floor (st.title)"
FLOOR_SCRIPT = """import streamlit as st


def floor() -> None:
    st.title("floor")


def other() -> None:
    st.title("other")


st.navigation([st.Page(floor, title="floor", default=True), st.Page(other, title="other")]).run()
"""
PAGES: dict[str, str] = {
    "fleet": "/", "fleet detail": "/?server=db-master-01", "deployment": "/deployment",
    "timeline": "/timeline", "incidents": "/incidents", "ai": "/ai", "admin": "/admin",
}


@dataclass(frozen=True)
class Switch:
    """A page reached from the previous one by its sidebar link, and the title it then shows."""

    page: str
    link: str
    title: str


# Round the sidebar from the fleet page (the app opens there) and back, in Korean as a new session is.
SWITCHES = tuple(Switch(page, t(link, "ko"), t(title, "ko")) for page, link, title in (
    ("deployment", "nav.deployment", "deploy.title"), ("incidents", "nav.incidents", "nav.incidents"),
    ("ai", "nav.ai", "nav.ai"), ("admin", "nav.admin", "nav.admin"), ("fleet", "nav.fleet", "nav.fleet")))
FLOOR_SWITCHES = (Switch(FLOOR, "other", "other"), Switch(FLOOR, "floor", "floor"))


@dataclass(frozen=True)
class Timing:
    page: str
    new_visitor: list[float]
    returning: list[float]
    switch: list[float]


def render_in(page: Page, url: str) -> float:
    """Seconds from navigation to the first complete render of `url` in `page`."""
    start = time.perf_counter()
    page.goto(url)
    page.get_by_role("main").locator("h1").wait_for(state="visible", timeout=30_000)
    page.locator(READY).wait_for(state="attached", timeout=30_000)
    return time.perf_counter() - start


def render(context: BrowserContext, url: str) -> float:
    """Seconds from navigation to the first complete render of `url` in a new tab."""
    page = context.new_page()
    try:
        return render_in(page, url)
    finally:
        page.close()


def switch_to(page: Page, switch: Switch) -> float:
    """Seconds from a click on `switch`'s sidebar link to its page shown and its script finished."""
    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=switch.link, exact=True)
    start = time.perf_counter()
    link.click()
    page.get_by_role("main").locator("h1", has_text=switch.title).wait_for(state="visible", timeout=30_000)
    page.locator(READY).wait_for(state="attached", timeout=30_000)
    return time.perf_counter() - start


def switches(context: BrowserContext, url: str, round_: tuple[Switch, ...],
             runs: int) -> dict[str, list[float]]:
    """Each page's switch times over `runs` rounds of `round_`, in one session opened at `url`."""
    page = context.new_page()
    try:
        render_in(page, url)
        for switch in round_:  # warm-up: every page once in this session
            switch_to(page, switch)
        timings: dict[str, list[float]] = {}
        for _ in range(runs):
            for switch in round_:
                timings.setdefault(switch.page, []).append(switch_to(page, switch))
        return timings
    finally:
        page.close()


def new_visitor(browser: Browser, url: str) -> float:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        return render(context, url)
    finally:
        context.close()


def measure_server(browser: Browser, base_url: str, pages: dict[str, str], round_: tuple[Switch, ...],
                   runs: int) -> list[Timing]:
    returning = browser.new_context(viewport=VIEWPORT)
    try:
        for path in pages.values():  # warm-up: the server's imports, the browser's cache
            render(returning, base_url + path)
        switched = switches(returning, base_url + next(iter(pages.values())), round_, runs)
        return [Timing(name, [new_visitor(browser, base_url + path) for _ in range(runs)],
                       [render(returning, base_url + path) for _ in range(runs)], switched.get(name, []))
                for name, path in pages.items()]
    finally:
        returning.close()


def measure(runs: int, servers: int) -> list[Timing]:
    """The floor first, then every page of the dashboard."""
    with tempfile.TemporaryDirectory(prefix="openmanager-bench-") as tmp:
        data_dir = Path(tmp)
        floor_script = data_dir / "floor.py"
        floor_script.write_text(FLOOR_SCRIPT)
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
                for target, env, pages, round_ in (
                        (str(floor_script), {}, {FLOOR: "/"}, FLOOR_SWITCHES),
                        (None, {"OPENMANAGER_FLEET_SIZE": str(servers)}, PAGES, SWITCHES)):
                    server = start_app(data_dir, env, target=target)
                    try:
                        timings += measure_server(browser, server.url, pages, round_, runs)
                    finally:
                        server.stop()
                return timings
            finally:
                browser.close()


def _verdict(timing: Timing, cold: float, switch: float | None) -> str:
    if timing.page == FLOOR:
        return ""
    late = {"load": cold > TARGET_SECONDS,
            "switch": switch is not None and switch > SWITCH_TARGET_SECONDS}
    missed = [what for what, is_late in late.items() if is_late]
    return "pass" if not missed else "MISS " + ", ".join(missed)


def report(timings: list[Timing], runs: int, servers: int) -> str:
    floor_timing = next(t for t in timings if t.page == FLOOR)
    floor, floor_switch = statistics.median(floor_timing.new_visitor), statistics.median(floor_timing.switch)
    lines = [f"First render with {servers} servers, median of {runs} loads (target {TARGET_SECONDS} s); "
             f"page switch by its sidebar link, median of {runs} (target {SWITCH_TARGET_SECONDS} s)",
             f"{'page':<16}{'new visitor':>13}{'returning':>11}{'over floor':>12}{'switch':>9}"
             f"{'over floor':>12}   result"]
    for timing in timings:
        cold, warm = statistics.median(timing.new_visitor), statistics.median(timing.returning)
        switch = statistics.median(timing.switch) if timing.switch else None
        switched = (f"{switch:>8.2f}s{switch - floor_switch:>+11.2f}s" if switch is not None
                    else f"{'—':>9}{'—':>12}")
        lines.append(f"{timing.page:<16}{cold:>12.2f}s{warm:>10.2f}s{cold - floor:>+11.2f}s{switched}   "
                     f"{_verdict(timing, cold, switch)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--servers", type=int, default=20)
    args = parser.parse_args()
    print(report(measure(args.runs, args.servers), args.runs, args.servers))


if __name__ == "__main__":
    main()

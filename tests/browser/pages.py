"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium,
installed by `make test` when missing) against pytest-django's live server:
helpers shared by the browser tests.

Every page a journey visits goes through `check_page`: axe-core (vendored in
vendor/, from `npm pack axe-core@4`) must find no serious or critical
violation, and the page is photographed at a desktop and a narrow width into
artifacts/screenshots/ (README "Browser tests").
"""

import json
import os
import re
from pathlib import Path

from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 900}
NARROW = {"width": 390, "height": 844}
# BROWSER_ARTIFACTS: another folder, e.g. to keep two runs apart.
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS") or Path(settings.BASE_DIR) / "artifacts")
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_REPORTS = ARTIFACTS / "axe"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
BLOCKING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 20_000


def sign_in(page, username: str, password: str):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def run_axe(page) -> list[dict]:
    """axe-core's violations on the page as it is now. Evaluated through the
    DevTools protocol, which the page's Content-Security-Policy (script-src
    'self') does not govern, unlike an injected <script> tag."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate("async () => (await window.axe.run(document, {resultTypes: ['violations']})).violations")


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


def safe_name(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")


def screenshot(page, name: str) -> None:
    """Full-page screenshots at desktop and narrow width, back to desktop afterwards."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("narrow", NARROW)):
        page.set_viewport_size(size)
        page.screenshot(path=SCREENSHOTS / f"{safe_name(name)}-{label}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def check_page(page, name: str, *, photograph: bool = True) -> None:
    """axe-core finds no serious or critical violation; then the two screenshots.
    Lesser findings are written to artifacts/axe/ for the record."""
    page.wait_for_load_state("load")
    violations = run_axe(page)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"{safe_name(name)}.json").write_text(
        json.dumps([{k: v[k] for k in ("id", "impact", "help", "nodes")} for v in violations], indent=1, default=str)
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {name} ({page.url}):\n{describe(blocking)}"
    if photograph:
        screenshot(page, name)

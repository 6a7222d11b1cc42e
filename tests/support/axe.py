"""axe-core in a Selenium page: the WCAG 2.1 A and AA rules run on what the browser shows.

axe-core comes from tests/browser/node_modules, installed by `make browser-deps` (npm ci on
tests/browser/package-lock.json, so the version is pinned); a test skips with that command
when it is missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest

AXE_JS = (
    Path(__file__).resolve().parent.parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
)
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCRIPT_TIMEOUT_S = 60

# Runs axe on the whole document and hands back only what a failure message needs.
_RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
  .then(result => done(result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}))))
  .catch(error => done({error: String(error)}));
"""


def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.skip(f"{AXE_JS} is missing: run `make browser-deps`")
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(driver: Any, tags: List[str] = WCAG_21_AA) -> List[Dict[str, Any]]:
    """The page's violations of the rules with these tags (WCAG 2.1 A and AA)."""
    driver.set_script_timeout(SCRIPT_TIMEOUT_S)
    # Injected by the driver (DevTools), so the page's Content-Security-Policy does not stop it.
    driver.execute_script(axe_source())
    result = driver.execute_async_script(_RUN_AXE, tags)
    if isinstance(result, dict):
        raise RuntimeError(f"axe-core failed on {driver.current_url}: {result['error']}")
    return result


def describe(violations: List[Dict[str, Any]]) -> str:
    """One line per violation and element, for an assertion message."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} "
                f"at {node['target']}: {node['summary']}"
            )
    return "\n".join(lines)


def horizontal_overflow(driver: Any) -> int:
    """CSS pixels the page is wider than the window (0: no horizontal scrolling needed)."""
    return int(
        driver.execute_script(
            "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth;"
        )
    )

"""Accessibility audits in the browser tests: axe-core (npm's, pinned by package-lock.json)
run in the page Playwright has open, against WCAG 2.1 levels A and AA.

Use it on every page the project adds, in each language and at each width that page has::

    from tests.browser.axe import assert_accessible

    page.goto(f"{live_server.url}/fr/questionnaire/")
    assert_accessible(page, context="questionnaire, French, blank")

How axe gets into the page: the site's Content-Security-Policy allows no inline script,
so ``page.add_script_tag`` (an inline ``<script>``) is refused by the browser, and it
would be reported as a CSP violation too. Instead axe's source is evaluated through
Playwright (the DevTools protocol), which a page's CSP does not govern. The page keeps
its real policy and its state (a form's errors, a signed-in session): no second browser
context with ``bypass_csp`` is needed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

#: What is audited: every WCAG 2.0 and 2.1 success criterion of levels A and AA that axe
#: tests automatically (its rules tagged so). axe's "best-practice" rules are not asked.
WCAG_21_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """
async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations", "incomplete"],
  });
  const brief = (rule) => ({
    id: rule.id,
    impact: rule.impact,
    help: rule.help,
    helpUrl: rule.helpUrl,
    nodes: rule.nodes.map((node) => ({
      target: node.target.map(String).join(" "),
      summary: node.failureSummary || "",
    })),
  });
  return {
    violations: results.violations.map(brief),
    incomplete: results.incomplete.map((rule) => ({id: rule.id, count: rule.nodes.length})),
    url: results.url,
  };
}
"""


@cache
def axe_source() -> str:
    if not AXE_SOURCE.is_file():
        pytest.fail(
            f"axe-core is not installed ({AXE_SOURCE.relative_to(ROOT)} is missing): run"
            " `npm ci --no-audit --no-fund` at the repository root (scripts/setup does it"
            " when npm is installed; `sudo apt-get install nodejs npm` otherwise)."
        )
    return AXE_SOURCE.read_text(encoding="utf-8")


def audit(page) -> dict:
    """axe's findings for the page as it is now: ``{"violations": [...], "incomplete":
    [{"id", "count"}], "url"}``; each violation has ``id``, ``impact``, ``help``,
    ``helpUrl`` and ``nodes`` (``target`` selector and ``summary``)."""
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(_RUN, WCAG_21_AA_TAGS)


def describe(results: dict, context: str) -> str:
    """A readable report: each violated rule, its impact and help, each node's selector."""
    lines = [
        f"{context}: {len(results['violations'])} WCAG 2.1 AA violation(s) found by axe-core"
        f" at {results['url']}"
    ]
    for rule in results["violations"]:
        lines.append(f"- {rule['id']} [{rule['impact']}] {rule['help']} ({rule['helpUrl']})")
        for node in rule["nodes"]:
            lines.append(f"    at {node['target']}")
            for detail in node["summary"].splitlines():
                lines.append(f"      {detail.strip()}")
    if results["incomplete"]:
        counts = ", ".join(f"{rule['id']} ({rule['count']})" for rule in results["incomplete"])
        lines.append(f"Needs a person's review (axe 'incomplete', not failing): {counts}")
    return "\n".join(lines)


def assert_accessible(page, *, context: str) -> dict:
    """Fail the test unless axe-core finds no WCAG 2.1 A/AA violation in ``page`` now.

    ``page`` is a Playwright page, loaded and in the state to audit (open a menu, submit
    a form first if that state is what you want checked); it is audited at its current
    viewport, so set the width first (the project audits 1280 and 390 px). ``context``
    names the page and its state in the failure message, e.g. ``"lead list, Sales, phone"``.

    The failure lists each violated rule (id, impact, help, link) and the selector of every
    element at fault. axe's "incomplete" results (checks a person must make, e.g. a text's
    contrast over a background image) never fail the test, since axe could not decide
    them; their counts are printed in the failure message so they are seen. Returns axe's
    findings (see :func:`audit`) when there is no violation.
    """
    results = audit(page)
    if results["violations"]:
        pytest.fail(describe(results, context), pytrace=False)
    return results

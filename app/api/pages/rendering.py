"""The pages' templates: one Jinja2 environment, its filters, and how a page is answered."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

PAGES_DIR = Path(__file__).resolve().parent
STATIC_DIR = PAGES_DIR / "static"

# Fixed words for the notices a redirect carries (?notice=…): a page never echoes text from the query string.
NOTICES = {
    "signed_out": "You are signed out.",
    "expired": "Your session has expired. Sign in again.",
    "sign_in": "Sign in to continue.",
    "approved": "Your approval is recorded.",
    "rejected": "Your rejection is recorded; the case is closed.",
    "changes_requested": "Your change request is recorded; the case went back to its owner.",
    "assigned": "The task is assigned.",
    "already_done": "That was already recorded: a form sent twice acts once.",
    "revised": "The revised case was decided again; the new decision and chain are below.",
    "delegated": "Your out-of-office cover is set.",
    "delegation_ended": "Your out-of-office cover has ended.",
}


def _when(value: datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        try:
            return _when(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _money(value: float | int | None, currency: str | None = None) -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{text} {currency}" if currency else text


def _pct(value: float | int | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}%"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _words(value: str | None) -> str:
    return "—" if not value else value.replace("_", " ")


templates = Jinja2Templates(directory=PAGES_DIR / "templates")
templates.env.filters.update(when=_when, money=_money, pct=_pct, rate=_rate, words=_words)
templates.env.globals.update(notices=NOTICES)


def render(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    """A page; no shared cache may keep it (it is one person's view)."""
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    # No script runs on the pages and no other site may frame them (an approve button under someone else's
    # page would be clickjacking); forms post only here.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response

"""The web pages as one piece: their routers and their static assets, served by the app itself (no CDN)."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.api.pages import actions, cases, decision_log, delegation, inbox, policy, programme, sign_in
from app.api.pages.rendering import STATIC_DIR


def install(app: FastAPI) -> None:
    """Add the pages and /static to the service."""
    for module in (sign_in, inbox, cases, actions, delegation, programme, decision_log, policy):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

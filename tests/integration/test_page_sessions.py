"""Page sessions over real HTTP on SQLite and PostgreSQL: sign-in, a page, an action, sign-out.

The browser suite (tests/web) runs on SQLite; this covers the session rows and the page actions on both.
"""

import re

import httpx

from tests.conftest import load_example

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_a_session_signs_in_acts_and_signs_out(
    http: httpx.Client, live_url: str, directory_tokens: dict[str, str]
) -> None:
    case_id = http.post("/v1/save-cases", json=load_example("price-discount")).json()["case_id"]
    with httpx.Client(base_url=live_url, follow_redirects=False) as browser:
        assert browser.get("/inbox").headers["location"].startswith("/sign-in?notice=sign_in")
        form = browser.get("/sign-in")
        signed_in = browser.post(
            "/sign-in", data={"token": directory_tokens["u-am-04"], "csrf_token": _csrf(form), "next": "/inbox"}
        )
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/inbox"
        set_cookie = signed_in.headers["set-cookie"]
        assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie and "Max-Age=28800" in set_cookie

        inbox = browser.get("/inbox")
        assert inbox.status_code == 200 and f"/cases/{case_id}" in inbox.text
        assert "frame-ancestors 'none'" in inbox.headers["content-security-policy"]
        case = browser.get(f"/cases/{case_id}")
        task_id = re.search(r'action="/tasks/([^/]+)/approve"', case.text).group(1)
        approved = browser.post(f"/tasks/{task_id}/approve", data={"csrf_token": _csrf(case), "case_id": case_id})
        assert approved.status_code == 303 and approved.headers["location"].endswith("notice=approved")

        session_cookie = browser.cookies["so_session"]
        signed_out = browser.post("/sign-out", data={"csrf_token": _csrf(case)})
        assert signed_out.headers["location"] == "/sign-in?notice=signed_out"
        assert "so_session" not in browser.cookies
    # The server revoked the session: the same cookie, presented again, opens nothing.
    again = httpx.get(f"{live_url}/inbox", cookies={"so_session": session_cookie}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/sign-in?notice=sign_in")
    state = httpx.get(
        f"{live_url}/v1/save-cases/{case_id}", headers={"Authorization": f"Bearer {directory_tokens['u-am-04']}"}
    ).json()
    approval = next(e for e in state["timeline"] if e["event"] == "approved")
    assert approval["actor_id"] == "u-am-04" and approval["token_id"], "the session's token is on the timeline"

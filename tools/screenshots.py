"""Screenshots of each user's NPS screens, at phone and desktop sizes, against a running Odoo (``make run``).

    .venv/bin/python tools/screenshots.py [--url http://localhost:8069] [--db nps_demo_18] [--out var/screenshots]

Logs in as each user (admin / admin, demo / demo: the demo database's users), opens their screens in
headless Chromium driven over its DevTools port (as Odoo's tours do) and writes one PNG per screen and
size. It reads the ids it needs over JSON-RPC, so it works on any database with the demo data.
"""

import argparse
import base64
import json
import pathlib
import subprocess
import tempfile
import time

import requests
import websocket

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}


class Browser:
    """A headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, port=9333):
        self.profile = tempfile.mkdtemp(prefix="nps-shots-")
        self.process = subprocess.Popen(
            [
                "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(50):
            try:
                targets = requests.get(f"http://127.0.0.1:{port}/json", timeout=1).json()
                page = next(target for target in targets if target["type"] == "page")
                break
            except (requests.ConnectionError, StopIteration, ValueError):
                time.sleep(0.2)
        else:
            raise RuntimeError("Chromium did not start")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.message_id = 0

    def call(self, method, **params):
        self.message_id += 1
        self.socket.send(json.dumps({"id": self.message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def screenshot(self, url, path, size, settle=2.5, tab=None):
        """``url`` at ``size`` into ``path``; ``tab``: the form's notebook page of that name opened first."""
        width, height = size
        self.call(
            "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=width < 600
        )
        self.call("Page.navigate", url=url)
        time.sleep(settle)  # the web client loads its assets and data after the page itself
        if tab:
            self.call("Runtime.evaluate", expression=f"document.querySelector('.o_notebook a[name=\"{tab}\"]').click()")
            time.sleep(1)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def set_session(self, base_url, session_id):
        self.call("Network.enable")
        self.call("Network.setCookie", name="session_id", value=session_id, url=base_url)

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=10)


def login(base_url, db, user, password):
    session = requests.Session()
    response = session.post(
        f"{base_url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": db, "login": user, "password": password}},
        timeout=30,
    )
    response.raise_for_status()
    if response.json().get("error"):
        raise RuntimeError(f"login {user}: {response.json()['error']['data']['message']}")
    return session


def search_read(session, base_url, model, domain, fields, limit=1, order=None):
    response = session.post(
        f"{base_url}/web/dataset/call_kw",
        json={
            "jsonrpc": "2.0",
            "params": {
                "model": model,
                "method": "search_read",
                "args": [domain, fields],
                "kwargs": {"limit": limit, "order": order},
            },
        },
        timeout=30,
    )
    return response.json()["result"]


def screens(session, base_url):
    """``[(name, path, tab)]`` of the screens to take, found in the database (``tab``: a form's page to open)."""
    detractor = search_read(session, base_url, "nps.survey", [("loop_state", "in", ("open", "contacted"))], ["id"])
    company = search_read(
        session, base_url, "res.partner", [("is_company", "=", True), ("nps_company_survey_ids", "!=", False)], ["id"]
    )
    campaign = search_read(session, base_url, "nps.campaign", [], ["id"], order="id")
    order = search_read(session, base_url, "sale.order", [("state", "=", "sale")], ["id"])
    digest = search_read(session, base_url, "digest.digest", [], ["id"], order="id")
    enps = search_read(session, base_url, "nps.employee.campaign", [("pulse", ">", 0)], ["id"], order="id")
    result = [
        ("manager-overview", "/odoo/action-nps_closed_loop.nps_overview_action"),
        ("agent-my-callbacks", "/odoo/action-nps_closed_loop.nps_survey_action_my_callbacks"),
        ("agent-callbacks", "/odoo/action-nps_closed_loop.nps_survey_action_callbacks"),
        ("manager-settings", "/odoo/action-nps_closed_loop.nps_config_settings_action"),
        ("manager-campaigns", "/odoo/action-nps_closed_loop.nps_campaign_action"),
    ]
    if detractor:
        result.append(("agent-callback-form", f"/odoo/nps.survey/{detractor[0]['id']}"))
    if company:
        result.append(("salesperson-company", f"/odoo/res.partner/{company[0]['id']}"))
    if campaign:
        campaign_path = f"/odoo/action-nps_closed_loop.nps_campaign_action/{campaign[0]['id']}"
        result.append(("manager-campaign-form", campaign_path))
        result.append(("manager-campaign-sending", campaign_path, "sending"))
        result.append(("manager-campaign-loop", campaign_path, "closing_the_loop"))
    if digest:
        result.append(("manager-digest-form", f"/odoo/action-digest.digest_digest_action/{digest[0]['id']}"))
    if enps:
        result.append(
            (
                "enps-manager-results",
                f"/odoo/action-nps_closed_loop.nps_employee_campaign_action/{enps[0]['id']}",
                "results",
            )
        )
    if order:
        result.append(("salesperson-order", f"/odoo/sales/{order[0]['id']}"))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="nps_demo_18", help="nps_demo_19 for the 19.0 demo")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default="var/screenshots")
    parser.add_argument("--only", help="take only the screens whose name contains this")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    session = login(args.url, args.db, args.user, args.password)
    browser = Browser()
    try:
        browser.set_session(args.url, session.cookies["session_id"])
        for name, path, *tab in screens(session, args.url):
            if args.only and args.only not in name:
                continue
            for size_name, size in SIZES.items():
                target = out / f"{name}-{size_name}.png"
                browser.screenshot(f"{args.url}{path}", target, size, tab=tab[0] if tab else None)
                print(target)
    finally:
        browser.close()


if __name__ == "__main__":
    main()

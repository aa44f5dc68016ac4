"""Load test: advocates and coordinators going about their journeys, 1-3 s between pages.

Run against the app under gunicorn with production settings on PostgreSQL, on loopback:

    DATABASE_URL=postgresql://…/sb_bench .venv/bin/python bench/load_users.py /tmp/load-users.json
    DATABASE_URL=postgresql://…/sb_bench SECRET_KEY=… .venv/bin/gunicorn -w 4 -b 127.0.0.1:8077 \\
        'placement:create_app()'
    LOAD_USERS=/tmp/load-users.json .venv/bin/locust -f bench/locustfile.py --headless \\
        -u 50 -r 10 -t 90s -H http://127.0.0.1:8077 --csv /tmp/load
"""

import itertools
import json
import os
import re

import pyotp
from locust import HttpUser, between, task

with open(os.environ.get("LOAD_USERS", "/tmp/load-users.json")) as accounts_file:
    ACCOUNTS = json.load(accounts_file)
NEXT = {role: itertools.cycle(accounts) for role, accounts in ACCOUNTS.items()}
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    role = ""

    def token(self, path: str) -> str:
        page = self.client.get(path, name=path.split("?")[0])
        match = CSRF.search(page.text)
        return match.group(1) if match else ""

    def on_start(self) -> None:
        account = next(NEXT[self.role])
        self.client.post("/login", name="/login", data={
            "email": account["email"], "password": account["password"],
            "csrf_token": self.token("/login")})
        if account["totp"]:
            self.client.post("/login/verify", name="/login/verify", data={
                "code": pyotp.TOTP(account["totp"]).now(),
                "csrf_token": self.token("/login/verify")})


class Advocate(Person):
    role = "advocate"

    @task(3)
    def my_requests(self) -> None:
        self.client.get("/advocate")

    @task(1)
    def file_a_request(self) -> None:
        token = self.token("/requests/new")
        # A place to stay away from, found as the advocate types (the picker's search).
        found = self.client.get("/places/search?q=spring", name="/places/search").json()
        self.client.post("/requests/new", name="/requests/new [POST]", data={
            "csrf_token": token, "priority": "normal",
            "people-0-age_band": "adult-25", "people-0-gender": "female",
            "people-1-age_band": "child", "people-1-gender": "female",
            "pets": "0", "where": "30303", "max_miles": "40", "nights": "3", "window_auto": "1",
            # Each advocate files the same party again and again: not a duplicate here.
            "file_anyway": "y",
            "exclude": [place["key"] for place in found[:1]]})


class Coordinator(Person):
    role = "coordinator"

    @task(4)
    def queue(self) -> None:
        self.client.get("/coordinator")

    @task(2)
    def plan(self) -> None:
        self.client.get("/plan")

    @task(2)
    def tape(self) -> None:
        self.client.get("/tape?days=14", name="/tape")

    @task(1)
    def stays(self) -> None:
        self.client.get("/bookings")

    @task(1)
    def shelters(self) -> None:
        self.client.get("/places/shelters")

    @task(1)
    def points(self) -> None:
        self.client.get("/points")

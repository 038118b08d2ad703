"""The load of `bench/load.py`: liaisons submitting their unit's daily report through the API (again now and then,
as people correct what they sent), and leaders refreshing their dashboard's panels. Each simulated person signs in
with their own token from the file named by LOAD_LOGINS."""

import json
import os
import uuid

from locust import HttpUser, between, task

LOGINS = json.loads(open(os.environ["LOAD_LOGINS"]).read())  # noqa: SIM115 - read once when locust starts
PANELS = ["overview", "projection", "rankings", "lists", "problems-trend", "problems-by-category", "problems-by-unit",
          "daily-reports", "shortfalls", "grid-point-types"]  # fmt: skip


class Liaison(HttpUser):
    weight = len(LOGINS["liaisons"])
    fixed_count = len(LOGINS["liaisons"])
    wait_time = between(45, 120)

    def on_start(self):
        login = LOGINS["liaisons"].pop()
        self.unit = login["unit"]
        self.client.headers["Authorization"] = f"Token {login['token']}"

    @task
    def submit(self):
        body = {
            "unit": self.unit, "key": str(uuid.uuid4()), "work_done": "巡查辖区主次干道，清理乱张贴",
            "people_deployed": 6, "problems_rectified": 2, "findings": ["公益广告破损"], "difficulties": [],
        }  # fmt: skip
        with self.client.post("/api/v1/daily-reports/", json=body, name="daily report: submit",
                              catch_response=True) as response:  # fmt: skip
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")


class Leader(HttpUser):
    weight = len(LOGINS["leaders"])
    fixed_count = len(LOGINS["leaders"])
    wait_time = between(10, 20)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {LOGINS['leaders'].pop()['token']}"

    @task
    def refresh(self):
        for panel in PANELS:
            self.client.get(f"/api/v1/dashboard/{panel}/?campaign={LOGINS['campaign']}", name="dashboard: a panel")

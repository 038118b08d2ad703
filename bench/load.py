"""Load test (issue "Proof at scale"): 200 simulated liaisons submitting daily reports within 5 minutes plus 20
leaders refreshing dashboards, against gunicorn with 2 workers on PostgreSQL (and Redis for the cache), loopback
only, bounded in users and time: zero errors; p50/p95 of each request recorded.

Run by hand, not by the test suite, on the generated benchmark data (bench/data.py says how), with Redis for the
cache the two workers share:
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench REDIS_URL=redis://127.0.0.1:6379/5 DJANGO_DEBUG=1
    .venv/bin/python bench/load.py [--minutes 5]
It gives 200 of the campaign's communities (spread over its districts) a liaison each and 20 leaders a district or
street each (`<campaign>-load-liaison-NNN`, `<campaign>-load-leader-NN`, with API tokens, once), starts gunicorn
(2 workers, production settings but plain HTTP), runs locust headless (`bench/locustfile.py`) and prints
`name: value unit (ratio R against BASELINE)` per kind of request: p50 and p95 against the 1 s a person waits for.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from rest_framework.authtoken.models import Token  # noqa: E402

from bench.data import bench_campaign, scale_line  # noqa: E402
from campaign.choices import MembershipRole, UnitType  # noqa: E402
from campaign.models import Unit  # noqa: E402
from campaign.services import leader_assign, membership_set  # noqa: E402
from core.choices import Role  # noqa: E402
from core.models import User  # noqa: E402

LIAISONS = 200
LEADERS = 20
ADDRESS = "127.0.0.1:8767"
TARGET_MS = 1000


def logins(campaign) -> dict:
    """Tokens of the load's liaisons (with their unit) and leaders, made once per campaign."""
    communities = list(Unit.objects.filter(campaign=campaign, type=UnitType.COMMUNITY, is_active=True).order_by("pk"))
    step = max(len(communities) // LIAISONS, 1)
    liaisons = []
    for n, unit in enumerate(communities[::step][:LIAISONS]):
        defaults = {"role": Role.LIAISON, "full_name": f"联络员{n}"}
        user, created = User.objects.get_or_create(username=f"{campaign.slug}-load-liaison-{n:03d}", defaults=defaults)
        if created:
            membership_set(actor=None, unit=unit, user=user, role=MembershipRole.LIAISON)
        liaisons.append({"token": Token.objects.get_or_create(user=user)[0].key, "unit": unit.pk})
    areas = list(
        Unit.objects.filter(campaign=campaign, type__in=[UnitType.DISTRICT, UnitType.STREET]).order_by("path")
    )
    leaders = []
    for n in range(LEADERS):
        defaults = {"role": Role.LEADER, "full_name": f"领导{n}"}
        user, created = User.objects.get_or_create(username=f"{campaign.slug}-load-leader-{n:02d}", defaults=defaults)
        if created:
            leader_assign(actor=None, leader=user, unit=areas[n % len(areas)])
        leaders.append({"token": Token.objects.get_or_create(user=user)[0].key})
    return {"campaign": campaign.pk, "liaisons": liaisons, "leaders": leaders}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5)
    options = parser.parse_args()
    campaign = bench_campaign()
    print(scale_line(campaign))
    folder = Path(tempfile.mkdtemp(prefix="cc-load-"))
    credentials = folder / "logins.json"
    credentials.write_text(json.dumps(logins(campaign)))
    environment = os.environ | {
        "DJANGO_DEBUG": "0", "SECRET_KEY": "bench-only-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "0", "LOAD_LOGINS": str(credentials),
        "API_THROTTLE_USER": "100000/minute",
    }  # fmt: skip
    command = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", "2", "-b", ADDRESS, "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=environment)  # noqa: S603
    try:
        time.sleep(5)
        run = [str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locustfile.py"), "--headless",
               "--host", f"http://{ADDRESS}", "--users", str(LIAISONS + LEADERS), "--spawn-rate", "20",
               "--run-time", f"{int(options.minutes * 60)}s", "--csv", str(folder / "load"),
               "--only-summary"]  # fmt: skip
        subprocess.run(run, cwd=ROOT, env=environment, check=False)  # noqa: S603
    finally:
        server.terminate()
        server.wait()
    with open(folder / "load_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        name = "all" if row["Name"] == "Aggregated" else row["Name"]
        p50, p95 = float(row["50%"]), float(row["95%"])
        print(
            f"load[{name}]: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {row['Request Count']} requests, "
            f"{row['Failure Count']} errors (ratio {p95 / TARGET_MS:.2f} of p95 against {TARGET_MS} ms)"
        )
    print(f"(locust's CSV files are in {folder})")


if __name__ == "__main__":
    main()

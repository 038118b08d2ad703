import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def _die_with_parent():
    """In the worker, before exec: ask Linux to end it when this process dies, even by os._exit (which runserver
    uses when the port is taken). Elsewhere the signal handlers above are the only guard."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Command(BaseCommand):
    help = (
        "Serve the app for a demo or development: the web server plus one Celery worker with an embedded beat, "
        "on Redis if REDIS_URL is set, else on the filesystem broker under var/celery/. Not for production."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="Run the web server only.")

    def handle(self, *args, addrport, no_worker, **options):
        # A plain SIGTERM would end this process without running `finally`, orphaning the worker.
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _exit_on_signal)
        worker = None if no_worker else self.start_worker()
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def start_worker(self):
        for folder in (settings.CELERY_BROKER_DIR, settings.VAR_DIR / "celery" / "control"):
            Path(folder).mkdir(parents=True, exist_ok=True)
        schedule_file = settings.VAR_DIR / "celery" / "beat-schedule"
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--beat", "--schedule", str(schedule_file),
            "--concurrency", "1", "--loglevel", "INFO",
            "--hostname", "embedded@%h",
        ]  # fmt: skip
        self.stdout.write(self.style.SUCCESS("Starting Celery worker with embedded beat: " + " ".join(command[2:])))
        return subprocess.Popen(command, env=os.environ.copy(), preexec_fn=_die_with_parent)  # noqa: S603

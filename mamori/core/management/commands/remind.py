from django.core.management.base import BaseCommand

from mamori.lib import reminders
from mamori.mail.outbox import deliver_pending


class Command(BaseCommand):
    help = "Send reminders and escalations that are due, then deliver queued mail. Run it from cron (e.g. every 10 minutes)."

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", help="run only this task (may be repeated)")

    def handle(self, *args, only=None, **options):
        for name, task in reminders.tasks().items():
            if only and name not in only:
                continue
            count = task()
            self.stdout.write(f"{name}: {count}")
        self.stdout.write(f"mail sent: {deliver_pending()}")

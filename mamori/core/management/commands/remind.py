from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mamori.lib import reminders
from mamori.mail.outbox import deliver_pending
from mamori.trail.anchors import AnchorError, AnchorRefused, anchor_if_due


class Command(BaseCommand):
    help = (
        "Send reminders and escalations that are due, write a trail checkpoint into "
        "MAMORI_TRAIL_ANCHOR_DIR when one is due, then deliver queued mail, at once. "
        "`mamori worker` does the same on its schedule; this is the manual trigger."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", help="run only this task (may be repeated)")

    def handle(self, *args, only=None, **options):
        for name, task in reminders.tasks().items():
            if only and name not in only:
                continue
            count = task()
            self.stdout.write(f"{name}: {count}")
        failure = None
        if settings.MAMORI_TRAIL_ANCHOR_DIR and (not only or "trail_anchor" in only):
            # After the tasks, so that the checkpoint covers what they recorded; before the
            # mail, so that a mailed checkpoint leaves in this run.
            try:
                path = anchor_if_due()
            except AnchorError as error:
                failure = CommandError(f"trail checkpoint not written: {error}", returncode=2)
            except AnchorRefused as error:
                self.stderr.write(f"TAMPERED: trail checkpoint not written: {error}")
                failure = CommandError("trail verification failed", returncode=1)
            else:
                self.stdout.write(f"trail_anchor: {path or 'not due'}")
        self.stdout.write(f"mail sent: {deliver_pending()}")
        if failure is not None:
            raise failure

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mamori.accounts.models import User
from mamori.accounts.second_factor import issue_enrolment_code


class Command(BaseCommand):
    help = (
        "Issue a one-time code with which USERNAME registers an authenticator at sign-in "
        "(the first administrator, or when no administrator can sign in). Prints it once."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user %(username)s.") % {"username": username}, returncode=2)
        try:
            code = issue_enrolment_code(user, actor=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2) from None
        self.stdout.write(f"enrolment code for {user.username}: {code}")
        self.stdout.write("Give it to the person in person; it is not shown again.")

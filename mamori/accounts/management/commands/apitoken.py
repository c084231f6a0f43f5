from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mamori.accounts.actions import create_api_token, revoke_api_token
from mamori.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "API tokens for other systems: create (prints the key once), list, revoke."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="make a token that acts as USERNAME")
        create.add_argument("username")
        create.add_argument("name", help="the system that will use it, e.g. 'antivirus console'")
        sub.add_parser("list")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args, subcommand, **options):
        if subcommand == "create":
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(
                    _("No user %(username)s.") % {"username": options["username"]}, returncode=2
                )
            token, key = create_api_token(user, name=options["name"], actor=None)
            self.stdout.write(f"token {token.pk} for {user.username}: {key}")
            self.stdout.write("Keep the key now; it is not shown again.")
        elif subcommand == "list":
            for token in ApiToken.objects.select_related("user"):
                state = "revoked" if token.revoked_at else "active"
                self.stdout.write(
                    f"{token.pk:>4}  {token.prefix}…  {token.user.username:<12} {token.name}  {state}"
                )
        else:
            token = ApiToken.objects.filter(pk=options["token_id"]).first()
            if token is None:
                raise CommandError(
                    _("No API token %(id)s.") % {"id": options["token_id"]}, returncode=2
                )
            revoke_api_token(token, actor=None)
            self.stdout.write(f"revoked {token}")

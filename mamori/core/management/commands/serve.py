from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve mamori with waitress, a production WSGI server (Linux and Windows). Put TLS in front."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host: str, port: int, threads: int, **options):
        from waitress import serve

        from mamori.wsgi import application

        self.stdout.write(
            f"mamori on http://{host}:{port}/ (debug={settings.DEBUG}, threads={threads})"
        )
        serve(application, host=host, port=port, threads=threads, ident="mamori")

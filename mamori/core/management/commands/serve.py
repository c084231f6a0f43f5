import ipaddress

from django.conf import settings
from django.core.management.base import BaseCommand

# Behind a TLS reverse proxy mamori needs to know that the browser used HTTPS (or it
# redirects to HTTPS forever) and who the browser was (for the trail). Only the proxy may say
# so: these headers are taken from its addresses and removed from everyone else's requests.
TRUSTED_HEADERS = {"x-forwarded-proto", "x-forwarded-for"}


def behind_trusted_proxies(app, proxies: list[str]):
    """The WSGI app with X-Forwarded-Proto/-For applied from `proxies` (addresses or
    networks) and dropped from any other peer. Waitress trusts a single address at most, so
    its own middleware is used twice: trusting, or clearing."""
    # Imported here, like waitress itself in Command.handle: loaded only to serve.
    from waitress.proxy_headers import proxy_headers_middleware

    networks = [ipaddress.ip_network(proxy, strict=False) for proxy in proxies]
    trusting = proxy_headers_middleware(
        app, trusted_proxy="*", trusted_proxy_count=1, trusted_proxy_headers=TRUSTED_HEADERS
    )
    clearing = proxy_headers_middleware(app, trusted_proxy=None, clear_untrusted=True)

    def by_peer(environ, start_response):
        try:
            peer = ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
        except ValueError:
            peer = None
        if peer is not None and peer.version == 6 and peer.ipv4_mapped:
            peer = peer.ipv4_mapped
        if peer is not None and any(peer in network for network in networks):
            return trusting(environ, start_response)
        return clearing(environ, start_response)

    return by_peer


class Command(BaseCommand):
    help = (
        "Serve mamori with waitress, a production WSGI server (Linux and Windows). Put TLS in "
        "front, and name the proxy's addresses in MAMORI_TRUSTED_PROXIES."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host: str, port: int, threads: int, **options):
        # Imported here: the server and the WSGI application are loaded only to serve.
        from waitress import serve

        from mamori.wsgi import application

        proxies = settings.MAMORI_TRUSTED_PROXIES
        self.stdout.write(
            f"mamori on http://{host}:{port}/ (debug={settings.DEBUG}, threads={threads}, "
            f"trusted proxies: {', '.join(proxies) or 'none'})"
        )
        serve(
            behind_trusted_proxies(application, proxies),
            host=host,
            port=port,
            threads=threads,
            ident="mamori",
            # Cleared (or applied) by behind_trusted_proxies, per peer.
            clear_untrusted_proxy_headers=False,
        )

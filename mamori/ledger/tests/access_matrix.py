"""The ledger's rows of the access matrix (core/tests/test_access.py) for its newer screens."""

from mamori.lib.testing import IN, NF, POST

ACCESS = {
    # Retrying an import's cut-short step: only the person who uploaded it.
    "ledger:import_retry": (
        lambda p: [p.job.pk],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
}

POSTS = {
    "ledger:import_retry": (lambda p: {}, [IN, NF, NF, NF, 302, NF, NF, NF, NF, NF]),
}

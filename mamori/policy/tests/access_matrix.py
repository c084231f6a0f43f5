"""Access-matrix rows of the onboarding screens (see mamori/core/tests/test_access.py).

Drafting and reviewing: the security office (in the personas: ciso, csirt_lead, admin).
Saving a reviewed draft as a version and putting it in force: administrators. The sample
draft has open questions, so saving it is refused for that reason (302 back to the draft,
with the message) and putting it in force finds no saved version (302 too)."""

from mamori.lib.testing import IN, NF, NO, OK, POST

ASAGIRI = __import__("pathlib").Path(__file__).parent / "data" / "unseen_asagiri.txt"


def prepare(p) -> None:
    from mamori.policy.onboarding import create_draft

    p.draft = create_draft(
        code="asagiri",
        organization="朝霧町",
        label="朝霧町情報セキュリティ対策基準",
        documents=[
            {
                "title": "朝霧町情報セキュリティ対策基準",
                "kind": "standards",
                "file_name": "asagiri.txt",
                "text": ASAGIRI.read_text(encoding="utf-8"),
            }
        ],
        actor=None,
    )


def _draft(p) -> list:
    return [p.draft.pk]


ACCESS = {
    "policy:drafts": (lambda p: [], [IN, NO, NO, NO, NO, NO, OK, OK, NO, OK]),
    "policy:draft_create": (lambda p: [], [IN, NO, NO, NO, NO, NO, POST, POST, NO, POST]),
    "policy:draft_detail": (_draft, [IN, NF, NF, NF, NF, NF, OK, OK, NF, OK]),
    "policy:draft_decide": (
        lambda p: [p.draft.pk, "role-2"],
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "policy:draft_accept_settled": (
        _draft,
        [IN, POST, POST, POST, POST, POST, POST, POST, POST, POST],
    ),
    "policy:draft_save": (_draft, [IN, NO, NO, NO, NO, NO, NO, NO, NO, POST]),
    "policy:draft_activate": (_draft, [IN, NO, NO, NO, NO, NO, NO, NO, NO, POST]),
}

POSTS = {
    # An empty upload: the form again with its errors.
    "policy:draft_create": (lambda p: {}, [IN, NO, NO, NO, NO, NO, OK, OK, NO, OK]),
    "policy:draft_decide": (
        lambda p: {"role-2-decision": "reject"},
        [IN, NF, NF, NF, NF, NF, 302, 302, NF, 302],
    ),
    "policy:draft_accept_settled": (lambda p: {}, [IN, NF, NF, NF, NF, NF, 302, 302, NF, 302]),
    "policy:draft_save": (lambda p: {}, [IN, NO, NO, NO, NO, NO, NO, NO, NO, 302]),
    "policy:draft_activate": (lambda p: {}, [IN, NO, NO, NO, NO, NO, NO, NO, NO, 302]),
}

API = {
    "policy drafts": (
        "get",
        lambda p: "/api/v1/policy/drafts",
        None,
        [401, NO, NO, NO, NO, NO, OK, OK, NO, OK],
    ),
    "policy draft": (
        "get",
        lambda p: f"/api/v1/policy/drafts/{p.draft.pk}",
        None,
        [401, NF, NF, NF, NF, NF, OK, OK, NF, OK],
    ),
    "policy draft decide": (
        "post",
        lambda p: f"/api/v1/policy/drafts/{p.draft.pk}/proposals/role-2",
        lambda p: {"decision": "reject"},
        [401, NF, NF, NF, NF, NF, OK, OK, NF, OK],
    ),
}

"""Onboarding: an organization's own policy text becomes a reviewed pack version in force."""

import io
import tempfile
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase
from django.urls import reverse

from mamori.lib.testing import PACKS, SendaiTestCase
from mamori.policy import drafting
from mamori.policy.models import DraftStatus, PackDraft, PolicyVersion
from mamori.policy.packs import read_pack
from mamori.policy.reading import MAX_BYTES, DocumentError, read_document
from mamori.policy.rules import active_context
from mamori.trail.models import Event

DATA = Path(__file__).parent / "data"
ASAGIRI = (DATA / "unseen_asagiri.txt").read_bytes()


def _accept_all(proposals):
    for proposal in proposals:
        if not proposal["question"]:
            proposal["state"] = drafting.ACCEPTED
    return proposals


def _docx(body: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>',
        )
    return out.getvalue()


def _pdf(pages: list[list[str]]) -> bytes:
    """A PDF with a text layer (reportlab and the bundled IPAex font), a running header and
    page numbers on each page; with no pages of text, a page with only a drawing (a scan)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = Path(__file__).resolve().parents[2] / "static" / "fonts" / "ipaexg.ttf"
    pdfmetrics.registerFont(TTFont("IPAexG", str(font)))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    if not pages:
        pdf.rect(100, 100, 300, 300, fill=1)
        pdf.showPage()
    for number, lines in enumerate(pages, start=1):
        pdf.setFont("IPAexG", 10)
        pdf.drawString(60, 800, "朝霧町情報セキュリティ対策基準")
        y = 760
        for line in lines:
            pdf.drawString(60, y, line)
            y -= 20
        pdf.drawString(290, 40, f"- {number} -")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


class DraftingTests(SimpleTestCase):
    def draft(self, text: str):
        return drafting.draft([drafting.SourceDocument("standards", "基準", "standards", text)])

    def test_an_unseen_policy_gets_its_roles_with_the_posts_that_hold_them(self):
        roles = {p["data"]["name"]: p for p in self.draft(ASAGIRI.decode()) if p["type"] == "role"}
        self.assertEqual(
            roles["最高情報セキュリティ責任者"]["data"]["holder"], {"position": "町長"}
        )
        self.assertEqual(roles["最高情報セキュリティ責任者"]["data"]["key"], "ciso")
        self.assertEqual(
            roles["統括情報セキュリティ責任者"]["data"]["holder"], {"position": "副町長"}
        )
        self.assertEqual(
            roles["情報セキュリティ管理者"]["data"]["holder"], {"head_of": ["division"]}
        )
        self.assertEqual(roles["最高情報セキュリティ責任者"]["cite"], "standards 第2章第1節1(1)")
        self.assertIn("町長", roles["最高情報セキュリティ責任者"]["sentence"])
        self.assertEqual(roles["職員等"]["data"]["scope"], "everyone")

    def test_an_appointment_the_rules_cannot_read_is_an_open_question(self):
        roles = {p["data"]["name"]: p for p in self.draft(ASAGIRI.decode()) if p["type"] == "role"}
        staff = roles["情報セキュリティ担当者"]
        self.assertEqual(staff["data"]["holder"], {"designated": True})
        self.assertEqual(staff["question"], "holder_unknown")

    def test_permission_rules_cite_the_clause_and_name_the_approver(self):
        rules = {p["data"]["key"]: p for p in self.draft(ASAGIRI.decode()) if p["type"] == "rule"}
        self.assertEqual(rules["take_out"]["data"]["approver"], "security_manager")
        self.assertEqual(rules["take_out"]["cite"], "standards 第3章第2節2(1)")
        self.assertIn("持出し", rules["take_out"]["sentence"])
        self.assertEqual(rules["take_out"]["data"]["when"], {"axis": "importance", "at_least": "C"})

    def test_the_same_text_gives_the_same_draft(self):
        self.assertEqual(self.draft(ASAGIRI.decode()), self.draft(ASAGIRI.decode()))

    def test_a_text_without_classification_asks_for_it(self):
        text = "1 総則\n(1) 町長を最高情報セキュリティ責任者とする。\n(2) 職員等は、この基準を遵守しなければならない。\n"
        axes = [p for p in self.draft(text) if p["type"] == "axis"]
        self.assertEqual(len(axes), 1)
        self.assertEqual(axes[0]["question"], "classification_missing")
        self.assertTrue(axes[0]["organization_choice"])

    def test_two_clauses_appointing_one_role_differently_are_flagged(self):
        text = (
            "1 体制\n(1) 町長を最高情報セキュリティ責任者とする。\n"
            "2 特例\n(1) 副町長を最高情報セキュリティ責任者とする。\n"
            "(2) 職員等は、この基準を遵守しなければならない。\n"
        )
        role = next(p for p in self.draft(text) if p["data"].get("key") == "ciso")
        self.assertEqual(role["question"], "appointed_twice")
        self.assertEqual(role["data"]["also_appointed_in"], "standards 2(1)")

    def test_the_seed_drafts_accepted_as_proposed_validate_as_packs(self):
        for code, name in (("chino", "standards.txt"), ("sendai", "policy.txt")):
            with self.subTest(code=code):
                text = (PACKS / code / "documents" / name).read_text(encoding="utf-8")
                proposals = _accept_all(self.draft(text))
                data = drafting.pack_data(
                    proposals,
                    code=code,
                    name=code,
                    label="draft",
                    documents=[{"key": "standards", "title": "基準", "kind": "standards"}],
                )
                with tempfile.TemporaryDirectory() as folder:
                    import yaml

                    (Path(folder) / "documents").mkdir()
                    (Path(folder) / "documents" / "standards.txt").write_text(text)
                    (Path(folder) / "pack.yaml").write_text(
                        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
                    )
                    pack = read_pack(folder)
                self.assertGreaterEqual(len(pack.data["roles"]), 7)

    def test_holders_as_municipalities_write_them(self):
        cases = {
            ("副町長",): {"position": "副町長"},
            ("企画部長",): {"position": "部長", "unit": "企画部"},
            ("地域戦略課長",): {"unit_head": "地域戦略課"},
            ("各課長",): {"head_of": ["division"]},
            ("局等の長",): {"head_of": ["bureau"]},
            ("市長部局の課室長", "市長部局の出張所等出先機関の長"): {
                "head_of": ["division", "office", "branch"]
            },
            ("各情報システムの担当課室長等",): {"system_owner": True},
            ("総務課の係長",): {"designated": True},
        }
        for holders, expected in cases.items():
            with self.subTest(holders=holders):
                self.assertEqual(drafting.holder_rule(list(holders))[0], expected)


class ReadingTests(SimpleTestCase):
    def test_shift_jis_text_is_read(self):
        data = (DATA / "unseen_kasumi_cp932.txt").read_bytes()
        self.assertIn("情報セキュリティ", read_document("kasumi.txt", data))

    def test_word_paragraphs_and_tables_are_read(self):
        text = read_document(
            "a.docx",
            _docx(
                "<w:p><w:r><w:t>1 総則</w:t></w:r></w:p>"
                "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>重要性分類</w:t></w:r></w:p></w:tc>"
                "<w:tc><w:p><w:r><w:t>定義</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
            ),
        )
        self.assertEqual(text, "1 総則\n|重要性分類|定義|")

    def test_a_pdf_is_read_without_its_running_header_and_page_numbers(self):
        text = read_document(
            "kijun.pdf",
            _pdf(
                [
                    ["1 体制", "(1) 副町長を最高情報セキュリティ責任者とする。"],
                    ["(2) 職員等は、この基準を遵守しなければならない。"],
                ]
            ),
        )
        self.assertIn("副町長を最高情報セキュリティ責任者とする。", text)
        self.assertNotIn("朝霧町情報セキュリティ対策基準", text)
        self.assertNotIn("- 1 -", text)
        roles = [
            p["data"]["name"]
            for p in drafting.draft([drafting.SourceDocument("s", "s", "standards", text)])
            if p["type"] == "role"
        ]
        self.assertIn("最高情報セキュリティ責任者", roles)

    def test_bad_files_are_refused_with_their_reason(self):
        cases = {
            ("a.docx", _docx('<w:p><w:ins w:id="1"><w:r><w:t>新</w:t></w:r></w:ins></w:p>')): (
                "tracked_changes"
            ),
            ("a.pdf", b"%PDF-1.7\n..."): "not_pdf",
            ("scan.pdf", _pdf([])): "scanned",
            ("a.txt", b"   \n"): "empty",
            ("a.txt", b"\x00\x01\x02binary"): "not_text",
            ("a.xlsx", b"hello"): "file_type",
            ("a.docx", b"PK\x03\x04broken"): "not_docx",
            ("a.txt", b"x" * (MAX_BYTES + 1)): "too_large",
        }
        for (name, data), code in cases.items():
            with self.subTest(name=name, code=code), self.assertRaises(DocumentError) as caught:
                read_document(name, data)
            self.assertEqual(caught.exception.code, code)


class OnboardingScreenTests(SendaiTestCase):
    def upload(self, data=ASAGIRI, name="asagiri.txt", **extra):
        form = {
            "code": "asagiri",
            "organization": "朝霧町",
            "label": "朝霧町情報セキュリティ対策基準(令和7年改正)",
            "title_1": "朝霧町情報セキュリティ対策基準",
            "kind_1": "standards",
            "file_1": SimpleUploadedFile(name, data),
            **extra,
        }
        return self.client.post(reverse("policy:draft_create"), form)

    def decide(self, draft, proposal_id, **fields):
        data = {f"{proposal_id}-{k}": v for k, v in fields.items()}
        return self.client.post(reverse("policy:draft_decide", args=[draft.pk, proposal_id]), data)

    def test_the_security_office_uploads_reviews_saves_and_puts_a_policy_in_force(self):
        self.sign_in(self.p.admin)
        response = self.upload()
        draft = PackDraft.objects.get()
        self.assertRedirects(response, reverse("policy:draft_detail", args=[draft.pk]))
        page = self.client.get(reverse("policy:draft_detail", args=[draft.pk]))
        self.assertContains(page, "町長")
        self.assertContains(page, "第2章第1節1(1)")
        self.client.post(reverse("policy:draft_accept_settled", args=[draft.pk]))
        draft.refresh_from_db()
        for proposal in drafting.open_questions(draft.proposals):
            if proposal["type"] == "role":
                self.decide(
                    draft,
                    proposal["id"],
                    decision="accept",
                    name=proposal["data"]["name"],
                    holder_form="unit_head",
                    holder_value="総務課",
                )
            elif proposal["type"] == "rule":
                self.decide(draft, proposal["id"], decision="accept", roles=["security_manager"])
            else:
                self.decide(draft, proposal["id"], decision="reject")
        draft.refresh_from_db()
        self.assertEqual(drafting.open_questions(draft.proposals), [])
        response = self.client.post(
            reverse("policy:draft_save", args=[draft.pk]), {"effective": "令和8年4月1日"}
        )
        draft.refresh_from_db()
        self.assertEqual(
            draft.status, DraftStatus.SAVED, [str(m) for m in response.wsgi_request._messages]
        )
        version = draft.version
        self.assertFalse(version.is_active)
        self.assertEqual(str(version.effective_date), "2026-04-01")
        self.client.post(reverse("policy:draft_activate", args=[draft.pk]))
        version.refresh_from_db()
        self.assertTrue(version.is_active)
        context = active_context()
        self.assertEqual(context.roles["ciso"].holder, {"position": "町長"})
        self.assertEqual(
            context.roles["role_5"].holder, {"unit_head": "総務課"}
        )  # the reviewer's answer
        actions = list(
            Event.objects.filter(target_type="policy.packdraft").values_list("action", flat=True)
        )
        self.assertIn("policy.draft_created", actions)
        self.assertIn("policy.draft_decided", actions)
        self.assertIn("policy.draft_saved", actions)

    def test_a_draft_with_open_questions_is_not_saved_and_nothing_is_activated(self):
        self.sign_in(self.p.admin)
        self.upload()
        draft = PackDraft.objects.get()
        before = PolicyVersion.objects.count()
        response = self.client.post(reverse("policy:draft_save", args=[draft.pk]), follow=True)
        self.assertContains(response, "未決")
        self.assertEqual(PolicyVersion.objects.count(), before)
        draft.refresh_from_db()
        self.assertEqual(draft.status, DraftStatus.REVIEW)
        activate = self.client.post(reverse("policy:draft_activate", args=[draft.pk]), follow=True)
        self.assertEqual(activate.status_code, 200)
        self.assertEqual(PolicyVersion.objects.get(is_active=True).policy.code, "sendai")

    def test_a_reviewer_must_answer_what_the_question_asks(self):
        self.sign_in(self.p.admin)
        self.upload()
        draft = PackDraft.objects.get()
        rule = next(p for p in draft.proposals if p["question"] == "steps_unknown")
        response = self.decide(draft, rule["id"], decision="accept")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "報告先を選んでください")
        draft.refresh_from_db()
        self.assertEqual(
            next(p for p in draft.proposals if p["id"] == rule["id"])["state"], "proposed"
        )

    def test_an_unreadable_upload_is_refused_on_the_form(self):
        self.sign_in(self.p.admin)
        response = self.upload(data=b"%PDF-1.4 scanned", name="scan.pdf")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "PDF")
        self.assertFalse(PackDraft.objects.exists())

    def test_a_text_with_no_clauses_is_refused(self):
        self.sign_in(self.p.admin)
        response = self.upload(data="これは方針ではない文章です。".encode())
        self.assertEqual(response.status_code, 200)
        self.assertFalse(PackDraft.objects.exists())

    def test_the_security_office_reviews_but_only_an_administrator_saves(self):
        self.sign_in(self.p.admin)
        self.upload()
        draft = PackDraft.objects.get()
        self.sign_in(self.p.ciso)
        self.assertEqual(
            self.client.get(reverse("policy:draft_detail", args=[draft.pk])).status_code, 200
        )
        self.assertEqual(
            self.client.post(reverse("policy:draft_save", args=[draft.pk])).status_code, 403
        )
        self.sign_in(self.p.staff_a)
        self.assertEqual(self.client.get(reverse("policy:drafts")).status_code, 403)
        self.assertEqual(
            self.client.get(reverse("policy:draft_detail", args=[draft.pk])).status_code, 404
        )


class FidelityTests(SimpleTestCase):
    """Drafts of the seed documents against the hand-written packs (the figures are printed;
    bench/policy_draft_fidelity.py prints them all, docs/policy-packs.md records them)."""

    def test_the_standards_of_chino_and_sendai_give_their_roles_and_classification(self):
        from mamori.policy.fidelity import compare, ratios

        for code, floors in (
            # Rule kinds: the hand packs gain kinds (physical_security …) that drafts do not
            # propose yet, so this floor is of what is proposed, not of the packs.
            ("chino", {"roles": 1.0, "classification axes": 1.0, "rule kinds": 0.25}),
            ("sendai", {"roles": 0.75, "classification axes": 1.0, "rule kinds": 0.30}),
        ):
            figures = compare(read_pack(PACKS / code))
            for name, figure in figures.items():
                print(code, name, figure, "precision {:.2f} recall {:.2f}".format(*ratios(figure)))
            for name, floor in floors.items():
                with self.subTest(code=code, item=name):
                    precision, recall = ratios(figures[name])
                    self.assertGreaterEqual(recall, floor)
                    self.assertGreaterEqual(precision, 0.9)


class DraftCommandTests(SimpleTestCase):
    def test_the_draft_command_writes_a_pack_that_validates_and_lists_the_open_questions(self):
        from django.core.management import call_command

        with tempfile.TemporaryDirectory() as folder:
            out = io.StringIO()
            call_command(
                "policy",
                "draft",
                str(DATA / "unseen_kasumi_cp932.txt"),
                "--org",
                "kasumi",
                "--name",
                "霞村",
                "--out",
                folder,
                stdout=out,
            )
            self.assertIn("open questions", out.getvalue())
            pack = read_pack(folder)
            self.assertEqual(pack.data["organization"]["name"], "霞村")
            self.assertTrue((Path(folder) / "open-questions.yaml").is_file())
            roles = {r["name"]: r for r in pack.data["roles"]}
            self.assertEqual(roles["最高情報セキュリティ責任者"]["holder"], {"position": "副市長"})


class DraftApiTests(SendaiTestCase):
    def test_a_proposal_is_decided_through_the_api_as_on_the_screen(self):
        from mamori.policy.onboarding import create_draft

        draft = create_draft(
            code="asagiri",
            organization="朝霧町",
            label="基準",
            documents=[{"title": "基準", "kind": "standards", "text": ASAGIRI.decode()}],
            actor=None,
        )
        self.sign_in(self.p.ciso)
        listed = self.client.get("/api/v1/policy/drafts").json()
        self.assertEqual(listed[0]["organization"], "朝霧町")
        role = next(p for p in draft.proposals if p["question"] == "holder_unknown")
        url = f"/api/v1/policy/drafts/{draft.pk}/proposals/{role['id']}"
        missing = self.client.post(
            url,
            {
                "decision": "accept",
                "fields": {"name": role["data"]["name"], "holder_form": "unit_head"},
            },
            content_type="application/json",
        )
        self.assertEqual(missing.status_code, 422)
        self.assertIn("holder_value", missing.json()["errors"])
        done = self.client.post(
            url,
            {
                "decision": "accept",
                "fields": {
                    "name": role["data"]["name"],
                    "holder_form": "unit_head",
                    "holder_value": "総務課",
                },
            },
            content_type="application/json",
        )
        self.assertEqual(done.status_code, 200)
        self.assertEqual(done.json()["data"]["holder"], {"unit_head": "総務課"})
        self.assertEqual(done.json()["state"], "accepted")


class RevisionTests(SendaiTestCase):
    def test_a_revised_policy_shows_the_changed_clause_and_the_proposals_it_affects(self):
        text = (PACKS / "sendai" / "documents" / "policy.txt").read_text(encoding="utf-8")
        self.assertIn("情報管理者の許可を得", text)
        take_out = next(
            p
            for p in drafting.draft([drafting.SourceDocument("policy", "t", "policy", text)])
            if p["data"].get("key") == "take_out"
        )
        sentence = take_out["sentence"]
        revised = text.replace(sentence, sentence.replace("許可を得", "事前に許可を得"), 1)
        self.assertNotEqual(revised, text)
        self.sign_in(self.p.admin)
        self.client.post(
            reverse("policy:draft_create"),
            {
                "code": "sendai",
                "organization": "仙台市",
                "label": "改正案",
                "title_1": "仙台市行政情報セキュリティポリシー",
                "kind_1": "policy",
                "file_1": SimpleUploadedFile("policy.txt", revised.encode()),
            },
        )
        draft = PackDraft.objects.get()
        page = self.client.get(reverse("policy:draft_detail", args=[draft.pk]))
        self.assertContains(page, "新旧対照表")
        rows = page.context["revision"]["rows"]
        self.assertEqual([row["ref"] for row in rows], [take_out["cite"].split(" ", 1)[1]])
        self.assertEqual(rows[0]["state"], "changed")
        self.assertIn("<ins>事前に</ins>", rows[0]["new"])
        self.assertEqual([p["data"]["key"] for p in rows[0]["proposals"]], ["take_out"])

"""Checkpoints outside the database expose what the database's administrator can do to the
trail without the trail key: cut events off the end (with the chain-head row deleted, reset
or moved back), append a forged event, rewrite an event and re-hash the rest. On SQLite and
PostgreSQL alike (`tamper` switches PostgreSQL's append-only trigger off first)."""

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import SimpleTestCase, TestCase, override_settings

from mamori.lib import clock
from mamori.trail.anchors import anchor_if_due
from mamori.trail.chain import canonical, verify
from mamori.trail.keys import current_key
from mamori.trail.models import GENESIS_HASH, ChainHead, Event
from mamori.trail.tests.tamper import (
    append_forged,
    guessed_key_hash,
    old_installation_events,
    raw,
    rewrite_from,
    sha256_hash,
)
from mamori.trail.tests.test_chain import append

OTHER_KEY = "another-installation-trail-key-0123456789-abcdefghij"


class AnchorCase(TestCase):
    def setUp(self):
        self.anchors = Path(tempfile.mkdtemp(prefix="mamori-anchors-"))
        self.addCleanup(shutil.rmtree, self.anchors)

    def anchor(self) -> Path:
        out = io.StringIO()
        call_command("trail", "anchor", str(self.anchors), stdout=out)
        return Path(out.getvalue().split("checkpoint written: ", 1)[1].strip())

    def run_trail(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("trail", *args, stdout=out, stderr=err)
        except CommandError as error:
            return error.returncode, out.getvalue(), err.getvalue() + str(error)
        return 0, out.getvalue(), err.getvalue()

    def verify_anchors(self) -> tuple[int, str, str]:
        return self.run_trail("verify", "--anchors", str(self.anchors))


class HonestTrailTests(AnchorCase):
    def test_an_honest_trail_agrees_with_every_checkpoint(self):
        append(3)
        self.anchor()
        append(2)
        self.anchor()
        append(1)
        code, out, err = self.verify_anchors()
        self.assertEqual(code, 0, err)
        self.assertIn("OK: 6 events verified; 2 checkpoints agree, the newest at event 5", out)

    def test_a_checkpoint_of_an_empty_trail_agrees_with_it(self):
        self.anchor()
        code, out, _err = self.verify_anchors()
        self.assertEqual(code, 0)
        self.assertIn("OK: 0 events verified; 1 checkpoint agrees", out)

    def test_a_checkpoint_names_the_last_event_and_is_signed(self):
        events = append(2)
        data = json.loads(self.anchor().read_text(encoding="utf-8"))
        self.assertEqual(data["seq"], 2)
        self.assertEqual(data["hash"], events[-1].hash)
        self.assertEqual(data["key_id"], current_key().id)
        self.assertRegex(data["signature"], r"^[0-9a-f]{64}$")

    def test_without_checkpoints_only_the_chain_is_checked_and_said_so(self):
        append(2)
        code, out, _err = self.verify_anchors()
        self.assertEqual(code, 0)
        self.assertIn("no checkpoints in", out)


class CutOffTheEndTests(AnchorCase):
    def test_deleting_the_last_events_with_the_chain_head_row_is_exposed(self):
        append(6)
        checkpoint = self.anchor()
        raw("DELETE FROM trail_event WHERE seq >= 4")
        raw("DELETE FROM trail_chainhead")
        code, _out, err = self.verify_anchors()
        self.assertEqual(code, 1)
        self.assertIn("TAMPERED: position 4: events 4 to 6 are missing", err)
        self.assertIn(f"exposed by checkpoint {checkpoint.name} (event 6,", err)
        # The missing row alone is noticed; how much went with it, only the checkpoint knows.
        self.assertIn("position 4: the chain-head row is missing", err)

    def test_the_cut_stays_exposed_after_the_application_writes_again(self):
        append(6)
        checkpoint = self.anchor()
        raw("DELETE FROM trail_event WHERE seq >= 4")
        raw("DELETE FROM trail_chainhead")
        append(3)  # the head row is recreated from the last event; new events 4 to 6
        self.assertIsNone(verify().broken)  # the key alone cannot tell
        code, _out, err = self.verify_anchors()
        self.assertEqual(code, 1)
        self.assertIn("position 6: event 6 does not have the hash the checkpoint recorded", err)
        self.assertIn(checkpoint.name, err)

    def test_resetting_the_chain_head_is_exposed(self):
        append(5)
        checkpoint = self.anchor()
        raw("DELETE FROM trail_event")
        ChainHead.objects.filter(pk=1).update(seq=0, hash=GENESIS_HASH, key_id="")
        self.assertIsNone(verify().broken)  # an empty trail, by itself, looks intact
        code, _out, err = self.verify_anchors()
        self.assertEqual(code, 1)
        self.assertIn("position 1: events 1 to 5 are missing", err)
        self.assertIn(
            "position 1: the chain head records 0 events, fewer than the 5 the checkpoint "
            "recorded: the head was reset or moved back",
            err,
        )
        self.assertIn(checkpoint.name, err)

    def test_resetting_the_head_alone_is_found_even_without_checkpoints(self):
        append(3)
        ChainHead.objects.filter(pk=1).update(seq=0, hash=GENESIS_HASH)
        result = verify()
        self.assertEqual(result.broken.position, 4)
        self.assertIn("the chain head was reset", result.broken.reason)

    def test_pointing_the_head_at_the_new_last_event_is_exposed(self):
        events = append(6)
        checkpoint = self.anchor()
        raw("DELETE FROM trail_event WHERE seq >= 5")
        ChainHead.objects.filter(pk=1).update(seq=4, hash=events[3].hash)
        self.assertIsNone(verify().broken)
        code, _out, err = self.verify_anchors()
        self.assertEqual(code, 1)
        self.assertIn("position 5: events 5 to 6 are missing", err)
        self.assertIn(f"exposed by checkpoint {checkpoint.name}", err)

    def test_only_events_after_the_newest_checkpoint_can_be_cut_unseen(self):
        events = append(4)
        self.anchor()
        append(2)
        raw("DELETE FROM trail_event WHERE seq >= 5")
        ChainHead.objects.filter(pk=1).update(seq=4, hash=events[3].hash)
        # The documented limit: nothing outside the database knew of events 5 and 6.
        code, _out, _err = self.verify_anchors()
        self.assertEqual(code, 0)


class ForgedEventTests(AnchorCase):
    def test_an_event_appended_with_a_recomputed_sha256_hash_is_exposed(self):
        append(4)
        self.anchor()
        position = append_forged(sha256_hash, key_id="")
        code, _out, err = self.verify_anchors()
        self.assertEqual(code, 1)
        self.assertIn(
            f"TAMPERED: position {position}: has a plain SHA-256 hash, but the chain is keyed",
            err,
        )
        self.assertIn("exposed by the keyed hash chain", err)

    def test_an_event_appended_with_a_guessed_key_is_exposed(self):
        append(4)
        self.anchor()
        position = append_forged(guessed_key_hash, key_id=current_key().id)
        code, _out, err = self.verify_anchors()
        self.assertEqual(code, 1)
        self.assertIn(f"TAMPERED: position {position}: content does not match its hash", err)

    def test_a_forged_event_cannot_be_checkpointed(self):
        append(2)
        append_forged(sha256_hash, key_id="")
        code, _out, err = self.run_trail("anchor", str(self.anchors))
        self.assertEqual(code, 1)
        self.assertIn(
            "TAMPERED: no checkpoint written: the last event (3) has a plain SHA-256", err
        )
        raw("DELETE FROM trail_event WHERE seq = 3")
        append_forged(guessed_key_hash, key_id=current_key().id)
        code, _out, err = self.run_trail("anchor", str(self.anchors))
        self.assertEqual(code, 1)
        self.assertIn("the last event (3) does not match its hash", err)
        self.assertEqual(list(self.anchors.iterdir()), [])


class RewrittenTailTests(AnchorCase):
    def test_an_edited_event_with_everything_after_it_re_hashed_is_exposed(self):
        append(6)
        checkpoint = self.anchor()
        rewrite_from(3, sha256_hash, actor_name="someone else", key_id="")
        code, _out, err = self.verify_anchors()
        self.assertEqual(code, 1)
        self.assertIn("TAMPERED: position 3: has a plain SHA-256 hash", err)
        self.assertIn("position 6: event 6 does not have the hash the checkpoint recorded", err)
        self.assertIn(f"exposed by checkpoint {checkpoint.name}", err)

    def test_re_hashing_with_a_guessed_key_is_exposed_at_the_edited_event(self):
        append(6)
        self.anchor()
        rewrite_from(3, guessed_key_hash, actor_name="someone else")
        code, _out, err = self.verify_anchors()
        self.assertEqual(code, 1)
        self.assertIn("TAMPERED: position 3: content does not match its hash", err)

    def test_even_with_the_key_a_re_hashed_tail_is_exposed_by_a_checkpoint(self):
        key = current_key()
        append(2)
        earlier = self.anchor()
        append(4)
        later = self.anchor()

        def with_the_key(prev, fields):
            return key.chain_hash(prev.encode() + canonical(fields))

        rewrite_from(4, with_the_key, target_repr="書き換え")
        self.assertIsNone(verify().broken)  # whoever holds the key can re-hash consistently
        code, _out, err = self.verify_anchors()
        self.assertEqual(code, 1)
        self.assertIn("position 6: event 6 does not have the hash the checkpoint recorded", err)
        self.assertIn("events between 3 and 6 were rewritten", err)
        self.assertIn(later.name, err)
        self.assertNotIn(earlier.name, err)


class CheckpointFileTests(AnchorCase):
    def test_a_checkpoint_with_an_altered_hash_is_reported(self):
        append(3)
        path = self.anchor()
        data = json.loads(path.read_text(encoding="utf-8"))
        data["hash"] = "0" * 64
        path.write_text(json.dumps(data), encoding="utf-8")
        code, _out, err = self.verify_anchors()
        self.assertEqual(code, 1)
        self.assertIn(
            f"{path.name}: the signature does not match the contents: the checkpoint was "
            "forged or altered",
            err,
        )

    def test_a_checkpoint_from_another_key_is_not_trusted(self):
        self.anchor()  # an empty trail: any key may checkpoint it
        with override_settings(MAMORI_TRAIL_KEY=OTHER_KEY):
            foreign = self.anchor()
        code, _out, err = self.verify_anchors()
        self.assertEqual(code, 1)
        self.assertIn(f"{foreign.name} is signed with the trail key", err)

    def test_a_file_that_is_not_a_checkpoint_is_reported(self):
        (self.anchors / "notes.json").write_text("[1, 2]", encoding="utf-8")
        code, _out, err = self.verify_anchors()
        self.assertEqual(code, 1)
        self.assertIn("notes.json is not a valid checkpoint", err)

    def test_an_unreadable_checkpoint_directory_is_an_error_not_a_finding(self):
        code, _out, err = self.run_trail("verify", "--anchors", str(self.anchors / "missing"))
        self.assertEqual(code, 2)
        self.assertIn("cannot read the checkpoints", err)
        code, _out, err = self.run_trail("anchor", str(self.anchors / "missing"))
        self.assertEqual(code, 2)
        self.assertIn("does not exist", err)


class OldInstallationTests(AnchorCase):
    def test_an_old_trail_is_keyed_once_from_its_head_and_still_verifies(self):
        old = old_installation_events(3)
        self.anchor()  # a checkpoint of the unkeyed trail is signed with the key
        append(2)
        rekey = Event.objects.get(seq=4)
        self.assertEqual(rekey.action, "trail.rekeyed")
        self.assertEqual(rekey.prev_hash, old[-1].hash)
        self.assertEqual(rekey.before, {"algorithm": "SHA-256", "seq": 3, "hash": old[-1].hash})
        self.assertEqual(rekey.key_id, current_key().id)
        self.assertEqual(Event.objects.filter(action="trail.rekeyed").count(), 1)
        self.assertEqual(Event.objects.get(seq=1).hash, old[0].hash)  # not rewritten
        code, out, err = self.verify_anchors()
        self.assertEqual(code, 0, err)
        self.assertIn(
            "OK: 6 events verified (3 with the trail key, 3 from before it was keyed)", out
        )

    def test_rewriting_the_unkeyed_part_is_exposed_by_the_keyed_event_after_it(self):
        old_installation_events(3)
        append(1)
        # SHA-256 alone: the forger can re-hash events 2 and 3, but not the keyed event 4.
        rewrite_from(2, sha256_hash, actor_name="someone else")
        result = verify()
        self.assertEqual(result.broken.position, 4)

    def test_the_trail_refuses_to_continue_under_another_key(self):
        append(1)
        with override_settings(MAMORI_TRAIL_KEY=OTHER_KEY):
            with self.assertRaisesMessage(ImproperlyConfigured, "restore the trail key"):
                with transaction.atomic():
                    append(1)
            code, _out, err = self.run_trail("verify")
        self.assertEqual(code, 2)
        self.assertIn("configure the key this trail was written with", err)
        self.assertEqual(Event.objects.count(), 1)


class PeriodicCheckpointTests(AnchorCase):
    def remind(self, **settings) -> str:
        out = io.StringIO()
        with override_settings(**settings):
            call_command("remind", stdout=out, stderr=io.StringIO())
        return out.getvalue()

    def test_remind_writes_a_checkpoint_when_a_directory_is_configured(self):
        append(2)
        out = self.remind(MAMORI_TRAIL_ANCHOR_DIR=str(self.anchors))
        [written] = self.anchors.iterdir()
        self.assertIn(f"trail_anchor: {written}", out)
        self.assertEqual(json.loads(written.read_text(encoding="utf-8"))["seq"], 2)

    def test_remind_writes_no_checkpoint_without_a_directory(self):
        append(2)
        out = self.remind(MAMORI_TRAIL_ANCHOR_DIR="")
        self.assertNotIn("trail_anchor", out)

    def test_a_checkpoint_is_due_after_the_interval_and_only_if_the_trail_grew(self):
        append(2)
        start = clock.now()
        with override_settings(MAMORI_TRAIL_ANCHOR_DIR=str(self.anchors)):
            self.assertIsNotNone(anchor_if_due())
            append(1)
            with clock.frozen(start + dt.timedelta(minutes=59)):
                self.assertIsNone(anchor_if_due())  # grown, but not due yet
            with clock.frozen(start + dt.timedelta(minutes=61)):
                self.assertEqual(json.loads(anchor_if_due().read_text())["seq"], 3)
            with clock.frozen(start + dt.timedelta(minutes=200)):
                self.assertIsNone(anchor_if_due())  # due, but nothing new to record
        self.assertEqual(len(list(self.anchors.iterdir())), 2)

    def test_remind_reports_a_missing_directory_after_doing_its_other_work(self):
        out = io.StringIO()
        with override_settings(MAMORI_TRAIL_ANCHOR_DIR=str(self.anchors / "unmounted")):
            with self.assertRaises(CommandError) as caught:
                call_command("remind", stdout=out, stderr=io.StringIO())
        self.assertEqual(caught.exception.returncode, 2)
        self.assertIn("trail checkpoint not written", str(caught.exception))
        self.assertIn("mail sent:", out.getvalue())

    def test_a_checkpoint_is_mailed_to_the_configured_addresses(self):
        append(3)
        with (
            override_settings(MAMORI_TRAIL_ANCHOR_MAIL=["ciso@example.jp", "kansa@example.jp"]),
            self.captureOnCommitCallbacks(execute=True),
        ):
            path = self.anchor()
        self.assertEqual(
            sorted(m.to[0] for m in mail.outbox), ["ciso@example.jp", "kansa@example.jp"]
        )
        message = mail.outbox[0]
        self.assertEqual(message.subject, "監査証跡のチェックポイント(事象 3 まで)")
        self.assertIn(path.read_text(encoding="utf-8"), message.body)


class CannotRunTests(SimpleTestCase):
    def test_an_unreachable_database_exits_2_with_one_line_and_no_traceback(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
            env |= {
                "DATABASE_URL": "postgres://postgres@127.0.0.1:1/mamori_nowhere",
                "MAMORI_DEBUG": "0",
                "MAMORI_VAR_DIR": tmp,
            }
            result = subprocess.run(
                [sys.executable, "-m", "mamori", "trail", "verify", "--anchors", tmp],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertIn("データベースに接続できません(database unreachable)", result.stderr)
        self.assertNotIn("Traceback", result.stderr)

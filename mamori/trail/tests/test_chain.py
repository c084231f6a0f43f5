"""The trail's hash chain: appending, verifying, and detecting tampering on both databases."""

import io
import threading

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.test import TestCase, TransactionTestCase

from mamori.trail.chain import record, verify
from mamori.trail.models import Event
from mamori.trail.tests.tamper import old_installation_events, raw


def append(n: int, *, prefix: str = "test") -> list[Event]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                record(
                    "test.event",
                    actor=None,
                    actor_name=f"{prefix}-{i}",
                    target_type="test.thing",
                    target_id=str(i),
                    target_repr=f"もの {i}",
                    before={"n": i, "名前": "前"},
                    after={"n": i + 1, "名前": "後", "amount": 1.5},
                )
            )
    return events


class TamperMixin:
    """Change stored rows behind the application's back, as someone with database access could."""

    def raw(self, sql: str, params=()) -> None:
        raw(sql, params)


class ChainTests(TamperMixin, TestCase):
    def test_an_untouched_chain_verifies(self):
        append(5)
        result = verify()
        self.assertIsNone(result.broken)
        self.assertEqual(result.verified, 5)

    def test_events_link_to_their_predecessor(self):
        first, second = append(2)
        self.assertEqual(first.seq, 1)
        self.assertEqual(first.prev_hash, "0" * 64)
        self.assertEqual(second.prev_hash, first.hash)

    def test_editing_an_event_is_found_at_its_position(self):
        append(6)
        self.raw("UPDATE trail_event SET actor_name = %s WHERE seq = 4", ["mallory"])
        result = verify()
        self.assertEqual(result.broken.position, 4)
        self.assertEqual(result.broken.event_id, 4)
        self.assertIn("does not match its hash", result.broken.reason)
        self.assertEqual(result.verified, 3)

    def test_editing_the_before_after_json_is_found(self):
        append(3)
        self.raw("UPDATE trail_event SET after = %s WHERE seq = 2", ['{"n": 99}'])
        self.assertEqual(verify().broken.position, 2)

    def test_recomputing_one_hash_still_breaks_the_next_link(self):
        events = append(4)
        # A careful forger rewrites event 2 and its hash, but event 3 still names the old hash.
        self.raw("UPDATE trail_event SET actor_name = 'x', hash = %s WHERE seq = 2", ["f" * 64])
        result = verify()
        self.assertEqual(result.broken.position, 2)
        self.assertNotEqual(events[1].hash, "f" * 64)

    def test_deleting_an_event_is_found(self):
        append(5)
        self.raw("DELETE FROM trail_event WHERE seq = 3")
        result = verify()
        self.assertEqual(result.broken.position, 3)
        self.assertIn("deleted", result.broken.reason)

    def test_deleting_the_last_events_is_found(self):
        append(5)
        self.raw("DELETE FROM trail_event WHERE seq >= 4")
        result = verify()
        self.assertIsNotNone(result.broken)
        self.assertEqual(result.broken.position, 4)
        self.assertIn("deleted from the end", result.broken.reason)

    def test_swapping_two_events_is_found(self):
        append(5)
        # Exchange the contents of events 2 and 4, keeping each row's position.
        columns = "actor_name, target_id, target_repr, before, after, prev_hash, hash"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM trail_event WHERE seq = 2")
            two = cursor.fetchone()
            cursor.execute(f"SELECT {columns} FROM trail_event WHERE seq = 4")
            four = cursor.fetchone()
        assignments = ", ".join(f"{name.strip()} = %s" for name in columns.split(","))
        # Unique hashes: park event 2's values first.
        self.raw("UPDATE trail_event SET prev_hash = 'p', hash = 'h' WHERE seq = 2")
        self.raw(f"UPDATE trail_event SET {assignments} WHERE seq = 4", [*map(_db_value, two)])
        self.raw(f"UPDATE trail_event SET {assignments} WHERE seq = 2", [*map(_db_value, four)])
        result = verify()
        self.assertEqual(result.broken.position, 2)

    def test_the_verify_command_reports_ok_and_the_count(self):
        append(3)
        out = io.StringIO()
        call_command("trail", "verify", stdout=out)
        self.assertIn("OK: 3 events verified", out.getvalue())

    def test_the_verify_command_fails_with_the_position_on_tampering(self):
        append(3)
        self.raw("UPDATE trail_event SET target_repr = 'changed' WHERE seq = 2")
        err = io.StringIO()
        with self.assertRaises(CommandError) as caught:
            call_command("trail", "verify", stderr=err)
        self.assertEqual(caught.exception.returncode, 1)
        self.assertIn("position 2 (event id 2)", err.getvalue())

    def test_non_json_values_are_stored_so_that_they_verify(self):
        import datetime as dt
        import decimal

        with transaction.atomic():
            record(
                "test.event",
                actor=None,
                after={
                    "when": dt.date(2025, 4, 1),
                    "amount": decimal.Decimal("1.10"),
                    "ratio": 0.1,
                    "set": {1},
                },
            )
        self.assertIsNone(verify().broken)
        self.assertEqual(Event.objects.get().after["when"], "2025-04-01")


def _db_value(value):
    import json

    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


class PostgresAppendOnlyTests(TestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("the append-only trigger exists on PostgreSQL only")

    def test_update_is_refused_by_the_database(self):
        append(1)
        with self.assertRaises(DatabaseError), transaction.atomic():
            Event.objects.filter(seq=1).update(actor_name="mallory")

    def test_delete_is_refused_by_the_database(self):
        append(1)
        with self.assertRaises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM trail_event")


class ConcurrentAppendTests(TransactionTestCase):
    """Several writers at once must still give one unbroken chain, on SQLite and PostgreSQL."""

    def test_concurrent_writers_never_fork_the_chain(self):
        self.run_writers(writers=6, per_writer=15)
        result = verify()
        self.assertIsNone(result.broken)
        self.assertEqual(result.verified, 6 * 15)
        self.assertEqual(
            sorted(Event.objects.values_list("seq", flat=True)), list(range(1, 6 * 15 + 1))
        )

    def test_concurrent_writers_on_an_old_unkeyed_trail_key_it_exactly_once(self):
        old_installation_events(5)
        self.run_writers(writers=4, per_writer=5)
        self.assertEqual(
            list(Event.objects.filter(action="trail.rekeyed").values_list("seq", flat=True)), [6]
        )
        result = verify()
        self.assertIsNone(result.broken)
        self.assertEqual((result.verified, result.keyed), (26, 21))

    def run_writers(self, *, writers: int, per_writer: int) -> None:
        errors: list[BaseException] = []
        barrier = threading.Barrier(writers)

        def work(index: int) -> None:
            try:
                barrier.wait()
                append(per_writer, prefix=f"w{index}")
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                close_old_connections()
                connection.close()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])


class BatchTests(TestCase):
    def test_a_batch_extends_the_same_chain(self):
        from mamori.trail.chain import record_batch

        append(2)
        count = record_batch(
            [
                {
                    "action": "test.batch",
                    "target_type": "test.thing",
                    "target_id": str(i),
                    "after": {"i": i},
                }
                for i in range(2500)
            ],
            actor=None,
            actor_name="import",
        )
        append(1)
        self.assertEqual(count, 2500)
        result = verify()
        self.assertIsNone(result.broken)
        self.assertEqual(result.verified, 2503)

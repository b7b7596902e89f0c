"""The case's dates on each assignment, kept by database triggers.

The reviewer dashboard reads a reviewer's most urgent open work and their
latest finished work off partial indexes on the assignment itself, so its cost
does not grow with the size of the queue (BENCHMARKS.md). The dates are copied
from the case by triggers, not by Python, so no caller (services, admin, bulk
SQL, the data generator's copies) can leave them stale:

- an assignment written (INSERT or any UPDATE) takes its case's current dates;
- a case whose due date, decision deadline or decision date changes passes
  them to its assignments.

Existing rows are filled before the triggers and indexes are created.
"""

import datetime
from django.conf import settings
from django.db import migrations, models


PG_FORWARD = """
CREATE FUNCTION assignment_case_dates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT COALESCE(c.decision_due_on, DATE '9999-12-31'), c.due_on, c.decided_on
      INTO NEW.queue_due_on, NEW.case_due_on, NEW.case_decided_on
      FROM cases_case c WHERE c.id = NEW.case_id;
    RETURN NEW;
END $$;
CREATE TRIGGER assignment_case_dates BEFORE INSERT OR UPDATE ON reviewers_assignment
    FOR EACH ROW EXECUTE FUNCTION assignment_case_dates();

CREATE FUNCTION case_dates_to_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reviewers_assignment
       SET queue_due_on = COALESCE(NEW.decision_due_on, DATE '9999-12-31'),
           case_due_on = NEW.due_on, case_decided_on = NEW.decided_on
     WHERE case_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER case_dates_to_assignments AFTER UPDATE OF due_on, decision_due_on, decided_on ON cases_case
    FOR EACH ROW WHEN (OLD.due_on IS DISTINCT FROM NEW.due_on
                       OR OLD.decision_due_on IS DISTINCT FROM NEW.decision_due_on
                       OR OLD.decided_on IS DISTINCT FROM NEW.decided_on)
    EXECUTE FUNCTION case_dates_to_assignments();
"""

PG_REVERSE = """
DROP TRIGGER IF EXISTS case_dates_to_assignments ON cases_case;
DROP FUNCTION IF EXISTS case_dates_to_assignments();
DROP TRIGGER IF EXISTS assignment_case_dates ON reviewers_assignment;
DROP FUNCTION IF EXISTS assignment_case_dates();
"""

# SQLite cannot change NEW: its triggers update the written row after the fact
# (recursive triggers are off, so they do not fire themselves again).
_SQLITE_FROM_CASE = """
    UPDATE reviewers_assignment SET
        queue_due_on = COALESCE((SELECT decision_due_on FROM cases_case WHERE id = NEW.case_id), '9999-12-31'),
        case_due_on = (SELECT due_on FROM cases_case WHERE id = NEW.case_id),
        case_decided_on = (SELECT decided_on FROM cases_case WHERE id = NEW.case_id)
    WHERE id = NEW.id;
"""
SQLITE_FORWARD = [
    f"CREATE TRIGGER assignment_case_dates_insert AFTER INSERT ON reviewers_assignment BEGIN {_SQLITE_FROM_CASE} END",
    f"CREATE TRIGGER assignment_case_dates_update AFTER UPDATE ON reviewers_assignment BEGIN {_SQLITE_FROM_CASE} END",
    """CREATE TRIGGER case_dates_to_assignments AFTER UPDATE OF due_on, decision_due_on, decided_on ON cases_case BEGIN
        UPDATE reviewers_assignment SET queue_due_on = COALESCE(NEW.decision_due_on, '9999-12-31'),
            case_due_on = NEW.due_on, case_decided_on = NEW.decided_on
        WHERE case_id = NEW.id;
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS case_dates_to_assignments",
    "DROP TRIGGER IF EXISTS assignment_case_dates_update",
    "DROP TRIGGER IF EXISTS assignment_case_dates_insert",
]


def fill_and_keep(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            # A full database takes longer than the web's statement timeout (this transaction only).
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute(
                "UPDATE reviewers_assignment a SET queue_due_on = COALESCE(c.decision_due_on, DATE '9999-12-31'), "
                "case_due_on = c.due_on, case_decided_on = c.decided_on FROM cases_case c WHERE c.id = a.case_id"
            )
            cursor.execute(PG_FORWARD)
            cursor.execute("ANALYZE reviewers_assignment")  # the planner's statistics of the new columns
        else:
            cursor.execute(
                "UPDATE reviewers_assignment SET queue_due_on = COALESCE(c.decision_due_on, '9999-12-31'), "
                "case_due_on = c.due_on, case_decided_on = c.decided_on FROM cases_case c WHERE c.id = reviewers_assignment.case_id"
            )
            for statement in SQLITE_FORWARD:
                cursor.execute(statement)


def drop_triggers(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(PG_REVERSE)
        else:
            for statement in SQLITE_REVERSE:
                cursor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0011_case_status_consolidated'),
        ('reviewers', '0005_additional_reviewer_approval'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='assignment',
            name='case_decided_on',
            field=models.DateField(blank=True, editable=False, help_text="The case's decision date.", null=True),
        ),
        migrations.AddField(
            model_name='assignment',
            name='case_due_on',
            field=models.DateField(blank=True, editable=False, help_text="The case's next deadline.", null=True),
        ),
        migrations.AddField(
            model_name='assignment',
            name='queue_due_on',
            field=models.DateField(default=datetime.date(9999, 12, 31), editable=False, help_text="The case's decision deadline; 9999-12-31 while it has none (undated work sorts last)."),
        ),
        migrations.RunPython(fill_and_keep, drop_triggers),
        migrations.AddIndex(
            model_name='assignment',
            index=models.Index(condition=models.Q(('status__in', ['offered', 'accepted'])), fields=['reviewer', 'queue_due_on', 'id'], name='assignment_open_queue_idx'),
        ),
        migrations.AddIndex(
            model_name='assignment',
            index=models.Index(condition=models.Q(('status__in', ['offered', 'accepted'])), fields=['reviewer', 'case_due_on'], name='assignment_open_due_idx'),
        ),
        migrations.AddIndex(
            model_name='assignment',
            index=models.Index(condition=models.Q(('status', 'completed')), fields=['reviewer', 'case_decided_on', 'id'], name='assignment_done_idx'),
        ),
    ]

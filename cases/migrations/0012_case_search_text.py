"""The case search reads one folded column, kept by database triggers.

`Case.search_text` holds the case number and claim number (lower case) and
the folded names (`cases.text.normalize_name`, stored on each party as
`normalized_name`) of the employee, employer and claims administrator. A GIN
trigram index on it (PostgreSQL) lets the case list find a page of matches
without joining the parties and sorting every match (BENCHMARKS.md).

Triggers, not Python, keep it current, so no caller can leave it stale:
- a case written with a changed number, claim number or party takes the text;
- a party whose folded name changes passes it to every case it is on.
"""

from django.conf import settings
from django.db import migrations, models


_PG_TEXT = """
CREATE FUNCTION case_search_text_of(number text, claim_number text, employee bigint, employer bigint, administrator bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT concat_ws(' ', lower(number), lower(claim_number),
        (SELECT normalized_name FROM cases_party WHERE id = employee),
        (SELECT normalized_name FROM cases_party WHERE id = employer),
        (SELECT normalized_name FROM cases_party WHERE id = administrator))
$$;
"""
PG_FORWARD = """
CREATE FUNCTION case_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := case_search_text_of(NEW.number, NEW.claim_number, NEW.employee_id, NEW.employer_id,
                                           NEW.claims_administrator_id);
    RETURN NEW;
END $$;
CREATE TRIGGER case_search_text BEFORE INSERT OR UPDATE OF number, claim_number, employee_id, employer_id,
    claims_administrator_id, search_text ON cases_case FOR EACH ROW EXECUTE FUNCTION case_search_text();

CREATE FUNCTION party_name_to_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases_case SET search_text = '' WHERE employee_id = NEW.id;
    UPDATE cases_case SET search_text = '' WHERE employer_id = NEW.id;
    UPDATE cases_case SET search_text = '' WHERE claims_administrator_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER party_name_to_cases AFTER UPDATE OF normalized_name ON cases_party
    FOR EACH ROW WHEN (OLD.normalized_name IS DISTINCT FROM NEW.normalized_name)
    EXECUTE FUNCTION party_name_to_cases();
"""
# (Setting search_text to anything fires the case trigger, which writes the real text.)
PG_REVERSE = """
DROP TRIGGER IF EXISTS party_name_to_cases ON cases_party;
DROP FUNCTION IF EXISTS party_name_to_cases();
DROP TRIGGER IF EXISTS case_search_text ON cases_case;
DROP FUNCTION IF EXISTS case_search_text();
DROP FUNCTION IF EXISTS case_search_text_of(text, text, bigint, bigint, bigint);
DROP INDEX IF EXISTS case_search_trgm_idx;
"""

_SQLITE_TEXT = """
    trim(lower(NEW.number) || ' ' || lower(NEW.claim_number)
        || ' ' || coalesce((SELECT normalized_name FROM cases_party WHERE id = NEW.employee_id), '')
        || ' ' || coalesce((SELECT normalized_name FROM cases_party WHERE id = NEW.employer_id), '')
        || ' ' || coalesce((SELECT normalized_name FROM cases_party WHERE id = NEW.claims_administrator_id), ''))
"""
SQLITE_FORWARD = [
    f"CREATE TRIGGER case_search_text_insert AFTER INSERT ON cases_case BEGIN "
    f"UPDATE cases_case SET search_text = {_SQLITE_TEXT} WHERE id = NEW.id; END",
    f"CREATE TRIGGER case_search_text_update AFTER UPDATE OF number, claim_number, employee_id, employer_id, "
    f"claims_administrator_id, search_text ON cases_case BEGIN "
    f"UPDATE cases_case SET search_text = {_SQLITE_TEXT} WHERE id = NEW.id; END",
    "CREATE TRIGGER party_name_to_cases AFTER UPDATE OF normalized_name ON cases_party BEGIN "
    "UPDATE cases_case SET search_text = '' WHERE NEW.id IN (employee_id, employer_id, claims_administrator_id); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS party_name_to_cases",
    "DROP TRIGGER IF EXISTS case_search_text_update",
    "DROP TRIGGER IF EXISTS case_search_text_insert",
]


def fill_and_keep(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            # A full database takes longer than the web's statement timeout (this transaction only).
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute(_PG_TEXT)
            cursor.execute(
                "UPDATE cases_case SET search_text = case_search_text_of(number, claim_number, employee_id, employer_id, "
                "claims_administrator_id)"
            )
            cursor.execute(PG_FORWARD)
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("CREATE INDEX case_search_trgm_idx ON cases_case USING gin (search_text gin_trgm_ops)")
            # The planner chooses between walking the list's order and the trigram index by how
            # common a term is: a larger sample of the column makes that estimate closer.
            cursor.execute("ALTER TABLE cases_case ALTER COLUMN search_text SET STATISTICS 1000")
            cursor.execute("ANALYZE cases_case")
        else:
            for statement in SQLITE_FORWARD:
                cursor.execute(statement)
            cursor.execute("UPDATE cases_case SET search_text = ''")  # fires the update trigger on every row


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
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='search_text',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.RunPython(fill_and_keep, drop_triggers),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['due_on', '-received_on', 'number'], name='case_list_order_idx'),
        ),
    ]

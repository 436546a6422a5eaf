"""The database's own refusal to change the audit tables: triggers, as DDL for SQLite and PostgreSQL.

Every audit table refuses UPDATE, DELETE and (PostgreSQL) TRUNCATE. SQLite's INSERT OR REPLACE
deletes the row it replaces without firing a DELETE trigger, so an insert that would collide with
an existing row (id, chain place, webhook event) is refused before it happens. One UPDATE is
allowed on decisions: an erasure that replaces the personal fields and changes nothing else. On
PostgreSQL one more: the commit-time linking (app.audit.commit_links) giving a row of its own
transaction its place in the chain, once, from inside its trigger.
"""

from app.audit.personal import REDACTED_PAYLOAD
from app.audit.spec import CHAIN_ORDER

# Columns an erasure must leave as they are (policy_input loses its personal leaves; the chain checks the rest).
_KEPT_BY_REDACTION = (
    *("id", "source", "event_id", "account_id", "outcome", "payload_sha256", "decision", "policy_revision"),
    *("opa_decision_id", "decision_time", "recorded_at", "latency_ms", "case_id", "personal_sha256"),
    *("chain_seq", "prev_hash", "row_hash"),
)
# Unique keys a replacing insert could collide with, besides id and chain_seq.
_EVENT_KEYS = {"decisions": ("source", "event_id"), "outcome_events": ("source", "event_id")}


def _message(table: str, what: str) -> str:
    return f"the {table} table is append-only: {what} is not allowed"


def sqlite_triggers(table: str) -> list[str]:
    """CREATE TRIGGER statements of one audit table on SQLite."""
    update_guard = ""
    if table == "decisions":
        kept = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _KEPT_BY_REDACTION)
        update_guard = f"WHEN NOT (NEW.payload_raw = '{REDACTED_PAYLOAD}' AND {kept}) "
    collide = ["id = NEW.id", "chain_seq = NEW.chain_seq"]
    if table in _EVENT_KEYS:
        a, b = _EVENT_KEYS[table]
        collide.append(f"({a} = NEW.{a} AND {b} = NEW.{b})")
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} {update_guard}"
        f"BEGIN SELECT RAISE(ABORT, '{_message(table, 'UPDATE')}'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{_message(table, 'DELETE')}'); END",
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
        f"WHEN NEW.row_hash IS NULL OR NEW.chain_seq IS NULL OR NEW.prev_hash IS NULL "
        f"OR EXISTS (SELECT 1 FROM {table} WHERE {' OR '.join(collide)}) "
        f"BEGIN SELECT RAISE(ABORT, '{_message(table, 'replacing or unchained INSERT')}'); END",
    ]


def sqlite_trigger_names(table: str) -> list[str]:
    return [f"{table}_no_update", f"{table}_no_delete", f"{table}_no_replace"]


# The commit-time linking's own UPDATE: a row not yet linked gets its place, from inside the linking
# trigger (pg_trigger_depth() > 1; a role's own UPDATE is depth 1, and only the owner can add triggers).
# The rest of the row is not compared here (to_jsonb of a decision's documents cost more than the whole
# link): the linking writes only the link columns, and the chain itself would show anything else changed.
_LINKING = """
        IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN
            IF OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL THEN
                RETURN NEW;
            END IF;
        END IF;"""

POSTGRES_FUNCTIONS = [
    f"""
    CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN{_LINKING}
        RAISE EXCEPTION 'the % table is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
    END;
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN{_LINKING}
        IF TG_OP = 'UPDATE' AND NEW.payload_raw = '{REDACTED_PAYLOAD}'
           AND ROW({", ".join(f"NEW.{c}" for c in _KEPT_BY_REDACTION)})
               IS NOT DISTINCT FROM ROW({", ".join(f"OLD.{c}" for c in _KEPT_BY_REDACTION)}) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'the decisions table is append-only: % is not allowed', TG_OP;
    END;
    $$
    """,
]


def postgres_triggers(table: str) -> list[str]:
    """CREATE TRIGGER statements of one audit table on PostgreSQL (after POSTGRES_FUNCTIONS)."""
    function = "decisions_append_only" if table == "decisions" else "audit_append_only"
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
    ]


def postgres_trigger_names(table: str) -> list[str]:
    return [f"{table}_append_only", f"{table}_no_truncate"]


AUDIT_TABLES = CHAIN_ORDER

"""PostgreSQL: rows join their chain as their transaction commits, in the database.

A chain has one head, so appenders take turns at it. Taken in the flush, that turn lasted through the
rest of the request's writes, its round trips and its commit, and decide transactions on several
workers queued there. Here the service writes each row with its content digest (`content_sha256`,
computed in Python, app.audit.chain) and no place; a deferred constraint trigger fires at COMMIT and
links every row the transaction wrote, chain by chain in CHAIN_ORDER (so two transactions never wait
on each other's heads in opposite orders), then the commit's WAL flush releases the heads. The turn
is now a few statements inside the server.

The link is the one app.audit.canonical.link_hash makes: SHA-256 over the RFC 8785 form of
{"chain", "content_sha256", "prev_hash", "seq"}. The keys are already in order and the values are a
table name, hex digests and an integer, so format() writes exactly the canonical bytes.
"""

from app.audit.canonical import GENESIS
from app.audit.spec import CHAIN_ORDER
from app.errors import ChainBroken

# The order a transaction's rows join a chain: as they were recorded, ties broken by id (migration 0008's too).
LINK_ORDER = {
    "decisions": "recorded_at, id",
    "outcome_events": "received_at, id",
    "case_events": "id",
}


def _link_chain(chain: str) -> str:
    return f"""
    IF EXISTS (SELECT 1 FROM {chain} WHERE chain_seq IS NULL) THEN
        -- The turn: FOR UPDATE waits for the previous appender's commit and then reads the head it left.
        SELECT seq INTO head FROM audit_chain_heads WHERE chain = '{chain}' FOR UPDATE;
        IF head = 0 THEN
            prev := '{GENESIS}';
        ELSE
            SELECT row_hash INTO prev FROM {chain} WHERE chain_seq = head;
            IF prev IS NULL THEN
                RAISE EXCEPTION USING ERRCODE = '{ChainBroken.sqlstate}', MESSAGE = format(
                    'Nothing was recorded: the {chain} audit chain has no row at seq %s, its last place. '
                    'Run python -m app.audit verify.', head);
            END IF;
        END IF;
        FOR pending IN SELECT id, content_sha256 FROM {chain} WHERE chain_seq IS NULL ORDER BY {LINK_ORDER[chain]} LOOP
            IF pending.content_sha256 IS NULL THEN
                RAISE EXCEPTION 'the {chain} table is append-only: an INSERT without its content digest is refused';
            END IF;
            head := head + 1;
            link := encode(sha256(convert_to(format(
                '{{"chain":"{chain}","content_sha256":"%s","prev_hash":"%s","seq":%s}}',
                pending.content_sha256, prev, head), 'UTF8')), 'hex');
            UPDATE {chain} SET chain_seq = head, prev_hash = prev, row_hash = link, content_sha256 = NULL
                WHERE id = pending.id;
            prev := link;
        END LOOP;
        UPDATE audit_chain_heads SET seq = head WHERE chain = '{chain}';
    END IF;"""


def postgres_function(schema: str) -> str:
    """The linking trigger function. SECURITY DEFINER: the service role may not UPDATE the audit tables."""
    return f"""
    CREATE OR REPLACE FUNCTION audit_link_chains() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, "{schema}" AS $$
    DECLARE
        head bigint;
        prev text;
        link text;
        pending record;
    BEGIN{"".join(_link_chain(chain) for chain in CHAIN_ORDER)}
        RETURN NULL;
    END;
    $$
    """


def postgres_triggers(chain: str) -> list[str]:
    """The deferred trigger of one chain, and the partial index that finds its transaction's unlinked rows."""
    return [
        f"CREATE INDEX ix_{chain}_unlinked ON {chain} ({LINK_ORDER[chain]}) WHERE chain_seq IS NULL",
        f"CREATE CONSTRAINT TRIGGER {chain}_link_at_commit AFTER INSERT ON {chain} "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.chain_seq IS NULL) "
        "EXECUTE FUNCTION audit_link_chains()",
    ]


def postgres_drops(chain: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {chain}_link_at_commit ON {chain}", f"DROP INDEX IF EXISTS ix_{chain}_unlinked"]

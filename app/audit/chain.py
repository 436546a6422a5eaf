"""Appending to the chains: every new row of an audit table is hashed in the flush that writes it.

A flush hook, so every writer (request, job, script) chains its rows without knowing about it. On
SQLite (one writer) the hook also gives the rows their places, locking the chain's head in the
request's own transaction. On PostgreSQL it hands each row's content digest to the database, which
links the rows as the transaction commits (app.audit.commit_links). Either way the row, its hash and
the new head commit or roll back together, and the request's session still owns the transaction.
"""

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from app.audit import repository
from app.audit.canonical import content_sha256, link_hash
from app.audit.personal import personal_digest
from app.audit.spec import CHAIN_ORDER, CHAINS, ChainSpec


def _written_form(value: Any) -> Any:
    # A JSON column reads back what json.dumps wrote (string keys, lists for tuples): hash that.
    return json.loads(json.dumps(value)) if isinstance(value, dict | list | tuple) else value


def content_of(spec: ChainSpec, values: dict[str, Any], *, written: bool = False) -> tuple[dict[str, Any], str]:
    """A row's content digest, and the personal digest column of a decision that has none yet.

    Needs no place in the chain, so it is computed before the chain's head is locked.
    written: the JSON values are already as they read back (json.loads output), so no round trip is needed.
    """
    if not written:
        values = {k: _written_form(v) for k, v in values.items()}
    extra: dict[str, Any] = {}
    if spec.personal and values.get("personal_sha256") is None:
        extra["personal_sha256"] = values["personal_sha256"] = personal_digest(
            payload_raw=values["payload_raw"], policy_input=values.get("policy_input")
        )
    return extra, content_sha256(spec.content(values))


def _link(spec: ChainSpec, *, digest: str, seq: int, prev_hash: str) -> dict[str, Any]:
    row_hash = link_hash(chain=spec.table, seq=seq, prev_hash=prev_hash, content_digest=digest)
    return {"chain_seq": seq, "prev_hash": prev_hash, "row_hash": row_hash}


def link_values(
    spec: ChainSpec, values: dict[str, Any], *, seq: int, prev_hash: str, written: bool = False
) -> dict[str, Any]:
    """The link columns (and a decision's personal digest) of a row about to be written at a known place."""
    extra, digest = content_of(spec, values, written=written)
    return extra | _link(spec, digest=digest, seq=seq, prev_hash=prev_hash)


def _links(connection: Connection, *, chain: str, digests: list[str]) -> list[dict[str, Any]]:
    """The link columns of the chain's next rows, one per content digest in order; moves the chain's head."""
    spec = CHAINS[chain]
    seq, prev = repository.reserve(connection, chain=chain, count=len(digests))
    links = []
    for digest in digests:
        seq += 1
        links.append(_link(spec, digest=digest, seq=seq, prev_hash=prev))
        prev = links[-1]["row_hash"]
    return links


def append_rows(connection: Connection, *, chain: str, rows: Iterable[dict[str, Any]], written: bool = False) -> None:
    """Give rows about to be inserted with Core (seeds, scripts) their link columns, in order; moves the head."""
    spec = CHAINS[chain]
    columns = [c.name for c in repository.table_of(chain).columns]
    rows = list(rows)
    digests = []
    for row in rows:
        for name in columns:
            # A column left out is written as NULL and read back as None: hash it so.
            row.setdefault(name, None)
        extra, digest = content_of(spec, row, written=written)
        row.update(extra)
        digests.append(digest)
    for row, link in zip(rows, _links(connection, chain=chain, digests=digests), strict=True):
        row.update(link)


@event.listens_for(Session, "before_flush")
def _chain_new_rows(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    pending: dict[str, list[Any]] = {}
    for obj in session.new:
        table = getattr(obj, "__tablename__", None)
        if table in CHAINS and getattr(obj, "row_hash", None) is None:
            pending.setdefault(table, []).append(obj)
    if not pending:
        return
    connection = session.connection()
    in_database = connection.dialect.name == "postgresql"
    for chain in (c for c in CHAIN_ORDER if c in pending):
        objs = sorted(pending[chain], key=lambda o: inspect(o).insert_order)
        digests = []
        for obj in objs:
            values = {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}
            extra, digest = content_of(CHAINS[chain], values)
            for key, value in extra.items():
                setattr(obj, key, value)
            if in_database:
                obj.content_sha256 = digest
            digests.append(digest)
        if in_database:
            continue  # linked by the database at commit
        # SQLite: this transaction began IMMEDIATE and holds the one write lock, so taking the head now costs nothing.
        for obj, link in zip(objs, _links(connection, chain=chain, digests=digests), strict=True):
            for key, value in link.items():
                setattr(obj, key, value)

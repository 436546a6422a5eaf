"""Directory administration from the shell, for the server's operator: seed people, issue and revoke tokens.

Tokens minted here are usable at once (personal tokens, recorded as issued by
the server's operator), unlike the temporary credentials an administrator gets
from the API for someone else. Run it only on the server, for local set-up.

    .venv/bin/python -m app.directory.cli seed seeds/directory.json
    .venv/bin/python -m app.directory.cli person-token u-am-04
    .venv/bin/python -m app.directory.cli service-token crm
    .venv/bin/python -m app.directory.cli revoke <token-id>
"""

import argparse
import asyncio
import sys
from pathlib import Path

from app.auth import service as tokens
from app.clock import SystemClock
from app.config import get_settings
from app.database import create_engine, create_session_factory
from app.directory.seed import load_seed
from app.errors import ServiceError
from app.migrations_runner import migrate


async def _main(args: argparse.Namespace) -> int:
    settings = get_settings()
    migrate(database_url=settings.database_url, owner_url=settings.database_owner_url)
    engine = create_engine(settings.database_url)
    factory = create_session_factory(engine)
    now = SystemClock().now()
    try:
        if args.command == "seed":
            added = await load_seed(factory=factory, path=Path(args.file), now=now)
            print(f"{added} people added (people already in the directory are left as they are)", file=sys.stderr)
            return 0
        async with factory() as session, session.begin():
            if args.command == "revoke":
                revoked = await tokens.revoke_token(session=session, token_id=args.token_id, now=now)
                print(f"revoked {revoked.id}", file=sys.stderr)
                return 0
            if args.command == "person-token":
                token, secret = await tokens.issue_person_token(
                    session=session, person_id=args.person_id, issuer=None, label=args.label, now=now
                )
            else:
                token, secret = await tokens.issue_service_token(
                    session=session, service_name=args.name, issued_by=tokens.CLI_ISSUER, label=args.label, now=now
                )
        print(
            f"{token.kind} token {token.id}, usable now, minted by the server's operator "
            "(keep the secret below; it is not stored)",
            file=sys.stderr,
        )
        print(secret)
        return 0
    except ServiceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m app.directory.cli", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seed", help="load people from a JSON file").add_argument("file")
    person = sub.add_parser("person-token", help="issue a token for a person; prints the secret")
    person.add_argument("person_id")
    person.add_argument("--label", default="cli")
    service = sub.add_parser("service-token", help="issue a token for a CRM integration; prints the secret")
    service.add_argument("name", help="the CRM source it reports for (the case's source field)")
    service.add_argument("--label", default="cli")
    sub.add_parser("revoke", help="revoke a token").add_argument("token_id")
    return asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())

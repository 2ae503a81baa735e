"""The private PostgreSQL server the ledger suites run against is really there."""

from __future__ import annotations

from sqlalchemy import create_engine, text


def test_fresh_database_on_loopback(pg_url: str) -> None:
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        version = conn.execute(text("show server_version")).scalar_one()
        listen = conn.execute(text("show listen_addresses")).scalar_one()
        tables = conn.execute(text("select count(*) from pg_tables where schemaname='public'")).scalar_one()
    engine.dispose()
    assert int(str(version).split(".")[0]) >= 13
    assert listen == "127.0.0.1"
    assert tables == 0

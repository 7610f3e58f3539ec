"""A row held by another writer, for tests of what a request does when the database is busy."""

from contextlib import contextmanager

from django.db import connection, connections


@contextmanager
def row_held_by_another_writer(table: str, pk: int):
    """Inside the block, another connection holds a write lock on row `pk` of `table`, and the
    test's own connection gives up waiting for a lock after 200 ms.

    SQLite has one writer at a time, so any write by the other connection locks the whole
    database; PostgreSQL locks the row (SELECT ... FOR UPDATE).
    """
    sqlite = connection.vendor == "sqlite"
    other = connections.create_connection("default")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 200" if sqlite else "SET lock_timeout = '200ms'")
    other.set_autocommit(False)
    with other.cursor() as cursor:
        if sqlite:
            cursor.execute(f"UPDATE {table} SET id = id WHERE id = %s", [pk])  # noqa: S608
        else:
            cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [pk])  # noqa: S608
    try:
        yield
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 20000" if sqlite else "RESET lock_timeout")

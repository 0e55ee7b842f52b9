"""Alembic environment: migrations run on the connection Rantai hands over (see store.engine)."""

from alembic import context

from rantai.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment: runs on the connection the Store hands over (or a URL for authors)."""

from alembic import context
from sqlalchemy import create_engine

from kiosk_app.store.tables import Base

config = context.config
connection = config.attributes.get("connection")

if connection is not None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:  # `alembic revision --autogenerate` by a developer, against sqlalchemy.url
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///kiosk-dev.db")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()

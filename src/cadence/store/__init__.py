"""The store: the only package that talks SQL (SQLAlchemy models, migrations, bulk writes, frame reads)."""

"""Source marks: the table comes with revision 0002, also on a store created at 0001, and a
mark is replaced, not duplicated."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect

from rantai.store.engine import engine_for, migrate
from rantai.store.marks import SourceMark, read_marks, save_marks


def test_a_store_made_at_revision_0001_gains_source_marks(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("rantai.store").joinpath("migrations"))
    )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    assert "source_marks" not in inspect(engine).get_table_names()
    assert "load_batches" in inspect(engine).get_table_names()

    migrate(engine)

    assert "source_marks" in inspect(engine).get_table_names()


def test_marks_are_read_per_location_and_source_and_replaced(db_url):
    engine = engine_for(db_url)
    with engine.begin() as conn:
        save_marks(conn, [SourceMark("http://a", "coverage", "2025-01-01T00:00:00Z", 5)], "r1")
        save_marks(conn, [SourceMark("http://b", "coverage", "2025-02-01T00:00:00Z", 1)], "r1")
    with engine.begin() as conn:
        save_marks(conn, [SourceMark("http://a", "coverage", "2025-03-01T00:00:00Z", 2)], "r2")
    with engine.connect() as conn:
        marks = read_marks(
            conn, [("http://a", "coverage"), ("http://b", "coverage"), ("http://a", "programs")]
        )
    assert marks == {
        ("http://a", "coverage"): "2025-03-01T00:00:00Z",
        ("http://b", "coverage"): "2025-02-01T00:00:00Z",
    }

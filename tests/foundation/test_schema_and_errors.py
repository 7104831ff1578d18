"""The migrations match the models; errors are Japanese pages without stack traces."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ktaishop.extensions import db as database
from models import Base
from models.base import exists_on


def test_migrations_build_exactly_the_models(app):
    with app.app_context(), database.engine.connect() as connection:
        dialect = connection.dialect.name
        context = MigrationContext.configure(connection, opts={
            "include_object": lambda obj, name, type_, *_: exists_on(dialect, name, type_),
        })
        assert compare_metadata(context, Base.metadata) == []


def test_an_unexpected_error_is_a_japanese_page_without_a_trace(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    app.testing = False  # as in production: the handler, not the exception, answers
    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "エラーが発生しました" in body
    assert "secret internals" not in body and "Traceback" not in body

"""The ``ktaishop`` command: a Flask CLI group over ``create_app``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from .extensions import db


def _create_app() -> Flask:
    from .app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def cli() -> None:
    """ktaishop — keitai shop and its admin."""


def _add_serve() -> None:
    """``serve`` belongs to the group itself, not to the app: starting gunicorn must not
    build an app in the master process (ktaishop.serve says why)."""
    from .serve import serve_command

    cli.add_command(serve_command)


_add_serve()


def main() -> None:
    cli()


def register(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(expire_orders)
    app.cli.add_command(clear_page_cache)
    from ktaishop.mail.worker import worker_command

    app.cli.add_command(worker_command)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (Alembic upgrade head)."""
    from .migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"])
    click.echo("データベースを最新の状態にしました。")


@click.command("clear-page-cache")
@with_appcontext
def clear_page_cache() -> None:
    """Forget every cached catalog page on every server (the catalog version moves)."""
    from models.page_cache import clear

    with db.engine.begin() as connection:
        clear(connection)
    click.echo("ページキャッシュを消去しました。")


@click.command("seed-demo")
@with_appcontext
@click.option("--members", "member_count", type=int, default=None, help="grow to N members")
@click.option("--orders", "order_count", type=int, default=None, help="grow to N orders")
def seed_demo(member_count: int | None, order_count: int | None) -> None:
    """Make the demo shop (idempotent); with --members/--orders grow it to that size."""
    from ktaishop.demo.shop import DEMO_ADMIN, DEMO_PASSWORD, grow, seed

    created = seed(db.session)
    db.session.commit()
    if member_count or order_count:
        grow(db.session, members=member_count or 0, orders=order_count or 0, echo=click.echo)
    click.echo("デモショップを作成しました。" if created else "デモショップは作成済みです。")
    click.echo(f"管理画面: {current_app.config['BASE_URL']}/admin/")
    click.echo(f"  ログインID: {DEMO_ADMIN}  パスワード: {DEMO_PASSWORD}")


@click.command("create-admin")
@with_appcontext
@click.argument("login")
@click.password_option("--password", prompt="パスワード", confirmation_prompt=True)
def create_admin(login: str, password: str) -> None:
    """Add an admin user LOGIN (or set the password of an existing one)."""
    from models import AdminUser

    if len(password) < 8:
        raise click.BadParameter("パスワードは8文字以上にしてください。", param_hint="--password")
    admin = db.session.scalar(select(AdminUser).where(AdminUser.login == login))
    if admin is None:
        admin = AdminUser(login=login)
        db.session.add(admin)
    admin.set_password(password)
    db.session.commit()
    click.echo(f"管理者 {login} を登録しました。")


@click.command("expire-orders")
@with_appcontext
def expire_orders() -> None:
    """Cancel 仮注文 whose confirmation link expired; release stock, void card holds."""
    from .jobs import expire_orders as run

    count = run(db.session)
    click.echo(f"期限切れの仮注文 {count} 件をキャンセルしました。")

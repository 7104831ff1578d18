"""Every route answers a bad id or a bad page number with 404, 400 or a normal page, never 500.

The routes are read from the app's URL map, so a route added later is walked too: every
rule with a numeric argument is asked for ids no row can have (20 digits, 0, -1, one past
PostgreSQL's INTEGER), by GET and by POST where it takes POST; every rule a GET reaches
is asked for a page number that is huge, negative or not a number. The admin's rules are
walked as a logged-in admin (with a CSRF token, so a POST reaches its view) in the demo
shop, so the lists have rows to page through.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests.conftest import csrf_token_from

ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
NUMERIC_CONVERTERS = {"int", "float", "id"}
BAD_IDS = ("99999999999999999999", "0", "-1", str(2**31))
LARGEST_ID = str(2**31 - 1)  # a row id PostgreSQL can hold, that no row has here
BAD_PAGES = ("99999999999999999999", "-5", "abc")


def arguments(rule: Rule) -> Iterator[re.Match[str]]:
    return ARGUMENT.finditer(rule.rule)


def is_numeric(argument: re.Match[str]) -> bool:
    return argument["converter"] in NUMERIC_CONVERTERS


def url_for_rule(rule: Rule, number: str) -> str:
    """``rule`` with every numeric argument set to ``number`` and the others to a
    value they accept (the first of an ``any(...)``, else a word)."""

    def value(argument: re.Match[str]) -> str:
        if is_numeric(argument):
            return number
        if argument["converter"] == "any":
            return argument["args"].split(",")[0].strip().strip("'\"")
        return "x"

    return ARGUMENT.sub(value, rule.rule)


def rules(app: Flask, *, with_ids: bool) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules()
            if any(is_numeric(a) for a in arguments(rule)) == with_ids]


@pytest.fixture
def walker(demo_shop: Flask, admin_client: FlaskClient) -> FlaskClient:
    """The logged-in admin's client, sending its CSRF token with every POST."""
    token = csrf_token_from(admin_client.get("/admin/products/new").get_data(as_text=True))
    admin_client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return admin_client


def methods(rule: Rule) -> list[str]:
    return sorted({"GET", "POST"} & (rule.methods or set()))


def test_ids_no_row_can_have_are_not_found_on_every_route(walker):
    id_rules = rules(walker.application, with_ids=True)
    assert len(id_rules) >= 30  # the admin's and the storefront's detail pages
    wrong = []
    for rule, method in ((r, m) for r in id_rules for m in methods(r)):
        for number in (*BAD_IDS, LARGEST_ID):
            url = url_for_rule(rule, number)
            status = walker.open(url, method=method).status_code
            # No route matches a bad id; the largest id matches and finds no row.
            if status >= 500 or (number in BAD_IDS and status != 404):
                wrong.append(f"{method} {url} -> {status}")
    assert not wrong, "\n".join(wrong)


def test_bad_page_numbers_never_break_a_page(walker):
    errors, pages_shown = [], 0
    for rule in walker.application.url_map.iter_rules():
        if "GET" not in methods(rule):
            continue
        for page in BAD_PAGES:
            # A rule with an id gets the demo shop's first row (its first shelf…).
            url = f"{url_for_rule(rule, '1')}?page={page}"
            status = walker.get(url).status_code
            pages_shown += status == 200
            if status >= 500:
                errors.append(f"GET {url} -> {status}")
    assert not errors, "\n".join(errors)
    assert pages_shown > 60  # the lists did answer with pages, not only redirects or 404s


def test_every_numeric_route_argument_is_a_bounded_id(app):
    unbounded = [rule.rule for rule in app.url_map.iter_rules()
                 for argument in arguments(rule)
                 if is_numeric(argument) and argument["converter"] != "id"]
    assert unbounded == []

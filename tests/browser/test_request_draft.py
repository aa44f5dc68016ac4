"""A long crisis call: what the advocate typed, places chosen included, survives a reload of
the form in the same tab (the draft lives in sessionStorage, never on the server)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_draft_keeps_typed_fields_and_chosen_places(journey):
    j = journey("advocate")
    j.sign_in(journey.logins["advocate"])
    j.go("/requests/new")
    j.page.fill("#where", "20002")
    search = j.page.get_by_role("searchbox", name="Places this person must not go")
    for text, name in (("harbor", "Harbor House"), ("crystal", "Crystal City Inn")):
        search.press_sequentially(text)
        j.page.get_by_role("button", name=re.compile(name)).click()
    chosen = j.page.locator(".place-chosen li")
    expect(chosen).to_have_count(2)
    j.page.get_by_role("button", name="Remove Harbor House").click()
    expect(chosen).to_have_count(1)

    j.page.reload()
    expect(j.page.locator("#where")).to_have_value("20002")
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text("Crystal City Inn (hotel")
    expect(j.page.locator('.place-chosen input[name="exclude"]')).to_have_count(1)

"""A long crisis call: what the advocate typed, places chosen included, survives a lost
sign-in in the same tab (the draft lives in sessionStorage, never on the server), but only
for the same unfinished request. A fresh "New request" is for the next caller: it never
comes back filled with the last caller's danger zone and note."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DRAFTS = ("() => Object.keys(sessionStorage).filter(k => k.startsWith('sb-request-draft-'))"
          ".map(k => JSON.parse(sessionStorage.getItem(k)))")
EXPIRE = ("() => Object.keys(sessionStorage).filter(k => k.startsWith('sb-request-draft-'))"
          ".forEach(k => { const d = JSON.parse(sessionStorage.getItem(k));"
          " d.savedAt = Date.now() - 31 * 60 * 1000;"
          " sessionStorage.setItem(k, JSON.stringify(d)); })")


def draft_of(url: str) -> str:
    return re.search(r"[?&]draft=([0-9a-f]+)", url).group(1)


def test_a_draft_comes_back_only_into_its_own_request(journey):
    j = journey("advocate-draft")
    email, password, _ = journey.logins["advocate"]
    j.sign_in(journey.logins["advocate"])
    page = j.page
    j.go("/requests/new")
    page.fill("#where", "20002")
    page.fill("#danger_zones-0-where", "Houston, TX")
    page.fill("#note", "First caller: leaving tonight")
    # Her son of 15 comes too, and she has no ID.
    page.get_by_role("button", name="Add a person").click()
    page.select_option("#people-1-age_band", "teen")
    page.select_option("#people-1-gender", "male")
    page.get_by_label("Accepts guests without ID").check()
    search = page.get_by_role("searchbox", name="Places this person must not go")
    for text, name in (("harbor", "Harbor House"), ("crystal", "Crystal City Inn")):
        search.press_sequentially(text)
        page.get_by_role("button", name=re.compile(name)).click()
    chosen = page.locator(".place-chosen li")
    expect(chosen).to_have_count(2)
    page.get_by_role("button", name="Remove Harbor House").click()
    expect(chosen).to_have_count(1)
    first_request = page.url
    assert draft_of(first_request)

    # The sign-in is lost mid-call; filing sends the advocate to sign in again, and back.
    page.context.clear_cookies()
    page.get_by_role("button", name="File request").click()
    page.wait_for_url(re.compile(r".*/login\?next="))
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(first_request)
    restored = page.locator("#draft-restored")
    expect(restored).to_be_visible()
    expect(restored).to_contain_text("kept in this tab")
    expect(page.locator("#where")).to_have_value("20002")
    expect(page.locator("#danger_zones-0-where")).to_have_value("Houston, TX")
    expect(page.locator("#note")).to_have_value("First caller: leaving tonight")
    expect(page.locator("#people-1-age_band")).to_have_value("teen")
    expect(page.locator("#people-1-gender")).to_have_value("male")
    expect(page.get_by_label("Accepts guests without ID")).to_be_checked()
    expect(page.locator('[data-derived="teen-boys"]')).to_contain_text("Added")
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text("Crystal City Inn (hotel")
    expect(page.locator('.place-chosen input[name="exclude"]')).to_have_count(1)
    j.check("restored-after-sign-in")

    # The submission is refused; the advocate moves on to the next caller.
    page.select_option("#people-0-age_band", "")
    page.select_option("#people-1-age_band", "")
    page.get_by_role("button", name="File request").click()
    expect(page.get_by_text("A party has at least one person.").first).to_be_visible()
    j.go("/requests/new")
    expect(page.locator("#where")).to_have_value("")
    expect(page.locator("#danger_zones-0-where")).to_have_value("")
    expect(page.locator("#note")).to_have_value("")
    expect(page.locator("[data-person]")).to_have_count(1)
    expect(page.get_by_label("Accepts guests without ID")).not_to_be_checked()
    expect(chosen).to_have_count(0)
    expect(page.locator("#draft-restored")).to_be_hidden()
    elsewhere = page.locator("#draft-elsewhere")
    expect(elsewhere).to_be_visible()
    assert draft_of(page.url) != draft_of(first_request)
    j.check("next-caller")

    # The unfinished request is one deliberate click away, then discarded in one more.
    elsewhere.get_by_role("link", name="Go back to the unfinished request").click()
    page.wait_for_url(first_request)
    expect(page.locator("#note")).to_have_value("First caller: leaving tonight")
    restored.get_by_role("button", name="Discard it and start a new request").click()
    page.wait_for_url(lambda url: "draft=" in url and draft_of(url) != draft_of(first_request))
    expect(page.locator("#note")).to_have_value("")
    expect(page.locator("#where")).to_have_value("")
    expect(restored).to_be_hidden()
    expect(page.locator("#draft-elsewhere")).to_be_hidden()
    assert page.evaluate(DRAFTS) == []

    # A new draft replaces nothing of the first caller's, and lapses after 30 minutes.
    page.fill("#where", "Austin, TX")
    (draft,) = page.evaluate(DRAFTS)
    assert draft["fields"]["where"] == "Austin, TX" and draft["fields"]["note"] == ""
    page.evaluate(EXPIRE)
    page.reload()
    expect(page.locator("#where")).to_have_value("")
    expect(restored).to_be_hidden()
    assert page.evaluate(DRAFTS) == []

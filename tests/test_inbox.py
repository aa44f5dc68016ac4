"""Each person's inbox: their own messages only, newest first, read when opened; a badge
with the unread count that a page keeps current by polling, without the polls keeping an
idle session alive."""

import re
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from placement import inbox
from placement.auth.models import Role
from placement.extensions import db
from placement.inbox import InboxMessage
from tests.conftest import sign_in

STAFF = [Role.ADVOCATE, Role.COORDINATOR, Role.ADMIN]


def post(user, text: str, link: str = "/requests/1", minutes_ago: int = 0) -> InboxMessage:
    message = inbox.post(db.session, user.id, "alert", text, link)
    message.created_at = datetime(2026, 12, 1, 12, 0) - timedelta(minutes=minutes_ago)
    db.session.commit()
    return message


def unread(user) -> int:
    db.session.expire_all()
    return inbox.unread_count(db.session, user.id)


def badge(html: str) -> str:
    return re.search(r'<span[^>]*id="inbox-badge"[^>]*>(\d*)</span>', html).group(1)


@pytest.mark.parametrize("role", STAFF)
def test_staff_read_their_own_messages_newest_first(client, make_user, login, role):
    me, someone_else = make_user(role), make_user(role)
    post(me, "SB-OLD1: the older message.", minutes_ago=30)
    post(me, "SB-NEW1: the newer message.", minutes_ago=1)
    post(someone_else, "SB-THEIRS: not for me.")
    login(me)
    page = client.get("/inbox").text
    assert page.index("SB-NEW1") < page.index("SB-OLD1")
    assert "SB-THEIRS" not in page
    assert page.count("Unread") >= 2


def test_donors_have_no_inbox(client, make_user, login):
    login(make_user(Role.DONOR))
    assert client.get("/inbox").status_code == 403
    assert client.get("/inbox/unread").status_code == 403
    assert 'id="inbox-badge"' not in client.get("/donor").text


def test_opening_a_message_marks_it_read_and_follows_its_link(client, make_user, login):
    me = make_user(Role.ADVOCATE)
    first = post(me, "SB-AAAA: has a place.", link="/requests/7")
    post(me, "SB-BBBB: has a place.", link="/requests/8")
    login(me)
    response = client.post("/inbox/open", data={"message_id": first.id})
    assert response.status_code == 303 and response.headers["Location"] == "/requests/7"
    assert unread(me) == 1
    assert db.session.get(InboxMessage, first.id).read_at is not None


def test_nobody_opens_or_reads_another_persons_message(client, make_user, login):
    me, someone_else = make_user(Role.COORDINATOR), make_user(Role.COORDINATOR)
    theirs = post(someone_else, "SB-THEM: an alert.", link="/requests/9")
    login(me)
    assert client.post("/inbox/open", data={"message_id": theirs.id}).status_code == 404
    assert client.post("/inbox/open", data={"message_id": "x"}).status_code == 400
    client.post("/inbox/read-all")
    assert unread(someone_else) == 1


def test_mark_all_read_reads_only_mine(client, make_user, login):
    me, someone_else = make_user(Role.ADMIN), make_user(Role.ADMIN)
    for n in range(3):
        post(me, f"SB-000{n}: an alert.")
    post(someone_else, "SB-THEM: an alert.")
    login(me)
    response = client.post("/inbox/read-all", follow_redirects=True)
    assert "Every message is marked read." in response.text
    assert (unread(me), unread(someone_else)) == (0, 1)


def test_a_link_that_leaves_the_app_is_never_followed(client, make_user, login):
    me = make_user(Role.ADVOCATE)
    odd = post(me, "SB-CCCC: odd.", link="//evil.example.org/x")
    login(me)
    response = client.post("/inbox/open", data={"message_id": odd.id})
    assert response.headers["Location"] == "/inbox"


def test_reading_needs_the_forms_token(app, client, make_user, login):
    me = make_user(Role.ADVOCATE)
    message = post(me, "SB-DDDD: has a place.")
    login(me)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/inbox/open", data={"message_id": message.id}).status_code == 400
    assert client.post("/inbox/read-all").status_code == 400
    assert unread(me) == 1


def test_the_badge_counts_unread_messages_on_every_page(client, make_user, login):
    me = make_user(Role.COORDINATOR)
    post(me, "SB-EEEE: an alert.")
    post(me, "SB-FFFF: an alert.")
    login(me)
    page = client.get("/coordinator").text
    assert badge(page) == "2"
    assert 'aria-live="polite"' in page and "inbox.js" in page
    client.post("/inbox/read-all")
    assert badge(client.get("/coordinator").text) == ""


def test_the_poll_answers_the_unread_count_only(client, make_user, login):
    me = make_user(Role.ADVOCATE)
    post(me, "SB-GGGG: has a place.")
    login(me)
    response = client.get("/inbox/unread")
    assert response.status_code == 200 and response.get_json() == {"unread": 1}
    assert response.headers["Cache-Control"] == "no-store"


def set_idle(client, seconds: int) -> int:
    last_seen = int(time.time()) - seconds
    with client.session_transaction() as session:
        session["last_seen"] = last_seen
        session["started_at"] = last_seen
    return last_seen


def last_seen(client) -> int:
    with client.session_transaction() as session:
        return session["last_seen"]


def test_polls_do_not_keep_an_idle_session_alive(client, make_user, login):
    login(make_user(Role.ADVOCATE))
    before = set_idle(client, 14 * 60)
    for _ in range(3):  # the page polls on its own: no activity of the person's
        assert client.get("/inbox/unread").status_code == 200
    assert last_seen(client) == before
    set_idle(client, 16 * 60)
    ended = client.get("/inbox/unread")
    assert ended.status_code == 401 and ended.get_json() == {"signed_out": True}
    assert client.get("/inbox").status_code == 302  # the next real page signs in again


def test_a_page_view_is_activity_and_a_poll_is_not(client, make_user, login):
    login(make_user(Role.COORDINATOR))
    before = set_idle(client, 10 * 60)
    client.get("/inbox/unread")
    assert last_seen(client) == before
    client.get("/inbox")
    assert last_seen(client) > before


def test_the_script_that_polls_is_a_file_of_ours(client, make_user, login):
    login(make_user(Role.ADVOCATE))
    page = client.get("/inbox").text
    src = re.search(r'<script src="([^"]*inbox\.js)"', page).group(1)
    with client.get(src) as script:
        assert script.status_code == 200
        body = script.get_data(as_text=True)
    assert "15000" in body and "401" in body


def test_messages_are_listed_with_their_case_link(client, make_user, login,
                                                  create_request):
    me = make_user(Role.ADVOCATE)
    request = create_request(created_by_id=me.id)
    message = inbox.post(db.session, me.id, "placed", f"{request.case_code}: has a place.",
                         f"/requests/{request.id}", request_id=request.id)
    db.session.commit()
    login(me)
    page = client.get("/inbox").text
    assert request.case_code in page
    assert f'name="message_id" value="{message.id}"' in page
    stored = db.session.scalars(select(InboxMessage)).all()
    assert [m.read_at for m in stored] == [None]  # listing is not reading


def test_signing_in_again_shows_the_inbox_to_its_owner_only(app, make_user):
    me = make_user(Role.ADVOCATE)
    post(me, "SB-HHHH: has a place.")
    other = sign_in(app.test_client(), make_user(Role.ADVOCATE))
    assert "SB-HHHH" not in other.get("/inbox").text
    assert other.get("/inbox/unread").get_json() == {"unread": 0}

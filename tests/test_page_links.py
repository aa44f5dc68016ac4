"""Nothing a page offers answers "forbidden" or "not found" to the person it is offered to."""

import re

from placement.auth.models import Role


def local_links(html: str) -> list[str]:
    return sorted({href for href in re.findall(r'href="(/[^"#]*)"', html)
                   if not href.startswith("//")})


def test_every_link_on_the_jobs_page_opens_for_the_admin_who_sees_it(app, make_user, login,
                                                                     create_shelter):
    create_shelter(name="Harbor House")  # never confirmed: on the list of shelters to remind
    client = login(make_user(Role.ADMIN))
    page = client.get("/admin/jobs/")
    assert page.status_code == 200 and "Harbor House" in page.text
    answers = {}
    for href in local_links(page.text):
        answer = client.get(href)
        answers[href] = answer.status_code
        answer.close()
    assert answers and {href: status for href, status in answers.items() if status >= 400} == {}


def test_every_page_names_an_icon_that_is_served(client):
    page = client.get("/login")
    [icon] = re.findall(r'<link rel="icon"[^>]* href="([^"]+)"', page.text)
    answer = client.get(icon)
    assert answer.status_code == 200
    assert answer.mimetype in ("image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon")
    answer.close()


def test_a_browser_asking_for_favicon_ico_is_sent_to_the_icon(client):
    answer = client.get("/favicon.ico", follow_redirects=True)
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    answer.close()

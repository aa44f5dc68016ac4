"""Standing rules for every page: nothing inline (so a strict CSP can be turned on), nothing
loaded from the internet, CSRF on every form."""

import re
from pathlib import Path

import pytest

from placement.auth.models import Role

TEMPLATES = sorted((Path(__file__).resolve().parent.parent / "templates").rglob("*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_no_inline_script_style_or_handlers(template):
    source = template.read_text()
    assert not INLINE_SCRIPT.search(source)
    assert not INLINE_STYLE.search(source)
    assert not INLINE_HANDLER.search(source)
    assert not EXTERNAL.search(source)


def test_post_forms_carry_a_csrf_token():
    for template in TEMPLATES:
        source = template.read_text()
        # A long list may render the field once: {% set csrf_field = form.hidden_tag() %}.
        hoisted = re.search(r"\{%\s*set\s+csrf_field\s*=\s*\w+\.hidden_tag\(\)\s*%\}", source)
        for form in re.findall(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", source, re.S):
            assert ("hidden_tag()" in form or "csrf_token()" in form
                    or (hoisted and "{{ csrf_field }}" in form)), template.name


def test_rendered_pages_load_nothing_from_the_internet(client, make_user, login):
    pages = [client.get("/login").text]
    login(make_user(Role.ADMIN))
    pages.append(client.get("/admin/users").text)
    for html in pages:
        assert not EXTERNAL.search(html)
        assert not INLINE_SCRIPT.search(html) and not INLINE_STYLE.search(html)
        for asset in re.findall(r'(?:src|href)="(/[^"]+\.(?:css|js))"', html):
            with client.get(asset) as response:
                assert response.status_code == 200, asset

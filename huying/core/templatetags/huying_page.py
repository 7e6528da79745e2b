"""``{% page_title %}{% block title %}{% endblock %}{% endpage_title %}``: the browser tab's
text, "<page> · 呼应", or just the product's name when a page gives no title.

Django templates cannot ask whether a block has content (``{% if self.title %}`` is always
false), so the tag renders what it wraps (blocks inside it are overridden as usual) and adds
the separator only when there is something before it."""

from __future__ import annotations

from django import template
from django.template.base import NodeList, Parser, Token
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext

register = template.Library()


class PageTitleNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        page = self.nodelist.render(context).strip()  # escaped by the templates it renders
        product = pgettext("product name", "呼应")
        if not page:
            return format_html("{}", product)
        return format_html("{} · {}", mark_safe(page), product)


@register.tag
def page_title(parser: Parser, token: Token) -> PageTitleNode:
    nodelist = parser.parse(("endpage_title",))
    parser.delete_first_token()
    return PageTitleNode(nodelist)

"""The forms' renderer (``settings.FORM_RENDERER``): widgets by Jinja2.

Django's widget templates exist twice, as Django templates and as Jinja2 ones, and render the
same HTML; the Django templates include a template for every ``<option>`` and attribute list,
which made the triage form's item select (37 options) 5.8 ms of every case page, 0.9 ms in
Jinja2. Templates only Django's engine has (the admin's widgets: the "+" beside a select)
are rendered by it, as Django's own renderer would."""

from __future__ import annotations

from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class WidgetRenderer(BaseRenderer):
    def __init__(self) -> None:
        self.jinja2 = Jinja2()
        self.django = DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)

from typing import Any

from django.apps import AppConfig
from django.db import transaction
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "huying.catalogue"
    label = "catalogue"
    verbose_name = _("事项清单")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from huying.catalogue.models import Catalogue, CatalogueClass, CatalogueItem

        for model in (Catalogue, CatalogueClass, CatalogueItem):
            post_save.connect(_forget_current, sender=model, dispatch_uid=f"current-{model}")
            post_delete.connect(_forget_current, sender=model, dispatch_uid=f"gone-{model}")
        m2m_changed.connect(
            _forget_current,
            sender=CatalogueItem.co_departments.through,
            dispatch_uid="current-co-departments",
        )


def _forget_current(**_: Any) -> None:
    """Now, for this process; and again at commit, for a process that read the old items
    between the change and its commit."""
    from huying.catalogue.selectors import current_remembered

    current_remembered.forget()
    transaction.on_commit(current_remembered.forget)

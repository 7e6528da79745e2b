from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "huying.org"
    label = "org"
    verbose_name = _("组织与网格")

    def ready(self) -> None:
        from huying.core.notify import register_role_defaults
        from huying.org.selectors import notify_defaults

        register_role_defaults(notify_defaults)

        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from huying.core.models import ApiToken
        from huying.org.authcache import auth_changed, user_saved
        from huying.org.models import OrgUnit, RoleGrant

        # Whatever changes who may act, or where (a unit's path is a role's data scope),
        # forgets the remembered tokens and roles.
        for model in (RoleGrant, ApiToken, OrgUnit):
            post_save.connect(auth_changed, sender=model, dispatch_uid=f"auth-{model.__name__}")
            post_delete.connect(auth_changed, sender=model, dispatch_uid=f"auth-d-{model.__name__}")
        post_save.connect(user_saved, sender=get_user_model(), dispatch_uid="auth-user")
        post_delete.connect(auth_changed, sender=get_user_model(), dispatch_uid="auth-d-user")

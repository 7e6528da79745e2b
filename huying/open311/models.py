"""What an Open311 (GeoReport v2) client sent beside the case it became."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.cases.models import Case
from huying.core.models import ApiToken


def new_request_token() -> str:
    """The spec's request token: a public handle for ``GET tokens/{token}``, not a secret."""
    return secrets.token_hex(16)


class Open311Request(models.Model):
    """A case reported through Open311: it is public on that door (the spec's requests are),
    the e-mail the client passed is kept here, private like the case's reporter phone, and the
    media URL is the client's own (never fetched: the government network is closed)."""

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="open311", verbose_name=_("事件")
    )
    token = models.CharField(
        max_length=32, unique=True, default=new_request_token, verbose_name=_("请求令牌")
    )
    # The api_key it came with: which client reported it (the token's holder is the actor).
    api_token = models.ForeignKey(
        ApiToken,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("接口令牌"),
    )
    email = models.EmailField(blank=True, verbose_name=_("电子邮箱"))
    media_url = models.URLField(max_length=500, blank=True, verbose_name=_("图片链接"))
    #: The answers to the service's attributes, as checked: ``[{code, description, value,
    #: text}]`` in the questions' order (the question as asked then: versions change).
    attributes = models.JSONField(default=list, blank=True, verbose_name=_("补充信息"))
    created_at = models.DateTimeField(verbose_name=_("提交时间"))

    class Meta:
        verbose_name = _("Open311 请求")
        verbose_name_plural = _("Open311 请求")

    def __str__(self) -> str:
        return f"{self.case_id} {self.token}"

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelStatus(models.TextChoices):
    ACTIVE = "active", _("使用中")
    RETIRED = "retired", _("已替换")
    HELD = "held", _("未启用（不如现用模型）")


class TriageModel(models.Model):
    """One trained version of the learned suggestion, with the data and held-out scores it
    was trained with. One is active; a new one that scores worse than it on the same
    held-out cases is kept, held, and said so (never activated silently)."""

    version = models.PositiveIntegerField(unique=True, verbose_name=_("版本"))
    trained_at = models.DateTimeField(verbose_name=_("训练时间"))
    seconds = models.FloatField(default=0, verbose_name=_("训练用时（秒）"))
    examples = models.PositiveIntegerField(verbose_name=_("训练样本数"))
    held_out = models.PositiveIntegerField(default=0, verbose_name=_("留出样本数"))
    items = models.PositiveIntegerField(verbose_name=_("事项数"))
    top1 = models.FloatField(null=True, verbose_name=_("留出集首位准确率"))
    top3 = models.FloatField(null=True, verbose_name=_("留出集前三准确率"))
    level_accuracy = models.FloatField(null=True, verbose_name=_("留出集等级准确率"))
    #: The active model's top-1 on the same held-out cases, when there was one.
    rival_top1 = models.FloatField(null=True, verbose_name=_("现用模型首位准确率"))
    status = models.CharField(max_length=8, choices=ModelStatus.choices, verbose_name=_("状态"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("说明"))
    data = models.BinaryField(verbose_name=_("模型数据"))

    class Meta:
        ordering = ["-version"]
        verbose_name = _("研判模型")
        verbose_name_plural = _("研判模型")
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="active"),
                name="triage_one_active_model",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_status_display()})"

from odoo import models
from odoo.exceptions import AccessError


class BaseAutomation(models.Model):
    """NPS managers tune the triggers of their campaigns (the rules whose action sends an NPS survey)
    without being administrators: they may switch them on and off and change when they fire, never
    what they run (record rules limit them to those rules; this limits the fields)."""

    _inherit = "base.automation"

    _NPS_MANAGER_WRITABLE = frozenset(
        {
            "active",
            "name",
            "description",
            "trigger",
            "trigger_field_ids",
            "on_change_field_ids",
            "filter_pre_domain",
            "filter_domain",
            "trg_selection_field_id",
            "trg_field_ref",
            "trg_date_id",
            "trg_date_range",
            "trg_date_range_type",
            "trg_date_calendar_id",
        }
    )

    def write(self, vals):
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            forbidden = set(vals) - self._NPS_MANAGER_WRITABLE
            if forbidden:
                raise AccessError(
                    self.env._(
                        "Only administrators may change what an automation rule does (%(fields)s).",
                        fields=", ".join(sorted(forbidden)),
                    )
                )
            # the rule's scheduled action follows its trigger (ir.cron, for administrators only)
            self.check_access("write")
            return super(BaseAutomation, self.sudo()).write(vals)
        return super().write(vals)

    def action_nps_edit_trigger(self):
        """Open the rule to tune when it fires (from the campaign's Triggers tab)."""
        self.ensure_one()
        self.check_access("write")
        return self._get_records_action(context={})

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError


class IrActionsServer(models.Model):
    """A "Send NPS survey" server action, the way ``sms`` adds "Send SMS": used by automation rules."""

    _inherit = "ir.actions.server"

    state = fields.Selection(
        selection_add=[("nps_survey", "Send NPS survey")],
        ondelete={"nps_survey": "cascade"},
    )
    nps_campaign_id = fields.Many2one(
        "nps.campaign",
        string="NPS campaign",
        ondelete="restrict",
        index="btree_not_null",
    )
    nps_partner_field_id = fields.Many2one(
        "ir.model.fields",
        string="Customer field",
        compute="_compute_nps_fields",
        readonly=False,
        store=True,
        ondelete="set null",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'many2one'), ('relation', '=', 'res.partner')]",
        help="The customer to survey, on the triggering record.",
    )
    nps_user_field_id = fields.Many2one(
        "ir.model.fields",
        string="Contact employee field",
        compute="_compute_nps_fields",
        readonly=False,
        store=True,
        ondelete="set null",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'many2one'), ('relation', '=', 'res.users')]",
        help="The employee the customer dealt with (salesperson, ticket agent), on the triggering record.",
    )

    @api.depends("model_id", "state")
    def _compute_nps_fields(self):
        for action in self:
            if action.state != "nps_survey" or not action.model_id:
                action.nps_partner_field_id = action.nps_user_field_id = False
                continue
            fields_by_name = {field.name: field for field in action.model_id.field_id}
            partner_field = fields_by_name.get("partner_id")
            user_field = fields_by_name.get("user_id")
            if action.nps_partner_field_id.model_id != action.model_id:
                action.nps_partner_field_id = (
                    partner_field if partner_field and partner_field.relation == "res.partner" else False
                )
            if action.nps_user_field_id.model_id != action.model_id:
                action.nps_user_field_id = user_field if user_field and user_field.relation == "res.users" else False

    @api.depends("nps_campaign_id")
    def _compute_name(self):  # pylint: disable=missing-return
        super()._compute_name()
        for action in self.filtered(lambda action: action.base_automation_id and action.state == "nps_survey"):
            action.name = self.env._("Send NPS survey: %(campaign)s", campaign=action.nps_campaign_id.name or "")

    @api.constrains("state", "nps_campaign_id", "nps_partner_field_id", "nps_user_field_id", "model_id")
    def _check_nps_survey(self):
        for action in self.filtered(lambda action: action.state == "nps_survey"):
            if not action.nps_campaign_id:
                raise ValidationError(
                    self.env._("Choose the NPS campaign of the action %(action)s.", action=action.name)
                )
            if not action.nps_partner_field_id:
                raise ValidationError(
                    self.env._("Choose which field holds the customer in the action %(action)s.", action=action.name)
                )
            for field in action.nps_partner_field_id | action.nps_user_field_id:
                if field.model_id != action.model_id:
                    raise ValidationError(
                        self.env._(
                            "The field %(field)s of the action %(action)s is not a field of %(model)s.",
                            field=field.field_description,
                            action=action.name,
                            model=action.model_id.name,
                        )
                    )

    def write(self, vals):
        # NPS managers may read and retarget the "Send NPS survey" actions of their campaigns (record
        # rules), but turning one into code, or changing its model, stays with administrators.
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            forbidden = set(vals) - {"name", "nps_campaign_id", "nps_partner_field_id", "nps_user_field_id"}
            if forbidden:
                raise AccessError(
                    self.env._(
                        "Only administrators may change what a server action does (%(fields)s).",
                        fields=", ".join(sorted(forbidden)),
                    )
                )
        return super().write(vals)

    def _run_action_nps_survey_multi(self, eval_context=None):
        """Ask for one survey per triggering record (access was checked by :meth:`run`).

        Only the request is written here, in the trigger's transaction (the user confirming an order waits
        for it): the sending cron plans the surveys in batch, with all their rules (``nps.survey.request``).
        """
        records = eval_context.get("records") or eval_context.get("record")
        if not records or not self.nps_campaign_id:
            return False
        self.env["nps.survey.request"]._request_surveys(
            self.nps_campaign_id,
            records,
            partner_field=self.nps_partner_field_id.name or "partner_id",
            user_field=self.nps_user_field_id.name,
        )
        return False

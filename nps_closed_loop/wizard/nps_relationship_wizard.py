from collections import Counter

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

from .. import compat

# one2many/many2many compared with ids or with nothing, as the same condition on the linked records
_X2MANY_OPERATORS = {"=": "any", "in": "any", "!=": "not any", "not in": "not any"}


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool)


class NpsRelationshipWizard(models.TransientModel):
    _name = "nps.relationship.wizard"
    _description = "Relationship NPS: survey a segment of customers"

    def _default_campaign_id(self):
        return self.env.ref("nps_closed_loop.nps_campaign_relationship", raise_if_not_found=False)

    def _default_partner_domain(self):
        since = fields.Date.context_today(self) - relativedelta(months=12)
        return repr(
            [("sale_order_ids", "any", [("state", "=", "sale"), ("date_order", ">=", fields.Date.to_string(since))])]
        )

    campaign_id = fields.Many2one(
        "nps.campaign",
        required=True,
        ondelete="cascade",
        default=lambda self: self._default_campaign_id(),
        domain=[("active", "=", True)],
    )
    partner_domain = fields.Char(
        string="Customers",
        required=True,
        default=lambda self: self._default_partner_domain(),
        help="Which customers to survey, e.g. those with a confirmed order in the last 12 months.",
    )
    partner_count = fields.Integer(string="Customers in the segment", compute="_compute_preview")
    survey_count = fields.Integer(string="Will be surveyed", compute="_compute_preview")
    excluded_count = fields.Integer(string="Excluded", compute="_compute_preview")
    exclusion_summary = fields.Html(string="Why excluded", compute="_compute_preview", sanitize=False)
    domain_error = fields.Char(compute="_compute_preview")

    @api.depends("campaign_id", "partner_domain")
    def _compute_preview(self):
        for wizard in self:
            values = {
                "partner_count": 0,
                "survey_count": 0,
                "excluded_count": 0,
                "exclusion_summary": False,
                "domain_error": False,
            }
            if wizard.campaign_id:
                try:
                    partners, to_survey, excluded = wizard._nps_candidates()
                except UserError as error:
                    values["domain_error"] = str(error)
                else:
                    values.update(
                        partner_count=len(partners),
                        survey_count=len(to_survey),
                        excluded_count=sum(excluded.values()),
                        exclusion_summary=wizard._nps_exclusion_summary(excluded),
                    )
            wizard.update(values)

    def _nps_partner_search_domain(self):
        self.ensure_one()
        try:
            domain = safe_eval(
                self.partner_domain or "[]",
                {
                    "context_today": lambda: fields.Date.context_today(self),
                    "datetime": safe_datetime,
                    "relativedelta": relativedelta,
                    "uid": self.env.uid,
                },
            )
        except Exception as error:  # noqa: BLE001 pylint: disable=broad-exception-caught
            raise UserError(self.env._("The customer filter is not valid: %(error)s", error=error)) from error
        if not isinstance(domain, list | tuple):
            raise UserError(self.env._("The customer filter is not valid: it must be a list of conditions."))
        return list(domain)

    def _nps_readable_domain(self, model, domain):
        """``domain``, to be searched on ``model`` with the user's rights; AccessError if it uses a
        field or a model they cannot read.

        The ORM checks the models it searches, but not the fields computed on the fly (their search
        may read anything), nor the models behind one2many/many2many fields compared with ids or with
        nothing: it tests those in subqueries that skip the access rules. Hence the checks here, and
        such comparisons rewritten as ``any`` conditions, which apply the rules.
        """
        readable = []
        for term in domain:
            if not isinstance(term, list | tuple) or len(term) != 3 or not isinstance(term[0], str):
                readable.append(term)
                continue
            path, operator, value = term
            current, field = model, None
            for name in path.split("."):
                field = current._fields.get(name)
                if field is None:
                    break  # not a field: the ORM reports it
                compat.check_field_read(current, name)
                if field.relational:
                    current = self.env[field.comodel_name]
                    current.check_access("read")
            if field is not None and field.relational and operator in ("any", "not any"):
                if isinstance(value, list | tuple):
                    value = self._nps_readable_domain(current, value)
            elif field is not None and field.type in ("one2many", "many2many") and operator in _X2MANY_OPERATORS:
                ids = [value] if _is_id(value) else value
                if value is False and operator in ("=", "!="):
                    operator, value = _X2MANY_OPERATORS[operator], []
                elif isinstance(ids, list | tuple) and ids and all(_is_id(record_id) for record_id in ids):
                    operator, value = _X2MANY_OPERATORS[operator], [("id", "in", list(ids))]
            readable.append((path, operator, value))
        return readable

    def _nps_candidates(self):
        """``(partners in the segment, partners to survey, Counter of the others per reason)``."""
        self.ensure_one()
        campaign = self.campaign_id
        domain = self._nps_partner_search_domain()
        partner_model = self.env["res.partner"]
        try:
            # The manager's own rights, never more: counting with superuser rights would let them probe
            # what they cannot read (orders of other companies, bank accounts, restricted fields).
            # Only the campaign's rules below, built by code, read more than that.
            partners = partner_model.search(self._nps_readable_domain(partner_model, domain))
        except (AccessError, ValueError, TypeError, KeyError) as error:
            raise UserError(self.env._("The customer filter is not valid: %(error)s", error=error)) from error
        entries = [{"partner": partner, "user": partner.user_id, "record": None} for partner in partners]
        kept, excluded = self.env["nps.campaign.schedule"]._filter_entries(campaign, entries, fields.Datetime.now())
        kept_partners = self.env["res.partner"].browse([entry["partner"].id for entry in kept])
        verdicts = self.env["nps.survey.send"]._partner_verdicts(
            kept_partners, campaign._nps_preferred_channels(), campaign.lawful_basis
        )
        to_survey_ids = []
        for partner in kept_partners:
            verdict = verdicts[partner.id]
            if verdict.get("state"):
                excluded[verdict["label"]] += 1
            else:
                to_survey_ids.append(partner.id)
        return partners, self.env["res.partner"].browse(to_survey_ids), Counter(excluded)

    def _nps_exclusion_summary(self, excluded):
        if not excluded:
            return False
        items = Markup("").join(Markup("<li>%s: %s</li>") % (reason, count) for reason, count in excluded.most_common())
        return Markup("<ul>%s</ul>") % items

    def action_confirm(self):
        """Queue the surveys: the cron creates and sends them in batches, in the background."""
        self.ensure_one()
        _partners, to_survey, _excluded = self._nps_candidates()
        if not to_survey:
            raise UserError(self.env._("Nobody in this segment can be surveyed."))
        self.env["nps.campaign.schedule"]._enqueue_partners(self.campaign_id, to_survey)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s surveys are being created and sent in the background.", count=len(to_survey)
                ),
                "next": {
                    "type": "ir.actions.act_window",
                    "res_model": "nps.campaign",
                    "res_id": self.campaign_id.id,
                    "views": [(False, "form")],
                    "target": "current",
                },
            },
        }

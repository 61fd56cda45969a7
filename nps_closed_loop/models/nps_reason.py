from odoo import fields, models

from .. import compat


@compat.sql_constraints(
    ("name_company_unique", "UNIQUE(name, company_id)", "This reason already exists."),
)
class NpsReason(models.Model):
    """Why a customer was unhappy, as learnt on the callback, and the themes of the comments (tagged from
    the keywords): tags that reports group by."""

    _name = "nps.reason"
    _description = "NPS Reason"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text(translate=True, help="When to use this reason, so that everyone tags alike.")
    keywords = fields.Text(
        translate=True,
        help="Words that tag an answer's comment with this theme, separated by commas, one list per language "
        "(the customer's language and English are both searched). Case and accents do not matter; a keyword "
        "matches whole words only, or the words it starts when it ends with *, e.g. deliver*.",
    )
    company_id = fields.Many2one("res.company", index=True, help="Leave empty to share the reason between companies.")

    def action_create_improvement(self):
        """An improvement answering this theme, with the answers tagged with it."""
        self.ensure_one()
        surveys = self.env["nps.survey"].search([("theme_ids", "in", self.ids), ("state", "=", "answered")])
        return self.env["nps.improvement"]._action_new(self.name, surveys=surveys, themes=self)

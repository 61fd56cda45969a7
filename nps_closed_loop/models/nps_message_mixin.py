from odoo import fields, models


class NpsMessageMixin(models.AbstractModel):
    """A queued email or SMS that invites to an NPS survey (or reminds of it): whether it left is reported
    back to the survey (see ``mail.mail`` and ``sms.sms``)."""

    _name = "nps.message.mixin"
    _description = "Message of an NPS survey"

    nps_survey_id = fields.Many2one(
        "nps.survey",
        string="NPS survey",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The NPS survey this message invites to (or reminds of): whether it left is reported on the survey.",
    )
    nps_reminder = fields.Boolean(string="NPS reminder", readonly=True)

from odoo import Command, api, fields, models

from .nps_statistics import nps_figures


class NpsImprovement(models.Model):
    """What the company changed because of its customers' answers ("the outer loop"): the themes it answers,
    the answers that motivated it, and, once done, the customers told about it and their NPS before and after."""

    _name = "nps.improvement"
    _description = "NPS Improvement"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "state_sequence, target_date, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    theme_ids = fields.Many2many("nps.reason", string="Themes")
    user_id = fields.Many2one(
        "res.users", string="Owner", default=lambda self: self.env.user, tracking=True, index=True
    )
    state = fields.Selection(
        [("proposed", "Proposed"), ("planned", "Planned"), ("done", "Done"), ("dropped", "Dropped")],
        default="proposed",
        required=True,
        tracking=True,
        copy=False,
    )
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True)
    target_date = fields.Date(tracking=True)
    done_date = fields.Datetime(copy=False, readonly=True, help="When the improvement was marked done.")
    description = fields.Html(help="The change made, in words customers understand.")
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    survey_ids = fields.Many2many(
        "nps.survey",
        "nps_improvement_survey_rel",
        "improvement_id",
        "survey_id",
        string="Answers",
        domain=[("state", "=", "answered")],
        help="The answers that motivated the improvement.",
    )
    survey_count = fields.Integer(string="Answer count", compute="_compute_survey_count")
    announced_partner_ids = fields.Many2many(
        "res.partner",
        "nps_improvement_announced_partner_rel",
        "improvement_id",
        "partner_id",
        string="Customers told",
        copy=False,
        readonly=True,
    )
    before_count = fields.Integer(string="Answers before", compute="_compute_before_after")
    before_nps = fields.Float(string="NPS before", digits=(16, 1), compute="_compute_before_after")
    before_margin = fields.Float(string="Margin before (±)", digits=(16, 1), compute="_compute_before_after")
    after_count = fields.Integer(string="Answers after", compute="_compute_before_after")
    after_nps = fields.Float(string="NPS after", digits=(16, 1), compute="_compute_before_after")
    after_margin = fields.Float(string="Margin after (±)", digits=(16, 1), compute="_compute_before_after")

    @api.depends("state")
    def _compute_state_sequence(self):
        order = {"proposed": 2, "planned": 1, "done": 3, "dropped": 4}
        for improvement in self:
            improvement.state_sequence = order.get(improvement.state, 5)

    @api.depends("survey_ids")
    def _compute_survey_count(self):
        for improvement in self:
            improvement.survey_count = len(improvement.survey_ids)

    @api.depends("survey_ids", "survey_ids.category", "survey_ids.partner_id", "done_date")
    def _compute_before_after(self):
        """The linked customers' NPS on their linked answers (before) and on each one's first answer after the
        improvement was done (after), with their 95 % margins of error: one query for all the improvements.
        Anonymised answers (no customer) are left out of both, so that the two figures compare the same people."""
        figures = {}
        ids = [improvement_id for improvement_id in self.ids if improvement_id]
        if ids:
            self.env["nps.survey"].flush_model(["partner_id", "category", "answer_date"])
            self.flush_model(["survey_ids", "done_date"])
            self.env.cr.execute(
                """
                WITH linked AS (
                    SELECT rel.improvement_id, survey.partner_id, survey.category
                      FROM nps_improvement_survey_rel rel
                      JOIN nps_survey survey ON survey.id = rel.survey_id
                     WHERE rel.improvement_id IN %(ids)s
                       AND survey.partner_id IS NOT NULL
                       AND survey.category IS NOT NULL
                ), next_answer AS (
                    SELECT DISTINCT ON (improvement.id, customer.partner_id)
                           improvement.id AS improvement_id, survey.category
                      FROM nps_improvement improvement
                      JOIN (SELECT DISTINCT improvement_id, partner_id FROM linked) customer
                        ON customer.improvement_id = improvement.id
                      JOIN nps_survey survey
                        ON survey.partner_id = customer.partner_id
                       AND survey.category IS NOT NULL
                       AND survey.answer_date > improvement.done_date
                     WHERE improvement.done_date IS NOT NULL
                     ORDER BY improvement.id, customer.partner_id, survey.answer_date, survey.id
                )
                SELECT improvement_id, 'before', COUNT(*),
                       COUNT(*) FILTER (WHERE category = 'promoter'), COUNT(*) FILTER (WHERE category = 'detractor')
                  FROM linked GROUP BY improvement_id
                 UNION ALL
                SELECT improvement_id, 'after', COUNT(*),
                       COUNT(*) FILTER (WHERE category = 'promoter'), COUNT(*) FILTER (WHERE category = 'detractor')
                  FROM next_answer GROUP BY improvement_id
                """,
                {"ids": tuple(ids)},
            )
            for improvement_id, period, count, promoters, detractors in self.env.cr.fetchall():
                figures[improvement_id, period] = (count, *nps_figures(count, promoters, detractors)[:2])
        for improvement in self:
            for period in ("before", "after"):
                count, nps, margin = figures.get((improvement.id, period), (0, None, None))
                improvement[f"{period}_count"] = count
                improvement[f"{period}_nps"] = nps or 0.0
                improvement[f"{period}_margin"] = margin or 0.0

    def action_plan(self):
        self.write({"state": "planned"})

    def action_done(self):
        self.write({"state": "done", "done_date": fields.Datetime.now()})

    def action_drop(self):
        self.write({"state": "dropped"})

    def action_reset(self):
        self.write({"state": "proposed", "done_date": False})

    def action_open_surveys(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Answers"),
            "res_model": "nps.survey",
            "view_mode": "list,form",
            "domain": [("id", "in", self.survey_ids.ids)],
        }

    def action_announce(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("You said, we did"),
            "res_model": "nps.improvement.announce.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_improvement_id": self.id},
        }

    @api.model
    def _action_new(self, name, surveys=None, themes=None):
        """The form of a new improvement, filled with the answers and themes it starts from."""
        surveys = surveys or self.env["nps.survey"]
        themes = (themes or self.env["nps.reason"]) | surveys.theme_ids
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New improvement"),
            "res_model": "nps.improvement",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_name": name,
                "default_survey_ids": [Command.set(surveys.ids)],
                "default_theme_ids": [Command.set(themes.ids)],
            },
        }

    @api.model
    def action_create_from_surveys(self, surveys):
        """List action on the answers: an improvement motivated by the selected answers."""
        surveys = surveys.filtered(lambda survey: survey.state == "answered")
        names = ", ".join(surveys.theme_ids.mapped("name"))
        return self._action_new(self.env._("Improvement: %(themes)s", themes=names) if names else "", surveys=surveys)

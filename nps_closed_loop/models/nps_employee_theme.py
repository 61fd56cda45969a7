from odoo import fields, models


class NpsEmployeeTheme(models.Model):
    """What employees' comments talk about (workload, management, pay...): the eNPS results count the comments of
    each theme. Kept apart from the customers' themes (``nps.reason``): an employee's comment is never tagged with
    delivery or invoicing, and the customer reports never show workload. Matched by the same analyser, from the
    theme's lexicon in each language."""

    _name = "nps.employee.theme"
    _description = "Employee NPS theme"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    lexicon = fields.Text(
        translate=True,
        help="What tags an employee's comment with this theme, in each language: terms separated by new lines or "
        "commas. A word matches its inflections (meeting, meetings); a word ending with * matches the words it "
        "starts (manag* also matches management); several words match that phrase (charge de travail).",
    )
    company_id = fields.Many2one("res.company", index=True, help="Leave empty to share the theme between companies.")

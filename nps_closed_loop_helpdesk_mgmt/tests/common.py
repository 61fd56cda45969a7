class TicketFixtures:
    """Mixed before a base of the core's tests: the helpdesk's open and closed stages, and tickets.

    A mixin, not a test case: the bridge's tests import the core's ``tests/common`` module, not its
    classes, so that no test runner collects a base of the core in the bridge.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Stage = cls.env["helpdesk.ticket.stage"]
        cls.stage_open = Stage.search([("closed", "=", False)], limit=1)
        cls.stage_closed = Stage.search([("closed", "=", True)], limit=1)

    @classmethod
    def _ticket(cls, partner, stage=None, **values):
        return cls.env["helpdesk.ticket"].create(
            {
                "name": "Printer on fire",
                "description": "<p>It smokes.</p>",
                "partner_id": partner.id,
                "stage_id": (stage or cls.stage_open).id,
                **values,
            }
        )

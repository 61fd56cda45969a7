"""The "After ticket closed" campaign was created by nps_closed_loop before 1.1.0 of this addon: its external
id and its "created once" mark move here, so that the update neither duplicates nor resurrects it."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(
        SQL(
            "UPDATE ir_model_data SET module = %s WHERE module = %s AND name = %s",
            "nps_closed_loop_helpdesk_mgmt",
            "nps_closed_loop",
            "nps_campaign_ticket_closed",
        )
    )
    cr.execute(
        SQL(
            "UPDATE ir_config_parameter SET key = %s WHERE key = %s",
            "nps_closed_loop_helpdesk_mgmt.campaign_created",
            "nps_closed_loop.helpdesk_campaign_created",
        )
    )

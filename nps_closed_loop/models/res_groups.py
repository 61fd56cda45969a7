from odoo import api, models

from .. import compat


class ResGroups(models.Model):
    """The data files' way to set what 18.0 and 19.0 name differently on groups, actions and users."""

    _inherit = "res.groups"

    @api.model
    def _nps_setup_groups(self):
        compat.setup_groups(
            self.env,
            "nps_closed_loop.module_category_nps",
            ["nps_closed_loop.group_nps_user", "nps_closed_loop.group_nps_manager"],
        )
        self._nps_add_users("nps_closed_loop.group_nps_manager", ["base.user_root", "base.user_admin"])

    @api.model
    def _nps_restrict_to_groups(self, record_xmlids, group_xmlids):
        compat.restrict_to_groups(self.env, record_xmlids, group_xmlids)

    @api.model
    def _nps_add_users(self, group_xmlid, user_xmlids):
        users = self.env["res.users"].browse(
            [user.id for user in (self.env.ref(xmlid, raise_if_not_found=False) for xmlid in user_xmlids) if user]
        )
        compat.add_users(self.env.ref(group_xmlid), users)

"""What differs between Odoo 18.0 and 19.0 for this addon, in one place.

The rest of the addon is written once for both series and asks this module, never ``release``:

- SQL constraints: ``_sql_constraints`` (18.0) became ``models.Constraint`` attributes (19.0), see
  :func:`sql_constraints`;
- field names: ``groups_id`` of users, actions and menus became ``group_ids``, ``users`` of groups became
  ``user_ids``, and a group's ``category_id`` became a ``privilege_id`` (a ``res.groups.privilege`` in a
  category), see :data:`USER_GROUPS`, :data:`GROUP_USERS` and :func:`setup_groups`;
- cron progress (``_notify_progress`` deprecated for ``_commit_progress``, which commits) and field access
  checks (``check_field_access_rights`` deprecated for ``_check_field_access``), see :func:`notify_progress`
  and :func:`check_field_read`;
- ``mail.mail._postprocess_sent_message()`` gained ``success_emails``, see :func:`sent_message_arguments`;
- the web client's grouping calls (``read_group`` is deprecated, ``web_read_group`` changed), see
  :data:`FORMATTED_READ_GROUP`;
- the configuration: ``config.rcfile`` became ``config["config"]``, list options are lists, see
  :data:`CONFIG_FILE_IS_AN_OPTION` and :data:`CONFIG_LISTS`;
- domains: ``odoo.osv.expression`` became ``odoo.fields.Domain``, see :func:`domain_and` and
  :func:`domain_conditions`;
- the partner's ``mobile`` field is gone in 19.0 (one ``phone``), see :data:`PARTNER_PHONE_FIELDS`;
- the activity's fields sent to the web client are listed in 19.0, see :func:`activity_client_fields`;
- search views lost ``<group expand>``, routes ``type="json"`` became ``"jsonrpc"``: the addon's views and
  routes use neither.

Data files whose fields differ call :func:`setup_groups` and :func:`restrict_to_groups` (through
``res.groups``' ``_nps_*`` methods) instead of setting those fields in static XML. The tests ask the facts
here (constants named after what differs, not after the series) through their own helpers in
``tests/common.py``.
"""

from odoo import models, release

ODOO_19 = release.version_info[0] >= 19

#: res.users, ir.actions.*, ir.ui.menu: the groups
USER_GROUPS = "group_ids" if ODOO_19 else "groups_id"
#: res.groups: its users
GROUP_USERS = "user_ids" if ODOO_19 else "users"
#: res.partner: its phone numbers, the one a text message should go to first
PARTNER_PHONE_FIELDS = ("phone",) if ODOO_19 else ("mobile", "phone")
#: res.partner: the field for a mobile number
PARTNER_MOBILE_FIELD = PARTNER_PHONE_FIELDS[0]
#: the web client's grouping calls: pivot and graph views call ``formatted_read_group`` (``read_group`` is
#: deprecated), the grouped list calls ``web_read_group(domain, groupby, aggregates, auto_unfold=...)``
#: rather than ``web_read_group(domain, fields, groupby, lazy=...)``
FORMATTED_READ_GROUP = ODOO_19
#: odoo.tools.config: the configuration file read is always the ``config`` option (``config.rcfile``, which
#: holds it when no ``-c`` was given, is deprecated)
CONFIG_FILE_IS_AN_OPTION = ODOO_19
#: odoo.tools.config: the options of several values (``addons_path``, ``db_name``) are lists, not
#: comma-separated text
CONFIG_LISTS = ODOO_19
#: res.partner: whether each of its phone numbers is blacklisted (``mobile_blacklisted`` is gone in 19.0)
PARTNER_PHONE_BLACKLIST_FIELDS = tuple(f"{name}_blacklisted" for name in PARTNER_PHONE_FIELDS)

if ODOO_19:
    from odoo.fields import Domain

    def domain_and(*domains):
        """The conjunction of ``domains`` (lists or ``Domain``)."""
        return Domain.AND(domains)

    def domain_conditions(domain):
        """The conditions of ``domain``, ``(field path, operator, value)`` each, whatever combines them."""
        return [(cond.field_expr, cond.operator, cond.value) for cond in Domain(domain).iter_conditions()]

else:
    from odoo.osv import expression

    def domain_and(*domains):
        """The conjunction of ``domains`` (lists)."""
        return expression.AND([list(domain) for domain in domains])

    def domain_conditions(domain):
        """The conditions of ``domain``, ``(field path, operator, value)`` each, whatever combines them."""
        return [
            tuple(term)
            for term in expression.normalize_domain(list(domain))
            if expression.is_leaf(term) and tuple(term) not in (expression.TRUE_LEAF, expression.FALSE_LEAF)
        ]


def partner_numbers(partner):
    """The partner's phone numbers that are set, the one for text messages first."""
    return [partner[name] for name in PARTNER_PHONE_FIELDS if partner[name]]


def partner_mobile(partner):
    """The partner's mobile number apart from the phone: 18.0 has both fields, 19.0 only ``phone``."""
    return partner.mobile if "mobile" in PARTNER_PHONE_FIELDS else False


def check_field_read(model, field_name):
    """Raise AccessError if the user may not read ``model``'s field (its groups)."""
    if ODOO_19:
        model._check_field_access(model._fields[field_name], "read")
    else:
        model.check_field_access_rights("read", [field_name])


def sent_message_arguments(success_pids, success_emails):
    """The positional arguments of ``mail.mail._postprocess_sent_message()``: the partners reached, and on
    19.0 the other addresses reached (``success_emails``, which 18.0 does not have)."""
    return (success_pids, success_emails) if ODOO_19 else (success_pids,)


def notify_progress(env, done, remaining):
    """Tell the cron runner how much a scheduled job did and has left: it runs the job again while work
    remains, committing in between. Nothing is committed here (19.0's ``_commit_progress`` commits, and
    its ``_notify_progress`` is deprecated): the job's progress record is written as the latter did."""
    if not ODOO_19:
        env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return
    progress_id = env.context.get("ir_cron_progress_id")
    if progress_id:
        env["ir.cron.progress"].sudo().browse(progress_id).write({"done": done, "remaining": remaining})


def sql_constraints(*constraints):
    """Class decorator declaring the model's SQL constraints, ``(name, definition, message)`` each, the way
    the running series wants them: ``_sql_constraints`` on 18.0, a ``models.Constraint`` attribute
    ``_<name>`` on 19.0. The constraint's name in the database is ``<table>_<name>`` on both."""

    def decorate(cls):
        if ODOO_19:
            for name, definition, message in constraints:
                constraint = models.Constraint(definition, message)
                setattr(cls, f"_{name}", constraint)
                constraint.__set_name__(cls, f"_{name}")
        else:
            cls._sql_constraints = list(constraints)
        return cls

    return decorate


def activity_client_fields(*names):
    """Class decorator of ``mail.activity`` sending the fields ``names`` to the web client with each activity:
    18.0 sends all the fields (``_to_store`` reads them all), 19.0 only those ``_to_store_defaults`` lists."""

    def decorate(cls):
        if ODOO_19:

            def _to_store_defaults(self, target):
                return [*super(cls, self)._to_store_defaults(target), *names]

            cls._to_store_defaults = _to_store_defaults
        return cls

    return decorate


def setup_groups(env, category_xmlid, groups):
    """Put ``groups`` (xmlids) in the application ``category_xmlid``: as their category on 18.0, through a
    privilege of that category on 19.0 (created once, with the xmlid ``<category xmlid>_privilege``, so that
    uninstalling removes it)."""
    category = env.ref(category_xmlid)
    records = env["res.groups"].browse([env.ref(xmlid).id for xmlid in groups])
    if ODOO_19:
        privilege_xmlid = f"{category_xmlid}_privilege"
        privilege = env.ref(privilege_xmlid, raise_if_not_found=False)
        if not privilege:
            privilege = env["res.groups.privilege"].create(
                {"name": category.name, "category_id": category.id, "sequence": category.sequence}
            )
            env["ir.model.data"]._update_xmlids([{"xml_id": privilege_xmlid, "record": privilege, "noupdate": True}])
        records.filtered(lambda group: group.privilege_id != privilege).privilege_id = privilege
    else:
        records.filtered(lambda group: group.category_id != category).category_id = category


def add_users(group, users):
    """Add ``users`` to ``group``."""
    missing = users - group[GROUP_USERS]
    if missing:
        group[GROUP_USERS] = group[GROUP_USERS] | missing


def restrict_to_groups(env, record_xmlids, group_xmlids):
    """Show these actions or menus only to ``group_xmlids``."""
    groups = env["res.groups"].browse([env.ref(xmlid).id for xmlid in group_xmlids])
    for xmlid in record_xmlids:
        record = env.ref(xmlid)
        if record[USER_GROUPS] != groups:
            record[USER_GROUPS] = groups

{
    "name": "NPS Closed Loop",
    "summary": "Net Promoter Score surveys with detractor callbacks, " "closed-loop tracking and holdout measurement",
    "version": "18.0.1.0.0",
    "category": "Marketing/Surveys",
    "license": "LGPL-3",
    "author": "nps_closed_loop developers",
    "website": "https://github.com/nps-closed-loop/nps_closed_loop",
    "depends": ["mail", "portal", "sale", "sms", "phone_validation", "base_automation", "resource"],
    "external_dependencies": {"python": ["phonenumbers"]},
    "data": [
        "security/nps_closed_loop_groups.xml",
        "security/ir.model.access.csv",
        "security/nps_survey_security.xml",
        "security/nps_campaign_security.xml",
        "views/nps_survey_views.xml",
        "views/nps_campaign_views.xml",
        "views/res_partner_views.xml",
        # sending
        "data/mail_template_data.xml",
        "data/ir_cron_data.xml",
        "data/nps_campaign_data.xml",
        "views/ir_actions_server_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/nps_relationship_wizard_views.xml",
        # portal
        "views/nps_survey_templates.xml",
        "views/portal_templates.xml",
        # closing the loop
        "security/nps_reason_security.xml",
        "data/mail_activity_type_data.xml",
        "data/nps_reason_data.xml",
        "data/ir_cron_data_loop.xml",
        "data/mail_template_loop_data.xml",
        "views/nps_reason_views.xml",
        "views/nps_survey_loop_views.xml",
        "wizard/nps_close_loop_wizard_views.xml",
        "views/nps_closed_loop_menus.xml",
        "views/nps_closed_loop_loop_menus.xml",  # closing the loop: needs the menus above
    ],
    "demo": [
        "demo/nps_demo.xml",
        "demo/nps_loop_demo.xml",  # closing the loop
    ],
    "assets": {
        "web.assets_backend": [
            "nps_closed_loop/static/src/js/activity_markasdone_patch.js",  # closing the loop
        ],
        # portal
        "web.assets_frontend": [
            "nps_closed_loop/static/src/scss/nps_survey.scss",
            "nps_closed_loop/static/src/js/nps_survey.js",
        ],
        "web.assets_tests": [
            "nps_closed_loop/static/tests/tours/nps_survey_tour.js",
            "nps_closed_loop/static/tests/tours/nps_close_loop_tour.js",  # closing the loop
        ],
    },
    "application": True,
    "installable": True,
}

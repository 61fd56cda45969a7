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
        # portal
        # closing the loop
        "views/nps_closed_loop_menus.xml",
    ],
    "demo": ["demo/nps_demo.xml"],
    "application": True,
    "installable": True,
}

{
    "name": "NPS Closed Loop - Helpdesk",
    "summary": "Survey customers when their ticket closes, hold surveys while one is open, show the NPS on tickets",
    "version": "1.1.0",
    "category": "Marketing/Surveys",
    "license": "LGPL-3",
    "author": "nps_closed_loop developers",
    "website": "https://github.com/nps-closed-loop/nps_closed_loop",
    "depends": ["nps_closed_loop", "helpdesk_mgmt"],
    "data": [
        "data/nps_campaign_data.xml",
        "views/helpdesk_ticket_views.xml",
        "views/nps_campaign_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "auto_install": True,
}

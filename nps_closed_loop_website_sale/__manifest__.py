{
    "name": "NPS Closed Loop - eCommerce",
    "summary": "Customers answer the NPS question on the order confirmation page, in place of the email",
    "version": "1.1.0",
    "category": "Marketing/Surveys",
    "license": "LGPL-3",
    "author": "nps_closed_loop developers",
    "website": "https://github.com/nps-closed-loop/nps_closed_loop",
    "depends": ["nps_closed_loop", "website_sale"],
    "data": [
        "views/nps_campaign_views.xml",
        "views/website_sale_templates.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "nps_closed_loop_website_sale/static/src/nps_order_survey.scss",
        ],
        "web.assets_tests": [
            "nps_closed_loop_website_sale/static/tests/tours/nps_order_survey_tour.js",
        ],
    },
    "auto_install": True,
}

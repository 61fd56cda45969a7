{
    "name": "NPS Closed Loop - Website",
    "summary": "Website blocks: customers' testimonials and the share of customers who recommend the company",
    "version": "1.0.0",
    "category": "Website/Website",
    "license": "LGPL-3",
    "author": "nps_closed_loop developers",
    "website": "https://github.com/nps-closed-loop/nps_closed_loop",
    "depends": ["nps_closed_loop", "website"],
    "data": [
        "views/nps_survey_views.xml",
        "views/res_config_settings_views.xml",
        "views/nps_website_templates.xml",
        "views/snippets/s_nps_testimonials.xml",
        "views/snippets/s_nps_recommendation.xml",
        "views/snippets/snippets.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "nps_closed_loop_website/static/src/snippets/s_nps_blocks/000.scss",
            "nps_closed_loop_website/static/src/snippets/s_nps_blocks/000.js",
        ],
        "web.assets_tests": [
            "nps_closed_loop_website/static/tests/tours/nps_website_tour.js",
            "nps_closed_loop_website/static/tests/tours/nps_website_edit_tour.js",
        ],
    },
    "auto_install": True,
}

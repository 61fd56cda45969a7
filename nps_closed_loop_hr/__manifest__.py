{
    "name": "NPS Closed Loop - Employees (HR)",
    "summary": "Employee NPS by department: invite departments, results broken down by department",
    "version": "1.0.0",
    "category": "Marketing/Surveys",
    "license": "LGPL-3",
    "author": "nps_closed_loop developers",
    "website": "https://github.com/nps-closed-loop/nps_closed_loop",
    "depends": ["nps_closed_loop", "hr"],
    "data": [
        "views/nps_employee_campaign_views.xml",
    ],
    "auto_install": True,
}

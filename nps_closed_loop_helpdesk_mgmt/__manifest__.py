{
    "name": "NPS Closed Loop - Helpdesk",
    "summary": "The NPS answer a closed ticket got, on the ticket; the customer's last NPS for the agent",
    "version": "1.0.0",
    "category": "Marketing/Surveys",
    "license": "LGPL-3",
    "author": "nps_closed_loop developers",
    "website": "https://github.com/nps-closed-loop/nps_closed_loop",
    "depends": ["nps_closed_loop", "helpdesk_mgmt"],
    "data": ["views/helpdesk_ticket_views.xml"],
    "auto_install": True,
}

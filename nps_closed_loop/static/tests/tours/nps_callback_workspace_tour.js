import { registry } from "@web/core/registry";

// The callback agent's day, from tests/test_portal_tour.py: the activity menu leads to the callback,
// the call is logged, the loop closed with a re-survey of the customer.
registry.category("web_tour.tours").add("nps_callback_workspace_tour", {
    steps: () => [
        {
            content: "Open the activity menu",
            trigger: ".o_menu_systray i[aria-label='Activities']",
            run: "click",
        },
        {
            content: "The NPS callbacks are listed there",
            trigger: ".o-mail-ActivityGroup:contains('NPS Survey')",
            run: "click",
        },
        {
            content: "The list names the customer, not a record number",
            trigger: ".o_data_row:contains('Jeanne Dupont') td.o_data_cell[name='partner_id']",
            run: "click",
        },
        {
            content: "One screen: the phone to click",
            // the mobile on 18.0; 19.0 has one phone field
            trigger:
                ".o_form_view .o_field_widget[name='partner_mobile'] a[href^='tel:'], " +
                ".o_form_view .o_field_widget[name='partner_phone'] a[href^='tel:']",
        },
        {
            content: "the comment",
            trigger: ".o_form_view .o_field_widget[name='comment']:contains('Late delivery')",
        },
        {
            content: "the deadline",
            trigger: ".o_form_view .alert:contains('Call back by')",
        },
        {
            content: "Log the call",
            trigger: ".o_form_statusbar button[name='action_nps_mark_contacted']",
            run: "click",
        },
        {
            content: "The status moves to Contacted",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Contacted')",
        },
        {
            content: "Close the loop",
            trigger: ".o_form_statusbar button[name='action_nps_close_loop']",
            run: "click",
        },
        {
            content: "How did it go",
            trigger: ".modal .o_field_widget[name='outcome'] input[data-value='resolved']",
            run: "click",
        },
        {
            content: "Re-survey the customer is proposed, ticked",
            trigger: ".modal .o_field_widget[name='schedule_resurvey'] input:checked",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The loop is closed",
            trigger: ".o_form_view:not(:has(.modal)) .o_statusbar_status .o_arrow_button_current:contains('Closed')",
        },
    ],
});

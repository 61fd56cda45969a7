import { registry } from "@web/core/registry";

// Opened by tests/test_loop_http.py on a detractor's survey with its callback activity.
registry.category("web_tour.tours").add("nps_close_loop_tour", {
    steps: () => [
        {
            content: "The callback activity is in the chatter, with the customer's answer",
            trigger: ".o-mail-Activity:contains('Call back')",
        },
        {
            content: "Mark the callback done",
            trigger: ".o-mail-Activity .o-mail-Activity-markDone",
            run: "click",
        },
        {
            content: "Write how the call went",
            trigger: ".o-mail-ActivityMarkAsDone textarea",
            run: "edit Reached on the first call.",
        },
        {
            content: "Done",
            trigger: ".o-mail-ActivityMarkAsDone button[aria-label='Done']",
            run: "click",
        },
        {
            content: "The Close the loop form asks for the outcome",
            trigger: ".modal .o_field_widget[name='outcome'] input[data-value='resolved']",
            run: "click",
        },
        {
            content: "Close the loop",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "Back on the survey, which no longer offers to close the loop",
            trigger: ".o_form_view:not(:has(.modal)) .o_form_statusbar:not(:has(button[name='action_nps_close_loop']))",
        },
        {
            content: "Open the Closing the loop tab",
            trigger: ".o_notebook .nav-link[name='closing_the_loop']",
            run: "click",
        },
        {
            content: "The loop is closed",
            trigger: ".o_form_view .o_field_widget[name='loop_state']:contains('Closed')",
        },
    ],
});

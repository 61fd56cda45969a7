import { registry } from "@web/core/registry";

// Opened by test_confirmation_tour.py on /shop/confirmation, just after paying, at phone width.
registry.category("web_tour.tours").add("nps_order_survey_tour", {
    steps: () => [
        {
            content: "The question is on the confirmation page",
            trigger: "#nps_order_survey .o_nps_order_score_form legend",
        },
        {
            content: "On a phone, nothing scrolls sideways and every score is a large tap target",
            trigger: ".o_nps_order_scores",
            run() {
                const page = document.documentElement;
                if (page.scrollWidth > page.clientWidth) {
                    throw new Error(`Horizontal scroll: ${page.scrollWidth}px for ${page.clientWidth}px`);
                }
                for (const button of document.querySelectorAll(".o_nps_order_score")) {
                    const { width, height } = button.getBoundingClientRect();
                    if (width < 40 || height < 44) {
                        throw new Error(`Score ${button.textContent.trim()} is too small: ${width}x${height}`);
                    }
                }
            },
        },
        {
            content: "One tap on 3",
            trigger: ".o_nps_order_score[value='3']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Thanked, the score shown, a comment asked",
            trigger: ".o_nps_order_answered .o_nps_order_given_score:contains('3 / 10')",
        },
        {
            content: "Write a comment",
            trigger: "textarea#nps_order_comment",
            run: "edit The delivery took a week.",
        },
        {
            content: "Allow a call back",
            trigger: "#nps_order_contact_allowed",
            run: "click",
        },
        {
            content: "Send it",
            trigger: ".o_nps_order_send",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The comment is saved and shown",
            trigger: ".o_nps_order_given_comment:contains('The delivery took a week.')",
        },
        {
            content: "No form left to fill",
            trigger: "#nps_order_survey:not(:has(form))",
        },
    ],
});

import { registry } from "@web/core/registry";

// Opened by test_portal_tour.py on an email link with score 3 preselected.
registry.category("web_tour.tours").add("nps_survey_tour", {
    steps: () => [
        {
            content: "The score chosen in the email is preselected",
            trigger: "input[name='score'][value='3']:checked",
        },
        {
            content: "On a phone, nothing scrolls sideways and every score is a large tap target",
            trigger: ".o_nps_scores",
            run() {
                const page = document.documentElement;
                if (page.scrollWidth > page.clientWidth) {
                    throw new Error(`Horizontal scroll: ${page.scrollWidth}px for ${page.clientWidth}px`);
                }
                for (const label of document.querySelectorAll(".o_nps_score")) {
                    const { width, height } = label.getBoundingClientRect();
                    if (width < 40 || height < 44) {
                        throw new Error(`Score ${label.textContent.trim()} is too small: ${width}x${height}`);
                    }
                }
            },
        },
        {
            content: "A low score asks what we could do better",
            trigger: ".o_nps_followup_improve:visible",
        },
        {
            content: "Change the score to 9",
            trigger: "label[for='nps_score_9']",
            run: "click",
        },
        {
            content: "The follow-up turns into an invitation to recommend us, with the review link",
            trigger: ".o_nps_followup_promoter a[href='https://example.com/review']:visible",
        },
        {
            content: "The improvement question is gone",
            trigger: ".o_nps_followup_improve:not(:visible)",
        },
        {
            content: "Write the main reason",
            trigger: "textarea[name='comment']",
            run: "edit Fast delivery and a friendly team.",
        },
        {
            content: "Write the follow-up",
            trigger: "textarea[name='followup']",
            run: "edit They answer the phone!",
        },
        {
            content: "Allow contact",
            trigger: "input[name='contact_allowed']",
            run: "click",
        },
        {
            content: "Send the answer",
            trigger: "button.o_nps_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The thank-you page for promoters is shown",
            trigger: ".o_nps_thanks h1:contains('Thank you!')",
        },
    ],
});

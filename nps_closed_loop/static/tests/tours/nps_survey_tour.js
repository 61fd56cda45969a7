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
            content: "The follow-up asks what they would tell a friend",
            trigger: "label[for='nps_followup'] .o_nps_followup_promoter:visible",
        },
        {
            content: "No review invitation before the answer is saved",
            trigger: ".o_nps_survey_form",
            run() {
                if (document.querySelector("a[href='https://example.com/review']")) {
                    throw new Error("The review invitation shows before the answer is saved");
                }
            },
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
        {
            content: "Now that the answer is saved, the review invitation the campaign chose",
            trigger: ".o_nps_thanks_review a[href='https://example.com/review']:visible",
        },
    ],
});

function checkTexts(comment, followup, question) {
    const form = document.querySelector(".o_nps_change .o_nps_survey_form");
    const texts = [
        form.querySelector("textarea[name='comment']").value,
        form.querySelector("textarea[name='followup']").value,
    ];
    if (texts[0] !== comment || texts[1] !== followup) {
        throw new Error(`Texts ${JSON.stringify(texts)}, expected ${JSON.stringify([comment, followup])}`);
    }
    const shown = form.querySelector(`label[for='nps_followup'] .o_nps_followup_${question}`);
    if (shown.classList.contains("d-none")) {
        throw new Error(`The ${question} follow-up question is hidden`);
    }
}

// Opened by test_portal_tour.py: a detractor (3, "Late delivery.", "Call before coming.") clicks 9 in
// the email, then changes the score on the page. The saved texts are offered only for a detractor's
// score; a text the customer edits stays theirs.
registry.category("web_tour.tours").add("nps_survey_change_tour", {
    steps: () => [
        {
            content: "The change form is open with the score clicked in the email",
            trigger: ".o_nps_change[open] input[name='score'][value='9']:checked",
        },
        {
            content: "A promoter's score: the detractor's texts are not offered",
            trigger: ".o_nps_change textarea[name='comment']",
            run: () => checkTexts("", "", "promoter"),
        },
        {
            content: "Back to a detractor's score",
            trigger: ".o_nps_change label[for='nps_score_4']",
            run: "click",
        },
        {
            content: "The saved texts are back",
            trigger: ".o_nps_change input[name='score'][value='4']:checked",
            run: () => checkTexts("Late delivery.", "Call before coming.", "improve"),
        },
        {
            content: "A passive's score",
            trigger: ".o_nps_change label[for='nps_score_7']",
            run: "click",
        },
        {
            content: "The detractor's texts are gone again",
            trigger: ".o_nps_change input[name='score'][value='7']:checked",
            run: () => checkTexts("", "", "improve"),
        },
        {
            content: "A detractor's score again",
            trigger: ".o_nps_change label[for='nps_score_5']",
            run: "click",
        },
        {
            content: "Rewrite the main reason",
            trigger: ".o_nps_change textarea[name='comment']",
            run: "edit Late, but they called back.",
        },
        {
            content: "Change to 10",
            trigger: ".o_nps_change label[for='nps_score_10']",
            run: "click",
        },
        {
            content: "The customer's own text stays; the saved follow-up goes",
            trigger: ".o_nps_change input[name='score'][value='10']:checked",
            run: () => checkTexts("Late, but they called back.", "", "promoter"),
        },
        {
            content: "Update the answer",
            trigger: ".o_nps_change button.o_nps_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The thank-you page for promoters is shown",
            trigger: ".o_nps_thanks h1:contains('Thank you!')",
        },
    ],
});

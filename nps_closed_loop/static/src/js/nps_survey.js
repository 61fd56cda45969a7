import publicWidget from "@web/legacy/js/public/public_widget";

// The NPS scale, as in models/nps_score.py: 0-6 detractor, 7-8 passive, 9-10 promoter.
const DETRACTOR_MAX_SCORE = 6;
const PROMOTER_MIN_SCORE = 9;

function scoreCategory(score) {
    if (score <= DETRACTOR_MAX_SCORE) {
        return "detractor";
    }
    return score < PROMOTER_MIN_SCORE ? "passive" : "promoter";
}

/**
 * Progressive enhancement of the survey form, which works without JavaScript:
 * the follow-up question follows the chosen score at once, and a double tap on
 * the button sends the answer only once.
 *
 * When an answer is changed, the saved texts answer questions about the saved
 * score: like the server for a score clicked in the email, the form offers them
 * only for a score of the same category. A text the customer edits is theirs and
 * is never touched.
 */
publicWidget.registry.NpsSurveyForm = publicWidget.Widget.extend({
    selector: ".o_nps_survey_form",
    events: {
        "change input[name='score']": "_onScoreChange",
        submit: "_onSubmit",
    },

    start() {
        this._onPageShow = () => this._setSending(false);
        window.addEventListener("pageshow", this._onPageShow);
        return this._super(...arguments);
    },

    destroy() {
        window.removeEventListener("pageshow", this._onPageShow);
        this._super(...arguments);
    },

    _onScoreChange(ev) {
        const score = parseInt(ev.currentTarget.value, 10);
        const isPromoter = score >= PROMOTER_MIN_SCORE;
        for (const el of this.el.querySelectorAll(".o_nps_followup_promoter")) {
            el.classList.toggle("d-none", !isPromoter);
        }
        for (const el of this.el.querySelectorAll(".o_nps_followup_improve")) {
            el.classList.toggle("d-none", isPromoter);
        }
        this._adaptSavedTexts(scoreCategory(score));
    },

    _adaptSavedTexts(category) {
        const savedCategory = this.el.dataset.npsSavedCategory;
        if (!savedCategory) {
            return;
        }
        for (const textarea of this.el.querySelectorAll("textarea[data-nps-saved]")) {
            const saved = textarea.dataset.npsSaved;
            if (category === savedCategory) {
                if (!textarea.value) {
                    textarea.value = saved;
                }
            } else if (textarea.value === saved) {
                textarea.value = "";
            }
        }
    },

    _onSubmit(ev) {
        if (this.sending) {
            ev.preventDefault();
            return;
        }
        this._setSending(true);
    },

    _setSending(sending) {
        this.sending = sending;
        const button = this.el.querySelector(".o_nps_submit");
        if (button) {
            button.classList.toggle("disabled", sending);
            button.setAttribute("aria-busy", sending ? "true" : "false");
        }
    },
});

export default publicWidget.registry.NpsSurveyForm;

import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * Progressive enhancement of the survey form, which works without JavaScript:
 * the follow-up question follows the chosen score at once, and a double tap on
 * the button sends the answer only once.
 *
 * When an answer is changed, the saved texts answer questions about the saved
 * score: like the server for a score clicked in the email, the form offers them
 * only for a score of the same category. A text the customer edits is theirs and
 * is never touched.
 *
 * The category of each score comes from the server, on its radio button
 * (data-nps-category): the scale is defined once, in Python.
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
        const category = ev.currentTarget.dataset.npsCategory;
        const isPromoter = category === "promoter";
        for (const el of this.el.querySelectorAll(".o_nps_followup_promoter")) {
            el.classList.toggle("d-none", !isPromoter);
        }
        for (const el of this.el.querySelectorAll(".o_nps_followup_improve")) {
            el.classList.toggle("d-none", isPromoter);
        }
        this._adaptSavedTexts(category);
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

import publicWidget from "@web/legacy/js/public/public_widget";

const PROMOTER_MIN_SCORE = 9;

/**
 * Progressive enhancement of the survey form, which works without JavaScript:
 * the follow-up question follows the chosen score at once, and a double tap on
 * the button sends the answer only once.
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
        const isPromoter = parseInt(ev.currentTarget.value, 10) >= PROMOTER_MIN_SCORE;
        for (const el of this.el.querySelectorAll(".o_nps_followup_promoter")) {
            el.classList.toggle("d-none", !isPromoter);
        }
        for (const el of this.el.querySelectorAll(".o_nps_followup_improve")) {
            el.classList.toggle("d-none", isPromoter);
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

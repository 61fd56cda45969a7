/** @odoo-module **/
// Fills the website's NPS blocks with their content, rendered by the server: the testimonials and the
// recommendation rate. Not started in the editor, where the block keeps its placeholder: the content is never
// saved in the page, so a testimonial withdrawn by its customer disappears from every page at once.
import publicWidget from "@web/legacy/js/public/public_widget";

const ROUTES = {
    testimonials: "/nps_closed_loop_website/testimonials",
    recommendation: "/nps_closed_loop_website/recommendation",
};

publicWidget.registry.NpsWebsiteBlock = publicWidget.Widget.extend({
    selector: ".o_nps_block[data-nps-block]",
    disabledInEditableMode: true,

    start() {
        const result = this._super(...arguments);
        this.contentEl = this.el.querySelector(".o_nps_block_content");
        const route = ROUTES[this.el.dataset.npsBlock];
        if (this.contentEl && route) {
            this.placeholder = this.contentEl.innerHTML;
            this._npsLoad(route);
        }
        return result;
    },

    destroy() {
        this._npsStopped = true;
        if (this.contentEl && this.placeholder !== undefined) {
            this.contentEl.innerHTML = this.placeholder;
            this.el.classList.remove("d-none", "o_nps_block_loaded");
        }
        this._super(...arguments);
    },

    async _npsLoad(route) {
        const url = new URL(route, window.location.origin);
        if (this.el.dataset.limit) {
            url.searchParams.set("limit", this.el.dataset.limit);
        }
        let html = "";
        try {
            const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
            html = response.ok ? (await response.text()).trim() : "";
        } catch {
            html = "";
        }
        if (this._npsStopped) {
            return;
        }
        // nothing to show (no testimonial, too few answers): no empty block on the page
        this.contentEl.innerHTML = html;
        this.el.classList.toggle("d-none", !html);
        this.el.classList.add("o_nps_block_loaded");
    },
});

export default publicWidget.registry.NpsWebsiteBlock;

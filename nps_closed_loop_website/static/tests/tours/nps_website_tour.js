import { registry } from "@web/core/registry";

// Opened by tests/test_website_blocks.py on a page holding both NPS blocks, at the browser's size (a phone's
// or a desktop's): the testimonials in the managers' order, the rate, nothing sideways.
registry.category("web_tour.tours").add("nps_website_blocks_tour", {
    steps: () => [
        {
            content: "The testimonials are shown, in the order of NPS > Testimonials",
            trigger: ".s_nps_testimonials.o_nps_block_loaded .s_nps_testimonial",
            run() {
                const authors = [...document.querySelectorAll(".s_nps_testimonial_author > .fw-bold")].map(
                    (el) => el.textContent.trim()
                );
                if (authors.join("|") !== "Zoé B.|Marie D.") {
                    throw new Error(`Unexpected testimonials: ${authors.join("|")}`);
                }
            },
        },
        {
            content: "The recommendation rate and its basis are shown",
            trigger: ".s_nps_recommendation.o_nps_block_loaded .s_nps_recommendation_rate",
            run() {
                const basis = document.querySelector(".s_nps_recommendation_basis").textContent;
                if (!/\b5\b/.test(basis)) {
                    throw new Error(`The number of answers is missing: ${basis}`);
                }
            },
        },
        {
            content: "Nothing scrolls sideways",
            trigger: ".s_nps_testimonials:not(.d-none)",
            run() {
                const page = document.documentElement;
                if (page.scrollWidth > page.clientWidth) {
                    throw new Error(`Horizontal scroll: ${page.scrollWidth}px for ${page.clientWidth}px`);
                }
            },
        },
    ],
});

import { registerWebsitePreviewTour } from "@website/js/tours/tour_utils";

// Opened by tests/test_website_blocks.py as a website designer on the page holding both NPS blocks, in edit mode:
// the editor shows the blocks' placeholders, never the answers, so that saving the page stores no testimonial.
registerWebsitePreviewTour(
    "nps_website_blocks_edit_tour",
    { url: "/nps-blocks-test", edition: true },
    () => [
        {
            content: "The testimonials block shows its placeholder, no answer",
            trigger:
                ":iframe body.editor_enable .s_nps_testimonials:not(:has(.s_nps_testimonial)) .o_nps_block_placeholder:visible",
        },
        {
            content: "The recommendation block shows its placeholder, no rate",
            trigger:
                ":iframe body.editor_enable .s_nps_recommendation:not(:has(.s_nps_recommendation_rate)) .o_nps_block_placeholder:visible",
        },
    ]
);

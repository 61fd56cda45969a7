import { registry } from "@web/core/registry";

// Opened by tests/test_overview.py on a known data set: the figures are the hand-computed ones.
// Texts are matched whole (/^...$/): a substring would let 1 match 10.
const chooseCampaign = [
    {
        content: "The overview opens on the last 12 months of all campaigns",
        trigger: ".o_nps_overview .o_nps_kpi_nps .o_nps_kpi_value",
    },
    {
        content: "Look at the last 3 months",
        trigger: ".o_nps_filter_period",
        run: "select 3",
    },
    {
        content: "Of the campaign of the data set",
        trigger: ".o_nps_filter_campaign",
        run: "selectByLabel Overview campaign",
    },
    {
        content: "NPS -20 on 10 answers",
        trigger: ".o_nps_kpi_nps:has(.o_nps_kpi_count:contains('/^10 answers, last 3 months$/')) .o_nps_kpi_value:contains('/^-20$/')",
    },
    {
        content: "Its margin of error: ± 54",
        trigger: ".o_nps_kpi_nps .o_nps_kpi_margin:contains('/^± 54$/')",
    },
    {
        content: "10 answered of 12 sent: 83 %",
        trigger: ".o_nps_kpi_response .o_nps_kpi_value:contains('/^83 %$/')",
    },
    {
        content: "1 callback of 3 made on time: 33 %, recovery 50 %",
        trigger: ".o_nps_kpi_callbacks:has(.o_nps_callbacks_recovery:contains('/^Recovered: 50 % /')) .o_nps_kpi_value:contains('/^33 %$/')",
    },
    {
        content: "Delivery: 1 complaint, no praise, by a detractor of the 10 answers: 10 NPS points lost",
        trigger: ".o_nps_themes_table tr:has(.o_nps_theme_name:contains('/^Delivery$/')):has(.o_nps_theme_complaints:contains('/^1$/')):has(.o_nps_theme_praise:contains('/^0$/')) .o_nps_theme_cost:contains('/^-10[.]0$/')",
    },
    {
        content: "and the NPS of the one answer that talks about it",
        trigger: ".o_nps_themes_table tr:has(.o_nps_theme_name:contains('/^Delivery$/')) .o_nps_theme_nps:contains('/^-100 ± 0 [(]n = 1[)]$/')",
    },
    {
        content: "The trend is drawn",
        trigger: ".o_nps_overview canvas.o_nps_trend_chart",
    },
    {
        content: "The called detractors against the control group",
        trigger: ".o_nps_holdout_counts:contains('/called back: 3;/'):contains('/not called: 1[.]$/')",
    },
];

registry.category("web_tour.tours").add("nps_overview_tour", {
    steps: () => [
        ...chooseCampaign,
        {
            content: "The manager compares the agents",
            trigger: ".o_nps_agents tr:has(td:contains('/^Alice Caller$/')):has(td:contains('/^50 %$/'))",
        },
        {
            content: "The manager turns the suggested theme into a real one in one click",
            trigger: ".o_nps_suggested_theme:has(.o_nps_suggested_term:contains('/^salesman$/')):has(.o_nps_suggested_answers:contains('/^1$/')):has(.o_nps_suggested_detractors:contains('/^1$/')) .o_nps_create_theme",
            run: "click",
        },
        {
            content: "The past answer is tagged with it: a detractor's complaint, 10 NPS points lost",
            trigger: ".o_nps_themes_table tr:has(.o_nps_theme_name:contains('/^Salesman$/')):has(.o_nps_theme_complaints:contains('/^1$/')) .o_nps_theme_cost:contains('/^-10[.]0$/')",
        },
        {
            content: "and the words are no longer a suggestion",
            trigger: ".o_nps_suggested_themes:not(:has(.o_nps_suggested_term:contains('/^salesman$/')))",
        },
    ],
});

registry.category("web_tour.tours").add("nps_overview_salesperson_tour", {
    steps: () => [
        ...chooseCampaign,
        {
            content: "A salesperson sees no agent and no customer's words",
            trigger: ".o_nps_overview:not(:has(.o_nps_agents)):not(:has(.o_nps_suggested_themes))",
        },
    ],
});

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
        content: "The detractors' themes, each answer counted once in each theme",
        trigger: ".o_nps_themes_table tr:has(td:contains('/^Delivery$/')) .o_nps_theme_detractors:contains('/^1$/')",
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
            content: "and sees the words no theme covers",
            trigger: ".o_nps_uncovered_words .o_nps_uncovered_word:contains('/^salesman 1$/')",
        },
    ],
});

registry.category("web_tour.tours").add("nps_overview_salesperson_tour", {
    steps: () => [
        ...chooseCampaign,
        {
            content: "A salesperson sees no agent and no customer's words",
            trigger: ".o_nps_overview:not(:has(.o_nps_agents)):not(:has(.o_nps_uncovered_words))",
        },
    ],
});

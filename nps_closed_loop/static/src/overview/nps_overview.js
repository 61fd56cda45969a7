import { Component, onWillStart, onWillUnmount, useEffect, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { KeepLast } from "@web/core/utils/concurrency";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { formatFloat, formatMonetary } from "@web/views/fields/formatters";

// Bootstrap's danger / warning / success and the web client's blue, as the charts draw them
const COLORS = {
    detractor: "#dc3545",
    passive: "#ffac00",
    promoter: "#28a745",
    primary: "#3188E6",
    band: "rgba(49, 136, 230, 0.15)",
    muted: "#adb5bd",
    control: "#A4A8B6",
};

/**
 * NPS Overview: the figures of get_nps_overview (nps.overview) as cards and Chart.js charts, with filters on
 * the period, the campaign and the company. Everything is computed on the server in one call; what is
 * shown depends on what the server returned (agents for NPS managers, words for NPS users).
 */
export class NpsOverview extends Component {
    static template = "nps_closed_loop.NpsOverview";
    static components = { Layout };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.notification = useService("notification");
        this.keepLast = new KeepLast();
        this.charts = {};
        this.canvas = {
            trend: useRef("trendChart"),
            funnel: useRef("funnelChart"),
            themes: useRef("themesChart"),
            holdout: useRef("holdoutChart"),
        };
        this.state = useState({
            filters: { months: 12, campaign_id: false, company_id: false },
            data: null,
            creating: false,
        });
        onWillStart(async () => {
            await Promise.all([loadBundle("web.chartjs_lib"), this.load()]);
        });
        useEffect(
            () => this.renderCharts(),
            () => [this.state.data]
        );
        onWillUnmount(() => this.destroyCharts());
    }

    get display() {
        return { controlPanel: {} };
    }

    async load() {
        const data = await this.keepLast.add(
            this.orm.call("nps.overview", "get_nps_overview", [this.state.filters])
        );
        this.state.data = data;
    }

    async onFilterChange(name, ev) {
        const value = ev.target.value;
        this.state.filters[name] = name === "months" ? parseInt(value) : parseInt(value) || false;
        await this.load();
    }

    // ------------------------------------------------------------------
    // Formatting
    // ------------------------------------------------------------------
    formatNumber(value, digits = 0) {
        if (value === null || value === undefined) {
            return "–";
        }
        return formatFloat(value, { digits: [16, digits] });
    }

    formatSigned(value) {
        if (value === null || value === undefined) {
            return "–";
        }
        const rounded = Math.round(value);
        return `${rounded > 0 ? "+" : ""}${formatFloat(rounded, { digits: [16, 0] })}`;
    }

    /** NPS points lost to a theme's complaints, as a loss: "-6.5", "0" when none. */
    formatCost(value) {
        if (value === null || value === undefined) {
            return "–";
        }
        return value ? formatFloat(-value, { digits: [16, 1] }) : "0";
    }

    /** A theme's NPS with its margin of error and the number of answers it is computed on. */
    themeNps(theme) {
        return _t("%(nps)s ± %(margin)s (n = %(count)s)", {
            nps: this.formatSigned(theme.nps),
            margin: this.formatNumber(theme.margin),
            count: theme.count,
        });
    }

    formatPercent(value) {
        return value === null || value === undefined ? "–" : `${this.formatNumber(value)} %`;
    }

    formatMoney(revenue) {
        return formatMonetary(revenue.amount, { currencyId: revenue.currency_id, digits: [16, 0] });
    }

    npsClass(value) {
        if (value === null || value === undefined) {
            return "text-muted";
        }
        return value < 0 ? "text-danger" : value <= 30 ? "text-warning" : "text-success";
    }

    get periodOptions() {
        return this.state.data.options.periods.map((months) => ({
            value: months,
            label: _t("Last %(months)s months", { months }),
        }));
    }

    get npsShares() {
        const nps = this.state.data.nps;
        const share = (count) => (nps.count ? (100 * count) / nps.count : 0);
        return [
            { name: "promoter", label: _t("Promoters"), count: nps.promoters },
            { name: "passive", label: _t("Passives"), count: nps.passives },
            { name: "detractor", label: _t("Detractors"), count: nps.detractors },
        ].map((item) => ({
            ...item,
            share: share(item.count),
            text: _t("%(label)s: %(share)s", { label: item.label, share: this.formatPercent(share(item.count)) }),
        }));
    }

    /** The sentences under the figures, translated whole. */
    get texts() {
        const { nps, funnel, callbacks, themes, holdout } = this.state.data;
        return {
            answers: _t("%(count)s answers, last %(months)s months", {
                count: nps.count,
                months: this.state.data.filters.months,
            }),
            funnel: _t("%(answered)s answered of %(sent)s sent (%(planned)s planned)", funnel),
            notSent: _t("%(cancelled)s cancelled, %(failed)s failed", funnel),
            callbacks: _t("%(on_time)s of %(due)s callbacks due were made within the SLA", callbacks),
            late: _t("%(late)s late", callbacks),
            recovery: _t("Recovered: %(rate)s (%(recovered)s of %(followups)s detractors re-surveyed)", {
                rate: this.formatPercent(callbacks.recovery_rate),
                recovered: callbacks.recovered,
                followups: callbacks.followups,
            }),
            themes: _t(
                "The costliest first: NPS points lost are the share of all answers that are detractors complaining about the theme. Each answer counts once in each of its themes: %(detractors)s detractors, %(untagged)s answers without theme.",
                themes.total
            ),
            holdout: _t(
                "Detractors called back: %(called)s; detractors of the control group, not called: %(control)s.",
                { called: holdout.called.count, control: holdout.control.count }
            ),
        };
    }

    significanceLabel(test) {
        if (test.difference === null) {
            return _t("Not enough data");
        }
        return test.significant ? _t("Significant (95 %)") : _t("Not significant");
    }

    // ------------------------------------------------------------------
    // Navigation (NPS users: they may read the answers behind a figure)
    // ------------------------------------------------------------------
    openSurveys(extraDomain, name) {
        if (!this.state.data.access.surveys) {
            return;
        }
        this.action.doAction({
            type: "ir.actions.act_window",
            name,
            res_model: "nps.survey",
            views: [
                [false, "list"],
                [false, "form"],
            ],
            domain: [...this.state.data.domain, ...extraDomain],
        });
    }

    openDetractors() {
        this.openSurveys([["category", "=", "detractor"]], _t("Detractors"));
    }

    /**
     * The answers complaining about ``theme`` or praising it (``polarity``); without one, all the answers of the
     * theme.
     */
    openTheme(theme, polarity = null) {
        if (!polarity) {
            this.openSurveys([["theme_ids", "in", [theme.id]]], theme.name);
            return;
        }
        const name =
            polarity === "praise"
                ? _t("Praise: %(theme)s", { theme: theme.name })
                : _t("Complaints: %(theme)s", { theme: theme.name });
        this.openSurveys(
            [
                [
                    "mention_ids",
                    "any",
                    [
                        ["reason_id", "=", theme.id],
                        ["polarity", "=", polarity],
                    ],
                ],
            ],
            name
        );
    }

    // ------------------------------------------------------------------
    // Suggested themes (NPS managers)
    // ------------------------------------------------------------------
    async createTheme(suggestion) {
        if (this.state.creating) {
            return;
        }
        this.state.creating = true;
        try {
            const theme = await this.orm.call("nps.overview", "create_suggested_theme", [
                suggestion.term,
                suggestion.lang,
            ]);
            const message = theme.queued
                ? _t(
                      "Theme %(name)s created: %(tagged)s answers without theme tagged with it; %(queued)s other answers are being tagged again in the background.",
                      theme
                  )
                : _t("Theme %(name)s created: %(tagged)s answers without theme tagged with it.", theme);
            this.notification.add(message, { type: "success" });
            await this.load();
        } finally {
            this.state.creating = false;
        }
    }

    // ------------------------------------------------------------------
    // Charts
    // ------------------------------------------------------------------
    destroyCharts() {
        for (const chart of Object.values(this.charts)) {
            chart.destroy();
        }
        this.charts = {};
    }

    renderCharts() {
        if (!this.state.data) {
            return;
        }
        this.destroyCharts();
        const data = this.state.data;
        if (this.canvas.trend.el && data.nps.count) {
            this.charts.trend = new Chart(this.canvas.trend.el, this.trendConfig(data.trend));
        }
        if (this.canvas.funnel.el) {
            this.charts.funnel = new Chart(this.canvas.funnel.el, this.funnelConfig(data.funnel));
        }
        if (this.canvas.themes.el && data.themes.top.length) {
            this.charts.themes = new Chart(this.canvas.themes.el, this.themesConfig(data.themes));
        }
        if (this.canvas.holdout.el && (data.holdout.called.count || data.holdout.control.count)) {
            this.charts.holdout = new Chart(this.canvas.holdout.el, this.holdoutConfig(data.holdout));
        }
    }

    trendConfig(trend) {
        const labels = trend.map((point) => point.label);
        const value = (point, sign) =>
            point.nps === null || point.nps === undefined || point.margin === null || point.margin === undefined
                ? null
                : Math.max(-100, Math.min(100, point.nps + sign * point.margin));
        const significant = trend.map((point) => point.significant !== false);
        return {
            type: "line",
            data: {
                labels,
                datasets: [
                    {
                        label: _t("Upper margin"),
                        data: trend.map((point) => value(point, 1)),
                        borderWidth: 0,
                        pointRadius: 0,
                        backgroundColor: COLORS.band,
                        fill: "+1",
                    },
                    {
                        label: _t("Lower margin"),
                        data: trend.map((point) => value(point, -1)),
                        borderWidth: 0,
                        pointRadius: 0,
                        backgroundColor: COLORS.band,
                        fill: false,
                    },
                    {
                        label: _t("NPS"),
                        data: trend.map((point) => point.nps ?? null),
                        borderColor: COLORS.primary,
                        backgroundColor: significant.map((ok) => (ok ? COLORS.primary : "#ffffff")),
                        pointBorderColor: significant.map((ok) => (ok ? COLORS.primary : COLORS.muted)),
                        pointStyle: significant.map((ok) => (ok ? "circle" : "rectRot")),
                        pointRadius: significant.map((ok) => (ok ? 4 : 6)),
                        pointBorderWidth: 2,
                        spanGaps: true,
                        fill: false,
                        tension: 0.2,
                    },
                ],
            },
            options: {
                maintainAspectRatio: false,
                animation: false,
                interaction: { mode: "index", intersect: false },
                scales: {
                    x: { ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } },
                    y: { suggestedMin: -100, suggestedMax: 100 },
                },
                plugins: {
                    legend: { display: false },
                    tooltip: {
                        filter: (item) => item.datasetIndex === 2,
                        callbacks: {
                            label: (context) => {
                                const point = trend[context.dataIndex];
                                return _t("NPS %(nps)s ± %(margin)s (%(count)s answers)", {
                                    nps: this.formatNumber(point.nps),
                                    margin: this.formatNumber(point.margin),
                                    count: point.count,
                                });
                            },
                            afterLabel: (context) =>
                                significant[context.dataIndex] ? "" : _t("Not significant"),
                        },
                    },
                },
            },
        };
    }

    funnelConfig(funnel) {
        return {
            type: "bar",
            data: {
                labels: [_t("Planned"), _t("Sent"), _t("Answered")],
                datasets: [
                    {
                        label: _t("Surveys"),
                        data: [funnel.planned, funnel.sent, funnel.answered],
                        backgroundColor: [COLORS.muted, COLORS.primary, COLORS.promoter],
                    },
                ],
            },
            options: {
                indexAxis: "y",
                maintainAspectRatio: false,
                animation: false,
                plugins: { legend: { display: false } },
                scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
            },
        };
    }

    /** Complaints to the left, praise to the right: the weak and the strong points at a glance. */
    themesConfig(themes) {
        const top = themes.top;
        return {
            type: "bar",
            data: {
                labels: top.map((theme) => theme.name),
                datasets: [
                    {
                        label: _t("Complaints"),
                        data: top.map((theme) => -theme.complaints),
                        backgroundColor: COLORS.detractor,
                    },
                    {
                        label: _t("Praise"),
                        data: top.map((theme) => theme.praise),
                        backgroundColor: COLORS.promoter,
                    },
                ],
            },
            options: {
                indexAxis: "y",
                maintainAspectRatio: false,
                animation: false,
                onClick: (_event, elements) => {
                    if (elements.length) {
                        const polarity = elements[0].datasetIndex ? "praise" : "complaint";
                        this.openTheme(top[elements[0].index], polarity);
                    }
                },
                plugins: {
                    legend: { position: "bottom" },
                    tooltip: {
                        callbacks: {
                            label: (context) => {
                                const theme = top[context.dataIndex];
                                if (context.datasetIndex) {
                                    return _t("%(count)s praise", { count: theme.praise });
                                }
                                return _t(
                                    "%(count)s complaints, %(detractors)s of them by detractors: %(cost)s NPS points",
                                    {
                                        count: theme.complaints,
                                        detractors: theme.detractor_complaints,
                                        cost: this.formatCost(theme.cost),
                                    }
                                );
                            },
                        },
                    },
                },
                scales: {
                    x: {
                        stacked: true,
                        ticks: { precision: 0, callback: (value) => Math.abs(value) },
                    },
                    y: { stacked: true },
                },
            },
        };
    }

    holdoutConfig(holdout) {
        const rate = (value) => (value === null ? 0 : value);
        return {
            type: "bar",
            data: {
                labels: [_t("Repurchase"), _t("Recovered")],
                datasets: [
                    {
                        label: _t("Called back"),
                        data: [rate(holdout.called.repurchase_rate), rate(holdout.called.recovery_rate)],
                        backgroundColor: COLORS.primary,
                    },
                    {
                        label: _t("Control group"),
                        data: [rate(holdout.control.repurchase_rate), rate(holdout.control.recovery_rate)],
                        backgroundColor: COLORS.control,
                    },
                ],
            },
            options: {
                maintainAspectRatio: false,
                animation: false,
                scales: { y: { beginAtZero: true, suggestedMax: 100, ticks: { callback: (v) => `${v} %` } } },
                plugins: { legend: { position: "bottom" } },
            },
        };
    }
}

registry.category("actions").add("nps_closed_loop.overview", NpsOverview);

package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The comparison report as one self-contained HTML page: inline styles, an inline SVG plot, no script, font, image
 * or style from anywhere else. Every text from items, outputs and names is escaped.
 */
public final class ReportPage {

    private static final int WIDTH = 640;
    private static final int HEIGHT = 360;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 20;
    private static final int BOTTOM = 50;

    private ReportPage() {
    }

    public static String render(JsonNode report) {
        StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>Eval report: ").append(escape(report.path("name").asText())).append("</title>")
                .append("<style>")
                .append("body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b;max-width:1200px}")
                .append("table{border-collapse:collapse;margin:1rem 0;width:100%}")
                .append("th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top;")
                .append("font-size:.9rem}th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:")
                .append("tabular-nums}.pass{background:#e6f4ea}.fail{background:#fce8e6}.error{background:#fff4d6}")
                .append(".not_run{color:#888}pre{white-space:pre-wrap;margin:0;font-size:.85rem}")
                .append("svg text{font-size:11px;font-family:system-ui,sans-serif}")
                .append("</style></head><body>\n");
        html.append("<h1>Eval report: ").append(escape(report.path("name").asText())).append("</h1>\n");
        html.append("<p>Eval <code>").append(escape(report.path("eval_id").asText())).append("</code>. ")
                .append("Pass rate = items passing every grader / items evaluated (errors count as not passed), ")
                .append("with its 95 % Wilson interval. Cost per passed item = the samples' cost / passed items.</p>\n");

        html.append("<h2>Runs</h2>\n<table id=\"runs\"><thead><tr><th>run</th><th>model</th><th>status</th>")
                .append("<th>pass rate</th><th>95 % CI</th><th>passed / failed / errored</th>");
        for (JsonNode criterion : report.path("testing_criteria")) {
            html.append("<th>mean ").append(escape(criterion.asText())).append("</th>");
        }
        html.append("<th>cost samples (USD)</th><th>cost graders (USD)</th><th>cost per passed item</th>")
                .append("<th>latency p50 / p95 (ms)</th><th>tokens (sample / graders)</th></tr></thead><tbody>\n");
        for (JsonNode run : report.path("runs")) {
            html.append("<tr class=\"run\"><td>").append(escape(run.path("name").asText())).append("<br><code>")
                    .append(escape(run.path("id").asText())).append("</code></td><td>")
                    .append(escape(run.path("model").asText())).append("</td><td>")
                    .append(escape(run.path("status").asText())).append("</td><td class=\"num\">")
                    .append(percent(run.get("pass_rate"))).append("</td><td class=\"num\">")
                    .append(run.path("pass_rate_ci95").isArray() ? percent(run.at("/pass_rate_ci95/0")) + " – "
                            + percent(run.at("/pass_rate_ci95/1")) : "–")
                    .append("</td><td class=\"num\">").append(run.path("passed").asInt()).append(" / ")
                    .append(run.path("failed").asInt()).append(" / ").append(run.path("errored").asInt())
                    .append("</td>");
            for (JsonNode criterion : report.path("testing_criteria")) {
                html.append("<td class=\"num\">").append(number(run.path("mean_scores").get(criterion.asText())))
                        .append("</td>");
            }
            html.append("<td class=\"num\">").append(usd(run.at("/cost_usd/samples"))).append("</td>")
                    .append("<td class=\"num\">").append(usd(run.at("/cost_usd/graders"))).append("</td>")
                    .append("<td class=\"num\">").append(usd(run.at("/cost_usd/per_passed_item"))).append("</td>")
                    .append("<td class=\"num\">").append(number(run.at("/latency_ms/p50"))).append(" / ")
                    .append(number(run.at("/latency_ms/p95"))).append("</td><td class=\"num\">")
                    .append(run.at("/tokens/sample_total").asLong()).append(" / ")
                    .append(run.at("/tokens/graders_total").asLong()).append("</td></tr>\n");
        }
        html.append("</tbody></table>\n");

        html.append("<h2>Cost vs pass rate</h2>\n").append(plot(report.path("runs")));

        html.append("<h2>Pairs</h2>\n");
        if (report.path("pairs").isEmpty()) {
            html.append("<p>No two runs over the same items.</p>\n");
        } else {
            html.append("<table id=\"pairs\"><thead><tr><th>run A</th><th>run B</th><th>items</th>")
                    .append("<th>A only passed</th><th>B only passed</th><th>ties</th>")
                    .append("<th>exact McNemar p</th></tr></thead><tbody>\n");
            for (JsonNode pair : report.path("pairs")) {
                html.append("<tr><td>").append(escape(pair.path("model_a").asText())).append("</td><td>")
                        .append(escape(pair.path("model_b").asText())).append("</td><td class=\"num\">")
                        .append(pair.path("items").asInt()).append("</td><td class=\"num\">")
                        .append(pair.path("wins").asInt()).append("</td><td class=\"num\">")
                        .append(pair.path("losses").asInt()).append("</td><td class=\"num\">")
                        .append(pair.path("ties").asInt()).append("</td><td class=\"num\">")
                        .append(String.format(Locale.ROOT, "%.4g", pair.path("p_value").asDouble()))
                        .append("</td></tr>\n");
            }
            html.append("</tbody></table>\n");
        }

        html.append("<h2>Items (failures first)</h2>\n<table id=\"items\"><thead><tr><th>#</th><th>input</th>");
        for (JsonNode run : report.path("runs")) {
            html.append("<th>").append(escape(run.path("model").asText())).append("</th>");
        }
        html.append("</tr></thead><tbody>\n");
        for (JsonNode item : report.path("items")) {
            html.append("<tr><td class=\"num\">").append(item.path("index").asInt()).append("</td><td><pre>")
                    .append(escape(item.path("input").asText())).append("</pre></td>");
            for (JsonNode cell : item.path("runs")) {
                String status = cell.path("status").asText();
                html.append("<td class=\"").append(escape(status)).append("\"><strong>").append(escape(status))
                        .append("</strong>");
                if (cell.has("error")) {
                    html.append("<pre>").append(escape(cell.at("/error/message").asText())).append("</pre>");
                } else if (cell.has("output")) {
                    html.append("<pre>").append(escape(cell.path("output").asText())).append("</pre>");
                }
                StringBuilder grades = new StringBuilder();
                cell.path("scores").fields().forEachRemaining(e -> grades.append(grades.isEmpty() ? "" : ", ")
                        .append(escape(e.getKey())).append(": ").append(number(e.getValue())));
                if (!grades.isEmpty()) {
                    html.append("<small>").append(grades).append("</small>");
                }
                html.append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</tbody></table>\n</body></html>\n");
        return html.toString();
    }

    /** Each priced run at (cost of its samples, pass rate) with its 95 % interval; the Pareto front joined. */
    private static String plot(JsonNode runs) {
        List<JsonNode> priced = new ArrayList<>();
        for (JsonNode run : runs) {
            if (run.at("/cost_usd/samples").isNumber() && run.path("pass_rate").isNumber()) {
                priced.add(run);
            }
        }
        StringBuilder svg = new StringBuilder();
        svg.append("<svg id=\"pareto\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH)
                .append("\" height=\"").append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(HEIGHT).append("\" role=\"img\" aria-label=\"cost versus pass rate\">")
                .append("<rect x=\"0\" y=\"0\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
                .append("\" fill=\"#fff\"/>");
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        svg.append(line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH)).append(line(LEFT, TOP, LEFT, TOP + plotH));
        for (int tick = 0; tick <= 4; tick++) {
            double y = TOP + plotH - tick * plotH / 4.0;
            svg.append(text(LEFT - 8, y + 4, "end", tick * 25 + " %"));
        }
        svg.append(text(LEFT + plotW / 2.0, HEIGHT - 10, "middle", "cost of the samples (USD)"));
        svg.append(text(14, TOP + plotH / 2.0, "middle", "pass rate", "rotate(-90 14 " + (TOP + plotH / 2.0) + ")"));
        if (priced.isEmpty()) {
            svg.append(text(LEFT + plotW / 2.0, TOP + plotH / 2.0, "middle",
                    "no run has a known cost: add pricing to the provider documents"));
            return svg.append("</svg>\n").toString();
        }
        double maxCost = priced.stream().mapToDouble(r -> r.at("/cost_usd/samples").asDouble()).max().orElse(0);
        double span = maxCost <= 0 ? 1 : maxCost * 1.1;
        for (int tick = 0; tick <= 4; tick++) {
            double x = LEFT + tick * plotW / 4.0;
            svg.append(text(x, TOP + plotH + 16, "middle", String.format(Locale.ROOT, "%.4g", span * tick / 4)));
        }
        List<double[]> front = new ArrayList<>();
        for (JsonNode run : priced) {
            double x = LEFT + run.at("/cost_usd/samples").asDouble() / span * plotW;
            double y = TOP + plotH - run.path("pass_rate").asDouble() * plotH;
            if (run.path("pass_rate_ci95").isArray()) {
                double low = TOP + plotH - run.at("/pass_rate_ci95/0").asDouble() * plotH;
                double high = TOP + plotH - run.at("/pass_rate_ci95/1").asDouble() * plotH;
                svg.append("<line x1=\"").append(fmt(x)).append("\" y1=\"").append(fmt(low)).append("\" x2=\"")
                        .append(fmt(x)).append("\" y2=\"").append(fmt(high)).append("\" stroke=\"#9aa\"/>");
            }
            boolean pareto = run.path("pareto").asBoolean();
            if (pareto) {
                front.add(new double[]{x, y});
            }
            svg.append("<circle class=\"point\" cx=\"").append(fmt(x)).append("\" cy=\"").append(fmt(y))
                    .append("\" r=\"5\" fill=\"").append(pareto ? "#1a73e8" : "#fff").append("\" stroke=\"#1a73e8\">")
                    .append("<title>").append(escape(run.path("model").asText())).append("</title></circle>")
                    .append(text(x + 8, y - 8, "start", run.path("model").asText()));
        }
        front.sort(Comparator.comparingDouble(p -> p[0]));
        if (front.size() > 1) {
            svg.append("<polyline fill=\"none\" stroke=\"#1a73e8\" stroke-dasharray=\"4 3\" points=\"");
            front.forEach(p -> svg.append(fmt(p[0])).append(',').append(fmt(p[1])).append(' '));
            svg.append("\"/>");
        }
        return svg.append("</svg>\n<p>Filled points are Pareto-optimal: no other run is both cheaper and ")
                .append("better. Vertical lines are the 95 % intervals.</p>\n").toString();
    }

    private static String line(double x1, double y1, double x2, double y2) {
        return "<line x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2) + "\" y2=\"" + fmt(y2)
                + "\" stroke=\"#444\"/>";
    }

    private static String text(double x, double y, String anchor, String content) {
        return text(x, y, anchor, content, null);
    }

    private static String text(double x, double y, String anchor, String content, String transform) {
        return "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" text-anchor=\"" + anchor + "\""
                + (transform == null ? "" : " transform=\"" + transform + "\"") + ">" + escape(content) + "</text>";
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    private static String percent(JsonNode value) {
        return value == null || !value.isNumber() ? "–" : String.format(Locale.ROOT, "%.1f %%", value.asDouble() * 100);
    }

    private static String number(JsonNode value) {
        return value == null || !value.isNumber() ? "–" : String.format(Locale.ROOT, "%.3g", value.asDouble());
    }

    private static String usd(JsonNode value) {
        return value == null || !value.isNumber() ? "unknown" : "$" + value.decimalValue().toPlainString();
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}

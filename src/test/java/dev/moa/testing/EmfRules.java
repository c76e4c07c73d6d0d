package dev.moa.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Checks one log line against the CloudWatch Embedded Metric Format specification: a JSON object whose {@code _aws}
 * member has an integer {@code Timestamp} and a non-empty {@code CloudWatchMetrics} list of directives, each with a
 * {@code Namespace}, {@code Dimensions} (sets of at most 30 names, each a string member of the root) and at most 100
 * {@code Metrics} (each a named number, or list of at most 100 numbers, at the root, with a valid unit).
 */
public final class EmfRules {

    private static final Set<String> UNITS = Set.of("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
            "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent",
            "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
            "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second",
            "None");

    private EmfRules() {
    }

    /** @return every rule the record breaks; empty when it is a valid EMF record */
    public static List<String> violations(JsonNode root) {
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            return List.of("not a JSON object");
        }
        JsonNode aws = root.get("_aws");
        if (aws == null || !aws.isObject()) {
            return List.of("no _aws object");
        }
        JsonNode timestamp = aws.get("Timestamp");
        if (timestamp == null || !timestamp.isIntegralNumber() || timestamp.asLong() <= 0) {
            problems.add("_aws.Timestamp must be a positive integer (epoch milliseconds)");
        }
        JsonNode directives = aws.get("CloudWatchMetrics");
        if (directives == null || !directives.isArray() || directives.isEmpty()) {
            problems.add("_aws.CloudWatchMetrics must be a non-empty list");
            return problems;
        }
        Set<String> dimensionNames = new HashSet<>();
        Set<String> metricNames = new HashSet<>();
        for (JsonNode directive : directives) {
            JsonNode namespace = directive.get("Namespace");
            if (namespace == null || !namespace.isTextual() || namespace.asText().isBlank()
                    || namespace.asText().length() > 1024) {
                problems.add("Namespace must be a non-blank string of at most 1024 characters");
            }
            JsonNode dimensions = directive.get("Dimensions");
            if (dimensions == null || !dimensions.isArray()) {
                problems.add("Dimensions must be a list of dimension sets");
            } else {
                for (JsonNode set : dimensions) {
                    if (!set.isArray() || set.size() > 30) {
                        problems.add("a dimension set must be a list of at most 30 names");
                        continue;
                    }
                    for (JsonNode name : set) {
                        JsonNode value = name.isTextual() ? root.get(name.asText()) : null;
                        if (value == null || !value.isTextual()) {
                            problems.add("dimension " + name + " must name a string member of the root");
                        } else if (value.asText().isEmpty() || value.asText().length() > 1024) {
                            problems.add("dimension " + name + " must have a value of 1 to 1024 characters");
                        }
                        dimensionNames.add(name.asText());
                    }
                }
            }
            JsonNode metrics = directive.get("Metrics");
            if (metrics == null || !metrics.isArray() || metrics.size() > 100) {
                problems.add("Metrics must be a list of at most 100 definitions");
                continue;
            }
            for (JsonNode metric : metrics) {
                JsonNode name = metric.get("Name");
                if (name == null || !name.isTextual() || name.asText().isEmpty() || name.asText().length() > 1024) {
                    problems.add("a metric needs a Name of 1 to 1024 characters");
                    continue;
                }
                for (Iterator<String> fields = metric.fieldNames(); fields.hasNext(); ) {
                    String field = fields.next();
                    if (!Set.of("Name", "Unit", "StorageResolution").contains(field)) {
                        problems.add("metric " + name + " has an unknown member " + field);
                    }
                }
                if (metric.has("Unit") && !UNITS.contains(metric.get("Unit").asText())) {
                    problems.add("metric " + name + " has an invalid unit " + metric.get("Unit"));
                }
                JsonNode value = root.get(name.asText());
                boolean numbers = value != null && (value.isNumber() || value.isArray() && value.size() <= 100
                        && value.size() > 0 && allNumbers(value));
                if (!numbers) {
                    problems.add("metric " + name + " must be a number (or list of at most 100 numbers) at the root");
                }
                metricNames.add(name.asText());
            }
        }
        dimensionNames.retainAll(metricNames);
        if (!dimensionNames.isEmpty()) {
            problems.add("members both dimension and metric: " + dimensionNames);
        }
        return problems;
    }

    private static boolean allNumbers(JsonNode array) {
        for (JsonNode item : array) {
            if (!item.isNumber()) {
                return false;
            }
        }
        return true;
    }
}

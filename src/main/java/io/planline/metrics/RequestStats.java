package io.planline.metrics;

/**
 * A snapshot of one model's finished inference requests.
 *
 * @param successCount requests answered 200
 * @param successNanos total time of those requests, from the request to the answer
 * @param failCount requests that ended any other way (bad input, refused, failed, cancelled)
 * @param failNanos total time of those requests
 * @param lastFinishedMillis when the last request finished (epoch milliseconds), 0 for never
 */
public record RequestStats(long successCount, long successNanos, long failCount, long failNanos,
    long lastFinishedMillis) {}

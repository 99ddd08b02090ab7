package io.planline.metrics;

/**
 * A snapshot of one model version's finished inference requests, as Triton's statistics report
 * them.
 *
 * @param successCount requests answered 200
 * @param successNanos total time of those requests, from the request to the answer
 * @param failCount requests that ended any other way (bad input, refused, failed, cancelled)
 * @param failNanos total time of those requests
 * @param phasedCount successful requests whose time was split into phases (every one the
 *     runtime executed; a frontend that does not time phases reports none)
 * @param queueNanos their total time waiting: for a new shape's plan, a batch, admission
 * @param inputNanos their total time decoding the request into input tensors
 * @param inferNanos their total execution time: upload, kernels, download
 * @param outputNanos their total time encoding and writing the answer
 * @param executionCount program executions that ran to the end (a dynamic batch counts once)
 * @param lastFinishedMillis when the last request finished (epoch milliseconds), 0 for never
 */
public record RequestStats(long successCount, long successNanos, long failCount, long failNanos,
    long phasedCount, long queueNanos, long inputNanos, long inferNanos, long outputNanos,
    long executionCount, long lastFinishedMillis) {}

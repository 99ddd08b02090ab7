/**
 * The KServe V2 / Open Inference Protocol over gRPC ({@code inference.GRPCInferenceService},
 * src/main/proto): the service, reading typed and raw tensor contents, writing answers, and
 * failures as gRPC status codes. Every call is answered by the same code as its REST twin in
 * {@code io.planline.server}; only the encodings live here.
 */
@NullMarked
package io.planline.server.grpc;

import org.jspecify.annotations.NullMarked;

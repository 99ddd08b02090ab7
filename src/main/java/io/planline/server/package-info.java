/**
 * The KServe V2 / Open Inference Protocol over REST: controllers, the JSON and binary tensor
 * encodings, error mapping, and the plan endpoints.
 */
@NullMarked
package io.planline.server;

import org.jspecify.annotations.NullMarked;

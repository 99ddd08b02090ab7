/**
 * Models: exported program folders (program.json, weights.safetensors, sample.json), their binding
 * to concrete shapes per request, and the repository that serves them.
 */
@NullMarked
package io.planline.model;

import org.jspecify.annotations.NullMarked;

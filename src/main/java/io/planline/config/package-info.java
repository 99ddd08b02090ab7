/**
 * Serving configuration: what {@code application.yml} (and its Micronaut overrides) says about
 * planners, the backend, the model repository, admission limits and the request size limit,
 * validated once at start-up.
 */
@NullMarked
package io.planline.config;

import org.jspecify.annotations.NullMarked;

/**
 * Dynamic batching above the backend: requests of one model whose inputs agree in every
 * dimension but the batch one wait a little, are concatenated along it, run as one request of
 * the program (planned, cached and admitted like any shape) and have their outputs split back.
 */
@NullMarked
package io.planline.exec.batch;

import org.jspecify.annotations.NullMarked;

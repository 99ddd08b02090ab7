/**
 * The Reactor wiring that executes a program for one request: the memory stage, the launch
 * stage, request lifecycle and admission, and the service the HTTP layer calls.
 */
@NullMarked
package io.planline.exec;

import org.jspecify.annotations.NullMarked;

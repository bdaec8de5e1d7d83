/**
 * The RSocket peer transport: request-response for each peer RPC over a compact binary codec. Under
 * construction; until it lands, clusters run on the in-JVM transport of {@code raft-reactor}.
 */
package io.reactiveraft.transport.rsocket;

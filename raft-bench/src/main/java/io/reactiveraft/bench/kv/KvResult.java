package io.reactiveraft.bench.kv;

/**
 * The result of a {@link KvCommand}.
 *
 * @param ok false only for a CAS whose expectation did not hold
 * @param value the value before the command (PUT, DELETE, CAS) or the value read (GET)
 */
public record KvResult(boolean ok, String value) {}

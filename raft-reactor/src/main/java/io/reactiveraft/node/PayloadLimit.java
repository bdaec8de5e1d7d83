package io.reactiveraft.node;

import io.reactiveraft.spi.LogStore;

/**
 * The largest command payload this node takes into its log: the smaller of {@code maxCommandBytes}
 * and what its log store can hold in one entry.
 *
 * @param maxBytes the limit
 * @param description which limit it is, for the refusal's message
 */
record PayloadLimit(int maxBytes, String description) {

  static PayloadLimit of(LogStore store, int maxCommandBytes) {
    if (store.maxPayloadBytes() < maxCommandBytes) {
      return new PayloadLimit(
          store.maxPayloadBytes(),
          "the log store's entry limit of "
              + store.maxPayloadBytes()
              + " bytes (for the mapped log: its segmentSize less headers)");
    }
    return new PayloadLimit(maxCommandBytes, "maxCommandBytes " + maxCommandBytes);
  }

  boolean exceededBy(int payloadBytes) {
    return payloadBytes > maxBytes;
  }
}

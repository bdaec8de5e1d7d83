package io.reactiveraft.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A leader's memory of where this term's forwarded commands went, by follower and request id. The
 * transport may deliver a message twice; a copy of a forwarded command must get the answer the
 * first one got (its index, or a refusal) and must not be appended again. Bounded, oldest first
 * out: copies arrive close together. Cleared when the term changes and when the node starts to
 * lead; kept when it steps down within its term, so a late copy still learns where the first went.
 */
final class ForwardedHere {

  /** Not seen in this term. */
  static final long NEW = 0;

  /** Refused in this term (a leadership transfer was under way). */
  static final long REFUSED = -1;

  private static final int REMEMBERED = 4096;

  private record Key(String follower, long requestId) {}

  private final Map<Key, Long> indexes =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Long> eldest) {
          return size() > REMEMBERED;
        }
      };

  /** Where the request went in this term: its index, {@link #NEW} or {@link #REFUSED}. */
  long indexOf(String follower, long requestId) {
    return indexes.getOrDefault(new Key(follower, requestId), NEW);
  }

  /** {@code index}: where it went, or {@link #REFUSED}. */
  void record(String follower, long requestId, long index) {
    indexes.put(new Key(follower, requestId), index);
  }

  void clear() {
    indexes.clear();
  }
}

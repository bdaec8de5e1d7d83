package io.reactiveraft.log;

import static io.reactiveraft.log.MappedLogStoreTest.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.message.LogEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-memory store's indexes once a prefix is discarded. */
class InMemoryLogStoreTest {

  @Test
  void aDiscardedPrefixMovesTheFirstIndexAndReadsBelowItAreOutOfBounds() {
    InMemoryLogStore store = new InMemoryLogStore();
    List<LogEntry> all = entries(1, 20, 1, 8, 1);
    store.append(all);
    store.discardPrefix(5);
    assertThat(store.firstIndex()).isEqualTo(6);
    assertThat(store.lastIndex()).isEqualTo(20);
    assertThat(store.entries(6, 20)).containsExactlyElementsOf(all.subList(5, 20));
    assertThatThrownBy(() -> store.entries(5, 6))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("outside [6, 20]");

    store.discardPrefix(3); // below the first index
    assertThat(store.firstIndex()).isEqualTo(6);

    store.truncateSuffix(15);
    assertThat(store.lastIndex()).isEqualTo(14);
    store.truncateSuffix(2); // everything from the first index
    assertThat(store.firstIndex()).isEqualTo(6);
    assertThat(store.lastIndex()).isEqualTo(5);
    store.append(entries(6, 7, 2, 8, 2));
    assertThat(store.entries(6, 7)).containsExactlyElementsOf(entries(6, 7, 2, 8, 2));
  }

  @Test
  void discardingEverythingContinuesAfterTheDiscardedIndex() {
    InMemoryLogStore store = new InMemoryLogStore();
    store.append(entries(1, 3, 1, 8, 3));
    store.discardPrefix(10);
    assertThat(store.firstIndex()).isEqualTo(11);
    assertThat(store.lastIndex()).isEqualTo(10);
    assertThat(store.entries(11, 10)).isEmpty();
    assertThatThrownBy(() -> store.append(entries(4, 4, 1, 8, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not continue the log at 10");
    store.append(entries(11, 12, 1, 8, 5));
    assertThat(store.entries(11, 12)).containsExactlyElementsOf(entries(11, 12, 1, 8, 5));
  }
}

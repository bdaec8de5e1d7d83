package io.reactiveraft.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.reactiveraft.spi.LogStore;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A wrapper that forgot a method with a default would silently answer the default instead of the
 * wrapped store's (a store's lost entries, its commit index): every method of the SPI is passed on.
 */
class ForwardingLogStoreTest {

  @Test
  void everyMethodOfTheSpiIsPassedOn() throws NoSuchMethodException {
    List<Method> spi =
        Arrays.stream(LogStore.class.getMethods())
            .filter(m -> !Modifier.isStatic(m.getModifiers()))
            .toList();
    assertThat(spi).isNotEmpty();
    for (Method m : spi) {
      Method own = ForwardingLogStore.class.getMethod(m.getName(), m.getParameterTypes());
      assertThat(own.getDeclaringClass())
          .as("%s is implemented by ForwardingLogStore", m.getName())
          .isEqualTo(ForwardingLogStore.class);
    }
  }

  @Test
  void theCommitIndexIsTheWrappedStoresBothWays() {
    InMemoryLogStore inner = new InMemoryLogStore();
    inner.append(MappedLogStoreTest.entries(1, 5, 1, 10, 1));
    LogStore outer = new ForwardingLogStore(inner) {};

    outer.saveCommitIndex(4);

    assertThat(inner.commitIndex()).isEqualTo(4);
    assertThat(outer.commitIndex()).isEqualTo(4);
  }
}

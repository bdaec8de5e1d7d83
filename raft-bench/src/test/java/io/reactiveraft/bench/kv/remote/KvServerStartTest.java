package io.reactiveraft.bench.kv.remote;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactiveraft.Member;
import io.reactiveraft.log.MappedLogOptions;
import io.reactiveraft.log.MappedLogStore;
import io.reactiveraft.message.EntryType;
import io.reactiveraft.message.LogEntry;
import io.reactiveraft.transport.rsocket.LoopbackPorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvServerStartTest {

  @TempDir Path dir;

  @Test
  void dataThatRecoveryRefusesIsAStartErrorNamingTheDirectory() {
    Path data = dir.resolve("n1");
    // A log compacted past its start with no snapshot to stand for what was discarded.
    MappedLogStore store =
        MappedLogStore.open(data, MappedLogOptions.builder().segmentSize(1 << 20).build());
    store.append(
        List.of(
            new LogEntry(1, 1, EntryType.NOOP, new byte[0]),
            new LogEntry(2, 1, EntryType.NOOP, new byte[0]),
            new LogEntry(3, 1, EntryType.NOOP, new byte[0])));
    store.discardPrefix(2);
    store.flush().block(Duration.ofSeconds(10));
    store.close();

    Member self = new Member("n1", LoopbackPorts.nextAddress());
    KvServer.Settings settings =
        new KvServer.Settings(
            "n1",
            List.of(self),
            data,
            "a secret of sixteen bytes or more".getBytes(StandardCharsets.UTF_8),
            true,
            false,
            1 << 20,
            KvServer.Settings.DEFAULT_ELECTION_TIMEOUT,
            false);
    assertThatThrownBy(() -> KvServer.start(settings).close())
        .isInstanceOf(KvServer.StartException.class)
        .hasMessageContaining(data.toString());
  }
}

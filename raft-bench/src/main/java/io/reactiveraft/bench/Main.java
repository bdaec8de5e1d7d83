package io.reactiveraft.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The raft-bench command line: {@code java -jar raft-bench.jar <command>}. */
@Command(
    name = "raft-bench",
    mixinStandardHelpOptions = true,
    description = "Reactive Raft demo, examples and benchmarks.",
    subcommands = {DemoCommand.class, BenchCommand.class, NodeCommand.class, KvClientCommand.class})
public final class Main implements Runnable {

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).execute(args);
    System.exit(code);
  }
}

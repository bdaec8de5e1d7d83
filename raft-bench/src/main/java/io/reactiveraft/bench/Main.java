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
    int code = commandLine().execute(args);
    System.exit(code);
  }

  /**
   * The command line as {@code main} runs it. Arguments are taken as they are: no {@code @file}
   * expansion, which would read a value such as {@code @notes} from a file of that name; and every
   * word after kv's operation is a key or value, even one that looks like an option ({@code -h}).
   */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExpandAtFiles(false);
    cli.getSubcommands().get("kv").setStopAtPositional(true);
    return cli;
  }
}

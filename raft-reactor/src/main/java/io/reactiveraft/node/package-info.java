/**
 * The event pipeline that drives the protocol core.
 *
 * <p>Every input of a node (timer ticks, messages from peers, client proposals, log durability
 * acknowledgements, status queries) is queued on one multi-producer queue and drained by one worker
 * in batches. Each batch is fed to the pure {@code RaftCore}, and the actions it returns are
 * performed in order: store term and vote, write the log, send messages, hand committed entries to
 * the apply worker, answer callers. Nothing on the loop blocks on IO except storing term and vote,
 * which Raft requires before any message that carries them leaves.
 */
package io.reactiveraft.node;

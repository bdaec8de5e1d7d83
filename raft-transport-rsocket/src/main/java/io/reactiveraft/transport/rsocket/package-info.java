/**
 * The RSocket peer transport: {@link io.reactiveraft.transport.rsocket.RSocketTransport} carries
 * each Raft message as one RSocket request-response, encoded by {@link
 * io.reactiveraft.transport.rsocket.RaftFrameCodec}, over connections authenticated by {@link
 * io.reactiveraft.transport.rsocket.RaftSetup}. It binds its own port, or mounts on a service's
 * RSocket server.
 */
package io.reactiveraft.transport.rsocket;
